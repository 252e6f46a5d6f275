"""The thread pool of emgforce, with ``scipy.fft``'s ``workers`` convention.

Work that releases the GIL runs on it: long zero-phase filters, cut in time into
overlapping pieces (:mod:`emgforce.signal.workers`), and the checking and
converting of a recording's chunks as they are read (:mod:`emgforce.io.chunks`).
``workers=None`` takes the default: all CPUs this process may use, or
``EMGFORCE_WORKERS``, or what :func:`set_workers` sets. Processes that already
run in parallel (``emgforce batch --jobs``) use one worker each.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any

from emgforce.errors import SignalError

__all__ = ["available_cpus", "get_workers", "map_threads", "set_workers"]

_local = threading.local()
_pool: Any = None  # concurrent.futures.ThreadPoolExecutor, made on first use
_pool_size = 0
_pool_lock = threading.Lock()


def available_cpus() -> int:
    """CPUs this process may run on (its affinity where the system tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _check(workers) -> int:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers == 0 or workers < -1:
        raise SignalError(f"workers must be a positive integer or -1 (all CPUs), got {workers!r}")
    return available_cpus() if workers == -1 else workers


def get_workers(workers: int | None = None) -> int:
    """Number of threads a call with ``workers`` uses (``None``: the current default).

    Parameters
    ----------
    workers : int, optional
        Positive count, -1 for all CPUs, or None for the default (set by
        :func:`set_workers`, else the environment variable ``EMGFORCE_WORKERS``,
        else all CPUs).

    Returns
    -------
    int
    """
    if workers is not None:
        return _check(workers)
    default = getattr(_local, "workers", None)
    if default is not None:
        return default
    env = os.environ.get("EMGFORCE_WORKERS")
    if env:
        try:
            return _check(int(env))
        except ValueError:
            raise SignalError(f"EMGFORCE_WORKERS must be an integer, got {env!r}") from None
    return available_cpus()


@contextlib.contextmanager
def set_workers(workers: int) -> Iterator[None]:
    """Context manager setting the default ``workers`` in this thread (like ``scipy.fft.set_workers``).

    Parameters
    ----------
    workers : int
        Positive count or -1 for all CPUs.

    Examples
    --------
    >>> from emgforce.signal import get_workers, set_workers
    >>> with set_workers(1):
    ...     get_workers()
    1
    """
    new = _check(workers)
    old = getattr(_local, "workers", None)
    _local.workers = new
    try:
        yield
    finally:
        _local.workers = old


def map_threads(fn, items: list) -> list:
    """``[fn(item) for item in items]`` on the shared thread pool (exceptions re-raised).

    The calling thread waits (without the GIL). Running one item in it instead, to spare
    a thread's wake-up, measured slower (10 min of 1-2 channels enveloped on 2 threads).
    """
    global _pool, _pool_size
    from concurrent.futures import ThreadPoolExecutor

    with _pool_lock:
        if _pool is None or _pool_size < len(items):
            if _pool is not None:  # a larger pool replaces it; its idle threads end
                _pool.shutdown(wait=False)
            _pool_size = max(len(items), available_cpus())
            _pool = ThreadPoolExecutor(max_workers=_pool_size, thread_name_prefix="emgforce")
        # submitted under the lock: a replaced pool still runs what it was given
        futures = [_pool.submit(fn, item) for item in items]
    return [f.result() for f in futures]

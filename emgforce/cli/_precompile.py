"""First run of ``emgforce analyze``: a helper process compiles the kernels it reaches last.

In a fresh environment the command compiles its numba kernels one after another as it
reaches them, about 3 s on one core; numba caches them on disk for every later run. With a
core to spare, a helper process compiles the last ones meanwhile (the ramp fit of plateau
detection, then sample entropy: 1.4 s of the 3), so the command finds them in the cache when
it gets there. Two processes may share numba's cache: each file is written whole under a
temporary name, then renamed into place; a kernel both compile is cached twice, the same.

The helper starts only when the cache is cold and the process may run on two CPUs or more;
``EMGFORCE_PRECOMPILE=0`` turns it off. The command ends it when it finishes first.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys

from emgforce._workers import available_cpus

logger = logging.getLogger(__name__)

#: set to "0" to never start the helper
ENV = "EMGFORCE_PRECOMPILE"


def cache_is_cold() -> bool:
    """True when the mean sweep, which every analysis compiles first, is not in numba's cache.

    Reads where numba would keep it (internals: if they ever change, the answer is False
    and no helper starts).
    """
    from emgforce.signal import _kernels

    try:
        index = _kernels._block_sums._cache._cache_file._index_path
    except AttributeError:  # no cache (e.g. NUMBA_DISABLE_JIT) or other numba internals
        return False
    return not os.path.exists(index)


def start() -> subprocess.Popen | None:
    """Start the helper (None when off, on one CPU, or with a warm cache)."""
    if os.environ.get(ENV, "1") == "0" or available_cpus() < 2 or not cache_is_cold():
        return None
    try:
        return subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError as exc:  # the command compiles them itself
        logger.debug("precompile helper not started: %s", exc)
        return None


def stop(helper: subprocess.Popen | None) -> None:
    """End the helper if it still runs (a kernel it was compiling is then compiled on next use)."""
    if helper is None:
        return
    if helper.poll() is None:
        helper.terminate()
    try:
        helper.wait(timeout=5)
    except subprocess.TimeoutExpired:
        helper.kill()
        helper.wait()


def compile_kernels() -> None:
    """Compile (or load) the kernels ``analyze`` reaches last: the longest first."""
    import emgforce.tasks._kernels  # noqa: F401  (the ramp fit; explicit signatures: compiled on import)
    import numpy as np

    from emgforce.forceplate import sample_entropy

    sample_entropy(np.sin(np.arange(64.0)), 2, 0.2)  # as the sway descriptors call it: one signature


if __name__ == "__main__":
    compile_kernels()

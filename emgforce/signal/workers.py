"""Threads for long zero-phase filters, with ``scipy.fft``'s ``workers`` convention.

The zero-phase kernels release the GIL, so a long recording is cut in time into
one overlapping piece per worker thread; the overlap (the filters' settle time,
:func:`~emgforce.signal.filters.settle_samples`, on each side) makes the stitched
result equal the one-piece computation to rounding. The pool and its default size
are emgforce's own (:mod:`emgforce._workers`), shared with reading recordings:
``workers=None`` takes all CPUs this process may use, or ``EMGFORCE_WORKERS``, or
what :func:`set_workers` sets. Processes that already run in parallel (``emgforce
batch --jobs``) use one worker each.
"""

from __future__ import annotations

from emgforce._workers import get_workers, set_workers

__all__ = ["get_workers", "set_workers"]

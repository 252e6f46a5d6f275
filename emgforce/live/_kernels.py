"""Private numba kernel of the live display: one-pass min/max per bin.

Works on time-major ``(n_samples, n_channels)`` float64 arrays (views of the
ring buffer's storage are fine: rows are contiguous); the innermost loop runs
over channels so memory is read in order.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def minmax_bins(data, k, out_min, out_max):  # pragma: no cover - compiled
    """Min and max of every run of ``k`` rows (the last run may be shorter) into ``out_*[bin]``."""
    n, c = data.shape
    n_bins = out_min.shape[0]
    for b in range(n_bins):
        start = b * k
        stop = min(start + k, n)
        for ch in range(c):
            out_min[b, ch] = data[start, ch]
            out_max[b, ch] = data[start, ch]
        for i in range(start + 1, stop):
            for ch in range(c):
                v = data[i, ch]
                if v < out_min[b, ch]:
                    out_min[b, ch] = v
                elif v > out_max[b, ch]:
                    out_max[b, ch] = v

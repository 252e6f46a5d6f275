"""SWARII resampling of a COP trace (Audiffren et al. 2016), as used by Quijoux et al. (2021).

Sliding Windows Weighted Averaged Interpolation: each output sample at time
``t`` is the average of the input samples within ``t +- window_s/2``, each
weighted by the part of its Voronoi cell (half-way to its neighbours) that
lies in the window. Made for irregularly sampled consoles (Wii Balance
Board); on a regular force plate it is a short weighted moving average
followed by decimation.

References: Audiffren J., Contal E. (2016) Preprocessing the Nintendo Wii
Board signal to derive more accurate descriptors of statokinesigrams.
Sensors 16:1208. Quijoux F. et al. (2021) A review of center of pressure
(COP) variables to quantify standing balance in elderly people: algorithms
and open-access code. Physiol Rep 9:e15067.
"""

from __future__ import annotations

import numpy as np

from emgforce.errors import ForcePlateError
from emgforce.forceplate._validate import as_cop, check_positive

__all__ = ["drop_artefacts", "swarii"]

#: the published window (80 ms) less the 1e-6 s the reference code subtracts
SWARII_WINDOW_S = 0.08 - 1e-6
#: the reference's artefact thresholds on |dx| + |dy| between samples: 2 cm up, 0.5 cm back
ARTEFACT_UP_M = 0.02
ARTEFACT_DOWN_M = 0.005
#: samples before this time are dropped (the reference skips the console's start-up)
SKIP_START_S = 0.1


def drop_artefacts(t_s: np.ndarray, cop_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop one- and two-sample spikes, the first and last sample and the first 0.1 s.

    A sample is a spike when it jumps more than 2 cm (``|dx| + |dy|``) from
    the last kept sample and the trace is back within 0.5 cm of it one or
    two samples later (the reference code's rule, in m here).

    Returns
    -------
    t_s, cop_m : ndarray
        The kept samples.
    """
    keep = []
    last = None
    n = len(t_s)
    for k in range(1, n - 1):
        if t_s[k] < SKIP_START_S:
            continue
        if last is not None:
            jump = np.abs(cop_m[k] - last).sum() > ARTEFACT_UP_M
            if jump and np.abs(cop_m[k + 1] - last).sum() < ARTEFACT_DOWN_M:
                continue
            if jump and 1 < k < n - 2 and np.abs(cop_m[k + 2] - last).sum() < ARTEFACT_DOWN_M:
                continue
        keep.append(k)
        last = cop_m[k]
    idx = np.asarray(keep, dtype=int)
    return t_s[idx], cop_m[idx]


def swarii(t_s: np.ndarray, cop_m: np.ndarray, fs_out_hz: float = 25.0,
           window_s: float = SWARII_WINDOW_S) -> np.ndarray:
    """Resample ``cop_m`` (times ``t_s``) to ``fs_out_hz`` with SWARII.

    Output times start at ``max(0, t_s[0])`` and step by ``1 / fs_out_hz``
    (accumulated, as in the reference) while below ``t_s[-1]``.

    Parameters
    ----------
    t_s : ndarray, shape (n,)
        Increasing sample times, s.
    cop_m : ndarray, shape (n, 2)
        COP, m.
    fs_out_hz : float
        Output rate, Hz (25 in Quijoux et al. 2021).
    window_s : float
        Window width, s.

    Returns
    -------
    ndarray, shape (m, 2)

    Raises
    ------
    ForcePlateError
        Too few samples, or an output time with no input sample in its
        window (a gap in the timestamps: the reference interpolates these;
        here they are refused rather than filled silently).
    """
    fs_out = check_positive(fs_out_hz, "fs_out_hz", "swarii")
    cop = as_cop(cop_m, "swarii", 2)
    t = np.asarray(t_s, dtype=float)
    half = window_s * 0.5
    step = 1.0 / fs_out
    n_out = 0
    cur = max(0.0, t[0])
    grid = []
    while cur < t[-1]:  # accumulated like the reference, so the grid matches to the last bit
        grid.append(cur)
        cur += step
        n_out += 1
    out = np.empty((n_out, 2))
    for j, c in enumerate(grid):
        lo = np.searchsorted(t, c - half, side="right")
        hi = np.searchsorted(t, c + half, side="left")
        while lo > 0 and abs(t[lo - 1] - c) < half:  # searchsorted edges vs the strict |dt| < half
            lo -= 1
        while lo < hi and not abs(t[lo] - c) < half:
            lo += 1
        while hi < len(t) and abs(t[hi] - c) < half:
            hi += 1
        while hi > lo and not abs(t[hi - 1] - c) < half:
            hi -= 1
        if hi == lo:
            raise ForcePlateError(f"swarii: no COP sample within {window_s} s of t = {c:.3f} s (gap in the timestamps)")
        if hi - lo == 1:
            out[j] = cop[lo]
            continue
        idx = np.arange(lo, hi)
        mid = 0.5 * (t[idx[:-1]] + t[idx[1:]])
        left = np.concatenate([[max(t[0], c - half)], mid])
        right = np.concatenate([mid, [min(t[-1], c + half)]])
        w = right - left
        out[j] = (cop[idx] * w[:, None]).sum(axis=0) / w.sum()
    return out

"""Private numba kernels of the signal core.

Layout: every kernel works on time-major, C-contiguous float64 arrays of shape
``(n_samples, n_channels)``. The innermost loop always runs over channels, so
the recursion of each channel is independent and LLVM vectorises across
channels (one SIMD lane per channel); filter state lives in small
``(n_sections, 2, n_channels)`` arrays that stay in L1 cache.

The biquad update is the transposed direct form II used by
``scipy.signal.sosfilt``, in the same order of operations, so results agree
with scipy to rounding.

Only float64 signatures are compiled (wrappers cast), which keeps the number of
compilations, and the cached compile cost, small. The whole-signal kernels release
the GIL, so threads (e.g. a batch over recordings) can run them in parallel.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Policies for non-finite input samples (see ``emgforce.signal.quality``).
NONFINITE_RAISE = 0
NONFINITE_ZERO = 1
NONFINITE_HOLD = 2


# The per-row helpers are inlined (numba IR level): a call per row would cost more than the
# arithmetic. Indexing z directly (no z[s, 0] views) avoids reference counting in the loop.
@njit(cache=True, inline="always")
def _step(v, sos, z):
    """Pass one row ``v`` (n_channels,) through all sections, in place."""
    n_ch = v.shape[0]
    for s in range(sos.shape[0]):
        b0 = sos[s, 0]
        b1 = sos[s, 1]
        b2 = sos[s, 2]
        a1 = sos[s, 4]
        a2 = sos[s, 5]
        for c in range(n_ch):
            xc = v[c]
            yc = b0 * xc + z[s, 0, c]
            z[s, 0, c] = b1 * xc - a1 * yc + z[s, 1, c]
            z[s, 1, c] = b2 * xc - a2 * yc
            v[c] = yc


@njit(cache=True, inline="always")
def _init_state(z, zi, v):
    """Steady-state initial conditions ``zi * v`` (scipy: ``sosfilt_zi(sos) * x0``)."""
    for s in range(z.shape[0]):
        for k in range(2):
            for c in range(v.shape[0]):
                z[s, k, c] = zi[s, k] * v[c]


@njit(cache=True)
def sos_forward(x, sos, z, y, flags):
    """Causal cascade over ``x`` with state ``z`` (updated); ``y`` may be ``x``.

    ``sos`` rows are ``(b0, b1, b2, 1, a1, a2, zi0, zi1)``. ``flags`` =
    ``[started, steady, check]``: before the first sample, when ``steady``,
    the state is set to ``zi * x0``. With ``check``, a block holding a
    non-finite sample returns -1 with the state untouched; else 0.
    """
    n, n_ch = x.shape
    if flags[2]:
        for i in range(n):
            for c in range(n_ch):
                if not np.isfinite(x[i, c]):
                    return -1
    v = np.empty(n_ch)
    for i in range(n):
        for c in range(n_ch):
            v[c] = x[i, c]
        if flags[0] == 0:
            flags[0] = 1
            if flags[1]:
                _init_state(z, sos[:, 6:8], v)
        _step(v, sos, z)
        for c in range(n_ch):
            y[i, c] = v[c]
    return 0


@njit(cache=True)
def _forward_odd(x, mean, sos, zi, pad, y, tail):
    """Forward pass over the odd extension of ``x - mean`` (scipy ``odd_ext``).

    The ``pad`` samples of the left extension only set the state; the main part
    goes to ``y`` (which may be ``x``) and the right extension to ``tail``.
    """
    n, n_ch = x.shape
    z = np.empty((sos.shape[0], 2, n_ch))
    v = np.empty(n_ch)
    # Right extension first: when y is x its source samples are overwritten below.
    for k in range(pad):
        for c in range(n_ch):
            tail[k, c] = 2.0 * (x[n - 1, c] - mean[c]) - (x[n - 2 - k, c] - mean[c])
    for c in range(n_ch):
        v[c] = 2.0 * (x[0, c] - mean[c]) - (x[pad, c] - mean[c])
    _init_state(z, zi, v)
    for j in range(pad):
        for c in range(n_ch):
            v[c] = 2.0 * (x[0, c] - mean[c]) - (x[pad - j, c] - mean[c])
        _step(v, sos, z)
    for i in range(n):
        for c in range(n_ch):
            v[c] = x[i, c] - mean[c]
        _step(v, sos, z)
        for c in range(n_ch):
            y[i, c] = v[c]
    for k in range(pad):
        for c in range(n_ch):
            v[c] = tail[k, c]
        _step(v, sos, z)
        for c in range(n_ch):
            tail[k, c] = v[c]


@njit(cache=True)
def _backward(y, sos, zi, pad, tail, rectify):
    """Backward pass of filtfilt over ``y`` + ``tail``, in place on ``y``.

    The left extension's outputs are trimmed by scipy, so the pass stops at
    sample 0; ``rectify`` fuses full-wave rectification into the store.
    """
    n, n_ch = y.shape
    z = np.empty((sos.shape[0], 2, n_ch))
    v = np.empty(n_ch)
    for c in range(n_ch):
        v[c] = tail[pad - 1, c] if pad > 0 else y[n - 1, c]
    _init_state(z, zi, v)
    for k in range(pad - 1, -1, -1):
        for c in range(n_ch):
            v[c] = tail[k, c]
        _step(v, sos, z)
    for i in range(n - 1, -1, -1):
        for c in range(n_ch):
            v[c] = y[i, c]
        _step(v, sos, z)
        if rectify:
            for c in range(n_ch):
                y[i, c] = abs(v[c])
        else:
            for c in range(n_ch):
                y[i, c] = v[c]


@njit(cache=True, nogil=True)
def filtfilt(x, mean, sos, zi, pad, y, rectify):
    """scipy ``sosfiltfilt(sos, x - mean, axis=0)`` (odd padding) into ``y``."""
    tail = np.empty((pad, x.shape[1]))
    _forward_odd(x, mean, sos, zi, pad, y, tail)
    _backward(y, sos, zi, pad, tail, rectify)


@njit(cache=True, nogil=True)
def envelope_zero_phase(x, mean, pre_sos, pre_zi, pre_pad, lp_sos, lp_zi, lp_pad, y):
    """Fused zero-phase linear envelope, four sweeps, all in ``y``.

    ``sosfiltfilt(lp, abs(sosfiltfilt(pre, x - mean)))``: forward and backward
    pre-filter (rectified on the way back), then forward and backward low-pass.
    """
    n_ch = x.shape[1]
    if pre_sos.shape[0] > 0:
        filtfilt(x, mean, pre_sos, pre_zi, pre_pad, y, True)
    else:
        for i in range(x.shape[0]):
            for c in range(n_ch):
                y[i, c] = abs(x[i, c] - mean[c])
    filtfilt(y, np.zeros(n_ch), lp_sos, lp_zi, lp_pad, y, False)


@njit(cache=True, nogil=True)
def centred_mean(x, half, power, y):
    """Centred moving mean of ``|x|**power`` over ``2*half+1`` samples.

    The window shrinks at the edges to the available samples. The running sum
    is recomputed exactly every window length so rounding cannot drift.
    """
    n, n_ch = x.shape
    acc = np.zeros(n_ch)
    w = 2 * half + 1
    lo = 0
    hi = 0  # window is x[lo:hi]
    for i in range(n):
        new_hi = min(n, i + half + 1)
        new_lo = max(0, i - half)
        if i % w == 0:
            for c in range(n_ch):
                acc[c] = 0.0
            for j in range(new_lo, new_hi):
                for c in range(n_ch):
                    acc[c] += abs(x[j, c]) ** power
        else:
            for j in range(hi, new_hi):
                for c in range(n_ch):
                    acc[c] += abs(x[j, c]) ** power
            for j in range(lo, new_lo):
                for c in range(n_ch):
                    acc[c] -= abs(x[j, c]) ** power
        lo = new_lo
        hi = new_hi
        inv = 1.0 / (hi - lo)
        for c in range(n_ch):
            y[i, c] = acc[c] * inv


@njit(cache=True, inline="always")
def _replace_nonfinite(v, policy, hold, counts):
    """Replace non-finite entries of row ``v`` by 0 or the channel's last finite value."""
    replaced = 0
    for c in range(v.shape[0]):
        if np.isfinite(v[c]):
            hold[c] = v[c]
        else:
            counts[c] += 1.0
            replaced += 1
            v[c] = 0.0 if policy == NONFINITE_ZERO else hold[c]
    return replaced


@njit(cache=True, nogil=True)
def mean_and_nonfinite(x):
    """Per-channel mean and count of NaN/inf samples, in one sweep.

    Sums run over blocks of 4096 rows, then over the block sums, which keeps the
    rounding error of long recordings near numpy's pairwise summation.
    """
    n, n_ch = x.shape
    bad = np.zeros(n_ch, dtype=np.int64)
    total = np.zeros(n_ch)
    part = np.empty(n_ch)
    for start in range(0, n, 4096):
        for c in range(n_ch):
            part[c] = 0.0
        for i in range(start, min(n, start + 4096)):
            for c in range(n_ch):
                v = x[i, c]
                part[c] += v
                bad[c] += not np.isfinite(v)
        for c in range(n_ch):
            total[c] += part[c]
    return total / max(n, 1), bad


# Envelope modes of the causal chain.
MODE_LOWPASS = 0
MODE_MAV = 1
MODE_RMS = 2


@njit(cache=True)
def stream_block(x, y, coef, z, flags, aux, ring):
    """Causal envelope of one block, state kept between calls.

    Chain: non-finite handling, pre-filter (band-pass/notch), full-wave
    rectification, then either a low-pass cascade (``MODE_LOWPASS``) or a
    trailing moving mean of ``|v|`` (``MODE_MAV``) or ``v**2`` then square root
    (``MODE_RMS``) over ``ring.shape[0]`` samples, shrinking at the start.

    ``coef`` stacks the pre-filter then the low-pass sections as rows
    ``(b0, b1, b2, 1, a1, a2, zi0, zi1)``; ``z`` is their state.
    ``flags`` = ``[started, policy, mode, n_pre, ring position, ring fill,
    samples seen]``; ``aux`` = ``[hold values, non-finite counts, running sum]``
    per channel. The first sample ever seen sets every filter stage to the
    steady state of its first input (``sosfilt_zi(sos) * x0``), exactly what
    the causal offline function does. Returns -1 (state untouched) when a
    non-finite sample meets the "raise" policy, else the number replaced.
    """
    n, n_ch = x.shape
    policy = flags[1]
    if policy == NONFINITE_RAISE:
        for i in range(n):
            for c in range(n_ch):
                if not np.isfinite(x[i, c]):
                    return -1
    mode = flags[2]
    n_pre = flags[3]
    pre = coef[:n_pre]
    lp = coef[n_pre:]
    z_pre = z[:n_pre]
    z_lp = z[n_pre:]
    hold = aux[0]
    counts = aux[1]
    acc = aux[2]
    width = ring.shape[0]
    v = np.empty(n_ch)
    replaced = 0
    for i in range(n):
        for c in range(n_ch):
            v[c] = x[i, c]
        if policy != NONFINITE_RAISE:
            replaced += _replace_nonfinite(v, policy, hold, counts)
        first = flags[0] == 0
        if first:
            flags[0] = 1
            _init_state(z_pre, pre[:, 6:8], v)
        _step(v, pre, z_pre)
        if mode == MODE_LOWPASS:
            for c in range(n_ch):
                v[c] = abs(v[c])
            if first:
                _init_state(z_lp, lp[:, 6:8], v)
            _step(v, lp, z_lp)
            for c in range(n_ch):
                y[i, c] = v[c]
        else:
            pos = flags[4]
            full = flags[5] == width
            row = ring[pos]
            for c in range(n_ch):
                p = abs(v[c]) if mode == MODE_MAV else v[c] * v[c]
                if full:
                    acc[c] -= row[c]
                row[c] = p
                acc[c] += p
            if not full:
                flags[5] += 1
            flags[6] += 1
            if flags[6] % width == 0:
                # Exact re-summation so the running sum cannot drift.
                for c in range(n_ch):
                    acc[c] = 0.0
                for j in range(flags[5]):
                    for c in range(n_ch):
                        acc[c] += ring[j, c]
            flags[4] = (pos + 1) % width
            inv = 1.0 / flags[5]
            if mode == MODE_MAV:
                for c in range(n_ch):
                    y[i, c] = acc[c] * inv
            else:
                for c in range(n_ch):
                    y[i, c] = np.sqrt(max(acc[c] * inv, 0.0))
    return replaced

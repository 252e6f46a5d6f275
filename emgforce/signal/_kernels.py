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

from emgforce.signal._codes import MODE_LOWPASS, MODE_MAV, MODE_RMS, NONFINITE_HOLD, NONFINITE_RAISE, NONFINITE_ZERO

__all__ = ["MODE_LOWPASS", "MODE_MAV", "MODE_RMS", "NONFINITE_HOLD", "NONFINITE_RAISE", "NONFINITE_ZERO"]


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


@njit(cache=True)
def _flag(value):
    """``value`` as a plain (non-literal) bool: a constant True/False passed from one kernel to
    another would make numba compile the callee once per constant (fresh-cache compile time)."""
    return value != 0


@njit(cache=True, inline="always")
def _init_state(z, zi, v):
    """Steady-state initial conditions ``zi * v`` (scipy: ``sosfilt_zi(sos) * x0``)."""
    for s in range(z.shape[0]):
        for k in range(2):
            for c in range(v.shape[0]):
                z[s, k, c] = zi[s, k] * v[c]


@njit(cache=True, inline="always")
def _local_state(z, n_ch):
    """Kernel-local copy of a caller's ``(n_sections, 2, n_ch)`` state.

    Allocated with the literal 2 in its shape, LLVM can tell the two state rows apart
    and vectorises the sections (measured 1.5-2.3x faster than working on the caller's
    array or a ``.copy()``, bit-identical); the caller's state is written back at the end.
    """
    out = np.empty((z.shape[0], 2, n_ch))
    out[:] = z
    return out


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
    zl = _local_state(z, n_ch)
    for i in range(n):
        for c in range(n_ch):
            v[c] = x[i, c]
        if flags[0] == 0:
            flags[0] = 1
            if flags[1]:
                _init_state(zl, sos[:, 6:8], v)
        _step(v, sos, zl)
        for c in range(n_ch):
            y[i, c] = v[c]
    z[:] = zl
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
        filtfilt(x, mean, pre_sos, pre_zi, pre_pad, y, _flag(1))
    else:
        for i in range(x.shape[0]):
            for c in range(n_ch):
                y[i, c] = abs(x[i, c] - mean[c])
    filtfilt(y, np.zeros(n_ch), lp_sos, lp_zi, lp_pad, y, _flag(0))


# Time-blocked layout for few channels. The (few) channels alone leave most SIMD lanes
# idle, so the padded time axis g = 0 .. n + 2 * pad - 1 (sample t = g - pad) is cut into
# n_blocks blocks of `length` rows and stored as b[i, k * n_ch + c] = sample k * length + i:
# each row holds one sample of every block, and the recursions of the blocks run side by
# side like extra channels. Block k > 0 starts at rest `warm` samples before its first
# sample (read from block k - 1), which the decay of the cascade makes exact to rounding
# (see filters.settle_samples); the block holding a pass's first sample starts from
# scipy's steady state there.


_TILE = 256


@njit(cache=True, inline="always")
def _step_row(b, i, lo, sos, z, rectify):
    """Pass row ``i`` of ``b``, lanes ``lo:``, through all sections, in place (``_step`` on a row)."""
    lanes = b.shape[1]
    for s in range(sos.shape[0]):
        b0 = sos[s, 0]
        b1 = sos[s, 1]
        b2 = sos[s, 2]
        a1 = sos[s, 4]
        a2 = sos[s, 5]
        for c in range(lo, lanes):
            xc = b[i, c]
            yc = b0 * xc + z[s, 0, c]
            z[s, 0, c] = b1 * xc - a1 * yc + z[s, 1, c]
            z[s, 1, c] = b2 * xc - a2 * yc
            b[i, c] = yc
    if rectify:
        for c in range(lo, lanes):
            b[i, c] = abs(b[i, c])


@njit(cache=True, nogil=True)
def blocked_pass(b, n_ch, sos, zi, warm, first, last, reverse, rectify):
    """Causal pass over samples ``first .. last`` (padded index g) of blocked ``b``, in place.

    Forward from ``first`` or, with ``reverse``, backward from ``last``, starting
    from ``zi`` times that sample; the outputs outside the range are not meaningful.
    Needs ``warm`` + the padding < the block length.
    """
    length, lanes = b.shape
    z = np.zeros((sos.shape[0], 2, lanes))
    start = last if reverse else first
    k0 = start // length
    r0 = start % length
    if reverse:
        # warm-up of block k from the first `warm` rows of block k + 1, backwards
        w = np.zeros((warm, lanes))
        for i in range(warm):
            for c in range(lanes - n_ch):
                w[i, c] = b[i, c + n_ch]
        for i in range(warm - 1, -1, -1):
            _step_row(w, i, 0, sos, z, False)
        for i in range(length - 1, r0, -1):
            _step_row(b, i, 0, sos, z, rectify)
        _start_lanes(z, zi, b, r0, k0 * n_ch, n_ch)
        for i in range(r0, -1, -1):
            _step_row(b, i, 0, sos, z, rectify)
    else:
        w = np.zeros((warm, lanes))
        for i in range(warm):
            for c in range(n_ch, lanes):
                w[i, c] = b[length - warm + i, c - n_ch]
        for i in range(warm):
            _step_row(w, i, 0, sos, z, False)
        for i in range(r0):
            _step_row(b, i, 0, sos, z, rectify)
        _start_lanes(z, zi, b, r0, k0 * n_ch, n_ch)
        for i in range(r0, length):
            _step_row(b, i, 0, sos, z, rectify)


@njit(cache=True, inline="always")
def _start_lanes(z, zi, b, row, lo, n_ch):
    """Steady state ``zi * b[row, lo:lo + n_ch]`` for the lanes of one block."""
    for s in range(z.shape[0]):
        for j in range(2):
            for c in range(n_ch):
                z[s, j, lo + c] = zi[s, j] * b[row, lo + c]


@njit(cache=True, nogil=True)
def to_blocks(x, mean, pad, pad_ext, b):
    """Fill blocked ``b`` with ``x - mean`` at g = pad .. pad + n - 1 and its odd extension of ``pad_ext``."""
    n, n_ch = x.shape
    length = b.shape[0]
    # tiles of rows keep the transposition's working set in cache
    for i0 in range(0, length, _TILE):
        for k in range(b.shape[1] // n_ch):
            for i in range(i0, min(i0 + _TILE, length)):
                t = k * length + i - pad
                if 0 <= t < n:
                    for c in range(n_ch):
                        b[i, k * n_ch + c] = x[t, c] - mean[c]
                else:
                    for c in range(n_ch):
                        b[i, k * n_ch + c] = 0.0
    extend_blocks(b, n_ch, pad, n, pad_ext)


@njit(cache=True, nogil=True)
def extend_blocks(b, n_ch, pad, n, pad_ext):
    """Odd extension by ``pad_ext`` samples at both ends of samples g = pad .. pad + n - 1 of ``b``."""
    length = b.shape[0]
    for j in range(1, pad_ext + 1):
        for c in range(n_ch):
            _odd_point(b, n_ch, length, pad, pad - j, pad + j, c)
            _odd_point(b, n_ch, length, pad + n - 1, pad + n - 1 + j, pad + n - 1 - j, c)


@njit(cache=True, inline="always")
def _odd_point(b, n_ch, length, g_end, g_out, g_in, c):
    end = b[g_end % length, (g_end // length) * n_ch + c]
    b[g_out % length, (g_out // length) * n_ch + c] = 2.0 * end - b[g_in % length, (g_in // length) * n_ch + c]


@njit(cache=True, nogil=True)
def from_blocks(b, pad, y):
    """``y[t] = b`` at g = pad + t (inverse of :func:`to_blocks`'s placement)."""
    n, n_ch = y.shape
    length = b.shape[0]
    for i0 in range(0, length, _TILE):
        for k in range(b.shape[1] // n_ch):
            for i in range(max(i0, pad - k * length), min(i0 + _TILE, length, n + pad - k * length)):
                t = k * length + i - pad
                for c in range(n_ch):
                    y[t, c] = b[i, k * n_ch + c]


@njit(cache=True, nogil=True)
def filtfilt_blocked(x, sos, zi, pad, warm, b, y):
    """scipy ``sosfiltfilt(sos, x, axis=0)`` (odd padding) on the time-blocked layout ``b``."""
    n, n_ch = x.shape
    to_blocks(x, np.zeros(n_ch), pad, pad, b)
    first = pad - pad  # not the constant 0, which would specialise blocked_pass once more
    blocked_pass(b, n_ch, sos, zi, warm, first, n + 2 * pad - 1, _flag(0), _flag(0))
    blocked_pass(b, n_ch, sos, zi, warm, first, n + 2 * pad - 1, _flag(1), _flag(0))
    from_blocks(b, pad, y)


@njit(cache=True, nogil=True)
def envelope_blocked(x, mean, pre_sos, pre_zi, pre_pad, pre_warm, lp_sos, lp_zi, lp_pad, lp_warm, b, y):
    """The four sweeps of :func:`envelope_zero_phase` on the time-blocked layout ``b``."""
    n, n_ch = x.shape
    pad = max(pre_pad, lp_pad)
    to_blocks(x, mean, pad, pre_pad, b)
    if pre_sos.shape[0] > 0:
        blocked_pass(b, n_ch, pre_sos, pre_zi, pre_warm, pad - pre_pad, pad + n + pre_pad - 1, _flag(0), _flag(0))
        blocked_pass(b, n_ch, pre_sos, pre_zi, pre_warm, pad - pre_pad, pad + n + pre_pad - 1, _flag(1), _flag(1))
    else:
        for i in range(b.shape[0]):
            for c in range(b.shape[1]):
                b[i, c] = abs(b[i, c])
    extend_blocks(b, n_ch, pad, n, lp_pad)
    blocked_pass(b, n_ch, lp_sos, lp_zi, lp_warm, pad - lp_pad, pad + n + lp_pad - 1, _flag(0), _flag(0))
    blocked_pass(b, n_ch, lp_sos, lp_zi, lp_warm, pad - lp_pad, pad + n + lp_pad - 1, _flag(1), _flag(0))
    from_blocks(b, pad, y)


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


def mean_and_nonfinite(x):
    """Per-channel mean and count of NaN/inf samples, in one sweep.

    Sums run over blocks of 4096 rows, then over the block sums, which keeps the
    rounding error of long recordings near numpy's pairwise summation.
    """
    n, n_ch = x.shape
    bad = np.zeros(n_ch, dtype=np.int64)
    total = np.zeros(n_ch)
    add_block_sums(x, total, bad)
    return total / max(n, 1), bad


def add_block_sums(x, total, bad):
    """Add the sums of ``x`` over blocks of 4096 rows to ``total``, its NaN/inf counts to ``bad``.

    Fed chunk by chunk (chunks a multiple of 4096 rows), the totals are those of
    the whole signal in :func:`mean_and_nonfinite`, to the last bit.
    """
    _block_sums(x, total, bad, np.empty(x.shape[1]))


# Allocations and builtins (np.zeros, min) stay in the Python wrappers above: inside
# the kernel they made its fresh-cache compilation 5x longer (0.55 s vs 0.11 s).
@njit(cache=True, nogil=True)
def _block_sums(x, total, bad, part):
    """Kernel of :func:`add_block_sums`; ``part`` (n_channels,) is scratch."""
    n, n_ch = x.shape
    for start in range(0, n, 4096):
        stop = start + 4096
        if stop > n:
            stop = n
        for c in range(n_ch):
            part[c] = 0.0
        for i in range(start, stop):
            for c in range(n_ch):
                v = x[i, c]
                part[c] += v
                bad[c] += not np.isfinite(v)
        for c in range(n_ch):
            total[c] += part[c]


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
    z_pre = _local_state(z[:n_pre], n_ch)
    z_lp = _local_state(z[n_pre:], n_ch)
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
    z[:n_pre] = z_pre
    z[n_pre:] = z_lp
    return replaced

"""numba kernels of the tasks package: the ramp fit of plateau detection (private).

A ramp from level 0 to 1 with shape ``S`` (linear or raised cosine) starting at
``a`` and lasting ``d`` is sampled on a grid of step ``dt``, filtered forward and
backward by a low-pass as the infinitely extended ramp would be (the grid starts
and ends on the levels) and fitted to the target by Levenberg-Marquardt. The
filter is linear, so the Jacobian is the filtered derivative of the unfiltered
ramp: the three sequences run through the filter side by side.

Each numba function is compiled on its own in a fresh environment, and its
compilation grows faster than its length: the fit is two kernels called in turn by
the Python wrapper :func:`fit_ramp` (the first guesses, then the fit of one shape),
which also allocates their arrays. Helpers called from inside a kernel instead
tripled the compilation time (about 1 s here); allocations inside added ~0.2 s.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

LINEAR = 0
RAISED_COSINE = 1

#: model evaluations per shape at most
_MAX_EVALS = 60
#: a step below this fraction of the grid step ends a fit: the steps shrink at least tenfold near
#: the optimum, which is then a few microseconds away (a tighter tolerance costs an evaluation or two)
_XTOL = 1e-2


def fit_ramp(x, i0, i1, w0, w1, base, top, fs, step, sos, zi, tail, smooth_margin, fits):
    """Times at which the ramp through ``x[i0..i1]`` is at ``base`` and at ``top`` (NaN: no fit).

    Each shape's first guess maps the samples of ``x[i0..i1]`` between 25 % and 75 % of
    the contrast through the inverse of the shape (a least-squares line in time; fewer
    than three such samples: no fit). It is refined by least squares on ``x[w0..w1]``
    taken every ``step`` samples against the ramp filtered by ``sos``, a low-pass (unit
    gain at 0 Hz) designed for that rate, forward and backward: the forward pass starts
    in the steady state ``zi`` of the ramp's first value; the backward pass in the state
    that the forward pass's continuation on the last value leaves, ``zi * last + tail @
    (forward state - zi * last)``. The raised cosine wins only when its cost is below
    ``smooth_margin`` times the linear one's.

    ``fits`` holds the start and duration (s) of each shape's fit (linear, raised
    cosine): when finite, they replace the first guess (a refit after a small change of
    ``top``), and they are updated.
    """
    size = (w1 - w0) // step + 1
    width = 2 * sos.shape[0]
    grid = 5 * size  # the model grid: the target's, extended by at most twice its length at each end
    target, sums = np.empty(size), np.empty((2, 5))
    _guess_sums(x, i0, i1, w0, w1, base, top, fs, step, target, sums)
    if sums[LINEAR, 0] < 3.0:
        return np.nan, np.nan
    scratch = np.empty(3), np.empty((3, width)), np.empty((3, width)), np.empty((3, grid)), np.empty((3, grid))
    falling = x[i1] < x[i0]
    best_cost = np.inf
    t_base = t_top = np.nan
    for shape in (LINEAR, RAISED_COSINE):
        a, d = fits[2 * shape], fits[2 * shape + 1]
        if not (np.isfinite(a) and np.isfinite(d)):
            n, st, sy, stt, sty = sums[shape].tolist()
            den = n * stt - st * st
            slope = (n * sty - st * sy) / den if n >= 2.0 and den > 0.0 else np.nan
            if not slope > 0.0:
                continue
            a, d = i0 / fs - (sy - slope * st) / n / slope, 1.0 / slope
        a, d, cost = _fit_shape(shape, a, d, w0, w1, fs, step, sos, zi, tail, target, *scratch)
        fits[2 * shape], fits[2 * shape + 1] = a, d
        if shape == RAISED_COSINE:
            cost /= smooth_margin
        if cost < best_cost:
            best_cost = cost
            t_base, t_top = (a + d, a) if falling else (a, a + d)
    return t_base, t_top


# Two kernels called in turn from fit_ramp: one function holding both compiled ~0.15 s longer
# in a fresh environment; explicit signatures (what fit_ramp passes), so a wrong type fails
# loudly instead of compiling another specialisation.
@njit("void(float64[::1], int64, int64, int64, int64, float64, float64, float64, int64, float64[::1], "
      "float64[:, ::1])", cache=True, error_model="numpy")
def _guess_sums(x, i0, i1, w0, w1, base, top, fs, step, target, sums):
    """The target (``x[w0..w1]`` every ``step`` samples, 0 to 1, rising) and, per shape, the sums
    of the least-squares line through the inverse shape of the in-band samples of ``x[i0..i1]``."""
    c = top - base
    falling = x[i1] < x[i0]
    size = (w1 - w0) // step + 1
    for m in range(size):
        v = (x[w0 + m * step] - base) / c
        target[m] = 1.0 - v if falling else v

    # first guesses: least-squares lines through the inverse shapes of the in-band samples; the
    # inverse cosine costs more than a fit, so the smooth shape takes every few samples (16 or more)
    sums[:] = 0.0  # per shape: count, sum t, sum y, sum t^2, sum t y
    stride = max(1, min(step, (i1 - i0 + 1) // 16))
    for i in range(i0, i1 + 1):
        v = (x[i] - base) / c
        if not 0.25 < v < 0.75:
            continue
        if falling:
            v = 1.0 - v
        t = (i - i0) / fs  # from i0: the sums stay well conditioned late in a session
        for shape in range(2):
            if shape == RAISED_COSINE and (i - i0) % stride:
                continue
            y = v if shape == LINEAR else math.acos(1.0 - 2.0 * v) / math.pi
            sums[shape, 0] += 1.0
            sums[shape, 1] += t
            sums[shape, 2] += y
            sums[shape, 3] += t * t
            sums[shape, 4] += t * y


@njit("UniTuple(float64, 3)(int64, float64, float64, int64, int64, float64, int64, float64[:, ::1], "
      "float64[:, ::1], float64[:, ::1], float64[::1], float64[::1], float64[:, ::1], float64[:, ::1], "
      "float64[:, ::1], float64[:, ::1])", cache=True, error_model="numpy")
def _fit_shape(shape, a, d, w0, w1, fs, step, sos, zi, tail, target, last, start, state, rows, trial):
    """Levenberg-Marquardt fit of one shape from the guess ``(a, d)``: ``(a, d, cost)``."""
    size = (w1 - w0) // step + 1
    dt = step / fs
    width = 2 * sos.shape[0]
    d_min = 1.0 / fs
    d = max(d, d_min)
    # model grid: the target's, extended to hold the guessed ramp with room to move, so that it
    # starts and ends on a level; bounded against wild guesses
    before = after = 0
    if width:
        slack = 0.1 * d + 2.0 * dt
        before = int(min(math.ceil(max(w0 / fs - (a - slack), 0.0) / dt), 2.0 * size))  # bounded as floats:
        after = int(min(math.ceil(max((a + d + slack) - w1 / fs, 0.0) / dt), 2.0 * size))  # no int overflow
    n_grid = before + size + after
    t0 = w0 / fs - before * dt
    # rows: the accepted point, residual (row 0) and Jacobian (rows 1-2); trial: the next one

    cost = np.inf
    lam = 1e-3
    a_try, d_try = a, d
    h00 = h01 = h11 = g0 = g1 = 0.0
    for _ in range(_MAX_EVALS):
        # the unit ramp at (a_try, d_try) and its derivatives along a and d; the raised
        # cosine's phase advances by the same angle at each point: rotated, not recomputed
        turn_c, turn_s = math.cos(math.pi * dt / d_try), math.sin(math.pi * dt / d_try)
        cs = sn = 0.0
        started = False
        for j in range(n_grid):
            s = (t0 + j * dt - a_try) / d_try
            if s <= 0.0 or s >= 1.0:
                trial[0, j] = 0.0 if s <= 0.0 else 1.0
                trial[1, j] = 0.0
                trial[2, j] = 0.0
                continue
            if shape == LINEAR:
                value, slope = s, 1.0
            else:
                if started:
                    cs, sn = cs * turn_c - sn * turn_s, sn * turn_c + cs * turn_s
                else:
                    cs, sn = math.cos(math.pi * s), math.sin(math.pi * s)
                    started = True
                value, slope = 0.5 - 0.5 * cs, 0.5 * math.pi * sn
            trial[0, j] = value
            trial[1, j] = -slope / d_try
            trial[2, j] = -slope * s / d_try

        # through the low-pass, forward then backward, as if the rows went on for ever on their
        # first and last values
        for r in range(3):
            last[r] = trial[r, n_grid - 1]
            for i in range(width):
                start[r, i] = zi[i // 2, i % 2] * trial[r, 0]
        for direction in (1, -1):
            if direction == -1:
                for r in range(3):
                    for i in range(width):
                        acc = zi[i // 2, i % 2] * last[r]
                        for k in range(width):
                            acc += tail[i, k] * (state[r, k] - zi[k // 2, k % 2] * last[r])
                        start[r, i] = acc
            for k in range(width // 2):
                b0, b1, b2, a1, a2 = sos[k, 0], sos[k, 1], sos[k, 2], sos[k, 4], sos[k, 5]
                p0, q0 = start[0, 2 * k], start[0, 2 * k + 1]
                p1, q1 = start[1, 2 * k], start[1, 2 * k + 1]
                p2, q2 = start[2, 2 * k], start[2, 2 * k + 1]
                j = 0 if direction == 1 else n_grid - 1
                for _ in range(n_grid):  # the three recursions side by side overlap in the pipeline
                    x0, x1, x2 = trial[0, j], trial[1, j], trial[2, j]
                    y0 = b0 * x0 + p0
                    y1 = b0 * x1 + p1
                    y2 = b0 * x2 + p2
                    p0 = b1 * x0 - a1 * y0 + q0
                    p1 = b1 * x1 - a1 * y1 + q1
                    p2 = b1 * x2 - a1 * y2 + q2
                    q0 = b2 * x0 - a2 * y0
                    q1 = b2 * x1 - a2 * y1
                    q2 = b2 * x2 - a2 * y2
                    trial[0, j] = y0
                    trial[1, j] = y1
                    trial[2, j] = y2
                    j += direction
                state[0, 2 * k], state[0, 2 * k + 1] = p0, q0
                state[1, 2 * k], state[1, 2 * k + 1] = p1, q1
                state[2, 2 * k], state[2, 2 * k + 1] = p2, q2

        cost_try = 0.0
        for m in range(size):
            res = trial[0, before + m] - target[m]
            trial[0, before + m] = res
            cost_try += res * res
        cost_try *= 0.5

        if cost_try <= cost:  # accepted: Gauss-Newton normal equations at the new point
            a, d, cost = a_try, d_try, cost_try
            rows, trial = trial, rows
            lam = max(lam * 0.1, 1e-9)
            h00 = h01 = h11 = g0 = g1 = 0.0
            for m in range(before, before + size):
                res, ja, jd = rows[0, m], rows[1, m], rows[2, m]
                h00 += ja * ja
                h01 += ja * jd
                h11 += jd * jd
                g0 += ja * res
                g1 += jd * res
        else:
            lam *= 10.0
        if not (lam < 1e12 and h00 > 0.0 and h11 > 0.0):
            break
        p00 = h00 * (1.0 + lam)  # Marquardt's damping: scaled by the curvature of each parameter
        p11 = h11 * (1.0 + lam)
        det = p00 * p11 - h01 * h01
        a_try = a - (p11 * g0 - h01 * g1) / det
        d_try = max(d - (p00 * g1 - h01 * g0) / det, d_min)
        if abs(a_try - a) < _XTOL * dt and abs(d_try - d) < _XTOL * dt:
            a, d = a_try, d_try  # converged: the cost of so small a step is not worth a model
            break

    return a, d, cost

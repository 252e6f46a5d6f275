"""numba kernel of the tasks package: the ramp fit of plateau detection (private).

A ramp from level 0 to 1 with shape ``S`` (linear or raised cosine) starting at
``a`` and lasting ``d`` is sampled on a grid of step ``dt``, filtered forward and
backward by a low-pass as the infinitely extended ramp would be (the grid starts
and ends on the levels: :func:`_zero_phase`) and fitted to the target by
Levenberg-Marquardt. The filter is linear, so the Jacobian is the
filtered derivative of the unfiltered ramp: the three sequences run through the
filter side by side.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

LINEAR = 0
RAISED_COSINE = 1

_MAX_ITER = 50
#: a step below this fraction of the grid step ends the fit: the steps shrink at least tenfold near
#: the optimum, which is then a few microseconds away (a tighter tolerance costs an evaluation or two)
_XTOL = 1e-2


@njit(cache=True)
def _shape(shape, t0, dt, a, d, rows):
    """Unit ramp and its derivatives along ``a`` and ``d`` on the grid ``t0 + j dt`` (rows 0-2)."""
    n = rows.shape[1]
    # the raised cosine's phase advances by the same angle at each point: rotate it (no cos/sin per point)
    turn_c, turn_s = math.cos(math.pi * dt / d), math.sin(math.pi * dt / d)
    c = s_ = 0.0
    started = False
    for j in range(n):
        s = (t0 + j * dt - a) / d
        if s <= 0.0 or s >= 1.0:
            rows[0, j] = 0.0 if s <= 0.0 else 1.0
            rows[1, j] = 0.0
            rows[2, j] = 0.0
            continue
        if shape == LINEAR:
            value, slope = s, 1.0
        else:
            if started:
                c, s_ = c * turn_c - s_ * turn_s, s_ * turn_c + c * turn_s
            else:
                c, s_ = math.cos(math.pi * s), math.sin(math.pi * s)
                started = True
            value, slope = 0.5 - 0.5 * c, 0.5 * math.pi * s_
        rows[0, j] = value
        rows[1, j] = -slope / d
        rows[2, j] = -slope * s / d


@njit(cache=True)
def _pass(rows, sos, start, state, first, direction):
    """One pass of the cascade over the three rows in place from ``start``, leaving its end state in
    ``state``. The rows run side by side: their recursions overlap in the pipeline."""
    n = rows.shape[1]
    for k in range(sos.shape[0]):
        b0, b1, b2, a1, a2 = sos[k, 0], sos[k, 1], sos[k, 2], sos[k, 4], sos[k, 5]
        p0, q0 = start[0, 2 * k], start[0, 2 * k + 1]
        p1, q1 = start[1, 2 * k], start[1, 2 * k + 1]
        p2, q2 = start[2, 2 * k], start[2, 2 * k + 1]
        j = first
        for _ in range(n):
            x0, x1, x2 = rows[0, j], rows[1, j], rows[2, j]
            y0 = b0 * x0 + p0
            y1 = b0 * x1 + p1
            y2 = b0 * x2 + p2
            p0 = b1 * x0 - a1 * y0 + q0
            p1 = b1 * x1 - a1 * y1 + q1
            p2 = b1 * x2 - a1 * y2 + q2
            q0 = b2 * x0 - a2 * y0
            q1 = b2 * x1 - a2 * y1
            q2 = b2 * x2 - a2 * y2
            rows[0, j] = y0
            rows[1, j] = y1
            rows[2, j] = y2
            j += direction
        state[0, 2 * k], state[0, 2 * k + 1] = p0, q0
        state[1, 2 * k], state[1, 2 * k + 1] = p1, q1
        state[2, 2 * k], state[2, 2 * k + 1] = p2, q2


@njit(cache=True)
def _zero_phase(rows, sos, zi, tail):
    """Filter the three rows forward then backward in place as if each went on for ever on its first
    value before and on its last value after (levels: the model's grid starts and ends past the ramp).

    The forward pass starts in the steady state of the first values; the backward pass in the state
    that the forward pass's continuation on the last values leaves: ``zi * last + tail @ (forward
    state - zi * last)`` (a low-pass: unit gain at 0 Hz).
    """
    n = rows.shape[1]
    width = 2 * sos.shape[0]
    steady = zi.ravel()
    last = np.empty(3)
    start = np.empty((3, width))
    state = np.empty((3, width))
    for r in range(3):
        last[r] = rows[r, n - 1]
        for i in range(width):
            start[r, i] = steady[i] * rows[r, 0]
    _pass(rows, sos, start, state, 0, 1)
    for r in range(3):
        for i in range(width):
            acc = steady[i] * last[r]
            for j in range(width):
                acc += tail[i, j] * (state[r, j] - steady[j] * last[r])
            start[r, i] = acc
    _pass(rows, sos, start, state, n - 1, -1)


@njit(cache=True)
def _evaluate(shape, target, before, t0, dt, a, d, sos, zi, tail, rows):
    """Filtered model minus target on the target's grid (row 0) and its Jacobian (rows 1-2); half the
    squared residual sum."""
    _shape(shape, t0, dt, a, d, rows)
    _zero_phase(rows, sos, zi, tail)
    cost = 0.0
    for m in range(target.size):
        r = rows[0, before + m] - target[m]
        rows[0, before + m] = r
        cost += r * r
    return 0.5 * cost


@njit(cache=True)
def fit_shape(shape, target, before, after, t0, dt, a, d, d_min, sos, zi, tail):
    """Least-squares start and duration of a ramp of ``shape`` through ``sos`` against ``target``.

    Parameters
    ----------
    shape : int
        ``LINEAR`` or ``RAISED_COSINE``.
    target : ndarray, shape (m,)
        The signal on the fit grid, scaled so that the ramp goes from 0 to 1.
    before, after : int
        Model grid points before and after the target's: the model is filtered on
        ``before + m + after`` points starting at time ``t0``, step ``dt``.
    a, d : float
        First guess of the start and duration (same time unit as ``t0``).
    d_min : float
        Shortest duration.
    sos, zi, tail : ndarray
        Second-order sections of a low-pass (``(0, 6)``: no filter), their unit steady state and
        the matrix that takes the forward pass's transient state at the end of a signal that
        stays on its last value to the backward pass's start (see :func:`_zero_phase`).

    Returns
    -------
    (float, float, float)
        Start, duration, half the squared residual sum.
    """
    n = before + target.size + after
    rows = np.empty((3, n))
    trial = np.empty((3, n))
    d = max(d, d_min)
    cost = _evaluate(shape, target, before, t0, dt, a, d, sos, zi, tail, rows)
    lam = 1e-3
    for _ in range(_MAX_ITER):
        h00 = h01 = h11 = g0 = g1 = 0.0
        for m in range(before, before + target.size):
            r, ja, jd = rows[0, m], rows[1, m], rows[2, m]
            h00 += ja * ja
            h01 += ja * jd
            h11 += jd * jd
            g0 += ja * r
            g1 += jd * r
        if not (h00 > 0.0 and h11 > 0.0):
            break
        improved = False
        while not improved and lam < 1e12:
            p00 = h00 * (1.0 + lam)  # Marquardt's damping: scaled by the curvature of each parameter
            p11 = h11 * (1.0 + lam)
            det = p00 * p11 - h01 * h01
            a1 = a - (p11 * g0 - h01 * g1) / det
            d1 = max(d - (p00 * g1 - h01 * g0) / det, d_min)
            if abs(a1 - a) < _XTOL * dt and abs(d1 - d) < _XTOL * dt:
                return a1, d1, cost  # converged: the cost of so small a step is not worth a model
            cost1 = _evaluate(shape, target, before, t0, dt, a1, d1, sos, zi, tail, trial)
            if cost1 <= cost:
                improved = True
                a, d, cost = a1, d1, cost1
                rows, trial = trial, rows
                lam = max(lam * 0.1, 1e-9)
            else:
                lam *= 10.0
        if not improved:
            break
    return a, d, cost


@njit(cache=True)
def _line(x, i0, i1, base, c, falling, shape, fs, stride):
    """In-band samples (25-75 % of the contrast ``c`` above ``base``) of ``x[i0..i1]``, and the start and
    duration of the ramp of ``shape`` whose inverse maps them to a least-squares line in time (taking
    every ``stride``-th sample; NaN when it does not rise)."""
    n = st = sy = stt = sty = 0.0
    for i in range(i0, i1 + 1, stride):
        v = (x[i] - base) / c
        if 0.25 < v < 0.75:
            if falling:
                v = 1.0 - v
            y = v if shape == LINEAR else math.acos(1.0 - 2.0 * v) / math.pi
            t = (i - i0) / fs  # from i0: the sums stay well conditioned late in a session
            n += 1.0
            st += t
            sy += y
            stt += t * t
            sty += t * y
    slope = (n * sty - st * sy) / (n * stt - st * st) if n >= 2.0 else np.nan
    if not slope > 0.0:
        return n, np.nan, np.nan
    return n, i0 / fs - (sy - slope * st) / n / slope, 1.0 / slope


# one explicit signature (what segment passes): one compilation in a fresh environment, and a wrong
# type fails loudly instead of compiling another specialisation
@njit("UniTuple(float64, 2)(float64[::1], int64, int64, int64, int64, float64, float64, float64, int64, "
      "float64[:, ::1], float64[:, ::1], float64[:, ::1], float64, float64[::1])", cache=True)
def fit_ramp(x, i0, i1, w0, w1, base, top, fs, step, sos, zi, tail, smooth_margin, fits):
    """Times at which the ramp through ``x[i0..i1]`` is at ``base`` and at ``top`` (NaN: no fit).

    Each shape's first guess maps the samples between 25 % and 75 % of the contrast
    through the inverse of the shape (a straight line in time); it is refined by
    :func:`fit_shape` on ``x[w0..w1]`` taken every ``step`` samples (``sos`` is the
    low-pass designed for that rate, ``zi`` and ``tail`` as in :func:`fit_shape`).
    The raised cosine wins only when its cost is below ``smooth_margin`` times the
    linear one's. ``fits`` holds the start and duration of each shape's fit (linear,
    raised cosine): when finite, they replace the first guess (a refit after a small
    change of ``top``), and they are updated.
    """
    c = top - base
    falling = x[i1] < x[i0]
    size = (w1 - w0) // step + 1
    target = np.empty(size)
    for m in range(size):
        v = (x[w0 + m * step] - base) / c
        target[m] = 1.0 - v if falling else v
    dt = step / fs
    n, a_line, d_line = _line(x, i0, i1, base, c, falling, LINEAR, fs, 1)
    if n < 3.0:
        return np.nan, np.nan
    best_cost = np.inf
    t_base = t_top = np.nan
    for shape in (LINEAR, RAISED_COSINE):
        a, d = fits[2 * shape], fits[2 * shape + 1]
        if not (np.isfinite(a) and np.isfinite(d)):
            if shape == LINEAR:
                a, d = a_line, d_line
            else:  # its inverse costs more than the fit: every few samples (still 16 or more) will do
                _, a, d = _line(x, i0, i1, base, c, falling, shape, fs, max(1, min(step, int(n) // 16)))
            if not np.isfinite(d):
                continue
        # model grid: the target's, extended to hold the guessed ramp with room to move, so that it
        # starts and ends on a level; bounded against wild guesses
        before = after = 0
        if sos.shape[0]:
            slack = 0.1 * d + 2.0 * dt
            before = min(int(math.ceil(max(w0 / fs - (a - slack), 0.0) / dt)), 2 * size)
            after = min(int(math.ceil(max((a + d + slack) - w1 / fs, 0.0) / dt)), 2 * size)
        fa, fd, cost = fit_shape(shape, target, before, after, w0 / fs - before * dt, dt, a, d, 1.0 / fs, sos, zi, tail)
        fits[2 * shape], fits[2 * shape + 1] = fa, fd
        if shape == RAISED_COSINE:
            cost /= smooth_margin
        if cost < best_cost:
            best_cost = cost
            t_base, t_top = (fa + fd, fa) if falling else (fa, fa + fd)
    return t_base, t_top

"""Segmentation inside trials: repetitions, holds and stance phases.

From the events table when it has them (``rep`` start/stop pairs or marks,
``lift``/``touchdown`` marks), otherwise automatically from a signal that
steps up during the movement: the vertical force under the working foot (a
bridge loads the feet, lifting the other leg loads the stance plate) or the
GM linear envelope.

The automatic detector (:func:`detect_plateaus`) works on the zero-phase
low-pass-filtered signal between two levels found in the trial itself
(robust medians of the low and high samples, or given): a movement is a run
above the midpoint ``base + 0.5 (top - base)``; each of its ramps is fitted by
a linear or a smooth (raised-cosine) ramp from ``base`` to ``top``, whose ends
give the movement start and end and the hold start and end.
"""

from __future__ import annotations

__all__ = ["PlateauLevels", "detect_plateaus", "marks_in", "plateau_levels", "reps_from_events"]

import logging
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Sequence

import numpy as np

from emgforce._deprecation import renamed_kwargs
from emgforce._runs import true_runs
from emgforce.errors import AnalysisError
from emgforce.signal import butter_sos, filter_zero_phase
from emgforce.signal._lazy import LazyModule, scipy_signal
from emgforce.signal.filters import steady_state
from emgforce.tasks.results import Phase

log = logging.getLogger(__name__)

#: a smooth (raised-cosine) ramp is chosen over a linear one when its squared error is this much smaller
SMOOTH_SHAPE_MARGIN = 0.7
#: ramp fits compare model and signal at this many samples per second per hertz of the low-pass
FIT_RATE_PER_CUTOFF = 20.0
#: ... and on at least this many points
MIN_FIT_POINTS = 16
#: the plateau levels are estimated on as few samples of a smoothed signal (but not on fewer than this)
MIN_LEVEL_POINTS = 1000

_kernels = LazyModule("emgforce.tasks._kernels")


@dataclass(frozen=True)
class PlateauLevels:
    """Signal levels used by :func:`detect_plateaus` (in the signal's unit)."""

    base: float
    top: float

    @property
    def contrast(self) -> float:
        return self.top - self.base


@lru_cache(maxsize=32)
def _lowpass_sos(cutoff_hz: float, fs_hz: float) -> np.ndarray:
    # designed once per rate: the signal's, and the ramp fits' (every few samples)
    return butter_sos(2, cutoff_hz, fs_hz, "low")


def _smooth_step(fs_hz: float, cutoff_hz: float | None) -> int:
    """Every how many samples a signal smoothed at ``cutoff_hz`` still has ``FIT_RATE_PER_CUTOFF``
    samples per second per hertz of the cut-off (1 when it is not smoothed)."""
    if cutoff_hz is None or cutoff_hz >= 0.5 * fs_hz:
        return 1
    return max(1, int(fs_hz // (FIT_RATE_PER_CUTOFF * cutoff_hz)))


@lru_cache(maxsize=32)
def _fit_filter(cutoff_hz: float | None, fs_hz: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The low-pass at the rate of a ramp fit's grid, its steady state, and the matrix taking the
    forward pass's transient state at the end of a signal that stays on its last value to the
    state the backward pass starts in there (the continuation's response; none: not smoothed)."""
    if cutoff_hz is None or cutoff_hz >= 0.5 * fs_hz:
        return np.zeros((0, 6)), np.zeros((0, 2)), np.zeros((0, 0))
    sos = np.ascontiguousarray(_lowpass_sos(cutoff_hz, fs_hz))
    zi = steady_state(sos)
    radius = max(float(np.abs(np.roots(section[3:])).max()) for section in sos)
    length = int(np.ceil(40.0 / -np.log(radius)))  # the transient decays by e^-40
    n_state = 2 * sos.shape[0]
    tail = np.empty((n_state, n_state))
    for i, unit in enumerate(np.eye(n_state)):
        transient = scipy_signal.sosfilt(sos, np.zeros(length), zi=unit.reshape(-1, 2))[0]
        tail[:, i] = scipy_signal.sosfilt(sos, transient[::-1], zi=np.zeros_like(zi))[1].ravel()
    return sos, zi, tail


def _fit_ramp(xs: np.ndarray, fs: float, smooth_hz: float | None, span: tuple[int, int], window: tuple[int, int],
              base: float, top: float, fits: np.ndarray) -> tuple[float, float] | None:
    """Times (s) at which the ramp through samples ``span`` (inclusive) of ``xs`` is at ``base`` and at ``top``.

    A ramp is ``base + (top - base) S((t - t_a) / (t_b - t_a))`` with a linear or a smooth
    (raised-cosine) shape S. Each shape's first guess maps the samples between 25 % and
    75 % of the contrast through the inverse of S (a straight line in time); it is then
    refined by least squares over ``window`` (inclusive) with the model smoothed by the same
    low-pass as the signal, and the shape that fits better wins. (A line fitted to the raw
    ramp is biased by 0.165 x the duration on smooth ramps.) ``fits`` (start, duration of
    the linear, then of the smooth fit) carries each shape's fit to the next fit of the same
    ramp, which then starts from it (NaN at first).

    The smoothed signal and the smoothed model hold nothing above a few times the cut-off,
    so the fit compares them every ``step`` samples (``FIT_RATE_PER_CUTOFF`` samples per second
    per hertz of the cut-off, on at least ``MIN_FIT_POINTS`` points) with the low-pass designed
    for that rate: the edges stay within a millisecond of a fit at the full rate
    (tests/tasks/test_segment.py).
    """
    if not top > base:
        return None
    w0, w1 = window
    step = max(1, min(_smooth_step(fs, smooth_hz), (w1 - w0) // MIN_FIT_POINTS))
    sos, zi, tail = _fit_filter(smooth_hz, fs / step)
    t_base, t_top = _kernels.fit_ramp(xs, span[0], span[1], w0, w1, base, top, fs, step, sos, zi, tail,
                                      SMOOTH_SHAPE_MARGIN, fits)
    return None if np.isnan(t_base) else (t_base, t_top)


def _smooth(x: np.ndarray, fs_hz: float, cutoff_hz: float | None) -> np.ndarray:
    if cutoff_hz is None or cutoff_hz >= 0.5 * fs_hz:
        return x
    sos = _lowpass_sos(float(cutoff_hz), float(fs_hz))
    if x.size <= 3 * (2 * sos.shape[0] + 1):
        return x
    return filter_zero_phase(x, sos)  # scipy's sosfiltfilt to rounding, ~4x faster on one channel


def _median(a: np.ndarray) -> float:
    """``np.median`` of finite 1-D data (same value), without its NaN check and dispatch overhead."""
    k = a.size // 2
    if a.size % 2:
        return float(np.partition(a, k)[k])
    p = np.partition(a, (k - 1, k))
    return float((p[k - 1] + p[k]) / 2)


def plateau_levels(x: np.ndarray, fs: float, *, smooth_hz: float | None = 5.0, high_frac: float = 0.8) -> PlateauLevels:
    """The base and plateau levels :func:`detect_plateaus` finds on ``x`` by default.

    Given back to :func:`detect_plateaus` (``levels=``) on a part of ``x``, the
    part is judged against the whole signal, as a live display does with the
    tail of a set. A smoothed signal is taken every few samples
    (:data:`FIT_RATE_PER_CUTOFF` per second per hertz of the cut-off, keeping at
    least :data:`MIN_LEVEL_POINTS`): it is oversampled, and the levels then cost
    a fifth of their time on all samples (on the benchmark's load they move by ~1e-6 of the
    contrast).
    """
    return _robust_levels(_smooth(np.asarray(x, dtype=float), fs, smooth_hz), high_frac, _smooth_step(fs, smooth_hz))


def _robust_levels(xs: np.ndarray, high_frac: float, step: int = 1, iterations: int = 3) -> PlateauLevels:
    """Base and plateau levels: start from the 1st/99th percentiles, then take the median of
    the samples near each level, so that noise peaks do not inflate the plateau (which would
    bias the extrapolated edges). On every ``step``-th sample (a smoothed signal is oversampled)
    unless fewer than ``MIN_LEVEL_POINTS`` remain."""
    xs = xs[:: max(1, min(step, xs.size // MIN_LEVEL_POINTS))]
    base, top = (float(v) for v in np.percentile(xs, [1, 99]))  # one selection for both
    for _ in range(iterations):
        c = top - base
        if not c > 0:
            break
        lo = xs[xs <= base + (1.0 - high_frac) * c]
        hi = xs[xs >= base + high_frac * c]
        if lo.size == 0 or hi.size == 0:
            break
        new = _median(lo), _median(hi)
        if new == (base, top):  # converged: further iterations would repeat this one
            break
        base, top = new
    return PlateauLevels(base, top)


@renamed_kwargs(fs_hz="fs")
def detect_plateaus(
    x: np.ndarray,
    fs: float,
    *,
    t0_s: float = 0.0,
    smooth_hz: float | None = 5.0,
    levels: PlateauLevels | None = None,
    min_contrast: float = 0.0,
    high_frac: float = 0.8,
    min_duration_s: float = 0.5,
    merge_gap_s: float = 0.0,
) -> list[Phase]:
    """Find movements that raise a signal to a plateau (bridge reps, stance phases).

    A movement is a run of the smoothed signal above the midpoint
    ``base + 0.5 (top - base)``. Each ramp, from ``base`` to the run's own
    plateau level (median of its samples above ``high_frac``), is fitted by
    least squares with a linear and with a raised-cosine shape, each smoothed
    by the same low-pass as the signal, around its samples between 25 % and
    75 % of the contrast (compared every few samples, at
    :data:`FIT_RATE_PER_CUTOFF` times the cut-off: the smoothed signal holds
    nothing faster); the better shape (the smooth one only when its
    squared error is below :data:`SMOOTH_SHAPE_MARGIN` times the linear one's)
    gives the movement start/stop (at ``base``) and the hold start/stop (at the
    plateau): within a few ms for linear and smooth ramps of 0.2-2 s, and
    unaffected by noise on the plateaus. Without a ``high_frac`` crossing the
    hold is the peak instant.

    Parameters
    ----------
    x : ndarray, shape (n,)
        Signal over one trial (Fz in N, or an envelope).
    fs : float
        Sampling rate of ``x``.
    t0_s : float
        Session time of ``x[0]``; returned phases are in session seconds.
    smooth_hz : float or None
        Cut-off of the zero-phase 2nd-order Butterworth low-pass applied first.
    levels : PlateauLevels, optional
        Base and top levels; default: starting from the 1st and 99th
        percentiles of the smoothed signal, the medians of the samples within
        ``1 - high_frac`` of the contrast from each level (three iterations),
        on every few samples as the fits (:func:`plateau_levels`).
    min_contrast : float
        Below this ``top - base`` the trial holds no movement: returns [].
    high_frac : float
        Samples above ``base + high_frac (top - base)`` make up a plateau,
        in (0.5, 1].
    min_duration_s : float
        Runs above the midpoint shorter than this are ignored (noise, twitches).
    merge_gap_s : float
        Dips below the midpoint shorter than this do not split a run.

    Returns
    -------
    list of Phase
        In time order, non-overlapping, clipped to the window.
    """
    xs = np.asarray(x, dtype=float)
    if xs.ndim != 1:
        raise AnalysisError(f"detect_plateaus needs a 1-D signal, got shape {xs.shape}")
    xs = np.ascontiguousarray(xs)  # the fit kernel takes contiguous samples
    if not fs > 0:
        raise AnalysisError(f"fs must be positive, got {fs}")
    if not 0.5 < high_frac <= 1.0:
        raise AnalysisError(f"need 0.5 < high_frac <= 1, got {high_frac}")
    if xs.size < 3 or not (np.isfinite(xs.min()) and np.isfinite(xs.max())):  # NaN propagates: one pass each
        return []
    xs = _smooth(xs, fs, smooth_hz)
    every = _smooth_step(fs, smooth_hz)  # levels (medians) of the smoothed signal need no more samples
    if levels is None:
        levels = _robust_levels(xs, high_frac, every)
    if not levels.contrast > max(min_contrast, 0.0):
        return []
    mid = levels.base + 0.5 * levels.contrast
    high = levels.base + high_frac * levels.contrast
    n = xs.size
    end = (n - 1) / fs

    merged: list[list[int]] = []
    for a, b in true_runs(xs > mid):
        if merged and (a - merged[-1][1]) / fs < merge_gap_s:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    runs = [(a, b) for a, b in merged if (b - a) / fs >= min_duration_s]
    bounds = [0] + [x for r in runs for x in r] + [n]  # the runs and the gaps around them

    # the ramps without plateau noise (noisy envelopes dip below 90 % in holds): 25-75 % of the contrast
    inside = (xs > levels.base + 0.25 * levels.contrast) & (xs < levels.base + 0.75 * levels.contrast)

    # run boundaries of `inside` (last index before each change): a ramp's extent is a lookup
    # (a list: bisect on it costs a tenth of np.searchsorted's call)
    band_edges = np.flatnonzero(inside[1:] != inside[:-1]).tolist()

    def ramp_span(i_mid: int, lo_bound: int, hi_bound: int) -> tuple[int, int]:
        """The contiguous samples inside the fit band around the midpoint crossing at ``i_mid``."""
        i0 = i1 = i_mid
        if i_mid - 1 >= lo_bound and inside[i_mid - 1]:
            j = bisect_left(band_edges, i_mid - 1)  # edges before the run holding i_mid - 1
            i0 = max(band_edges[j - 1] + 1 if j else 0, lo_bound)
        if i_mid + 1 <= hi_bound and inside[i_mid + 1]:
            j = bisect_left(band_edges, i_mid + 1)  # first edge at or after i_mid + 1
            i1 = min(band_edges[j] if j < len(band_edges) else n - 1, hi_bound)
        return i0, i1

    phases = []
    prev_stop = 0.0
    for k, (a, b) in enumerate(runs):
        at_top = np.flatnonzero(xs[a:b] >= high)
        peak = (a + int(np.argmax(xs[a:b]))) / fs if not at_top.size else np.nan  # only used without a plateau
        gap_before = slice(bounds[2 * k], a)
        gap_after = slice(b, bounds[2 * k + 3])
        rise_span = ramp_span(a, gap_before.start, a + int(at_top[0])) if at_top.size and a > 0 else None
        fall_span = ramp_span(b, a + int(at_top[-1]), gap_after.stop - 1) if at_top.size and b < n else None
        # this run's plateau level: the median between the ramps, refined as the ramps' ends move
        top = _median(xs[a:b][at_top[::every]]) if at_top.size else levels.top
        # fit windows: the ramp and half as much again (plus 0.1 s) of the level on each side of it,
        # never past the middle of the plateau or into the next movement
        def window(span: tuple[int, int], lo: int, hi: int) -> tuple[int, int]:
            m = (span[1] - span[0]) // 2 + int(0.1 * fs)
            return max(lo, span[0] - m), min(hi, span[1] + m)

        middle = a + (int(at_top[0]) + int(at_top[-1])) // 2 if at_top.size else a
        rise_win = window(rise_span, gap_before.start, middle) if rise_span else None
        fall_win = window(fall_span, middle, gap_after.stop - 1) if fall_span else None
        fits = np.full(8, np.nan)  # each ramp's fits, carried to its refits
        rise_fits, fall_fits = fits[:4], fits[4:]
        rise = _fit_ramp(xs, fs, smooth_hz, rise_span, rise_win, levels.base, top, rise_fits) if rise_span else None
        fall = _fit_ramp(xs, fs, smooth_hz, fall_span, fall_win, levels.base, top, fall_fits) if fall_span else None
        if rise is not None and fall is not None:
            hold = None
            for _ in range(3):
                last, hold = hold, (max(int(np.ceil(rise[1] * fs)), a), min(int(fall[1] * fs) + 1, b))
                if hold == last or hold[1] - hold[0] < 3:  # the same samples give the same level
                    break
                level = _median(xs[hold[0] : hold[1] : every])
                if not level > levels.base or level == top:  # converged: the refits would be the same
                    break
                top = level
                rise = _fit_ramp(xs, fs, smooth_hz, rise_span, rise_win, levels.base, top, rise_fits) or rise
                fall = _fit_ramp(xs, fs, smooth_hz, fall_span, fall_win, levels.base, top, fall_fits) or fall
        if a == 0:
            start, hold_start = 0.0, (a + int(at_top[0])) / fs if at_top.size else peak
        elif rise is not None:
            start, hold_start = rise
        else:  # a step (or no plateau): no ramp to extrapolate
            start, hold_start = a / fs, (a + int(at_top[0])) / fs if at_top.size else peak
        if b == n:
            stop, hold_stop = end, (a + int(at_top[-1])) / fs if at_top.size else peak
        elif fall is not None:
            stop, hold_stop = fall
        else:
            stop, hold_stop = b / fs, (a + int(at_top[-1])) / fs if at_top.size else peak
        start = max(start, prev_stop, 0.0)
        stop = min(stop, end)
        hold_start = min(max(hold_start, start), stop)
        hold_stop = min(max(hold_stop, hold_start), stop)
        phases.append(Phase(*(float(t0_s + v) for v in (start, hold_start, hold_stop, stop))))
        prev_stop = stop
    return phases


# --------------------------------------------------------------------------- events


def _event_fields(ev: Any) -> tuple[str, str, float]:
    return str(ev.label), str(ev.kind), float(ev.time_s)


def reps_from_events(events: Iterable[Any], start_s: float, stop_s: float, label: str = "rep") -> list[Phase]:
    """Repetitions inside ``[start_s, stop_s]`` from the events table.

    ``rep`` start/stop pairs give the repetitions directly; ``rep`` marks
    without stops are taken as the starts of consecutive repetitions (the last
    ends at the trial's stop). ``hold`` start/stop pairs (or marks) inside a
    repetition set its hold; without them the hold spans the repetition.
    """
    evs = sorted((_event_fields(e) for e in events), key=lambda e: e[2])
    evs = [e for e in evs if start_s <= e[2] <= stop_s]
    reps = _intervals(evs, label, stop_s)
    holds = _intervals(evs, "hold", stop_s)
    out = []
    for a, b in reps:
        inside = [(h0, h1) for h0, h1 in holds if a <= h0 < b]
        h0, h1 = (inside[0][0], min(inside[-1][1], b)) if inside else (a, b)
        out.append(Phase(a, h0, h1, b))
    return out


def _intervals(evs: Sequence[tuple[str, str, float]], label: str, stop_s: float) -> list[tuple[float, float]]:
    starts = [t for lab, kind, t in evs if lab == label and kind == "start"]
    stops = [t for lab, kind, t in evs if lab == label and kind == "stop"]
    if starts:
        out = []
        for a in starts:
            later = [b for b in stops if b > a]
            out.append((a, later[0] if later else stop_s))
        return out
    marks = [t for lab, kind, t in evs if lab == label and kind == "mark"]
    return [(a, b) for a, b in zip(marks, marks[1:] + [stop_s])]


def marks_in(events: Iterable[Any], label: str, start_s: float, stop_s: float) -> list[float]:
    """Times of events labelled ``label`` (any kind) inside ``[start_s, stop_s]``."""
    return sorted(t for lab, _, t in map(_event_fields, events) if lab == label and start_s <= t <= stop_s)

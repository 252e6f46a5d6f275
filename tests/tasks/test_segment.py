"""Automatic segmentation on signals with known ramp times (closed-form trapezoids)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.streams import Marker
from emgforce.errors import AnalysisError
from emgforce.tasks.segment import PlateauLevels, detect_plateaus, marks_in, reps_from_events


def trapezoids(fs, duration, reps, base=1.0, top=3.0):
    """Piecewise-linear signal: (start, ramp up, hold, ramp down) per rep, known edges."""
    t = np.arange(int(duration * fs)) / fs
    knots_t, knots_v = [0.0], [base]
    for start, up, hold, down in reps:
        knots_t += [start, start + up, start + up + hold, start + up + hold + down]
        knots_v += [base, top, top, base]
    knots_t.append(duration)
    knots_v.append(base)
    return np.interp(t, knots_t, knots_v)


REPS = [(1.0, 1.0, 3.0, 1.0), (8.0, 1.0, 3.0, 1.0), (15.0, 0.5, 2.0, 0.8)]


def test_trapezoid_edges_are_exact():
    fs = 1000.0
    x = trapezoids(fs, 20.0, REPS)
    phases = detect_plateaus(x, fs, smooth_hz=None, t0_s=100.0)
    assert len(phases) == 3
    for p, (s, up, hold, down) in zip(phases, REPS):
        assert p.start_s == pytest.approx(100.0 + s, abs=2e-3)
        assert p.hold_start_s == pytest.approx(100.0 + s + up, abs=2e-3)
        assert p.hold_stop_s == pytest.approx(100.0 + s + up + hold, abs=2e-3)
        assert p.stop_s == pytest.approx(100.0 + s + up + hold + down, abs=2e-3)
        assert p.hold_s == pytest.approx(hold, abs=4e-3)


def test_noisy_and_smoothed_edges_within_50_ms():
    fs = 500.0
    rng = np.random.default_rng(1)
    x = trapezoids(fs, 20.0, REPS, base=150.0, top=340.0) + rng.normal(0, 4.0, int(20 * fs))
    phases = detect_plateaus(x, fs, smooth_hz=5.0)
    assert len(phases) == 3
    for p, (s, up, hold, down) in zip(phases, REPS):
        assert abs(p.start_s - s) < 0.05
        assert abs(p.stop_s - (s + up + hold + down)) < 0.05


def test_flat_signal_has_no_reps_with_contrast_floor():
    fs = 200.0
    x = 300.0 + np.random.default_rng(2).normal(0, 2.0, 2000)
    assert detect_plateaus(x, fs, min_contrast=20.0) == []


def test_short_blips_ignored_and_gaps_merged():
    fs = 1000.0
    x = trapezoids(fs, 10.0, [(1.0, 0.02, 0.1, 0.02), (3.0, 0.2, 1.0, 0.2)])
    assert len(detect_plateaus(x, fs, smooth_hz=None, min_duration_s=0.5)) == 1
    # a dip to the base for 0.1 s splits a plateau unless merged
    y = trapezoids(fs, 10.0, [(1.0, 0.2, 2.0, 0.05), (3.3, 0.05, 2.0, 0.2)])
    assert len(detect_plateaus(y, fs, smooth_hz=None)) == 2
    assert len(detect_plateaus(y, fs, smooth_hz=None, merge_gap_s=0.3)) == 1


def test_plateau_at_window_edges_is_clipped():
    fs = 100.0
    x = np.r_[np.full(300, 5.0), np.full(300, 1.0), np.full(300, 5.0)]
    phases = detect_plateaus(x, fs, smooth_hz=None, t0_s=10.0)
    assert [p.start_s for p in phases][0] == pytest.approx(10.0)
    assert phases[-1].stop_s == pytest.approx(10.0 + 899 / fs)


def test_given_levels_and_bad_input():
    fs = 100.0
    x = trapezoids(fs, 10.0, [(2.0, 1.0, 2.0, 1.0)], base=0.0, top=1.0)
    # with a top above the signal's plateau the 80 % point is never reached: hold = peak instant
    p = detect_plateaus(x, fs, smooth_hz=None, levels=PlateauLevels(0.0, 1.9))
    assert len(p) == 1 and p[0].hold_s == 0.0
    with pytest.raises(AnalysisError):
        detect_plateaus(np.zeros((10, 2)), fs)
    with pytest.raises(AnalysisError):
        detect_plateaus(x, fs, high_frac=0.4)
    assert detect_plateaus(np.r_[x[:10], np.nan, x[10:]], fs) == []


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 5),
    hold=st.floats(0.5, 3.0),
    ramp=st.floats(0.2, 1.5),
    rest=st.floats(0.6, 3.0),
)
def test_rep_count_is_exact(n, hold, ramp, rest):
    fs = 250.0
    reps = [(1.0 + k * (2 * ramp + hold + rest), ramp, hold, ramp) for k in range(n)]
    duration = reps[-1][0] + 2 * ramp + hold + 1.0
    x = trapezoids(fs, duration, reps)
    phases = detect_plateaus(x, fs, smooth_hz=None)
    assert len(phases) == n
    assert all(a.stop_s <= b.start_s for a, b in zip(phases, phases[1:]))
    for p, (s, up, h, down) in zip(phases, reps):
        assert abs(p.hold_s - h) < 0.02


def test_reps_from_event_pairs_and_marks():
    evs = [
        Marker("rep", "start", 1.0), Marker("hold", "start", 2.0), Marker("hold", "stop", 5.0), Marker("rep", "stop", 6.0),
        Marker("rep", "start", 8.0), Marker("rep", "stop", 12.0),
        Marker("rep", "start", 50.0),  # outside the trial
    ]
    reps = reps_from_events(evs, 0.0, 20.0)
    assert [(r.start_s, r.hold_start_s, r.hold_stop_s, r.stop_s) for r in reps] == [(1.0, 2.0, 5.0, 6.0), (8.0, 8.0, 12.0, 12.0)]
    marks = [Marker("rep", "mark", 2.0), Marker("rep", "mark", 4.0)]
    assert [(r.start_s, r.stop_s) for r in reps_from_events(marks, 0.0, 7.0)] == [(2.0, 4.0), (4.0, 7.0)]
    assert marks_in(evs + marks, "rep", 3.0, 9.0) == [4.0, 6.0, 8.0]  # any kind


def _ramp_trial(ramp_s, shape, fs=1000.0, hold_s=3.0, noise_n=5.0, seed=0):
    """Fz of one movement: rest 2 s, ramp up, hold, ramp down, rest 2 s; returns (Fz, true times)."""
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, 4.0 + 2 * ramp_s + hold_s, 1.0 / fs)

    def s(u):
        u = np.clip(u, 0.0, 1.0)
        return u if shape == "linear" else 0.5 - 0.5 * np.cos(np.pi * u)

    a, c = 2.0, 2.0 + ramp_s + hold_s
    fz = 350.0 + 340.0 * (s((t - a) / ramp_s) - s((t - c) / ramp_s)) + rng.normal(0.0, noise_n, t.size)
    return fz, (a, a + ramp_s, c, c + ramp_s)


@pytest.mark.parametrize("shape", ["linear", "raised_cosine"])
@pytest.mark.parametrize("ramp_s", [0.2, 0.35, 0.5, 1.0, 1.5, 2.0])
def test_movement_times_within_20_ms_on_smooth_and_linear_ramps(shape, ramp_s):
    """Issue 11: start, hold start/end and stop within 20 ms for ramps of 0.2-2 s (a line fitted
    to 25-75 % of a raised-cosine ramp is 0.165 x its duration off)."""
    fz, truth = _ramp_trial(ramp_s, shape, seed=int(ramp_s * 10))
    (p,) = detect_plateaus(fz, 1000.0, t0_s=10.0)
    got = (p.start_s, p.hold_start_s, p.hold_stop_s, p.stop_s)
    assert np.abs(np.subtract(got, np.add(truth, 10.0))).max() <= 0.020, (got, truth)


def _full_rate_fits(x, fs, cutoff_hz, window, base, top, truth):
    """Start and duration of each shape (linear, raised cosine) fitted by scipy's least_squares to
    ``x[window]`` with the model filtered by scipy's sosfiltfilt at the full rate, extended by its
    levels 3 s beyond the window (so that the filter sees no edge)."""
    from scipy.optimize import least_squares
    from scipy.signal import butter, sosfiltfilt

    sos = butter(2, cutoff_hz, fs=fs, output="sos")
    w0, w1 = window
    pad = int(3 * fs)
    t = np.arange(w0 - pad, w1 + 1 + pad) / fs
    target = (x[w0 : w1 + 1] - base) / (top - base)
    shapes = (lambda u: u, lambda u: 0.5 - 0.5 * np.cos(np.pi * u))
    out = []
    for shape in shapes:
        def resid(p, shape=shape):
            return sosfiltfilt(sos, shape(np.clip((t - p[0]) / p[1], 0.0, 1.0)))[pad:-pad] - target

        out += list(least_squares(resid, truth, x_scale=[0.05, 0.05], xtol=1e-10, ftol=1e-12).x)
    return np.array(out)


@settings(max_examples=60, deadline=None)
@given(
    shape=st.sampled_from(["linear", "raised_cosine"]),
    ramp_s=st.floats(0.2, 2.0),
    start_s=st.floats(2.0, 2.01),
    fs=st.sampled_from([500.0, 1000.0, 2000.0]),
    cutoff_hz=st.sampled_from([2.0, 5.0]),
    noise=st.floats(0.0, 0.02),
    falling=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_ramp_fit_matches_a_full_rate_least_squares_fit(shape, ramp_s, start_s, fs, cutoff_hz, noise, falling, seed):
    """The ramp fit (every few samples, with the low-pass designed for that rate, Levenberg-Marquardt
    in numba) finds the start and end of the ramp's own shape within 1 ms of scipy's least_squares on
    the full-rate model, and those of the other shape (which only competes on cost) within 3 ms, on
    noisy ramps as detect_plateaus fits them (25-75 % band, its fit window). Measured: 0.5 and 1.5 ms
    at most. Ramps last at least a period of the cut-off: shorter ones come out of the low-pass as its
    own step response, their duration barely determined (a 0.25 s ramp through 2 Hz: ~1 ms apart)."""
    from scipy.signal import butter, sosfiltfilt

    from emgforce.tasks.segment import _fit_ramp

    ramp_s = max(ramp_s, 1.0 / cutoff_hz)
    base, top = 150.0, 350.0
    t = np.arange(int((2 * start_s + ramp_s) * fs)) / fs
    u = np.clip((t - start_s) / ramp_s, 0.0, 1.0)
    u = u if shape == "linear" else 0.5 - 0.5 * np.cos(np.pi * u)
    rising = base + (top - base) * u + np.random.default_rng(seed).normal(0.0, noise * (top - base), t.size)
    rising = sosfiltfilt(butter(2, cutoff_hz, fs=fs, output="sos"), rising)
    x = np.ascontiguousarray(base + top - rising if falling else rising)
    v = (rising - base) / (top - base)
    band = np.flatnonzero((v > 0.25) & (v < 0.75))
    span = int(band[0]), int(band[-1])
    m = (span[1] - span[0]) // 2 + int(0.1 * fs)
    window = max(0, span[0] - m), min(x.size - 1, span[1] + m)
    fits = np.full(4, np.nan)
    got = _fit_ramp(x, fs, cutoff_hz, span, window, base, top, fits)
    assert got is not None
    # the reference fits rising shapes: a fall is fitted as the rise it mirrors
    want = _full_rate_fits(rising, fs, cutoff_hz, window, base, top, (start_s, ramp_s))
    ends, want_ends = (np.c_[f[0::2], f[0::2] + f[1::2]] for f in (fits, want))
    own = 0 if shape == "linear" else 1
    assert np.abs(ends[own] - want_ends[own]).max() <= 1e-3, (ends, want_ends)
    assert np.abs(ends[1 - own] - want_ends[1 - own]).max() <= 3e-3, (ends, want_ends)
    # the edges found are those of one of the two fits (at base, at top)
    assert any(np.allclose(got, e[::-1] if falling else e, rtol=0.0, atol=1e-12) for e in ends)

"""Task analysis of simulated sessions against the simulator's ground truth.

Tolerances: rep count exact; stance onset (leg lift) and bridge rep/hold
boundaries (from the plate load) within 50 ms of the true event times, squat
reps (from the GM envelope, which fluctuates 10-20 % in holds) within 150 ms; GM mean activation within 8 % of the true mean %MVC over the
same window plus 1.5 %MVC (the amplifier noise floor adds ~1 %MVC to a quiet
channel); the weak side detected.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from emgforce.tasks.analyze import analyze_session
from emgforce.tasks.results import TIDY_COLUMNS
from tests.tasks.simsession import short_session, to_recording, truth_mean

REP_TASKS = ("squat", "bridge", "single_leg_bridge")


@pytest.fixture(scope="module")
def sess():
    return short_session(seed=3, weak_side="left")


@pytest.fixture(scope="module")
def auto(sess):
    """Trial start/stop markers only: reps, lifts and touch-downs found from the signals."""
    return analyze_session(to_recording(sess))


@pytest.fixture(scope="module")
def with_events(sess):
    """The ground-truth rep/hold/lift/touchdown events recorded as well."""
    return analyze_session(to_recording(sess, events="truth"))


def _true_reps(sess, tr):
    ev = sess.truth.events_between(tr.start_s, tr.stop_s, "rep")
    starts = [e.time_s for e in ev if e.kind == "start"]
    stops = [e.time_s for e in ev if e.kind == "stop"]
    return list(zip(starts, stops))


def _true_holds(sess, tr):
    ev = sess.truth.events_between(tr.start_s, tr.stop_s, "hold")
    return list(zip([e.time_s for e in ev if e.kind == "start"], [e.time_s for e in ev if e.kind == "stop"]))


@pytest.mark.parametrize("mode", ["auto", "with_events"])
def test_rep_count_exact(sess, mode, request):
    res = request.getfixturevalue(mode)
    trials = [t for t in res.trials if t.task in REP_TASKS]
    assert len(trials) == 5
    for tr in trials:
        truth = _true_reps(sess, tr)
        assert len(tr.reps) == len(truth) == 2, tr.label
        assert tr.metric("rep_count").value == len(truth)
        assert tr.segmentation.startswith("events" if mode == "with_events" else "automatic")


def test_automatic_rep_boundaries_and_holds(sess, auto):
    for tr in auto.trials:
        if tr.task not in REP_TASKS:
            continue
        tol = 0.15 if tr.task == "squat" else 0.05
        for rep, (a, b) in zip(tr.reps, _true_reps(sess, tr)):
            assert rep.start_s == pytest.approx(a, abs=tol), tr.label
            assert rep.stop_s == pytest.approx(b, abs=tol), tr.label
        if tr.task != "squat":  # bridges: lift, hold, lower
            for k, (h0, h1) in enumerate(_true_holds(sess, tr)):
                assert tr.reps[k].hold_start_s == pytest.approx(h0, abs=0.05)
                assert tr.reps[k].hold_stop_s == pytest.approx(h1, abs=0.05)
                assert tr.metric("rep_hold_s", rep=k).value == pytest.approx(h1 - h0, abs=0.1)
            holds = [tr.metric("rep_hold_s", rep=k).value for k in range(len(tr.reps))]
            cv = np.std(holds, ddof=1) / np.mean(holds) * 100
            assert tr.metric("hold_cv_pct").value == pytest.approx(cv)


def test_stance_onset_within_50_ms_and_balance_loss(sess, auto):
    for side in ("left", "right"):
        tr = next(t for t in auto.trials if t.label == f"stance_{side}")
        lifts = [e.time_s for e in sess.truth.events_between(tr.start_s, tr.stop_s, "lift")]
        touchdowns = [e.time_s for e in sess.truth.events_between(tr.start_s, tr.stop_s, "touchdown")]
        assert tr.stance is not None and tr.segmentation.startswith("automatic")
        assert abs(tr.stance.start_s - lifts[0]) <= 0.05
        assert len(tr.balance_losses) == len(touchdowns)
        for (a, _), td in zip(tr.balance_losses, touchdowns):
            assert abs(a - td) <= 0.1
        assert tr.metric("balance_losses").value == len(touchdowns)
    # the simulated weak (left) side loses balance once, the strong side never
    assert len(next(t for t in auto.trials if t.label == "stance_left").balance_losses) == 1
    assert len(next(t for t in auto.trials if t.label == "stance_right").balance_losses) == 0


def _window(tr):
    if tr.reps:
        return [(r.start_s, r.stop_s) for r in tr.reps]
    if tr.stance is not None:
        return [(tr.stance.start_s, tr.stance.stop_s)]
    return [(tr.start_s, tr.stop_s)]


@pytest.mark.parametrize("mode", ["auto", "with_events"])
def test_pct_mvc_matches_true_activation(sess, mode, request):
    res = request.getfixturevalue(mode)
    checked = 0
    for tr in res.trials:
        if tr.task in ("mvc", "rest"):
            continue
        for ch in ("GM_L", "GM_R", "TFL_L", "TFL_R"):
            got = tr.metric("emg_mean", muscle=ch)
            assert got.unit == "%MVC"
            w = _window(tr)
            durations = [b - a for a, b in w]
            true = sum(truth_mean(sess.truth, ch, a, b) * d for (a, b), d in zip(w, durations)) / sum(durations)
            assert abs(got.value - true) <= 0.08 * true + 1.5, (tr.label, ch, got.value, true)
            checked += 1
    assert checked == 8 * 4  # double stance, 2 stances, 2 squats, bridge, 2 single-leg bridges


def test_mvc_reference_is_the_true_mvc_amplitude(sess, auto):
    """The envelope at 100 %MVC relates to the simulator's EMG RMS at 100 %MVC as mean |x| / RMS
    of the carrier (Gaussian: sqrt(2/pi)) within the envelope's fluctuation."""
    for j, ch in enumerate(sess.truth.channel_names):
        ratio = auto.reference[ch]["value"] / sess.truth.mvc_amplitude_v[j]
        assert ratio == pytest.approx(math.sqrt(2 / math.pi), rel=0.12), ch


def test_weak_side_detected_and_summary(auto, sess):
    assert auto.detected_weak_side == sess.truth.weak_side == "left"
    stance = next(s for s in auto.symmetry if s.task == "stance" and s.quantity.startswith("GM"))
    # Robinson 1987 from the per-trial values, affected = left
    left = next(t for t in auto.trials if t.label == "stance_left").metric("emg_mean", muscle="GM_L").value
    right = next(t for t in auto.trials if t.label == "stance_right").metric("emg_mean", muscle="GM_R").value
    assert stance.left == pytest.approx(left) and stance.right == pytest.approx(right)
    assert stance.si_pct == pytest.approx((right - left) / (0.5 * (right + left)) * 100)
    assert stance.lsi_pct == pytest.approx(left / right * 100)
    line = next(s for s in auto.summary if s.startswith("GM activation in single-leg stance"))
    assert f"left {left:.2g}" in line.replace(".0 ", " ") or f"left {left:.0f}" in line
    assert "affected side (left)" in line and "lower" in line
    assert not [m for m in auto.all_messages() if m.level == "error"]


@pytest.mark.parametrize("weak", ["right", None])
def test_weak_side_other_sessions(weak):
    sess = short_session(seed=5, weak_side=weak)
    res = analyze_session(to_recording(sess, affected_side=None), keep_traces=False)
    assert res.detected_weak_side == weak
    # no affected side recorded: the summary says which side is lower without calling it affected
    line = next(s for s in res.summary if s.startswith("GM activation in single-leg stance"))
    assert "no affected side given" in line


def test_sway_matches_true_cop(sess, auto):
    """RMS distance of the measured COP against that of the simulator's true COP, same window."""
    tr = next(t for t in auto.trials if t.label == "stance_right")
    fs = sess.truth.force_fs_hz
    cop = sess.truth.cop_m[int(np.ceil(tr.stance.start_s * fs)) : int(np.ceil(tr.stance.stop_s * fs))]
    c = cop - cop.mean(axis=0)
    assert tr.metric("sway_rms_distance_ml_m").value == pytest.approx(np.sqrt(np.mean(c[:, 0] ** 2)), rel=0.1)
    assert tr.metric("sway_rms_distance_ap_m").value == pytest.approx(np.sqrt(np.mean(c[:, 1] ** 2)), rel=0.1)
    assert tr.metric("sway_rms_distance_m").unit == "m"


def test_fatigue_and_onset_metrics_present(auto):
    slb = next(t for t in auto.trials if t.label == "single_leg_bridge_left")
    assert math.isfinite(slb.metric("mdf_slope_pct_s", muscle="GM_L").value)
    assert slb.metric("rep_emg_mean_cv_pct", muscle="GM_L").unit == "%"
    stance = next(t for t in auto.trials if t.label == "stance_right")
    lat = stance.metric("onset_latency_s", muscle="GM_R").value
    # the stance GM rises with the weight shift that starts at the lift (0.4 s ramp)
    assert 0.0 <= lat <= 0.45
    # each repetition's GM onset falls inside its rising phase (squat 0.625 s, bridge lift 1 s)
    for tr in auto.trials:
        rise = {"squat": 0.625, "bridge": 1.0, "single_leg_bridge": 1.0}.get(tr.task)
        if rise is None:
            continue
        lats = [m.value for m in tr.metrics if m.name == "rep_onset_latency_s" and m.muscle == f"GM_{(tr.side or 'left')[0].upper()}"]
        assert lats, tr.label
        assert all(-0.05 <= v <= rise for v in lats), (tr.label, lats)


def test_tidy_rows(auto):
    rows = auto.tidy()
    assert len(rows) == sum(len(t.metrics) for t in auto.trials)
    assert all(tuple(r) == TIDY_COLUMNS for r in rows)
    per_rep = [r for r in rows if r["rep"] != ""]
    assert per_rep and all(isinstance(r["rep"], int) for r in per_rep)
    keys = {(r["trial"], r["side"], r["muscle"], r["rep"], r["metric"]) for r in rows if not r["trial"].startswith("mvc")}
    assert len(keys) == len([r for r in rows if not r["trial"].startswith("mvc")])  # one row per trial x side x metric


def test_sway_and_balance_summary(sess):
    """With a shorter sway minimum the weak side's stance (split by its balance loss) gets sway too."""
    res = analyze_session(to_recording(sess), min_sway_s=2.5, keep_traces=False)
    sway = next(s for s in res.symmetry if s.quantity == "sway_rms_distance_ml_m")
    for side in ("left", "right"):
        tr = next(t for t in res.trials if t.label == f"stance_{side}")
        assert getattr(sway, side) == pytest.approx(1e3 * tr.metric("sway_rms_distance_ml_m").value)
    assert sway.unit == "mm"
    assert any(line.startswith("ML sway (RMS) in single-leg stance: left") for line in res.summary)
    assert "Balance losses in single-leg stance (mean per trial): left 1, right 0" in res.summary


def test_signals_segmentation_ignores_recorded_events(sess):
    res = analyze_session(to_recording(sess, events="truth"), segmentation="signals", keep_traces=False)
    for tr in res.trials:
        if tr.task in REP_TASKS:
            assert tr.segmentation.startswith("automatic") and len(tr.reps) == 2
        if tr.task == "stance":
            assert tr.segmentation.startswith("automatic")
    with pytest.raises(ValueError, match="segmentation"):
        analyze_session(to_recording(sess), segmentation="events")


def test_stance_from_events(sess, with_events):
    tr = next(t for t in with_events.trials if t.label == "stance_left")
    ev = sess.truth.events_between(tr.start_s, tr.stop_s)
    lifts = [e.time_s for e in ev if e.label == "lift"]
    (td,) = [e.time_s for e in ev if e.label == "touchdown"]
    assert tr.segmentation == "events"
    assert tr.stance.start_s == lifts[0] and tr.stance.stop_s == tr.stop_s
    assert tr.balance_losses == [(td, lifts[1])]


def test_supine_bridge_compares_the_two_gm_in_the_same_trial(auto):
    s = next(s for s in auto.symmetry if s.task == "bridge")
    assert s.quantity == "GM emg_mean" and s.unit == "%MVC"
    tr = next(t for t in auto.trials if t.task == "bridge")
    left, right = (tr.metric("emg_mean", muscle=ch).value for ch in ("GM_L", "GM_R"))
    assert (s.left, s.right) == pytest.approx((left, right))
    assert s.si_pct == pytest.approx((right - left) / (0.5 * (right + left)) * 100)  # affected = left


def _mdf_slope_reference(x, fs, epoch_s=0.5, band=(20.0, 450.0)):
    """MDF per 0.5 s epoch (scipy Welch, half of the trapezoid power) and its least-squares
    slope in % of the fitted initial value per second (Merletti & Parker 2004)."""
    from scipy import signal as sps

    n = int(round(epoch_s * fs))
    mdf = []
    for k in range(x.size // n):
        f, p = sps.welch(x[k * n : (k + 1) * n], fs=fs, nperseg=min(256, n))
        keep = (f >= band[0]) & (f <= band[1])
        f, p = f[keep], p[keep]
        cum = np.concatenate([[0.0], np.cumsum(0.5 * (p[1:] + p[:-1]) * np.diff(f))])
        mdf.append(np.interp(0.5 * cum[-1], cum, f))
    t = (np.arange(len(mdf)) + 0.5) * n / fs
    slope, icpt = np.polyfit(t, mdf, 1)
    return 100.0 * slope / icpt


def test_fatigue_slope_over_holds_matches_scipy_reference(sess, auto):
    tr = next(t for t in auto.trials if t.label == "single_leg_bridge_left")
    j = sess.truth.channel_names.index("GM_L")
    fs = sess.emg_info.fs_hz
    slopes = []
    for k, r in enumerate(tr.reps):
        seg = sess.emg[int(np.ceil(r.hold_start_s * fs - 1e-6)) : int(np.ceil(r.hold_stop_s * fs - 1e-6)), j]
        ref = _mdf_slope_reference(seg, fs)
        assert tr.metric("rep_mdf_slope_pct_s", muscle="GM_L", rep=k).value == pytest.approx(ref, rel=1e-6, abs=1e-9)
        slopes.append(ref)
    assert tr.metric("mdf_slope_pct_s", muscle="GM_L").value == pytest.approx(np.mean(slopes), rel=1e-6)

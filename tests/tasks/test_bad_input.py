"""Bad input never crashes the whole analysis: clear messages instead."""

from __future__ import annotations

import math

import numpy as np
import pytest

from emgforce.io import Event, Recording, StreamData, Subject
from emgforce.streams import ChannelInfo
from emgforce.tasks.analyze import analyze_session
from tests.tasks.simsession import short_session, to_recording


@pytest.fixture(scope="module")
def sess():
    return short_session(seed=4, weak_side="left")


def _texts(res, level=None):
    return [m.text for m in res.all_messages() if level is None or m.level == level]


def _no_errors(res):
    assert not _texts(res, "error"), _texts(res, "error")


def test_without_mvc_falls_back_to_peak_and_says_so(sess):
    rec = to_recording(sess, drop_labels=("mvc_left", "mvc_right"))
    res = analyze_session(rec, keep_traces=False)
    assert any("no MVC trial" in t and "peak_task" in t for t in _texts(res, "warning"))
    assert set(res.normalization.values()) == {"peak_task"}
    stance = next(t for t in res.trials if t.label == "stance_right")
    m = stance.metric("emg_mean", muscle="GM_R")
    assert m.unit == "%peak" and 0 < m.value < 100
    # the reader of the summary learns it first: these are not %MVC
    first = res.summary[0]
    assert first.startswith("EMG of ") and "GM_L" in first and "GM_R" in first and "the peak over the task trials (%peak)" in first
    assert any(line.startswith("GM activation in single-leg stance") and "%peak" in line for line in res.summary)
    _no_errors(res)


def test_without_mvc_fallback_none_reports_volts(sess):
    rec = to_recording(sess, drop_labels=("mvc_left", "mvc_right"))
    res = analyze_session(rec, fallback="none", keep_traces=False)
    assert set(res.normalization.values()) == {"none"}
    m = next(t for t in res.trials if t.label == "stance_right").metric("emg_mean", muscle="GM_R")
    assert m.unit == "V" and 0 < m.value < 1e-3
    with pytest.raises(KeyError):  # no threshold in volts
        next(t for t in res.trials if t.label == "stance_right").metric("emg_time_above_s", muscle="GM_R")
    _no_errors(res)


def test_normalization_none_and_peak_scale_consistently(sess):
    rec = to_recording(sess)
    volts = analyze_session(rec, normalization="none", keep_traces=False)
    peak = analyze_session(rec, normalization="peak_task", keep_traces=False)
    tr_v = next(t for t in volts.trials if t.label == "squat_right").metric("emg_mean", muscle="GM_R")
    tr_p = next(t for t in peak.trials if t.label == "squat_right").metric("emg_mean", muscle="GM_R")
    assert tr_v.unit == "V" and tr_p.unit == "%peak"
    assert tr_p.value == pytest.approx(100 * tr_v.value / peak.reference["GM_R"]["value"], rel=1e-9)


def test_missing_force_stream(sess):
    res = analyze_session(to_recording(sess, streams=("emg",)), keep_traces=False)
    assert any("no force stream" in t for t in _texts(res, "warning"))
    stance = next(t for t in res.trials if t.label == "stance_left")
    assert any("no leg lift found" in m.text for m in stance.messages)
    # bridges fall back to the GM envelope for their reps: the count stays exact
    for t in res.trials:
        if t.task in ("bridge", "single_leg_bridge", "squat"):
            assert len(t.reps) == 2, t.label
            assert "GM envelope" in t.segmentation
    _no_errors(res)


def test_missing_emg_stream(sess):
    res = analyze_session(to_recording(sess, streams=("force",)), keep_traces=False)
    assert any("no EMG stream" in t for t in _texts(res))
    bridge = next(t for t in res.trials if t.label == "bridge")
    assert len(bridge.reps) == 2
    stance = next(t for t in res.trials if t.label == "stance_right")
    assert math.isfinite(stance.metric("sway_rms_distance_ml_m").value)
    _no_errors(res)


def test_trial_too_short_for_sway_and_fatigue(sess):
    rec = to_recording(sess)
    short = Recording(rec.streams, rec.subject, list(rec.events) + [Event("stance_left", "start", 31.0), Event("stance_left", "stop", 32.0)])
    res = analyze_session(short, keep_traces=False)
    tr = [t for t in res.trials if t.label == "stance_left"][-1]
    assert tr.start_s == 31.0
    texts = " ".join(m.text for m in tr.messages)
    assert "sway needs at least 5 s" in texts or "no leg lift" in texts
    _no_errors(res)


def test_mislabelled_channel_sides_flagged(sess):
    rec = to_recording(sess)
    emg = rec.emg
    # the GM electrodes were plugged into each other's inputs
    i, j = emg.index("GM_L"), emg.index("GM_R")
    data = emg.data.copy()
    data[:, [i, j]] = data[:, [j, i]]
    swapped = Recording({"emg": StreamData("emg", emg.fs_hz, emg.channels, data), "force": rec.force}, rec.subject, rec.events)
    res = analyze_session(swapped, keep_traces=False)
    warnings = " ".join(_texts(res, "warning"))
    assert "look swapped" in warnings
    # and the recorded affected side (left) disagrees with the side that is now lower (right)
    assert res.detected_weak_side == "right"
    assert "check the side labels" in warnings


def test_no_trial_events_whole_recording(sess):
    rec = to_recording(sess)
    bare = Recording(rec.streams, Subject("x"), [])
    res = analyze_session(bare, task="stance_double", keep_traces=False)
    assert [t.label for t in res.trials] == ["stance_double"]
    assert res.trials[0].stop_s == pytest.approx(rec.duration_s)
    assert any("whole recording" in t for t in _texts(res))
    # without events the protocol is found from the signals (tests/cli/test_segment.py checks it) ...
    found = analyze_session(bare, keep_traces=False)
    assert [t.label for t in found.trials] == [t.label for t in rec.trials()]
    assert {t.source for t in found.trials} == {"auto"}
    # ... and when it cannot be (no force plates, EMG of unknown muscles) the whole recording is one trial
    emg = rec.emg
    untagged = StreamData("emg", emg.fs_hz, tuple(ChannelInfo(f"EMG{j + 1}") for j in range(emg.n_channels)), emg.data)
    unnamed = analyze_session(Recording({"emg": untagged}, Subject("x"), []), keep_traces=False)
    assert unnamed.trials[0].label == "recording"
    assert any("give task=" in t for t in _texts(unnamed, "warning"))


def test_gaps_in_emg_are_excluded(sess):
    rec = to_recording(sess)
    data = rec.emg.data.copy()
    a = int(40.0 * rec.emg.fs_hz)
    data[a : a + 200] = np.nan
    gappy = Recording({"emg": StreamData("emg", rec.emg.fs_hz, rec.emg.channels, data, gaps=[(a, 200)]), "force": rec.force}, rec.subject, rec.events)
    res = analyze_session(gappy, keep_traces=False)
    assert any("lost samples" in t for t in _texts(res, "warning"))
    m = next(t for t in res.trials if t.label == "stance_right").metric("emg_mean", muscle="GM_R")
    assert math.isfinite(m.value)
    _no_errors(res)


def test_invalid_options():
    with pytest.raises(ValueError, match="normalization"):
        analyze_session(Recording({}, Subject("x"), []), normalization="max")
    with pytest.raises(ValueError, match="fallback"):
        analyze_session(Recording({}, Subject("x"), []), fallback="mvc")


def test_empty_recording_does_not_crash():
    res = analyze_session(Recording({}, Subject("x"), []), keep_traces=False)
    assert any("no EMG stream" in t for t in _texts(res))
    assert any("no force stream" in t for t in _texts(res))


def test_wrong_body_mass_still_finds_the_lift(sess):
    rec = to_recording(sess)
    wrong = Recording(rec.streams, Subject("sim", body_mass_kg=95.0, affected_side="left"), rec.events)
    res = analyze_session(wrong, keep_traces=False)
    tr = next(t for t in res.trials if t.label == "stance_right")
    lift = [e.time_s for e in sess.truth.events_between(tr.start_s, tr.stop_s, "lift")][0]
    assert abs(tr.stance.start_s - lift) <= 0.05
    assert any("check the body mass" in m.text for m in tr.messages)
    no_mass = analyze_session(to_recording(sess, body_mass=False), keep_traces=False)
    tr = next(t for t in no_mass.trials if t.label == "stance_left")
    assert abs(tr.stance.start_s - [e.time_s for e in sess.truth.events_between(tr.start_s, tr.stop_s, "lift")][0]) <= 0.05
    assert len(tr.balance_losses) == 1


def test_clipped_channel_is_flagged(sess):
    rec = to_recording(sess)
    data = rec.emg.data.copy()
    j = rec.emg.index("GM_R")
    data[:, j] = np.clip(data[:, j], -2e-4, 2e-4)  # an amplifier range too small for the MVC
    clipped = Recording({"emg": StreamData("emg", rec.emg.fs_hz, rec.emg.channels, data), "force": rec.force}, rec.subject, rec.events)
    res = analyze_session(clipped, keep_traces=False)
    flagged = [m.text for m in res.messages if "clipped" in m.text]
    assert len(flagged) == 1 and flagged[0].startswith("EMG channel GM_R:")


def test_emg_too_short_to_filter(sess):
    rec = to_recording(sess)
    tiny = StreamData("emg", rec.emg.fs_hz, rec.emg.channels, rec.emg.data[:10])
    res = analyze_session(Recording({"emg": tiny, "force": rec.force}, rec.subject, rec.events), keep_traces=False)
    assert any(m.level == "error" and "EMG could not be processed" in m.text for m in res.messages)
    assert len(next(t for t in res.trials if t.label == "bridge").reps) == 2  # the plate still segments

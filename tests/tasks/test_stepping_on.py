"""A subject who steps onto the plate inside the trial window (other labs start recording first)."""

import numpy as np
import pytest

from emgforce.tasks.analyze import analyze_session
from tests.tasks.simsession import short_session, to_recording


@pytest.fixture(scope="module")
def sess():
    return short_session(seed=3, weak_side="left")


@pytest.mark.parametrize("body_mass", [True, False])
def test_lift_found_and_sway_over_the_loaded_stretch(sess, body_mass):
    rec = to_recording(sess, body_mass=body_mass)
    tr = next(t for t in rec.trials() if t.label == "stance_right")
    f = rec.force
    on = f.sample_slice(tr.start_s, tr.start_s + 0.6)  # off the plate for the first 0.6 s ...
    off = f.sample_slice(tr.stop_s - 0.5, tr.stop_s)  # ... and the last 0.5 s
    f.data[on] = 0.0
    f.data[off] = 0.0
    res = analyze_session(rec, keep_traces=False)
    got = next(t for t in res.trials if t.label == "stance_right")
    lift = [e.time_s for e in sess.truth.events_between(tr.start_s, tr.stop_s, "lift")][0]
    assert abs(got.stance.start_s - lift) <= 0.05
    assert got.balance_losses == []
    assert np.isfinite(got.metric("sway_rms_distance_ml_m").value)
    # the true COP over the same stance window (the simulator's ground truth)
    fs = sess.truth.force_fs_hz
    cop = sess.truth.cop_m[int(np.ceil(got.stance.start_s * fs)): int(np.ceil(got.stance.stop_s * fs))]
    c = cop - cop.mean(axis=0)
    assert got.metric("sway_rms_distance_ml_m").value == pytest.approx(np.sqrt(np.mean(c[:, 0] ** 2)), rel=0.1)


def test_double_stance_sway_over_the_longest_loaded_stretch(sess):
    rec = to_recording(sess)
    tr = next(t for t in rec.trials() if t.label == "stance_double")
    f = rec.force
    f.data[f.sample_slice(tr.start_s, tr.start_s + 0.6)] = 0.0
    res = analyze_session(rec, keep_traces=False)
    got = next(t for t in res.trials if t.label == "stance_double")
    a, b = tr.start_s + 0.6, tr.stop_s
    fs = sess.truth.force_fs_hz
    cop = sess.truth.cop_m[int(np.ceil(a * fs)): int(np.ceil(b * fs))]
    c = cop - cop.mean(axis=0)
    assert got.metric("sway_rms_distance_ml_m").value == pytest.approx(np.sqrt(np.mean(c[:, 0] ** 2)), rel=0.1)
    assert any("the longest loaded stretch" in m.text for m in got.messages)


def test_cop_outside_the_plate_is_flagged(sess):
    rec = to_recording(sess)
    assert not any("outside the plate" in m.text for m in analyze_session(rec, keep_traces=False).messages)
    rec.force.data[:, 3:6] *= 1000.0  # moments in N*mm taken as N*m (a unit slip in an export)
    res = analyze_session(rec, keep_traces=False)
    assert any("the COP lies outside the plate" in m.text for m in res.messages)

"""An XDF session (EMG in uV, a force stream, a marker stream with other software's trial words,
the EMG sender's clock 2.5 s off) read into the Recording the analysis reads."""

import numpy as np
import pytest

from emgforce.io.load import open_recording
from tests.io.xdfwrite import write_xdf
from tests.tasks.simsession import short_session, to_recording

pytest.importorskip("pyxdf")

WORDS = {"mvc_left": "MVC L GMed", "mvc_right": "MVIC right", "rest": "Rest", "stance_double": "Quiet stance",
         "stance_left": "SLS L", "stance_right": "SLS R", "squat_left": "Squat L", "squat_right": "Squat R",
         "bridge": "Bridge", "single_leg_bridge_left": "SL bridge L", "single_leg_bridge_right": "SL bridge R"}


@pytest.fixture(scope="module")
def xdf(tmp_path_factory):
    sess = short_session(seed=3)
    own = to_recording(sess)
    t_emg = 100.0 + np.arange(own.emg.n_samples) / own.emg.fs_hz
    t_force = 100.0 + np.arange(own.force.n_samples) / own.force.fs_hz
    marks = [(100.0 + t.start_s, f"{WORDS[t.label]} start") for t in own.trials()]
    marks += [(100.0 + t.stop_s, f"{WORDS[t.label]} end") for t in own.trials()]
    marks.sort()
    labels = ["L GMED", "R GMED", "LT TFL", "RT TFL", "L GMAX", "R GMAX"]
    path = write_xdf(tmp_path_factory.mktemp("xdf") / "session.xdf", [
        # the EMG amplifier's clock is 2.5 s behind the recording computer's: its offset says so
        dict(id=1, name="Trigno", type="EMG", labels=labels, units=["microvolts"] * 6, fs=own.emg.fs_hz,
             format="float32", times=t_emg - 2.5, values=own.emg.data * 1e6),
        dict(id=2, name="Plate", type="Force", labels=["Fx", "Fy", "Fz", "Mx", "My", "Mz"], units=["N"] * 3 + ["N*m"] * 3,
             fs=own.force.fs_hz, format="float32", times=t_force, values=own.force.data),
        dict(id=3, name="Markers", type="Markers", labels=["m"], units=[""], fs=0, format="string",
             times=[t for t, _ in marks], values=[m for _, m in marks]),
    ], offsets_s={1: 2.5})
    return own, open_recording(path)


def test_streams_units_and_tags(xdf):
    own, rec = xdf
    emg = rec.streams["emg"]
    assert emg.fs_hz == own.emg.fs_hz and emg.n_missing == 0
    np.testing.assert_allclose(emg.data[: own.emg.n_samples], own.emg.data, rtol=1e-6, atol=1e-12)  # float32, uV -> V
    assert [(c.muscle, c.side) for c in emg.channels] == [(c.muscle, c.side) for c in own.emg.channels]
    np.testing.assert_allclose(rec.streams["force"].channel("Fz")[: own.force.n_samples], own.force.channel("Fz"), rtol=1e-6)


def test_clock_offset_applied_and_trials_recognised(xdf):
    own, rec = xdf
    # the EMG sender's 2.5 s lag is corrected: EMG and force start together, the markers at their times
    assert rec.metadata["xdf_t0_s"] == pytest.approx(100.0, abs=1e-3)
    got = [(t.label, t.start_s, t.stop_s) for t in rec.trials()]
    want = [(t.label, t.start_s, t.stop_s) for t in own.trials()]
    assert [g[0] for g in got] == [w[0] for w in want]
    np.testing.assert_allclose([g[1:] for g in got], [w[1:] for w in want], atol=1e-3)

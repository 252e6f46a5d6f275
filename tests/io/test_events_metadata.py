"""Events, trial pairing, subject, plate description, metadata and status round trips."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import h5py
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.streams import Block, Marker
from emgforce.errors import RecordingError, RecordingWriteError
from emgforce.io import Event, Recording, RecordingWriter, StreamData, Subject, Trial, read_recording

from ._helpers import emg_info, force_info, plate_dict

PROTOCOL = [  # (label, kind, time_s) in the order a session produces them
    ("mvc_left", "start", 1.0), ("mvc_left", "stop", 6.0),
    ("mvc_left", "start", 66.0), ("mvc_left", "stop", 71.0),
    ("mvc_right", "start", 80.0), ("mvc_right", "stop", 85.0),
    ("stance_left", "start", 100.0), ("lift", "mark", 101.5), ("touchdown", "mark", 120.0),
    ("stance_left", "stop", 125.0),
    ("bridge", "start", 130.0), ("rep", "start", 131.0), ("hold", "mark", 132.0), ("rep", "stop", 134.0),
    ("rep", "start", 135.0), ("rep", "stop", 138.0), ("bridge", "stop", 140.0),
    ("single_leg_bridge_right", "start", 150.0), ("single_leg_bridge_right", "stop", 160.0),
]


def _rec(events, duration_s=200.0) -> Recording:
    emg = StreamData("emg", 10.0, emg_info().channels, np.zeros((int(duration_s * 10), 4)))
    return Recording({"emg": emg}, Subject("x"), [Event(*e) for e in events])


def test_events_round_trip_through_the_file_in_order(tmp_path, subject):
    with RecordingWriter(tmp_path / "e.h5", [emg_info()], subject) as w:
        for label, kind, t in PROTOCOL[:3]:
            w.add_marker(Marker(label, kind, t))
        for label, kind, t in PROTOCOL[3:]:
            w.add_event(label, kind, t)
    rec = read_recording(tmp_path / "e.h5")
    assert [(e.label, e.kind, e.time_s) for e in rec.events] == PROTOCOL
    with h5py.File(tmp_path / "e.h5", "r") as f:
        ev = f["events"]
        assert ev.maxshape == (None,)
        assert ev.dtype["label"].kind == "S" and ev.dtype["kind"].kind == "S"  # fixed-length (SWMR)
        assert ev[3]["label"] == b"mvc_left" and ev[3]["time_s"] == 71.0


def test_trials_pair_starts_and_stops_per_label():
    rec = _rec(PROTOCOL)
    mvc = rec.trials(task="mvc")
    assert [(t.label, t.index, t.start_s, t.stop_s) for t in mvc] == [
        ("mvc_left", 0, 1.0, 6.0), ("mvc_left", 1, 66.0, 71.0), ("mvc_right", 0, 80.0, 85.0)
    ]
    assert [t.start_s for t in rec.trials(task="mvc", side="left")] == [1.0, 66.0]
    assert rec.trials(label="rep") == [Trial("rep", 131.0, 134.0, 0), Trial("rep", 135.0, 138.0, 1)]
    (slb,) = rec.trials(side="right", task="single_leg_bridge")
    assert slb.label == "single_leg_bridge_right" and slb.duration_s == 10.0 and slb.complete
    assert [t.label for t in rec.trials()][:4] == ["mvc_left", "mvc_left", "mvc_right", "stance_left"]
    stance = rec.trials(label="stance_left")[0]
    assert [(e.label, e.time_s) for e in rec.events_between(stance.start_s, stance.stop_s, label="lift")] == [("lift", 101.5)]
    inside = rec.events_between(130.0, 140.0)
    assert inside[0].label == "bridge" and inside[-1] == Event("bridge", "stop", 140.0)  # bounds included


def test_unpaired_events_are_flagged_not_guessed(caplog):
    events = [
        ("bridge", "stop", 5.0),  # stop without start: ignored
        ("stance_right", "start", 10.0),
        ("stance_right", "start", 40.0),  # restarted without a stop
        ("stance_right", "stop", 60.0),
        ("squat_left", "start", 90.0),  # never stopped
    ]
    with caplog.at_level(logging.WARNING, logger="emgforce.io"):
        trials = _rec(events, duration_s=100.0).trials()
    assert trials == [
        Trial("stance_right", 10.0, 40.0, 0, complete=False),
        Trial("stance_right", 40.0, 60.0, 1, complete=True),
        Trial("squat_left", 90.0, 100.0, 0, complete=False),
    ]
    assert "no start" in caplog.text and "no stop" in caplog.text and "started again" in caplog.text


def test_bad_events_are_refused(tmp_path, subject):
    with pytest.raises(ValueError, match="kind"):
        Event("bridge", "begin", 1.0)
    with RecordingWriter(tmp_path / "e.h5", [emg_info()], subject) as w:
        with pytest.raises(RecordingWriteError, match="at most 64"):
            w.add_event("x" * 65, "mark", 1.0)
        with pytest.raises(RecordingWriteError, match="kind"):
            w.add_event("bridge", "begin", 1.0)
        with pytest.raises(RecordingWriteError, match="NUL"):
            w.add_event("bridge\x00", "mark", 1.0)
        with pytest.raises(RecordingWriteError, match="non-finite"):
            w.add_event("bridge", "start", float("nan"))
        w.add_event("bridge", "start", 1.0)
    assert len(read_recording(tmp_path / "e.h5").events) == 1


def test_subject_start_time_device_and_metadata_round_trip(tmp_path, subject):
    t0 = datetime(2026, 3, 4, 9, 15, 30, 250000, tzinfo=timezone(timedelta(hours=2)))
    meta = {"operator": "AB", "protocol": {"name": "gm-v2", "reps": 10, "hold_s": 3.0}, "notch_hz": None,
            "electrodes": ["GM_L", "GM_R"], "ied_m": (0.02, 0.02), "ok": True, "weights": np.arange(3.0)}
    with RecordingWriter(tmp_path / "m.h5", [emg_info()], subject, start_time=t0, device="sim", metadata=meta) as w:
        w.set_attr("overruns", 0)
        w.set_attr("lsl_offset_s", [0.001, 0.002])
    rec = read_recording(tmp_path / "m.h5")
    assert rec.subject == subject
    assert rec.start_time == t0 and rec.start_time.utcoffset() == timedelta(0)
    assert rec.emg.start_time == t0
    assert rec.device == "sim"
    m = rec.metadata
    assert m["operator"] == "AB" and m["protocol"] == {"name": "gm-v2", "reps": 10, "hold_s": 3.0}
    assert m["notch_hz"] is None and m["ok"] is True
    assert m["electrodes"] == ["GM_L", "GM_R"] and m["ied_m"] == (0.02, 0.02)
    np.testing.assert_array_equal(m["weights"], np.arange(3.0))
    assert m["overruns"] == 0 and m["lsl_offset_s"] == [0.001, 0.002]
    assert rec.end_reason == "completed" and rec.complete
    with h5py.File(tmp_path / "m.h5", "r") as f:
        assert f["subject"].attrs["body_mass_kg"] == 71.5
        assert f.attrs["start_time"].decode() == "2026-03-04T07:15:30.250000+00:00"


def test_header_states_the_session_facts_as_json(tmp_path, subject):
    import json

    t0 = datetime(2026, 3, 4, 9, 15, 30, tzinfo=timezone.utc)
    with RecordingWriter(tmp_path / "h.h5", [emg_info()], subject, start_time=t0, device="sim") as w:
        w.append(Block("emg", np.zeros((250, 4)), 0))
        for label, kind, t in PROTOCOL[:2]:
            w.add_event(label, kind, t)
    header = json.loads(json.dumps(read_recording(tmp_path / "h.h5").header()))  # JSON-ready
    assert header["path"] == str(tmp_path / "h.h5") and header["format_version"] == "1.1"
    assert header["start_time"] == "2026-03-04T09:15:30+00:00" and header["device"] == "sim"
    assert header["duration_s"] == 250 / emg_info().fs_hz and header["complete"] is True
    assert header["end_reason"] == "completed" and header["n_events"] == 2
    assert header["subject"]["id"] == subject.id and header["subject"]["body_mass_kg"] == subject.body_mass_kg
    assert header["trials"] == [
        {"label": "mvc_left", "start_s": 1.0, "stop_s": 6.0, "index": 0, "complete": True, "duration_s": 5.0}
    ]


def test_subject_without_optional_fields(tmp_path):
    with RecordingWriter(tmp_path / "m.h5", [emg_info()], Subject("anon")):
        pass
    assert read_recording(tmp_path / "m.h5").subject == Subject("anon")
    with pytest.raises(ValueError, match="affected_side"):
        Subject("x", affected_side="L")
    with pytest.raises(ValueError, match="body_mass_kg"):
        Subject("x", body_mass_kg=-70.0)


def test_plate_description_is_stored_with_the_force_stream_and_comes_back_equal(tmp_path, subject):
    plate = plate_dict()
    with RecordingWriter(tmp_path / "p.h5", [force_info(plate)], subject):
        pass
    back = read_recording(tmp_path / "p.h5").force.plate
    assert set(back) == set(plate)
    for key, value in plate.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(back[key], value)
            assert back[key].shape == value.shape
        else:
            assert back[key] == value and type(back[key]) is type(value), key
    with h5py.File(tmp_path / "p.h5", "r") as f:
        g = f["streams/force/plate"]
        assert g["calibration_matrix"].shape == (6, 6) and g["corners_m"].shape == (4, 3)
        assert g.attrs["type"] == b"C3D_TYPE4"


def test_a_real_plate_model_survives_the_file(tmp_path, subject):
    from emgforce.forceplate import Plate

    plate = Plate.level("KISTLER8", a_m=0.12, b_m=0.2, az0_m=-0.05, gains=np.full(8, 1000.0), name="right",
                        calibration_matrix=np.eye(8) * 2.5)
    with RecordingWriter(tmp_path / "p.h5", [force_info(plate.to_dict())], subject):
        pass
    back = Plate.from_dict(read_recording(tmp_path / "p.h5").force.plate)
    for key, value in plate.to_dict().items():
        np.testing.assert_array_equal(getattr(back, key), value)


def test_error_inside_the_context_is_recorded_as_end_reason(tmp_path, subject):
    with pytest.raises(RuntimeError):
        with RecordingWriter(tmp_path / "x.h5", [emg_info()], subject) as w:
            w.append(Block("emg", np.ones((10, 4), np.float32), 0))
            raise RuntimeError("device unplugged")
    rec = read_recording(tmp_path / "x.h5")
    assert rec.end_reason == "error: device unplugged" and rec.complete
    assert rec.emg.n_samples == 10  # what came before the error is kept
    w.close()  # idempotent
    with pytest.raises(RecordingError, match="closed"):
        w.append(Block("emg", np.ones((1, 4), np.float32), 10))


def test_overrun_blocks_are_counted(tmp_path, subject):
    with RecordingWriter(tmp_path / "o.h5", [emg_info()], subject) as w:
        for k in range(5):
            w.append(Block("emg", np.ones((10, 4), np.float32), 10 * k, overrun=k in (1, 3)))
    assert read_recording(tmp_path / "o.h5").metadata["overrun_blocks"] == {"emg": 2}


_chars = st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))  # storable: no NUL, valid UTF-8
_scalars = (
    st.integers(-(2**62), 2**62)
    | st.floats(allow_nan=False, width=64)
    | st.booleans()
    | st.text(_chars, max_size=20)
    | st.none()
)
_arrays = st.one_of(
    st.lists(st.floats(allow_nan=False), min_size=1, max_size=6),
    st.lists(st.text(_chars, max_size=8), min_size=1, max_size=4),
    st.tuples(st.integers(-100, 100), st.integers(-100, 100)),
)
_keys = st.text(alphabet="abcdefghij_XYZ0123456789 ", min_size=1, max_size=12)
_dicts = st.recursive(
    st.dictionaries(_keys, _scalars | _arrays, max_size=5),
    lambda inner: st.dictionaries(_keys, inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=30, deadline=None)
@given(_dicts)
def test_any_dict_of_scalars_strings_and_arrays_comes_back_equal(meta):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.h5"
        with RecordingWriter(path, [emg_info()], Subject("x"), metadata=meta):
            pass
        back = read_recording(path).metadata
    assert back == meta

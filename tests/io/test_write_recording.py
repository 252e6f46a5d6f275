"""write_recording: an in-memory Recording (e.g. a C3D import) to HDF5 and back unchanged."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import h5py
import numpy as np
import pytest

from emgforce.errors import RecordingExistsError
from emgforce.io import Event, Recording, StreamData, Subject, read_recording, write_recording

from ._helpers import emg_info, force_info, plate_dict


def _recording() -> Recording:
    rng = np.random.default_rng(11)
    emg = rng.standard_normal((1000, 4))
    emg[100:120] = np.nan  # lost samples
    emg[990:] = np.nan  # lost at the end
    emg[500, 2] = np.nan  # a NaN sample that is not a gap stays a NaN sample
    # channels with a conversion: the in-memory data are already physical
    chans = tuple(replace(c, conversion=2.0, offset=1.0) for c in emg_info().channels)
    t0 = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    streams = {
        "emg": StreamData("emg", 2000.0, chans, emg, gaps=[[100, 20], [990, 10]],
                          clock=[[0, 5.0, np.nan], [120, 5.1, np.nan]], start_time=t0),
        "force": StreamData("force", 1000.0, force_info().channels, rng.standard_normal((500, 6)),
                            plate=plate_dict(), start_time=t0),
    }
    events = [Event("stance_left", "start", 0.1), Event("stance_left", "stop", 0.4), Event("lift", "mark", 0.2)]
    return Recording(streams, Subject("C3D01", 80.0), events, start_time=t0, device="c3d",
                     metadata={"source": "x.c3d", "analog_fs_hz": 2000.0}, end_reason="imported")


def test_in_memory_recording_round_trips(tmp_path):
    rec = _recording()
    out = write_recording(rec, tmp_path / "r.h5")
    assert out == tmp_path / "r.h5" and not (tmp_path / "r.h5.partial").exists()
    back = read_recording(out)
    for name, s in rec.streams.items():
        b = back.streams[name]
        np.testing.assert_array_equal(b.data, s.data)  # NaN in the same places
        np.testing.assert_array_equal(b.gaps, s.gaps)
        np.testing.assert_array_equal(b.clock, s.clock)
        assert b.channel_names == s.channel_names and b.fs_hz == s.fs_hz
        assert all(c.conversion == 1.0 and c.offset == 0.0 for c in b.channels)
    assert back.events == rec.events and back.subject == rec.subject
    assert back.start_time == rec.start_time and back.device == "c3d" and back.end_reason == "imported"
    assert back.metadata == rec.metadata
    np.testing.assert_array_equal(back.force.plate["calibration_matrix"], plate_dict()["calibration_matrix"])
    with h5py.File(out, "r") as f:
        stored = f["streams/emg/data"][()]
        assert stored.shape == (970, 4)  # gap rows are not stored
        np.testing.assert_array_equal(stored, rec.emg.received)


def test_refuses_to_overwrite_and_leaves_no_partial_file(tmp_path):
    rec = _recording()
    path = tmp_path / "r.h5"
    path.write_bytes(b"keep me")
    with pytest.raises(RecordingExistsError):
        write_recording(rec, path)
    assert path.read_bytes() == b"keep me"
    bad = Recording(rec.streams, rec.subject, metadata={"x": {1, 2}})
    with pytest.raises(TypeError):
        write_recording(bad, path, overwrite=True)
    assert path.read_bytes() == b"keep me" and not (tmp_path / "r.h5.partial").exists()
    write_recording(rec, path, overwrite=True)
    assert read_recording(path).emg.n_samples == 1000


def test_stream_data_validation():
    chans = emg_info().channels
    with pytest.raises(ValueError, match="shape"):
        StreamData("emg", 2000.0, chans, np.zeros((10, 3)))
    with pytest.raises(ValueError, match="fs_hz"):
        StreamData("emg", 0.0, chans, np.zeros((10, 4)))
    with pytest.raises(ValueError, match="within"):
        StreamData("emg", 10.0, chans, np.zeros((10, 4)), gaps=[[8, 5]])
    with pytest.raises(ValueError, match="key must be the stream name"):
        Recording({"force": StreamData("emg", 10.0, chans, np.zeros((10, 4)))}, Subject("x"))

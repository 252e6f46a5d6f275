"""XDF import on the public example files (xdf-modules/example-files; values from their README)."""

import numpy as np
import pytest

from emgforce.errors import RecordingFormatError
from emgforce.io.load import open_recording

pytest.importorskip("pyxdf")


def test_minimal(shared_data):
    rec = open_recording(shared_data / "xdf" / "minimal.xdf")
    (s,) = rec.streams.values()
    assert s.fs_hz == 10.0 and s.n_channels == 3 and s.n_missing == 0
    # README: 9 int16 samples of 3 channels
    np.testing.assert_array_equal(s.data[:, 0], [192, 12, 13, 14, 15, 12, 13, 14, 15])
    np.testing.assert_array_equal(s.data[1], [12, 22, 32])
    # the string stream: 9 markers, 0.1 s apart, the first 0.1 s after the first sample (README time stamps)
    labels = [e.label for e in rec.events]
    assert labels[1:5] == ["Hello", "World", "from", "LSL"] and len(labels) == 9
    assert rec.events[0].time_s == pytest.approx(0.1, abs=1e-6)
    assert np.diff([e.time_s for e in rec.events]) == pytest.approx([0.1] * 8, abs=1e-6)


def test_clock_resets(shared_data):
    rec = open_recording(shared_data / "xdf" / "clock_resets.xdf")
    s = rec.streams["biosemi"]
    # nominally 100 Hz, but the README's stamps are 0.010725 s apart: the measured rate is used, and said
    assert s.n_channels == 8 and s.fs_hz == pytest.approx(1 / 0.010725, rel=0.01)
    assert any("nominal rate 100 Hz" in n for n in rec.metadata["import_notes"])
    # README: 27815 samples. Each sits in the row of its own (corrected) time stamp; the two clock
    # segments tick at slightly different rates, so a few share a row with a neighbour: those are
    # dropped and said, never more than 0.5 %
    dropped = int(next(n for n in rec.metadata["import_notes"] if "dropped" in n).split(": ")[1].split()[0])
    assert s.n_samples - s.n_missing + dropped == 27815 and dropped < 0.005 * 27815
    received = s.received
    np.testing.assert_allclose(received[0], [0.142, 0.463, 0.354, 0.220, 0.761, 0.323, 0.312, 0.861], atol=6e-4)
    np.testing.assert_allclose(received[-1], [0.873, 0.064, 0.684, 0.153, 0.306, 0.123, 0.711, 0.892], atol=6e-4)
    # markers keep their place relative to the data on both sides of the reset (README raw stamps,
    # each pair taken within one clock segment): first marker 2.898 s after the first sample,
    # last marker 2.365 s before the last sample
    assert len(rec.events) == 175 and rec.events[0].label == "XXX" and rec.events[-1].label == "XXX"
    first_t = s.received_indices[0] / s.fs_hz
    last_t = s.received_indices[-1] / s.fs_hz
    assert rec.events[0].time_s - first_t == pytest.approx(653153.212188 - 653150.314061, abs=0.015)
    assert last_t - rec.events[-1].time_s == pytest.approx(262.018644 - 259.653828, abs=0.015)
    assert any("gaps" in n for n in rec.metadata["import_notes"])


def test_empty_streams_are_skipped_and_said(shared_data):
    rec = open_recording(shared_data / "xdf" / "empty_streams.xdf")
    (s,) = rec.streams.values()
    assert s.n_samples == 10 and s.fs_hz == 1.0
    assert [e.label for e in rec.events] == ['{"state": 2}']
    assert sum("holds no samples" in n for n in rec.metadata["import_notes"]) == 2


def test_not_an_xdf(tmp_path):
    bad = tmp_path / "bad.xdf"
    bad.write_bytes(b"nope")
    with pytest.raises(RecordingFormatError, match="not a readable XDF"):
        open_recording(bad)

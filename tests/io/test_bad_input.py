"""Bad files and bad writes: specific errors that say what to do, and no lost data."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from emgforce.streams import Block, StreamInfo
from emgforce.errors import (
    RecordingError,
    RecordingExistsError,
    RecordingFormatError,
    RecordingNotFoundError,
    RecordingVersionError,
    RecordingWriteError,
)
from emgforce.io import RecordingWriter, read_recording

from ._helpers import emg_info


@pytest.fixture
def good(tmp_path, subject):
    """A small valid recording with a gap, an event and a closed status."""
    path = tmp_path / "good.h5"
    with RecordingWriter(path, [emg_info()], subject) as w:
        w.append(Block("emg", np.ones((100, 4), np.float32), 0))
        w.append(Block("emg", np.ones((100, 4), np.float32), 150))
        w.add_event("bridge", "start", 0.01)
    return path


def test_existing_path_is_refused_unless_overwrite(good, subject):
    before = good.read_bytes()
    with pytest.raises(RecordingExistsError, match="overwrite"):
        RecordingWriter(good, [emg_info()], subject)
    assert good.read_bytes() == before
    with RecordingWriter(good, [emg_info()], subject, overwrite=True) as w:
        w.append(Block("emg", np.zeros((3, 4), np.float32), 0))
    assert read_recording(good).emg.n_samples == 3
    with pytest.raises(RecordingExistsError, match="directory"):
        RecordingWriter(good.parent, [emg_info()], subject, overwrite=True)
    with pytest.raises(RecordingError, match="does not exist"):
        RecordingWriter(good.parent / "no" / "x.h5", [emg_info()], subject)


def test_missing_file(tmp_path):
    with pytest.raises(RecordingNotFoundError, match="does not exist"):
        read_recording(tmp_path / "nope.h5")
    assert issubclass(RecordingNotFoundError, FileNotFoundError)


@pytest.mark.parametrize("content", [b"", b"Fx\tFy\tFz\n1\t2\t3\n", b"\x89HDF\r\n\x1a\n"])
def test_not_hdf5(tmp_path, content):
    path = tmp_path / "x.h5"
    path.write_bytes(content)
    with pytest.raises(RecordingFormatError, match="HDF5"):
        read_recording(path)


@pytest.mark.parametrize("fraction", [0.5, 0.9, 0.1])
def test_truncated_file(good, fraction):
    data = good.read_bytes()
    cut = good.with_name("cut.h5")
    cut.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(RecordingFormatError, match="truncated|damaged|HDF5"):
        read_recording(cut)


def test_hdf5_that_is_not_a_recording(tmp_path):
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["x"] = np.arange(3)
    with pytest.raises(RecordingFormatError, match="not an emgforce recording.*write_recording"):
        read_recording(tmp_path / "other.h5")


@pytest.mark.parametrize("version, ok", [("2.0", False), ("0.9", False), ("1.7", True), ("banana", False)])
def test_version_rule(good, version, ok):
    with h5py.File(good, "r+") as f:
        f.attrs["emgforce_format_version"] = np.bytes_(version)
    if ok:
        assert read_recording(good).format_version == version
    elif version == "banana":
        with pytest.raises(RecordingFormatError, match="unreadable format version"):
            read_recording(good)
    else:
        with pytest.raises(RecordingVersionError, match=f"format {version}.*reads 1.x"):
            read_recording(good)


def _edit(path, fn):
    with h5py.File(path, "r+") as f:
        fn(f)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda f: f.__delitem__("streams/emg/data"), "missing dataset /streams/emg/data"),
        (lambda f: f.__delitem__("events"), "missing dataset /events"),
        (lambda f: f.__delitem__("subject"), "missing group /subject"),
        (lambda f: f.__delitem__("streams/emg/gaps"), "missing dataset /streams/emg/gaps"),
        (lambda f: f["streams/emg/data"].attrs.__delitem__("fs_hz"), "fs_hz"),
        (lambda f: f["streams/emg/data"].attrs.__setitem__("unit", np.array([b"V"] * 3)), "3 entries for 4"),
        (lambda f: f["streams/emg/data"].attrs.__setitem__("kind", np.array([b"volts"] * 4)), "channel kind"),
    ],
)
def test_missing_or_damaged_parts(good, damage, message):
    _edit(good, damage)
    with pytest.raises(RecordingFormatError, match=message):
        read_recording(good)


def _replace(name, data):
    def fn(f):
        attrs = dict(f[name].attrs)
        del f[name]
        f[name] = data
        for k, v in attrs.items():
            f[name].attrs[k] = v

    return fn


@pytest.mark.parametrize(
    "damage, message",
    [
        (_replace("streams/emg/data", np.array([b"a", b"b"])), "2-D numeric"),
        (_replace("streams/emg/data", np.ones(10)), "2-D numeric"),
        (_replace("streams/emg/data", np.ones((10, 3))), "3 entries for 4|entries"),
        (_replace("streams/emg/gaps", np.ones((2, 3), dtype=np.int64)), r"\(n, 2\)"),
        (_replace("streams/emg/clock", np.ones((2, 3), dtype=np.int64)), r"\(n, 3\)"),
        (_replace("events", np.ones(3)), "fields"),
        (_replace("status", np.ones(3)), "fields"),
        (_replace("streams/emg/gaps", np.array([[10, 5], [12, 5]], dtype=np.int64)), "overlapping"),
        (_replace("metadata", np.ones(3)), "'metadata' must be a group"),
        (lambda f: f["streams/emg"].__setitem__("plate", np.ones(3)), "'plate' must be a group"),
        (lambda f: f["streams"].__setitem__("eeg", np.ones(3)), "/streams/eeg is not a group"),
    ],
)
def test_wrong_dtypes_or_shapes(good, damage, message):
    _edit(good, damage)
    with pytest.raises(RecordingFormatError, match=message):
        read_recording(good)


def test_refused_appends_leave_earlier_data_intact(tmp_path, subject):
    path = tmp_path / "w.h5"
    good = np.arange(40, dtype=np.float32).reshape(10, 4)
    with RecordingWriter(path, [emg_info()], subject, chunk_s=0.002) as w:  # 4-row chunks
        w.append(Block("emg", good[:6], 0))
        w.flush()
        bad = [
            (Block("force", good, 6), "unknown stream"),
            (Block("emg", good[:, :3], 6), "shape"),
            (Block("emg", good[:, 0], 6), "shape"),
            (Block("emg", np.array([["a"] * 4]), 6), "real number"),
            (Block("emg", good.astype(complex), 6), "real number"),
            (Block("emg", good[6:], 6, host_time=None), "host_time"),
        ]
        for block, message in bad:
            with pytest.raises(RecordingWriteError, match=message):
                w.append(block)
        w.append(Block("emg", good[6:], 6))
    emg = read_recording(path).emg
    np.testing.assert_array_equal(emg.data, good)
    assert len(emg.gaps) == 0 and len(emg.clock) == 2


@pytest.mark.parametrize(
    "streams, message",
    [
        ([], "at least one stream"),
        ([emg_info(), emg_info()], "unique"),
        ([StreamInfo("a/b", 10.0, emg_info().channels)], "group name"),
        ([StreamInfo("emg", 0.0, emg_info().channels)], "fs_hz"),
        ([StreamInfo("emg", 10.0, ())], "no channels"),
        ([StreamInfo("emg", 10.0, emg_info().channels, dtype="U8")], "real number"),
        ([StreamInfo("emg", 10.0, emg_info().channels * 2)], "channel names must be unique"),
    ],
)
def test_bad_stream_descriptions_create_no_file(tmp_path, subject, streams, message):
    with pytest.raises(RecordingWriteError, match=message):
        RecordingWriter(tmp_path / "x.h5", streams, subject)
    assert not (tmp_path / "x.h5").exists()


def test_unstorable_metadata_creates_no_file_and_keeps_the_old_one(tmp_path, subject, good):
    with pytest.raises(TypeError, match="'when'"):
        RecordingWriter(tmp_path / "x.h5", [emg_info()], subject, metadata={"when": object()})
    assert not (tmp_path / "x.h5").exists()
    before = good.read_bytes()
    for bad in ({"a": {"b/c": 1}}, {"x": [1j]}, {"s": "a\x00"}, {"s": ["a", "b\x00"]}, {"s": "\ud800"},
                {"s": ["a", "\udc80"]}):
        with pytest.raises(TypeError):
            RecordingWriter(good, [emg_info()], subject, overwrite=True, metadata=bad)
    assert good.read_bytes() == before

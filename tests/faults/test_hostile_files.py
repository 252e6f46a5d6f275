"""Untrusted or damaged files: refused with named errors, never read as something else, never forged."""

from __future__ import annotations

import random
import subprocess
import sys

import h5py
import numpy as np
import pytest

from emgforce.errors import EmgforceError, RecordingIntegrityError, UnsafeRecordingError
from emgforce.io import read_recording
from emgforce.io.format import FORMAT_VERSION, STATUS_DTYPE
from emgforce.record import Recorder
from tests.record._devices import STREAMS, RampDevice, expected
from tests.record.test_faults_process import ROOT


@pytest.fixture
def recording(tmp_path):
    path = tmp_path / "rec.h5"
    Recorder(RampDevice(), path).run(duration_s=1.0)
    return path


def _info(path):
    return subprocess.run([sys.executable, "-m", "emgforce", "info", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def _replace_emg_data(path, **create):
    with h5py.File(path, "a") as f:
        old = f["streams/emg/data"]
        attrs = dict(old.attrs)
        shape, dtype = old.shape, old.dtype
        del f["streams/emg/data"]
        ds = f["streams/emg"].create_dataset("data", shape=shape, dtype=dtype, **create)
        for k, v in attrs.items():
            ds.attrs[k] = v


def test_external_storage_is_refused_and_the_secret_file_never_read(recording, tmp_path):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(2000 * 4, dtype="<f8").tobytes())
    _replace_emg_data(recording, external=[(str(secret), 0, h5py.h5f.UNLIMITED)])
    with pytest.raises(UnsafeRecordingError, match="external storage"):
        read_recording(recording)
    done = _info(recording)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1
    assert "external storage" in done.stderr


def test_virtual_dataset_is_refused(recording, tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = np.zeros((2000, 4))
    layout = h5py.VirtualLayout(shape=(2000, 4), dtype="f8")
    layout[:] = h5py.VirtualSource(str(other), "x", shape=(2000, 4))
    with h5py.File(recording, "a") as f:
        attrs = dict(f["streams/emg/data"].attrs)
        del f["streams/emg/data"]
        ds = f["streams/emg"].create_virtual_dataset("data", layout)
        for k, v in attrs.items():
            ds.attrs[k] = v
    with pytest.raises(UnsafeRecordingError, match="virtual dataset"):
        read_recording(recording)


@pytest.mark.parametrize("where", ["metadata/secret", "status"])
def test_external_storage_of_any_dataset_read_is_refused(recording, tmp_path, where):
    """Not only the samples: a metadata entry or a table that reads another file is refused too."""
    secret = tmp_path / "secret.bin"
    secret.write_bytes(b"private" * 1000)
    with h5py.File(recording, "a") as f:
        if where in f:
            del f[where]
        dtype = "u1" if where.startswith("metadata") else STATUS_DTYPE
        f.create_dataset(where, shape=(4,), dtype=dtype, external=[(str(secret), 0, h5py.h5f.UNLIMITED)])
    for load in (True, False):
        with pytest.raises(UnsafeRecordingError, match=f"/{where} uses external storage"):
            read_recording(recording, load_data=load)


def test_external_link_is_refused(recording, tmp_path):
    with h5py.File(recording, "a") as f:
        f["streams/elsewhere"] = h5py.ExternalLink(str(tmp_path / "x.h5"), "/")
    with pytest.raises(UnsafeRecordingError, match="link into another file"):
        read_recording(recording, load_data=False)


def test_forged_gap_row_is_refused_before_any_allocation(recording):
    with h5py.File(recording, "a") as f:
        gaps = f["streams/emg/gaps"]
        gaps.resize(1, axis=0)
        gaps[0] = (1000, 10**9)  # a billion samples: 32 GB of float64 grid from a 200 kB file
    for load in (True, False):
        with pytest.raises(UnsafeRecordingError, match="gap table"):
            read_recording(recording, load_data=load)


def test_a_long_but_plausible_gap_still_reads(recording):
    with h5py.File(recording, "a") as f:
        gaps = f["streams/emg/gaps"]
        gaps.resize(1, axis=0)
        gaps[0] = (1000, 20 * 2000)  # 20 s lost in a 1 s recording: more than 10x the data but under an hour
    assert read_recording(recording).streams["emg"].n_missing == 40000


def test_flipped_bits_are_detected_never_read_as_other_samples(recording, tmp_path):
    reference = read_recording(recording)
    original = recording.read_bytes()
    with h5py.File(recording, "r") as f:
        assert f.attrs["emgforce_format_version"].decode() == FORMAT_VERSION == "1.1"
        chunk = f["streams/emg/data"].id.get_chunk_info(0)
        assert f["streams/emg/data"].fletcher32
    # one flip inside a data chunk: the checksum names the damage
    damaged = bytearray(original)
    damaged[chunk.byte_offset + 100] ^= 0x10
    bad = tmp_path / "bad.h5"
    bad.write_bytes(damaged)
    with pytest.raises(RecordingIntegrityError, match="checksum"):
        read_recording(bad)
    # flips anywhere: a named error, or exactly the original content (nothing forged)
    rng = random.Random(12)
    for _ in range(60):
        damaged = bytearray(original)
        damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        bad.write_bytes(damaged)
        try:
            rec = read_recording(bad)
        except EmgforceError:
            continue
        for name in STREAMS:
            np.testing.assert_array_equal(rec.streams[name].data, reference.streams[name].data)
            assert rec.streams[name].channels == reference.streams[name].channels
            assert rec.streams[name].fs_hz == reference.streams[name].fs_hz
        assert rec.events == reference.events and rec.end_reason == reference.end_reason
    for name in STREAMS:  # and the undamaged file is the device's exact samples
        s = reference.streams[name]
        np.testing.assert_array_equal(s.data, expected(name, np.arange(s.n_samples)))


def test_corrupt_root_header_is_a_named_error(recording):
    with h5py.File(recording, "a") as f:
        del f["subject"]
        f["subject"] = np.zeros(3)  # a dataset where a group belongs
    done = _info(recording)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "/subject" in done.stderr

"""`emgforce info --salvage`: every readable sample of a damaged file, at its own time, in a clean file."""

from __future__ import annotations

import subprocess
import sys

import h5py
import numpy as np

from emgforce.io import read_recording
from emgforce.record import Recorder
from tests.record._devices import STREAMS, RampDevice, expected
from tests.record.test_faults_process import ROOT


def _record(path):
    device = RampDevice(drop=(7,))  # one lost block: salvage must keep the original gap too
    Recorder(device, path, writer_factory=_small_chunks).run(duration_s=2.0)
    return path


def _small_chunks(*args, **kwargs):
    from emgforce.io import RecordingWriter

    return RecordingWriter(*args, chunk_s=0.1, **kwargs)


def _salvage(src, dst):
    return subprocess.run([sys.executable, "-m", "emgforce", "info", str(src), "--salvage", str(dst)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def _check_exact(rec):
    for name in rec.streams:
        s = rec.streams[name]
        idx = s.received_indices
        np.testing.assert_array_equal(s.data[idx], expected(name, idx))


def test_salvage_turns_a_chunk_with_flipped_bits_into_a_gap(tmp_path):
    src = _record(tmp_path / "rec.h5")
    original = read_recording(src)
    with h5py.File(src, "r") as f:
        ds = f["streams/emg/data"]
        rows = ds.chunks[0]
        chunk = ds.id.get_chunk_info(3)  # rows 3*rows ... 4*rows - 1
        first_row = chunk.chunk_offset[0]
    raw = bytearray(src.read_bytes())
    raw[chunk.byte_offset + 8] ^= 0x01
    src.write_bytes(raw)
    done = _salvage(src, tmp_path / "saved.h5")
    assert done.returncode == 0, done.stderr
    assert f"emg: {len(original.emg.received_indices) - rows} samples kept, {rows} unreadable" in done.stdout
    saved = read_recording(tmp_path / "saved.h5")
    _check_exact(saved)  # nothing forged, every kept sample at its own index
    lost = original.emg.received_indices[first_row:first_row + rows]
    assert not saved.emg.received_mask[lost].any()
    assert saved.emg.n_samples == original.emg.n_samples
    assert saved.emg.n_missing == original.emg.n_missing + rows
    np.testing.assert_array_equal(saved.force.data, original.force.data)  # the intact stream is whole
    assert saved.end_reason.startswith("salvaged")


def test_salvage_of_a_truncated_file_keeps_the_chunks_before_the_cut(tmp_path):
    src = _record(tmp_path / "rec.h5")
    original = read_recording(src)
    cut = tmp_path / "cut.h5"
    cut.write_bytes(src.read_bytes()[: int(src.stat().st_size * 0.8)])
    done = subprocess.run([sys.executable, "-m", "emgforce", "info", str(cut)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "truncated" in done.stderr and "--salvage" in done.stderr
    done = _salvage(cut, tmp_path / "saved.h5")
    assert done.returncode == 0, done.stderr
    saved = read_recording(tmp_path / "saved.h5")
    _check_exact(saved)
    assert saved.streams  # a stream whose gap or clock table lay in the lost tail is left out, and reported
    assert all(f"{n}: " in done.stdout or f"stream '{n}'" in done.stdout for n in STREAMS)
    kept = sum(len(s.received_indices) for s in saved.streams.values())
    assert 0 < kept < sum(len(original.streams[n].received_indices) for n in STREAMS)

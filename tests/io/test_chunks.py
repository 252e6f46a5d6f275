"""Reading rows chunk by chunk (raw, checked by emgforce, on threads) gives exactly h5py's samples."""

from __future__ import annotations

import tempfile
from pathlib import Path
from unittest import mock

import h5py
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.errors import RecordingIntegrityError
from emgforce.io import RecordingWriter, Subject, chunks, read_recording
from emgforce.signal import set_workers
from emgforce.streams import Block

from ._helpers import emg_info

@pytest.fixture(autouse=True)
def raw_reads_of_any_size(monkeypatch):
    """Small test files take the raw path too (it normally starts at 4 MiB)."""
    monkeypatch.setattr(chunks, "_DIRECT_MIN_BYTES", 0)


#: how a dataset can be stored; the first two are read raw, the others through HDF5
LAYOUTS = {
    "fletcher32": {"chunks": (37, 4), "fletcher32": True},
    "no filter": {"chunks": (37, 4)},
    "gzip": {"chunks": (37, 4), "compression": "gzip", "fletcher32": True},
    "shuffle": {"chunks": (37, 4), "shuffle": True, "fletcher32": True},
    "contiguous": {},
    "narrow chunks": {"chunks": (37, 2), "fletcher32": True},
}


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """One file with the same 500 x 4 samples in every layout and number type."""
    path = tmp_path_factory.mktemp("chunks") / "layouts.h5"
    data = np.random.default_rng(5).standard_normal((500, 4)) * 1000
    with h5py.File(path, "w") as f:
        for name, create in LAYOUTS.items():
            for dtype in ("<f4", ">f4", "<f8", "<i2"):
                f.create_dataset(f"{name}/{dtype}", data=data.astype(dtype), **create)
    return path


@settings(max_examples=40, deadline=None)
@given(
    layout=st.sampled_from(sorted(LAYOUTS)),
    dtype=st.sampled_from(["<f4", ">f4", "<f8", "<i2"]),
    window=st.tuples(st.integers(0, 500), st.integers(0, 500)),
    workers=st.sampled_from([1, 2, 3]),
)
def test_any_rows_of_any_layout_equal_h5py(stored, layout, dtype, window, workers):
    start, stop = min(window), max(window)
    with h5py.File(stored, "r") as f:
        ds = f[f"{layout}/{dtype}"]
        expected = ds[start:stop].astype(np.float64)
        got = chunks.read_float64(ds.id, start, stop, workers=workers)
        pieces = [(a, rows.copy()) for a, rows in chunks.row_pieces(ds.id, start, stop)]
    assert got.dtype == np.float64 and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)
    assert [a for a, _ in pieces] == sorted(a for a, _ in pieces)
    np.testing.assert_array_equal(np.concatenate([r for _, r in pieces] or [np.empty((0, 4))]), expected)


def test_raw_reading_is_used_where_it_can_be(stored):
    with h5py.File(stored, "r") as f:
        plans = {name: chunks._direct_plan(f[f"{name}/<f4"].id, 500) for name in LAYOUTS}
        assert chunks._direct_plan(f["fletcher32/>f4"].id, 500) is None  # not native: HDF5 swaps the bytes
    assert {name for name, plan in plans.items() if plan} == {"fletcher32", "no filter"}


def test_small_reads_go_through_hdf5(stored, monkeypatch):
    monkeypatch.setattr(chunks, "_DIRECT_MIN_BYTES", 4 * 2**20)
    with h5py.File(stored, "r") as f:
        ds = f["fletcher32/<f4"].id
        assert chunks._direct_plan(ds, 500) is None  # 8 kB
        assert chunks._direct_plan(ds, 2**18) is not None  # as many rows of 4 float32 as 4 MiB


def test_chunks_never_written_read_as_hdf5_fills_them(tmp_path):
    path = tmp_path / "holes.h5"
    with h5py.File(path, "w") as f:
        ds = f.create_dataset("d", shape=(300, 3), chunks=(50, 3), dtype="f4", fletcher32=True, fillvalue=7.0)
        ds[0:50] = 1.0
        ds[200:260] = 2.0  # chunks 1-3 and the last never allocated
    for workers in (1, 2):
        with h5py.File(path, "r") as f:
            ds = f["d"]
            np.testing.assert_array_equal(chunks.read_float64(ds.id, 10, 300, workers=workers),
                                          ds[10:300].astype(np.float64))


def test_a_file_held_in_memory_is_read_without_threads_reading_a_descriptor(stored):
    with h5py.File(stored, "r", driver="core", backing_store=False) as f:
        ds = f["fletcher32/<f4"]
        assert chunks._posix_handle(ds.id) is None
        np.testing.assert_array_equal(chunks.read_float64(ds.id, 0, 500, workers=2), ds[()].astype(np.float64))


@pytest.mark.parametrize("workers", [1, 2])
def test_a_damaged_chunk_fails_its_checksum(tmp_path, workers):
    path = tmp_path / "bad.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("d", data=np.arange(4000.0).reshape(1000, 4), chunks=(100, 4), fletcher32=True)
    with h5py.File(path, "r") as f:
        offset = f["d"].id.get_chunk_info(7).byte_offset
    raw = bytearray(path.read_bytes())
    raw[offset + 33] ^= 0x40
    path.write_bytes(raw)
    with h5py.File(path, "r") as f:
        with pytest.raises(OSError, match="row 700 of /d fails its Fletcher-32 checksum"):
            chunks.read_float64(f["d"].id, 0, 1000, workers=workers)
        with pytest.raises(OSError, match="checksum"):
            list(chunks.row_pieces(f["d"].id, 650, 720))
        np.testing.assert_array_equal(chunks.read_float64(f["d"].id, 0, 700, workers=workers),
                                      np.arange(2800.0).reshape(700, 4))  # the intact chunks read


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 3000),
    slab_bytes=st.integers(1, 40_000),
    dtype=st.sampled_from(["float32", "float64"]),
    chunk_s=st.sampled_from([0.01, 0.1, 1.0]),
    workers=st.sampled_from([1, 2]),
)
def test_recordings_of_any_size_read_the_samples_h5py_reads(n, slab_bytes, dtype, chunk_s, workers):
    """Many chunks or one, the last one partial; and the same file compressed (read through HDF5 in slabs)."""
    info = emg_info(dtype)
    data = np.random.default_rng(n).standard_normal((n, info.n_channels)).astype(dtype)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.h5"
        with RecordingWriter(path, [info], Subject("x"), chunk_s=chunk_s) as w:
            w.append(Block("emg", data, 0))
        with h5py.File(path, "r") as f:
            expected = f["streams/emg/data"][()].astype(np.float64)
        with set_workers(workers):
            rec = read_recording(path)
        with h5py.File(path, "a") as f:  # as another program might rewrite it: compressed
            old = f["streams/emg/data"]
            attrs, values = dict(old.attrs), old[()]
            del f["streams/emg/data"]
            new = f["streams/emg"].create_dataset("data", data=values, compression="gzip", maxshape=(None, values.shape[1]),
                                                  chunks=old.chunks)
            new.attrs.update(attrs)
        with mock.patch.object(chunks, "_SLAB_BYTES", slab_bytes), set_workers(workers):
            squeezed = read_recording(path)
    assert rec.emg.data.dtype == np.float64
    np.testing.assert_array_equal(rec.emg.data, expected)
    np.testing.assert_array_equal(rec.emg.data, data.astype(np.float64))
    np.testing.assert_array_equal(squeezed.emg.data, expected)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_damaged_recording_names_the_damage(tmp_path, workers):
    path = tmp_path / "r.h5"
    info = emg_info("float32")
    with RecordingWriter(path, [info], Subject("x"), chunk_s=0.1) as w:
        w.append(Block("emg", np.ones((2000, info.n_channels), np.float32), 0))
    with h5py.File(path, "r") as f:
        offset = f["streams/emg/data"].id.get_chunk_info(5).byte_offset
    raw = bytearray(path.read_bytes())
    raw[offset + 3] ^= 0x01
    path.write_bytes(raw)
    with set_workers(workers), pytest.raises(RecordingIntegrityError, match="fails its Fletcher-32 checksum"):
        read_recording(path)

"""Write blocks, read them back with Recording and with plain h5py: exactly the same samples."""

from __future__ import annotations

import tempfile
from pathlib import Path

import h5py
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.streams import Block, ChannelInfo, StreamInfo
from emgforce.io import FORMAT_VERSION, Recording, RecordingWriter, read_recording

from ._helpers import emg_info, force_info, plate_dict


def _write_blocks(path, info, blocks, subject, **kw):
    with RecordingWriter(path, [info], subject, **kw) as w:
        index = 0
        for b in blocks:
            w.append(Block(info.name, b, index))
            index += len(b)


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 700), min_size=1, max_size=25),
    dtype=st.sampled_from(["float32", "float64"]),
    chunk_s=st.sampled_from([0.01, 0.1, 1.0]),
    flush_every=st.integers(1, 5),
)
def test_random_block_sizes_round_trip_exactly(sizes, dtype, chunk_s, flush_every):
    from emgforce.io import Subject

    rng = np.random.default_rng(sum(sizes))
    info = emg_info(dtype)
    blocks = [rng.standard_normal((n, info.n_channels)).astype(dtype) for n in sizes]
    expected = np.concatenate(blocks)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.h5"
        with RecordingWriter(path, [info], Subject("x"), chunk_s=chunk_s) as w:
            index = 0
            for k, b in enumerate(blocks):
                w.append(Block("emg", b, index, host_time=float(k)))
                index += len(b)
                if k % flush_every == 0:
                    w.flush()
        with h5py.File(path, "r") as f:
            raw = f["streams/emg/data"][()]
            assert raw.dtype == np.dtype(dtype)
            np.testing.assert_array_equal(raw, expected)
            assert f.attrs["emgforce_format_version"].decode() == FORMAT_VERSION
        rec = read_recording(path)
    np.testing.assert_array_equal(rec.emg.data, expected.astype(np.float64))
    assert rec.emg.data.dtype == np.float64
    assert rec.emg.n_samples == sum(sizes)
    assert rec.emg.dtype == dtype
    # one clock row per non-empty block, at the block's first index
    starts = np.cumsum([0] + sizes[:-1])[np.array(sizes) > 0]
    np.testing.assert_array_equal(rec.emg.clock[:, 0], starts)


def test_raw_int16_with_conversion_and_offset(tmp_path, subject):
    chans = (
        ChannelInfo("GM_L", "emg", "V", "gluteus_medius", "left", conversion=1e-6, offset=0.0),
        ChannelInfo("Fz", "force", "N", conversion=0.5, offset=-3.0),
    )
    info = StreamInfo("adc", 1000.0, chans, dtype="int16")
    rng = np.random.default_rng(1)
    raw = rng.integers(-32768, 32767, size=(2500, 2), dtype=np.int16)
    _write_blocks(tmp_path / "a.h5", info, [raw[:1000], raw[1000:1001], raw[1001:]], subject)
    with h5py.File(tmp_path / "a.h5", "r") as f:
        ds = f["streams/adc/data"]
        assert ds.dtype == np.int16
        np.testing.assert_array_equal(ds[()], raw)
        np.testing.assert_array_equal(ds.attrs["conversion"], [1e-6, 0.5])
        np.testing.assert_array_equal(ds.attrs["offset"], [0.0, -3.0])
    stream = read_recording(tmp_path / "a.h5").streams["adc"]
    np.testing.assert_allclose(stream.channel("GM_L"), raw[:, 0] * 1e-6, rtol=1e-15)
    np.testing.assert_allclose(stream.channel("Fz"), raw[:, 1] * 0.5 - 3.0, rtol=1e-15)
    assert stream.channels == chans


def test_int16_stream_accepts_smaller_ints_and_refuses_out_of_range(tmp_path, subject):
    info = StreamInfo("adc", 100.0, (ChannelInfo("a", "analog"),), dtype="int16")
    from emgforce.errors import RecordingWriteError

    with RecordingWriter(tmp_path / "a.h5", [info], subject) as w:
        w.append(Block("adc", np.array([[1], [-2]], dtype=np.int8), 0))
        w.append(Block("adc", np.array([[30000]], dtype=np.int64), 2))
        for bad in (np.array([[40000]], dtype=np.int64), np.array([[1.5]])):
            try:
                w.append(Block("adc", bad, 3))
            except RecordingWriteError:
                pass
            else:
                raise AssertionError(f"{bad.dtype} {bad} accepted into int16")
    np.testing.assert_array_equal(read_recording(tmp_path / "a.h5").streams["adc"].data[:, 0], [1, -2, 30000])


def test_two_streams_at_different_rates_interleaved(tmp_path, subject):
    emg, force = emg_info("float64"), force_info(plate_dict())
    rng = np.random.default_rng(2)
    e = rng.standard_normal((4000, 4))
    fz = rng.standard_normal((2000, 6)) + 700.0
    with RecordingWriter(tmp_path / "s.h5", [emg, force], subject, chunk_s=0.25) as w:
        for k in range(20):  # 0.1 s blocks of each, alternating
            w.append(Block("emg", e[200 * k : 200 * (k + 1)], 200 * k))
            w.append(Block("force", fz[100 * k : 100 * (k + 1)], 100 * k))
    rec = Recording.open(tmp_path / "s.h5")
    assert set(rec.streams) == {"emg", "force"}
    np.testing.assert_array_equal(rec.emg.data, e)
    np.testing.assert_array_equal(rec.force.data, fz)
    assert rec.emg.fs_hz == 2000.0 and rec.force.fs_hz == 1000.0
    assert rec.emg.duration_s == rec.force.duration_s == rec.duration_s == 2.0
    np.testing.assert_allclose(rec.force.times_s[[0, 1, 1999]], [0.0, 0.001, 1.999])
    # the same instant in both streams
    np.testing.assert_array_equal(rec.segment("emg", (0.5, 0.6)), e[1000:1200])
    np.testing.assert_array_equal(rec.segment("force", (0.5, 0.6)), fz[500:600])
    with h5py.File(tmp_path / "s.h5", "r") as f:
        assert f["streams/emg/data"].chunks == (500, 4)
        assert f["streams/force/data"].chunks == (250, 6)
        assert f["streams/emg/data"].maxshape == (None, 4)
        names = [n.decode() for n in f["streams/emg/data"].attrs["channel_names"]]
        assert names == ["GM_L", "GM_R", "TFL_L", "TFL_R"]
        assert [s.decode() for s in f["streams/emg/data"].attrs["side"]] == ["left", "right"] * 2
        assert f["streams/emg/data"].attrs["fs_hz"] == 2000.0


def test_channel_selection(tmp_path, subject):
    _write_blocks(tmp_path / "s.h5", emg_info(), [np.zeros((10, 4), np.float32)], subject)
    emg = read_recording(tmp_path / "s.h5").emg
    assert emg.select(muscle="gluteus_medius") == [0, 1]
    assert emg.select(side="right") == [1, 3]
    assert emg.select_names(muscle="tensor_fasciae_latae", side="left") == ["TFL_L"]
    assert emg.select(kind="force") == []
    assert emg.channel_names == ("GM_L", "GM_R", "TFL_L", "TFL_R")

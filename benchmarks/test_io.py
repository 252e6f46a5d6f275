"""Recording format: appending 64 channels at 10 kHz in 10 ms blocks, and reading back.

References: plain h5py doing the same job (resize + write per block, one bulk write,
one bulk read + ``astype(float64)``). Reading is measured on 2 s (metadata-dominated)
and 30 s (data-dominated) files.
"""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from emgforce.streams import Block, ChannelInfo, StreamInfo
from emgforce.io import RecordingWriter, Subject, read_recording

FS_HZ, N_CH, BLOCK, SECONDS = 10_000.0, 64, 100, 2
INFO = StreamInfo("emg", FS_HZ, tuple(ChannelInfo(f"ch{i}", "emg", "V") for i in range(N_CH)), dtype="float32")
DATA = np.random.default_rng(0).standard_normal((int(FS_HZ * SECONDS), N_CH)).astype(np.float32)
BLOCKS = [Block("emg", DATA[i : i + BLOCK], i) for i in range(0, len(DATA), BLOCK)]
FLUSH_EVERY = int(FS_HZ) // BLOCK  # once per second, like the recorder


@pytest.fixture
def counter():
    return iter(range(10**6))


@pytest.mark.benchmark(group="io-append-64ch-10kHz-2s")
def test_writer_append(benchmark, tmp_path, counter):
    def run():
        with RecordingWriter(tmp_path / f"w{next(counter)}.h5", [INFO], Subject("b")) as w:
            for k, b in enumerate(BLOCKS):
                w.append(b)
                if k % FLUSH_EVERY == FLUSH_EVERY - 1:
                    w.flush()

    benchmark(run)


@pytest.mark.benchmark(group="io-append-64ch-10kHz-2s")
def test_h5py_resize_per_block_reference(benchmark, tmp_path, counter):
    def run():
        with h5py.File(tmp_path / f"r{next(counter)}.h5", "w", libver=("v110", "v110")) as f:
            ds = f.create_dataset("d", (0, N_CH), maxshape=(None, N_CH), chunks=(int(FS_HZ), N_CH), dtype="f4")
            f.swmr_mode = True
            for k, b in enumerate(BLOCKS):
                n = ds.shape[0]
                ds.resize(n + len(b.data), axis=0)
                ds[n:] = b.data
                if k % FLUSH_EVERY == FLUSH_EVERY - 1:
                    f.flush()

    benchmark(run)


@pytest.mark.benchmark(group="io-append-64ch-10kHz-2s")
def test_h5py_one_bulk_write_reference(benchmark, tmp_path, counter):
    def run():
        with h5py.File(tmp_path / f"b{next(counter)}.h5", "w", libver=("v110", "v110")) as f:
            f.create_dataset("d", data=DATA, chunks=(int(FS_HZ), N_CH))

    benchmark(run)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    path = tmp_path_factory.mktemp("io") / "r.h5"
    with RecordingWriter(path, [INFO], Subject("b")) as w:
        for b in BLOCKS:
            w.append(b)
    return path


# Warm-up rounds keep the first read (numba loading the checksum kernel from its cache)
# out of both the timings and pytest-benchmark's choice of the number of rounds.
@pytest.mark.benchmark(group="io-read-64ch-10kHz-2s")
def test_read_recording(benchmark, written):
    rec = benchmark.pedantic(read_recording, args=(written,), rounds=300, warmup_rounds=5)
    np.testing.assert_array_equal(rec.emg.data, DATA.astype(np.float64))


@pytest.mark.benchmark(group="io-read-64ch-10kHz-2s")
def test_h5py_read_as_float64_reference(benchmark, written):
    def run():
        with h5py.File(written, "r") as f:
            return f["streams/emg/data"][()].astype(np.float64)

    assert benchmark.pedantic(run, rounds=300, warmup_rounds=5).shape == DATA.shape


@pytest.fixture(scope="module")
def written_30s(tmp_path_factory):
    path = tmp_path_factory.mktemp("io") / "r30.h5"
    with RecordingWriter(path, [INFO], Subject("b")) as w:
        for k in range(15):
            for b in BLOCKS:
                w.append(Block("emg", b.data, b.first_index + k * len(DATA)))
    return path


@pytest.mark.benchmark(group="io-read-64ch-10kHz-30s")
def test_read_recording_30s(benchmark, written_30s):
    rec = benchmark.pedantic(read_recording, args=(written_30s,), rounds=15, warmup_rounds=2)
    np.testing.assert_array_equal(rec.emg.data[-len(DATA):], DATA.astype(np.float64))


@pytest.mark.benchmark(group="io-read-64ch-10kHz-30s")
def test_h5py_read_as_float64_30s_reference(benchmark, written_30s):
    def run():
        with h5py.File(written_30s, "r") as f:
            return f["streams/emg/data"][()].astype(np.float64)

    assert benchmark.pedantic(run, rounds=15, warmup_rounds=2).shape == (15 * len(DATA), N_CH)

"""Recorder throughput: 64 channels at 10 kHz from the simulated device, as fast as possible.

Ours: :class:`emgforce.record.Recorder` (reader thread, bounded queue, writer
thread, SWMR, flush every second of wall time). Reference: plain h5py appends
of the same blocks to one chunked dataset, flushed every second of data.
Reported in ``extra_info``: sample frames per second, values per second, the
real-time factor for a 64 x 10 kHz stream, and the writer's CPU use
(``time.thread_time`` of the writer thread; ``time.process_time`` for the
single-threaded reference) as a fraction of one core.

Run: ``python -m pytest benchmarks/test_record.py --benchmark-only``
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from emgforce.streams import Block, ChannelInfo, DeviceInfo, StreamInfo
from emgforce.drivers.base import Device

FS_HZ = 10_000.0
N_CH = 64
BLOCK = 500  # 50 ms
DATA_S = 10.0


@pytest.fixture(scope="module")
def pattern() -> np.ndarray:
    """One second of simulated 10 kHz sEMG, its 6 channels tiled to 64."""
    from emgforce.drivers.sim import Protocol, simulate

    emg = simulate(Protocol.short(), seed=0, emg_fs_hz=FS_HZ).emg[int(10 * FS_HZ) : int(11 * FS_HZ)]
    return np.ascontiguousarray(np.tile(emg, (1, N_CH // emg.shape[1] + 1))[:, :N_CH])


class WideSim(Device):
    """The simulated EMG as a 64-channel, 10 kHz device delivering blocks as fast as asked."""

    name = "sim64"
    realtime = False

    def __init__(self, pattern: np.ndarray, n_blocks: int) -> None:
        self.pattern, self.n_blocks, self.k = pattern, n_blocks, 0

    def describe(self) -> DeviceInfo:
        chans = tuple(ChannelInfo(f"ch{i}", kind="emg") for i in range(N_CH))
        return DeviceInfo(self.name, (StreamInfo("emg", FS_HZ, chans),))

    def open(self) -> None: ...

    def start(self) -> None:
        self.k = 0

    def read(self, max_samples=None, timeout=None):
        from emgforce.errors import DeviceFinishedError

        if self.k >= self.n_blocks:
            raise DeviceFinishedError("done")
        off = (self.k * BLOCK) % len(self.pattern)
        block = Block("emg", self.pattern[off : off + BLOCK].copy(), self.k * BLOCK)
        self.k += 1
        return [block]

    def stop(self) -> None: ...

    def close(self) -> None: ...


def _report(benchmark, frames: int, wall_s: float, cpu_s: float) -> None:
    benchmark.extra_info.update(
        frames_per_s=frames / wall_s,
        values_per_s=frames * N_CH / wall_s,
        realtime_factor=frames / FS_HZ / wall_s,
        writer_cpu_fraction_of_one_core=cpu_s / wall_s,
        writer_cpu_s_per_data_s=cpu_s / (frames / FS_HZ),
    )


@pytest.mark.benchmark(group="record")
def test_record_recorder_64ch_10khz(benchmark, pattern, tmp_path):
    from emgforce.record import Recorder

    n_blocks = int(DATA_S * FS_HZ / BLOCK)
    runs = []

    def run():
        path = tmp_path / f"r{len(runs)}.h5"
        t0 = time.perf_counter()
        summary = Recorder(WideSim(pattern, n_blocks), path).run()
        runs.append((time.perf_counter() - t0, summary))
        assert summary.streams["emg"].samples_written == n_blocks * BLOCK and summary.streams["emg"].gap_count == 0

    benchmark.pedantic(run, rounds=3, iterations=1)
    wall, summary = min(runs, key=lambda r: r[0])
    _report(benchmark, n_blocks * BLOCK, wall, summary.writer_cpu_s)
    benchmark.extra_info["reader_cpu_s"] = summary.reader_cpu_s


@pytest.mark.benchmark(group="record")
def test_record_reference_plain_h5py_appends(benchmark, pattern, tmp_path):
    import h5py

    n_blocks = int(DATA_S * FS_HZ / BLOCK)
    runs = []

    def run():
        path = tmp_path / f"h{len(runs)}.h5"
        t0, c0 = time.perf_counter(), time.process_time()
        with h5py.File(path, "w", libver="latest") as f:
            ds = f.create_dataset("data", shape=(0, N_CH), maxshape=(None, N_CH), chunks=(int(FS_HZ), N_CH),
                                  dtype="float64")
            f.swmr_mode = True
            src = WideSim(pattern, n_blocks)
            src.start()
            for k in range(n_blocks):
                (block,) = src.read()
                n0 = ds.shape[0]
                ds.resize(n0 + BLOCK, axis=0)
                ds[n0:] = block.data
                if (k + 1) % int(FS_HZ / BLOCK) == 0:
                    f.flush()
        runs.append((time.perf_counter() - t0, time.process_time() - c0))

    benchmark.pedantic(run, rounds=3, iterations=1)
    wall, cpu = min(runs, key=lambda r: r[0])
    _report(benchmark, n_blocks * BLOCK, wall, cpu)

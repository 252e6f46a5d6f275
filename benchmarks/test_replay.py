"""Replay device: paced playback of 64 channels at 10 kHz, CPU cost per second of data.

``replay-64ch-10kHz-paced``: 3 s of a 64 ch x 10 kHz recording replayed in real time
(20 ms blocks) by a reader calling ``read()`` in a loop, as the recorder's reader thread
does. The timed figure is wall time (3 s by construction); what matters is
``extra_info["cpu_fraction"]``, CPU seconds per second of playback (process time). The
reference is the irreducible job: a loop that sleeps until each 20 ms block is due and
slices it out of the same in-memory array.

Run: ``python -m pytest benchmarks/test_replay.py --benchmark-only``.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from emgforce.drivers.replay import ReplayDevice
from emgforce.errors import DeviceFinishedError
from emgforce.io import RecordingWriter, Subject
from emgforce.streams import Block, ChannelInfo, StreamInfo

FS_HZ, N_CH, SECONDS, BLOCK_S = 10_000.0, 64, 3.0, 0.02


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    path = tmp_path_factory.mktemp("replay") / "src.h5"
    info = StreamInfo("emg", FS_HZ, tuple(ChannelInfo(f"ch{i}", "emg", "V") for i in range(N_CH)), dtype="float32")
    x = np.random.default_rng(0).standard_normal((int(FS_HZ * SECONDS), N_CH)).astype(np.float32)
    with RecordingWriter(path, [info], Subject("r")) as w:
        w.append(Block("emg", x, 0))
    return path, x


def cpu_fraction(benchmark, run):
    cpu = []

    def timed():
        t0 = time.process_time()
        n = run()
        cpu.append(time.process_time() - t0)
        return n

    n = benchmark.pedantic(timed, rounds=3, warmup_rounds=0)
    assert n == int(FS_HZ * SECONDS)  # every sample delivered
    benchmark.extra_info["cpu_fraction"] = min(cpu) / SECONDS


@pytest.mark.benchmark(group="replay-64ch-10kHz-paced")
def test_replay_paced(benchmark, source):
    dev = ReplayDevice(source[0], realtime=True, block_s=BLOCK_S)
    dev.open()

    def run():
        dev.start()
        n = 0
        try:
            while True:
                n += sum(b.n_samples for b in dev.read(timeout=0.1))
        except DeviceFinishedError:
            return n

    cpu_fraction(benchmark, run)


@pytest.mark.benchmark(group="replay-64ch-10kHz-paced")
def test_sleep_and_slice_reference(benchmark, source):
    x = source[1].astype(np.float64)
    step = int(BLOCK_S * FS_HZ)

    def run():
        t0 = time.monotonic()
        n = 0
        for a in range(0, len(x), step):
            wait = t0 + (a + step) / FS_HZ - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            n += len(x[a:a + step].copy())
        return n

    cpu_fraction(benchmark, run)

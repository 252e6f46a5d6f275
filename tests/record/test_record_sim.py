"""Recording the simulated device, and replaying a recording as a device."""

from __future__ import annotations

import numpy as np
import pytest

from emgforce.drivers.replay import ReplayDevice
from emgforce.drivers.sim import Protocol, SimulatedDevice, simulate
from emgforce.errors import DeviceFinishedError
from emgforce.io import read_recording
from emgforce.record import Recorder


@pytest.fixture(scope="module")
def session():
    return simulate(Protocol.short(), seed=3)


def test_sim_session_recorded_whole_with_markers(tmp_path, session):
    path = tmp_path / "sim.h5"
    summary = Recorder(SimulatedDevice(Protocol.short(), seed=3, block_s=0.1), path, "S01").run()
    rec = read_recording(path)
    assert summary.reason.startswith("source finished") and rec.complete
    np.testing.assert_allclose(rec.streams["emg"].data, session.emg, rtol=0, atol=1e-12)
    np.testing.assert_allclose(rec.streams["force"].data, session.force, rtol=0, atol=1e-9)
    assert [(e.label, e.kind) for e in rec.events] == [(m.label, m.kind) for m in session.markers]
    np.testing.assert_allclose([e.time_s for e in rec.events], [m.time_s for m in session.markers])


def test_sim_drops_and_disconnect(tmp_path, session):
    path = tmp_path / "simfault.h5"
    dev = SimulatedDevice(Protocol.short(), seed=3, block_s=0.1, drop_blocks=(5, 6, 40), disconnect_at_s=20.0)
    summary = Recorder(dev, path).run()
    rec = read_recording(path)
    assert "disconnected" in rec.end_reason and "disconnected" in summary.reason
    for name, fs, ref in (("emg", 2000, session.emg), ("force", 1000, session.force)):
        s = rec.streams[name]
        n_block = int(0.1 * fs)
        assert s.gaps.tolist() == [[5 * n_block, 2 * n_block], [40 * n_block, n_block]]
        assert s.n_samples == 20 * fs  # everything up to the fault
        idx = s.received_indices
        np.testing.assert_allclose(s.data[idx], ref[idx], rtol=0, atol=1e-9)


def test_replay_reproduces_data_gaps_events_and_device_time(tmp_path, session):
    src = tmp_path / "src.h5"
    Recorder(SimulatedDevice(Protocol.short(), seed=3, block_s=0.1, drop_blocks=(5,)), src).run(duration_s=30.0)
    original = read_recording(src)
    dev = ReplayDevice(src, realtime=False, block_s=0.25)
    dev.open()
    dev.start()
    blocks, markers = [], []
    with pytest.raises(DeviceFinishedError):
        for _ in range(10_000):
            blocks += dev.read()
            markers += dev.read_markers()
    dev.close()
    for name, s in original.streams.items():
        got = [b for b in blocks if b.stream == name]
        idx = np.concatenate([np.arange(b.first_index, b.first_index + b.n_samples) for b in got])
        np.testing.assert_array_equal(idx, s.received_indices)
        np.testing.assert_array_equal(np.concatenate([b.data for b in got]), s.data[s.received_indices])
        assert sum(b.missing for b in got) == s.n_missing == int(0.1 * s.fs_hz)
        # device time of each block: the source's own time line (index / fs here, the sim has no device clock)
        for b in got:
            assert b.device_time == pytest.approx(b.first_index / s.fs_hz)
    assert [(m.label, m.kind, m.time_s) for m in markers] == [(e.label, e.kind, e.time_s) for e in original.events]

    # and the replay can itself be recorded: the copy equals the original
    copy = tmp_path / "copy.h5"
    Recorder(ReplayDevice(src, realtime=False), copy).run()
    again = read_recording(copy)
    for name, s in original.streams.items():
        np.testing.assert_array_equal(again.streams[name].gaps, s.gaps)
        np.testing.assert_array_equal(again.streams[name].data, s.data)
    assert [(e.label, e.time_s) for e in again.events] == [(e.label, e.time_s) for e in original.events]


def test_replay_paced_runs_at_speed(tmp_path):
    import time

    src = tmp_path / "p.h5"
    Recorder(SimulatedDevice(Protocol.short(), seed=1), src).run(duration_s=2.0)
    dev = ReplayDevice(src, realtime=True, speed=4.0)
    dev.open()
    dev.start()
    t0 = time.monotonic()
    n = 0
    with pytest.raises(DeviceFinishedError):
        while True:
            n += sum(b.n_samples for b in dev.read(timeout=0.05) if b.stream == "emg")
    elapsed = time.monotonic() - t0
    assert n == 4000
    assert 0.45 <= elapsed < 3.0  # 2 s of data at 4x: paced, about half a second

"""The simulated device through the Device interface: blocks, indices, faults, pacing, markers."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import emgforce.drivers as drivers
from emgforce.drivers.sim import Protocol, SimulatedDevice, Step, simulate
from emgforce.errors import DeviceDisconnectedError, DeviceError, DeviceFinishedError

#: 6 s: lead-in 1 s, double-leg stance 4 s, tail 1 s (two trial markers)
TINY = Protocol((Step("stance_double", duration_s=4.0),), lead_in_s=1.0, tail_s=1.0)


@pytest.fixture(scope="module")
def tiny_session():
    return simulate(TINY, seed=5)


def _drain(dev: SimulatedDevice, **read_kwargs) -> list:
    blocks = []
    while not dev.finished:
        blocks += dev.read(**read_kwargs)
    return blocks


def _by_stream(blocks, name):
    return [b for b in blocks if b.stream == name]


def test_registered_as_sim_driver():
    assert drivers.get_driver("sim") is SimulatedDevice
    assert SimulatedDevice.available()[0]


def test_fast_delivery_is_the_session_exactly(tiny_session):
    with SimulatedDevice(TINY, seed=5) as dev:
        info = dev.describe()
        assert [s.name for s in info.streams] == ["emg", "force"]
        dev.start()
        blocks, markers = [], []
        while not dev.finished:
            got = dev.read()
            assert [b.stream for b in got] == ["emg", "force"]  # one block per stream, emg first
            blocks += got
            markers += dev.read_markers()
    for name, data, fs in (("emg", tiny_session.emg, 2000), ("force", tiny_session.force, 1000)):
        bs = _by_stream(blocks, name)
        assert all(b.n_samples == int(0.05 * fs) for b in bs)
        starts = [b.first_index for b in bs]
        assert starts == list(np.cumsum([0] + [b.n_samples for b in bs[:-1]]))
        assert all(b.missing == 0 and b.device_time == pytest.approx(b.first_index / fs) for b in bs)
        np.testing.assert_array_equal(np.concatenate([b.data for b in bs]), data)
    assert markers == list(tiny_session.markers)
    assert [(m.label, m.kind) for m in markers] == [("stance_double", "start"), ("stance_double", "stop")]
    np.testing.assert_array_equal(dev.ground_truth.activation_pct_mvc, tiny_session.truth.activation_pct_mvc)


def test_markers_arrive_when_their_time_has_passed():
    with SimulatedDevice(TINY, seed=5, block_s=0.25) as dev:
        dev.start()
        seen = []
        while not dev.finished:
            dev.read()
            for m in dev.read_markers():
                seen.append((m, dev.position_s))
    assert [m.time_s for m, _ in seen] == [1.0, 5.0]
    for m, position in seen:
        assert m.time_s <= position < m.time_s + 0.25 + 1e-9


def test_max_samples_caps_each_read(tiny_session):
    with SimulatedDevice(TINY, seed=5, block_s=0.1) as dev:
        dev.start()
        blocks = _drain(dev, max_samples=30)
    emg = _by_stream(blocks, "emg")
    assert max(b.n_samples for b in emg) == 30
    np.testing.assert_array_equal(np.concatenate([b.data for b in emg]), tiny_session.emg)


def test_dropped_blocks_leave_exact_gaps(tiny_session):
    drop = (3, 4, 10, 119)  # 119 is the last block of the 6 s session
    with SimulatedDevice(TINY, seed=5, drop_blocks=drop) as dev:
        dev.start()
        blocks = _drain(dev)
    for name, data, per_block in (("emg", tiny_session.emg, 100), ("force", tiny_session.force, 50)):
        bs = _by_stream(blocks, name)
        lost = {b.first_index: b.missing for b in bs if b.missing}
        assert lost == {5 * per_block: 2 * per_block, 11 * per_block: per_block, 120 * per_block: per_block}
        assert bs[-1].n_samples == 0  # the trailing loss is reported by an empty block
        expected = 0
        for b in bs:  # contiguous apart from the reported losses, data at the right indices
            assert b.first_index == expected + b.missing
            np.testing.assert_array_equal(b.data, data[b.first_index : b.first_index + b.n_samples])
            expected = b.first_index + b.n_samples
        assert sum(b.n_samples for b in bs) == len(data) - len(drop) * per_block


@settings(max_examples=20, deadline=None)
@given(
    block_s=st.sampled_from([0.01, 0.05, 0.1, 0.37, 1.0]),
    drop=st.sets(st.integers(0, 40), max_size=6),
    max_samples=st.one_of(st.none(), st.integers(1, 500)),
)
def test_indices_account_for_every_sample(tiny_session, block_s, drop, max_samples):
    """Whatever the block size, losses and caps: delivered + missing = all samples, in order."""
    with SimulatedDevice(TINY, seed=5, block_s=block_s, drop_blocks=sorted(drop)) as dev:
        dev.start()
        blocks = _drain(dev, max_samples=max_samples)
    for name, data in (("emg", tiny_session.emg), ("force", tiny_session.force)):
        expected = 0
        for b in _by_stream(blocks, name):
            assert b.first_index == expected + b.missing
            expected = b.first_index + b.n_samples
        assert expected == len(data)


def test_disconnect_delivers_everything_before_it_then_raises(tiny_session):
    with SimulatedDevice(TINY, seed=5, disconnect_at_s=2.0) as dev:
        dev.start()
        blocks, markers = [], []
        with pytest.raises(DeviceDisconnectedError, match="disconnected at 2.000 s") as exc:
            while True:
                blocks += dev.read()
                markers += dev.read_markers()
        assert not isinstance(exc.value, DeviceFinishedError)
        with pytest.raises(DeviceDisconnectedError):  # it stays gone
            dev.read()
    for name, data, fs in (("emg", tiny_session.emg, 2000), ("force", tiny_session.force, 1000)):
        got = np.concatenate([b.data for b in _by_stream(blocks, name)])
        np.testing.assert_array_equal(got, data[: int(2.0 * fs)])
    assert [m.time_s for m in markers] == [1.0]  # the stop at 5 s never happened


def test_end_of_session_raises_finished(tiny_session):
    """A finite source: after the last block, read() says so (as a replayed file does)."""
    with SimulatedDevice(TINY, seed=5, block_s=1.0) as dev:
        dev.start()
        n = 0
        with pytest.raises(DeviceFinishedError, match="ended after 6.000 s"):
            while True:
                n += sum(b.n_samples for b in dev.read() if b.stream == "emg")
        assert dev.finished and n == len(tiny_session.emg)


def test_life_cycle_errors():
    dev = SimulatedDevice(TINY, seed=5)
    dev.open()
    with pytest.raises(DeviceError, match="start"):
        dev.read()
    dev.start()
    assert dev.read()
    dev.stop()
    assert dev.read() == []
    dev.close()
    with pytest.raises(ValueError, match="block_s"):
        SimulatedDevice(TINY, block_s=0)
    with pytest.raises(ValueError, match="drop_blocks"):
        SimulatedDevice(TINY, drop_blocks=[-1])


def test_realtime_never_runs_ahead_of_the_wall_clock():
    """Paced mode: data of time t is never delivered before t has passed since start()."""
    with SimulatedDevice(TINY, seed=5, realtime=True, block_s=0.05) as dev:
        dev.start()
        t0 = time.monotonic()
        early = dev.read(timeout=0)  # normally nothing yet; never more than the elapsed time
        assert sum(b.n_samples for b in early if b.stream == "emg") <= 2000 * (time.monotonic() - t0) + 1
        time.sleep(0.2)  # a slow consumer catches up with block-sized blocks, not one big one
        late = dev.read(timeout=0)
        assert len(late) >= 6 and all(b.n_samples == (100 if b.stream == "emg" else 50) for b in late)
        delivered = 0.0
        while delivered < 0.6:
            for b in dev.read(timeout=0.5):
                elapsed = time.monotonic() - t0
                end_s = (b.first_index + b.n_samples) / (2000.0 if b.stream == "emg" else 1000.0)
                assert end_s <= elapsed + 1e-3
                delivered = max(delivered, end_s)
        assert time.monotonic() - t0 >= 0.6 - 1e-3


def test_realtime_speed_factor():
    """speed=4: after 0.5 s of wall clock at least 2 s of data are due, and never more than 4x elapsed."""
    with SimulatedDevice(TINY, seed=5, realtime=True, speed=4.0, block_s=0.1) as dev:
        dev.start()
        t0 = time.monotonic()
        time.sleep(0.5)
        blocks = dev.read(timeout=0)
        elapsed = time.monotonic() - t0
    force = [b for b in blocks if b.stream == "force"]
    delivered = (force[-1].first_index + force[-1].n_samples) / 1000.0
    assert 2.0 - 1e-9 <= delivered <= 4.0 * elapsed + 1e-3

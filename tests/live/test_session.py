"""LiveSession without Qt: device faults reach the caller, a running trial is closed in the file."""

from __future__ import annotations

import time

import numpy as np
import pytest

from emgforce.errors import DeviceDisconnectedError
from emgforce.live.session import LiveSession
from tests.live.conftest import steps


def wait_for(condition, timeout_s=30.0):
    end = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


def test_a_disconnect_stops_the_reader_and_is_reported():
    from emgforce.drivers.sim import Protocol, SimulatedDevice

    dev = SimulatedDevice(Protocol.short(), realtime=False, disconnect_at_s=0.5)
    session = LiveSession(dev, window_s=2.0)
    session.start()
    wait_for(lambda: not session.running)
    assert isinstance(session.error, DeviceDisconnectedError)
    # everything before the fault was processed
    assert session.pipeline.session_time_s == pytest.approx(0.5, abs=0.05)
    session.stop()


def test_duration_ends_a_session_without_recording(scripted_device):
    dev = scripted_device(steps([(0.0, (1e-3,) * 4)]))  # as fast as it can be read
    session = LiveSession(dev, window_s=2.0)
    session.start(duration_s=1.0)
    wait_for(lambda: not session.running)
    assert session.error is None and not dev.opened
    assert 1.0 <= session.pipeline.session_time_s < 1.1


def test_stopping_during_a_trial_writes_its_stop_to_the_recording(scripted_device, tmp_path):
    from emgforce.io import read_recording

    dev = scripted_device(steps([(0.0, (1e-3,) * 4)]), realtime=True, block_s=0.01)
    out = tmp_path / "s.h5"
    session = LiveSession(dev, record_path=out, subject="S02", window_s=2.0)
    session.start()
    try:
        wait_for(lambda: session.pipeline.session_time_s >= 0.2)
        start = session.controller.start_trial("stance", "left").start_s
        wait_for(lambda: session.pipeline.session_time_s >= start + 0.3)
    finally:
        session.stop()
    assert session.controller.active is None
    rec = read_recording(out)
    (trial,) = rec.trials(label="stance_left")
    assert trial.complete and trial.duration_s >= 0.3
    # the display's clock is the recording's: the trial lies inside the recorded data
    assert 0.2 <= trial.start_s < trial.stop_s <= rec.duration_s
    assert np.isfinite(rec.emg.data).all()

"""NI-DAQmx driver through a fake ``nidaqmx`` module that follows its API and error codes."""

from __future__ import annotations

import time

import numpy as np
import pytest

from emgforce.drivers.nidaq import NIDAQDevice
from emgforce.errors import DeviceDisconnectedError, DeviceError, DeviceNotAvailableError
from tests.drivers.fakes import fake_nidaqmx
from tests.drivers._reading import read_for


def test_real_runtime_missing_is_reported():
    ok, why = NIDAQDevice.available()  # the real nidaqmx package without the NI driver
    assert not ok and "NI-DAQmx" in why


@pytest.fixture
def board(monkeypatch):
    return fake_nidaqmx.install(monkeypatch)


def test_continuous_read_exact(board):
    dev = NIDAQDevice("Dev1/ai0:3", fs_hz=1000.0, channels=("GM_L", "GM_R", "a2", "a3"), read_interval_s=0.05)
    with dev:
        info = dev.describe().streams[0]
        assert info.actual_fs_hz == 1000.0 and info.channels[0].kind == "emg" and info.channels[2].kind == "analog"
        dev.start()
        blocks = read_for(dev, 0.4, read_timeout=0.05)
    n = 0
    for b in blocks:
        assert b.first_index == n and not b.overrun and b.n_samples <= 50
        k = np.arange(b.first_index, b.first_index + b.n_samples)
        np.testing.assert_array_equal(b.data, k[:, None] * 16.0 + np.arange(4)[None, :])
        n += b.n_samples
    assert 300 <= n <= 420


def test_overrun_200279_restarts_and_records_a_gap(board):
    dev = NIDAQDevice("Dev1/ai0:1", fs_hz=1000.0, channels=("a", "b"), buffer_s=0.2, read_interval_s=0.02)
    dev.open()
    dev.start()
    before = read_for(dev, 0.1, read_timeout=0.05)
    time.sleep(0.6)  # the reader stalls for 3x the buffer: DAQmx reports -200279
    after = read_for(dev, 0.15, read_timeout=0.05)
    dev.stop()
    dev.close()
    for b in before:  # exact before the fault
        assert b.first_index == int(b.data[0, 0] // 16) and not b.overrun
    flagged = [b for b in after if b.overrun]
    assert len(flagged) == 1 and flagged[0] is after[0]
    true_k = int(flagged[0].data[0, 0] // 16)
    expected_next = before[-1].first_index + before[-1].n_samples
    assert flagged[0].missing == flagged[0].first_index - expected_next > 300
    assert abs(flagged[0].first_index - true_k) <= 20  # re-anchored on the host clock (within scheduling delay)
    for b in after:  # contiguous again after the restart, values consistent within each block
        np.testing.assert_array_equal(np.diff(b.data[:, 0]), 16.0)
    assert dev.session_attrs()["nidaq_overruns"] == 1


def test_device_removed_is_a_disconnect(board):
    board.fail_after_reads = 3
    dev = NIDAQDevice("Dev1/ai0", fs_hz=1000.0, channels=("a",))
    dev.open()
    dev.start()
    with pytest.raises(DeviceDisconnectedError, match="-201003"):
        read_for(dev, 2.0, read_timeout=0.05)
    dev.close()


def test_channel_count_mismatch_and_missing_driver(board):
    with pytest.raises(DeviceError, match="2 channels but 3 names"):
        NIDAQDevice("Dev1/ai0:1", channels=("a", "b", "c")).open()
    board.installed = False
    ok, why = NIDAQDevice.available()
    assert not ok and "driver is not installed" in why
    with pytest.raises(DeviceNotAvailableError):
        NIDAQDevice("Dev1/ai0").open()

"""MCC (uldaq) driver through a fake ``uldaq`` module with a virtual circular-buffer scan."""

from __future__ import annotations

import time

import numpy as np
import pytest

from emgforce.drivers.mcc import MCCDevice
from emgforce.errors import DeviceDisconnectedError, DeviceError
from tests.drivers.fakes import fake_uldaq
from tests.drivers._reading import read_for


def test_real_runtime_missing_is_reported():
    ok, why = MCCDevice.available()  # uldaq is installed, its C library is not
    assert not ok and "libuldaq" in why


@pytest.fixture
def board(monkeypatch):
    return fake_uldaq.install(monkeypatch)


def _check_values(blocks, n_ch):
    for b in blocks:
        k = np.arange(b.first_index, b.first_index + b.n_samples)
        np.testing.assert_array_equal(b.data, k[:, None] * 16.0 + np.arange(n_ch)[None, :])


def test_continuous_scan_exact_across_buffer_wraps(board):
    dev = MCCDevice(fs_hz=2000.0, channels=("GM_L", "GM_R", "x"), buffer_s=0.05)  # ring of 100 scans wraps often
    with dev:
        dev.start()
        blocks = read_for(dev, 0.3, read_timeout=0.02)
    assert dev.describe().serial_number == "01ABCDEF"
    _check_values(blocks, 3)
    n = 0
    for b in blocks:
        assert b.first_index == n and b.missing == 0 and not b.overrun
        n += b.n_samples
    assert n > 400
    assert board.released


def test_overrun_gap_exact_from_the_device_counts(board):
    dev = MCCDevice(fs_hz=2000.0, channels=("a", "b"), buffer_s=0.1)
    dev.open()
    dev.start()
    before = read_for(dev, 0.05, read_timeout=0.02)
    time.sleep(0.4)  # 800 scans arrive into a 200-scan ring: about 600 are overwritten unread
    after = read_for(dev, 0.05, read_timeout=0.02)
    dev.stop()
    dev.close()
    _check_values(before + after, 2)  # every delivered sample sits at its true index
    hole = after[0]
    assert hole.overrun and hole.first_index - (before[-1].first_index + before[-1].n_samples) == hole.missing > 300
    assert all(not b.overrun for b in after[1:])
    assert dev.session_attrs()["mcc_overruns"] >= 1


def test_unplugged_device_is_a_disconnect(board):
    board.unplug_after_s = 0.1
    dev = MCCDevice(fs_hz=1000.0, channels=("a",))
    dev.open()
    dev.start()
    with pytest.raises(DeviceDisconnectedError, match="MCC device lost"):
        read_for(dev, 2.0, read_timeout=0.02)
    dev.close()


def test_unplugged_during_a_copy_delivers_the_copy_then_disconnects(board):
    dev = MCCDevice(fs_hz=1000.0, channels=("a", "b"))
    dev.open()
    dev.start()
    time.sleep(0.1)
    board.unplug_at_status_call = board.status_calls + 2  # the status check after the copy fails
    blocks = dev.read()
    assert len(blocks) == 1 and blocks[0].first_index == 0 and blocks[0].n_samples >= 50
    _check_values(blocks, 2)
    with pytest.raises(DeviceDisconnectedError):
        dev.read()
    dev.close()


def test_no_device_found(board):
    board.devices = []
    with pytest.raises(DeviceError, match="no MCC device found"):
        MCCDevice().open()

"""LabJack driver through a fake ``labjack.ljm`` that follows LJM's API, dummy value and error codes."""

from __future__ import annotations

import numpy as np
import pytest

from emgforce.drivers.labjack import LabJackDevice
from emgforce.errors import DeviceDisconnectedError, DeviceError
from tests.drivers.fakes import fake_ljm


def test_real_runtime_missing_is_reported():
    ok, why = LabJackDevice.available()  # labjack-ljm is installed, libLabJackM is not
    assert not ok and "LJM library" in why


@pytest.fixture
def board(monkeypatch):
    return fake_ljm.install(monkeypatch)


def test_stream_exact_with_skipped_scans_as_gaps(board):
    board.skip = set(range(130, 150)) | {299} | set(range(400, 410))  # 299, 400-409: gaps across block edges
    dev = LabJackDevice(("AIN0", "AIN1", "AIN2"), channels=("GM_L", "a1", "a2"), fs_hz=2000.0, read_interval_s=0.05)
    with dev:
        dev.start()
        blocks = []
        for _ in range(5):  # 5 x 100 scans
            blocks += dev.read()
    assert board.writes == {"AIN0_RANGE": 10.0, "AIN1_RANGE": 10.0, "AIN2_RANGE": 10.0}
    assert dev.describe().serial_number == "470012345"
    expected_next, holes = 0, []
    for b in blocks:
        k = np.arange(b.first_index, b.first_index + b.n_samples)
        np.testing.assert_array_equal(b.data, k[:, None] * 16.0 + np.arange(3)[None, :])
        assert b.first_index - expected_next == b.missing
        assert b.overrun == (b.missing > 0)
        if b.missing:
            holes.append((expected_next, b.missing))
        expected_next = b.first_index + b.n_samples
    assert holes == [(130, 20), (299, 1), (400, 10)]
    attrs = dev.session_attrs()
    assert attrs["labjack_skipped_scans"] == 31
    assert not board.streaming and board.closed


def test_disconnect_and_open_failure(board):
    board.disconnect_after_reads = 2
    dev = LabJackDevice(("AIN0",), channels=("a",), fs_hz=1000.0)
    dev.open()
    dev.start()
    assert sum(b.n_samples for b in dev.read() + dev.read()) == 100
    with pytest.raises(DeviceDisconnectedError, match="1226"):
        dev.read()
    dev.stop()
    dev.close()
    board.present = False
    with pytest.raises(DeviceError, match="cannot open the LabJack"):
        LabJackDevice(("AIN0",), channels=("a",)).open()

"""One overrun rule for NI-DAQmx, MCC and LabJack: restart, record the gap with its length, carry on.

Each vendor fake raises its vendor's own overrun error (DAQmx -200279, uldaq OVERRUN, LJM 1301)
on a virtual clock shared with the driver, so the tests are fast and exact. The fakes' values
encode the board's own sample number (``k * 16 + channel``, counted on across restarts), an
independent check of where the driver puts every sample after the restart.
"""

from __future__ import annotations

import numpy as np
import pytest

from emgforce.drivers.labjack import LabJackDevice
from emgforce.drivers.mcc import MCCDevice
from emgforce.drivers.nidaq import NIDAQDevice
from tests.drivers.fakes import fake_ljm, fake_nidaqmx, fake_uldaq
from tests.drivers.fakes.clock import VirtualClock


def _read_until(dev, n, **kw):
    blocks = []
    for _ in range(10_000):
        blocks += dev.read(**kw)
        if sum(b.n_samples for b in blocks) >= n:
            break
    return blocks


def _check_in_place(blocks, n_ch):
    """Every sample is where the board says it belongs; return the gaps ``(index, length)``."""
    gaps, expected = [], blocks[0].first_index
    for b in blocks:
        k = np.arange(b.first_index, b.first_index + b.n_samples)
        np.testing.assert_array_equal(b.data, k[:, None] * 16.0 + np.arange(n_ch)[None, :])
        assert b.first_index - expected == b.missing and b.overrun == (b.missing > 0)
        if b.missing:
            gaps.append((expected, b.missing))
        expected = b.first_index + b.n_samples
    return gaps


def test_nidaq_overrun_restarts_and_records_the_gap(monkeypatch):
    clock = VirtualClock()
    board = fake_nidaqmx.install(monkeypatch, clock)
    dev = NIDAQDevice("Dev1/ai0:1", fs_hz=1000.0, channels=("a", "b"), buffer_s=0.5, read_interval_s=0.1, clock=clock)
    with dev:
        dev.start()
        blocks = _read_until(dev, 300)
        clock.advance(2.0)  # the reader stalls 2 s: 2000 samples > the 500-sample buffer
        blocks += _read_until(dev, 600)
    gaps = _check_in_place(blocks, 2)
    # the task stopped at the overrun; the hole is what the board sampled until the restart
    assert len(gaps) == 1 and gaps[0][0] == 300 and 1500 <= gaps[0][1] <= 2100
    assert dev.session_attrs() == {"nidaq_overruns": 1, "nidaq_samples_lost_in_restarts": gaps[0][1]}
    assert sum(b.n_samples for b in blocks) >= 600  # and acquisition carried on
    assert board.reads > 3


def test_mcc_overrun_restarts_and_records_the_gap(monkeypatch):
    clock = VirtualClock()
    board = fake_uldaq.install(monkeypatch, clock)
    dev = MCCDevice(fs_hz=1000.0, channels=("a", "b", "c"), buffer_s=10.0, clock=clock)
    with dev:
        dev.start()
        blocks = _read_until(dev, 200)
        board.overrun_at = clock.now + 0.05
        clock.advance(1.0)  # the FIFO overruns 50 ms into a 1 s stall; the scan stops there
        blocks += _read_until(dev, 500)
    gaps = _check_in_place(blocks, 3)
    assert board.scans_started == 2  # restarted once
    assert len(gaps) == 1 and gaps[0][1] >= 950  # lost: the stall, less nothing the device kept
    attrs = dev.session_attrs()
    assert attrs["mcc_restarts"] == 1 and attrs["mcc_samples_lost_in_restarts"] == gaps[0][1]
    assert blocks[-1].first_index > gaps[0][0] + gaps[0][1]  # acquisition carried on


def test_labjack_ljm_buffer_full_restarts_and_records_the_gap(monkeypatch):
    clock = VirtualClock()
    board = fake_ljm.install(monkeypatch, clock)
    board.ljm_buffer_scans = 400
    dev = LabJackDevice(("AIN0", "AIN1"), channels=("a", "b"), fs_hz=1000.0, read_interval_s=0.05, clock=clock)
    with dev:
        dev.start()
        blocks = _read_until(dev, 200)
        clock.advance(1.0)  # 1000 scans wait: LJM's 400-scan buffer is full, the stream stops (1301)
        blocks += _read_until(dev, 400)
    gaps = _check_in_place(blocks, 2)
    assert board.starts == 2 and len(gaps) == 1
    # the stall plus the polling before it; exact, as _check_in_place shows against the board's numbers
    assert gaps[0][0] == 200 and 1000 <= gaps[0][1] < 1050
    attrs = dev.session_attrs()
    assert attrs["labjack_restarts"] == 1 and attrs["labjack_samples_lost_in_restarts"] == gaps[0][1]


def test_labjack_read_honours_max_samples_and_timeout(monkeypatch):
    clock = VirtualClock()
    fake_ljm.install(monkeypatch, clock)
    dev = LabJackDevice(("AIN0",), channels=("a",), fs_hz=1000.0, read_interval_s=0.05, clock=clock)
    with dev:
        dev.start()
        t0 = clock.now
        assert dev.read(timeout=0.02) == []  # no whole 50-scan block within 20 ms: back empty, not blocked
        assert t0 + 0.02 <= clock.now < t0 + 0.05
        first = dev.read(max_samples=30, timeout=1.0)
        second = dev.read(max_samples=30, timeout=0.0)  # the rest of that block, without waiting
        assert [b.n_samples for b in first] == [30] and [b.n_samples for b in second] == [20]
        assert second[0].first_index == 30
        _check_in_place(first + second + dev.read(timeout=1.0), 1)


def test_uldaq_fake_refuses_a_scan_before_connect(monkeypatch):
    fake_uldaq.install(monkeypatch)
    import uldaq

    desc = uldaq.get_daq_device_inventory(uldaq.InterfaceType.ANY)[0]
    device = uldaq.DaqDevice(desc)
    ai = device.get_ai_device()
    buf = uldaq.create_float_buffer(1, 100)
    with pytest.raises(uldaq.ULException) as err:
        ai.a_in_scan(0, 0, uldaq.AiInputMode.SINGLE_ENDED, uldaq.Range.BIP10VOLTS, 100, 1000.0,
                     uldaq.ScanOption.CONTINUOUS, uldaq.AInScanFlag.DEFAULT, buf)
    assert err.value.error_code == uldaq.ULError.DEV_NOT_CONNECTED
    device.connect()
    assert ai.a_in_scan(0, 0, uldaq.AiInputMode.SINGLE_ENDED, uldaq.Range.BIP10VOLTS, 100, 1000.0,
                        uldaq.ScanOption.CONTINUOUS, uldaq.AInScanFlag.DEFAULT, buf) == 1000.0


@pytest.mark.parametrize("vendor", ["nidaq", "mcc", "labjack"])
def test_recorded_session_keeps_the_gap_and_carries_on(vendor, monkeypatch, tmp_path):
    """Through the recorder, on the host clock: a stalled reader (or a FIFO overrun) leaves a gap in
    the file, every stored sample sits at the board's own sample number, and recording went on."""
    import time

    from emgforce.io import read_recording
    from emgforce.record import Recorder

    if vendor == "nidaq":
        fake_nidaqmx.install(monkeypatch)
        dev = NIDAQDevice("Dev1/ai0:1", fs_hz=1000.0, channels=("a", "b"), buffer_s=0.2, read_interval_s=0.05)
    elif vendor == "mcc":
        board = fake_uldaq.install(monkeypatch)
        board.overrun_at = time.monotonic() + 0.4
        dev = MCCDevice(fs_hz=1000.0, channels=("a", "b"), buffer_s=2.0)
    else:
        fake_ljm.install(monkeypatch).ljm_buffer_scans = 200
        dev = LabJackDevice(("AIN0", "AIN1"), channels=("a", "b"), fs_hz=1000.0, read_interval_s=0.05)
    stalls = []

    def stall(block):  # the reader stalls once for 0.5 s (the MCC's FIFO overruns on its own)
        if vendor != "mcc" and not stalls and block.first_index >= 200:
            stalls.append(block.first_index)
            time.sleep(0.5)

    path = tmp_path / f"{vendor}.h5"
    summary = Recorder(dev, path, on_block=stall, backpressure=False).run(duration_s=1.5)
    assert summary.reason == "duration reached"
    emg = read_recording(path).streams["emg"]
    # one hole, of what the board sampled until the restart (the MCC restarts at its next status poll)
    assert len(emg.gaps) == 1 and emg.gaps[0][1] >= (10 if vendor == "mcc" else 100)
    board_index = emg.received[:, 0] / 16.0
    assert np.abs(board_index - emg.received_indices).max() <= 2  # each sample at its own number (host clock)
    assert emg.received_indices[-1] >= emg.gaps[0][0] + emg.gaps[0][1] + 100  # and it carried on

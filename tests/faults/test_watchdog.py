"""Hangs: a silent device ends the session with a gap; --duration ends on time whatever the driver's read does."""

from __future__ import annotations

import threading
import time

import numpy as np

from emgforce.io import RecordingWriter, read_recording
from emgforce.record import Recorder
from tests.record._devices import STREAMS, RampDevice, expected


class _GoesSilent(RampDevice):
    """Delivers ``blocks`` paced blocks, then its read blocks (like recv on a silent socket)."""

    def __init__(self, blocks, *, unblock_on_close=True, **kw):
        super().__init__(realtime=True, block_s=0.05, **kw)
        self.blocks = blocks
        self.unblock_on_close = unblock_on_close
        self._closed = threading.Event()

    def read(self, max_samples=None, timeout=None):
        if self.block_no >= self.blocks:
            if self.unblock_on_close:
                self._closed.wait()
                return []
            threading.Event().wait()  # never returns
        return super().read(max_samples, timeout)

    def close(self):
        self._closed.set()


def _check_stored_exact(rec, n_delivered):
    for name in STREAMS:
        s = rec.streams[name]
        idx = s.received_indices
        assert len(idx) == n_delivered[name]
        np.testing.assert_array_equal(s.data[idx], expected(name, idx))


def test_duration_ends_on_time_when_the_read_never_returns(tmp_path):
    device = _GoesSilent(6, unblock_on_close=False)
    recorder = Recorder(device, tmp_path / "hang.h5", stall_s=30.0)
    recorder.start(duration_s=1.0)
    summary = recorder.wait(timeout=20)  # would be None (still running) without the watchdog
    assert summary is not None and summary.reason.startswith("duration reached by the clock")
    rec = read_recording(tmp_path / "hang.h5")
    _check_stored_exact(rec, device.delivered)
    for name, (fs, _) in STREAMS.items():  # the session spans the duration: the silent part is a gap
        assert rec.streams[name].n_samples == int(fs * 1.0)
        assert rec.streams[name].gaps.tolist() == [[device.delivered[name], int(fs) - device.delivered[name]]]


def test_a_silent_device_is_a_recorded_gap_and_a_clear_end(tmp_path):
    device = _GoesSilent(4)
    recorder = Recorder(device, tmp_path / "silent.h5", stall_s=0.5)
    recorder.start()
    summary = recorder.wait(timeout=20)
    assert summary is not None and summary.reason.startswith("device stalled: no data for")
    rec = read_recording(tmp_path / "silent.h5")
    assert rec.end_reason.startswith("device stalled")
    _check_stored_exact(rec, device.delivered)
    for name in STREAMS:
        s = rec.streams[name]
        # the silence is a trailing gap after the last delivered sample, sized by the host clock
        assert len(s.gaps) == 1 and s.gaps[0, 0] == device.delivered[name] and s.gaps[0, 1] > 0
    assert device._closed.is_set()  # the device was shut down


class _StallOnce(RecordingWriter):
    """The disk stalls for 1.5 s once (another program flushing a large file)."""

    stalled = False

    def append(self, block):
        if not _StallOnce.stalled and block.first_index > 200:
            _StallOnce.stalled = True
            time.sleep(1.5)
        super().append(block)


def test_buffer_holds_seconds_of_one_sample_blocks_through_a_disk_stall(tmp_path, monkeypatch):
    monkeypatch.setattr(_StallOnce, "stalled", False)
    streams = {"emg": STREAMS["emg"]}
    device = RampDevice(realtime=True, block_s=0.0005, streams=streams)  # one sample per block, like a serial board
    summary = Recorder(device, tmp_path / "stall.h5", writer_factory=_StallOnce).run(duration_s=2.0)
    assert _StallOnce.stalled
    st = summary.streams["emg"]
    assert st.dropped_samples == 0 and st.gap_count == 0  # the old 512-block queue dropped ~2500 here
    assert summary.queue_high_water_blocks > 512
    rec = read_recording(tmp_path / "stall.h5")
    s = rec.streams["emg"]
    assert s.n_samples == 4000 and not len(s.gaps)
    np.testing.assert_array_equal(s.data, expected("emg", np.arange(4000)))


def test_an_lsl_outlet_that_goes_silent_ends_the_session_with_a_gap(tmp_path):
    import uuid

    import pylsl

    from emgforce.drivers.lsl import LSLDevice

    name = f"emgforce-silent-{uuid.uuid4().hex[:8]}"
    outlet = pylsl.StreamOutlet(pylsl.StreamInfo(name, "EMG", 2, 500.0, "double64", name))
    x = np.arange(400, dtype=np.float64).reshape(200, 2)

    def push():  # 0.4 s at the nominal rate, then the outlet stays open and says nothing
        while not outlet.have_consumers():
            time.sleep(0.01)
        time.sleep(0.2)
        t0 = pylsl.local_clock()
        for k in range(0, 200, 20):
            outlet.push_chunk(x[k : k + 20], (t0 + np.arange(k, k + 20) / 500.0).tolist())
            time.sleep(0.04)

    pusher = threading.Thread(target=push, daemon=True)
    pusher.start()
    path = tmp_path / "lsl.h5"
    recorder = Recorder(LSLDevice(name, "EMG"), path, stall_s=1.0)
    recorder.start(duration_s=600.0)
    summary = recorder.wait(timeout=60)
    pusher.join()
    assert summary is not None and summary.reason.startswith("device stalled")
    s = read_recording(path).streams["emg"]
    np.testing.assert_array_equal(s.data[s.received_indices], x)  # every pushed sample, nothing else
    # the silence is a recorded gap after the last sample (before the first one, the time from the
    # file's start to the outlet's first sample may be a leading gap)
    assert s.gaps[-1, 0] == s.received_indices[-1] + 1 and s.gaps[-1, 1] > 0
    assert len(s.gaps) == 1 or (len(s.gaps) == 2 and s.gaps[0, 0] == 0)


class _SlowDisk(RecordingWriter):
    """Three appends take 0.4 s each: the reader waits for room for far longer than the watchdog's 0.3 s."""

    slow = 3

    def append(self, block):
        if self.slow:
            self.slow -= 1
            time.sleep(0.4)
        super().append(block)


def test_waiting_for_a_slow_disk_is_not_a_stall(tmp_path):
    # an unpaced source fills the queue at once and then waits for room much longer than stall_s
    device = RampDevice(realtime=False, block_s=0.02)
    summary = Recorder(device, tmp_path / "slow.h5", writer_factory=_SlowDisk, stall_s=0.3,
                       queue_blocks=4).run(duration_s=1.0)
    assert summary.reason == "duration reached"
    rec = read_recording(tmp_path / "slow.h5")
    _check_stored_exact(rec, device.delivered)
    assert not any(len(rec.streams[n].gaps) for n in STREAMS)


def test_a_trigno_server_that_keeps_its_socket_open_but_goes_silent(tmp_path):
    from emgforce.drivers.trigno import TrignoDevice
    from tests.drivers.test_trigno import FakeTrignoServer

    class _SilentAfter(FakeTrignoServer):
        """Sends 600 samples, then keeps the EMG socket open and says nothing."""

        hold = threading.Event()

        def _emg(self):
            conn, _ = self.emg_srv.accept()
            with conn:
                self.started.wait(10)
                values = (np.arange(600)[:, None] * 16 + np.arange(16)[None, :]) * 1e-6
                conn.sendall(values.astype("<f4").tobytes())
                self.hold.wait(30)

    srv = _SilentAfter(600)
    try:
        device = TrignoDevice(command_port=srv.cmd_port, emg_port=srv.emg_port, sensors=(1, 2), channels=("GM_L", "GM_R"))
        recorder = Recorder(device, tmp_path / "trigno.h5", stall_s=1.0)
        recorder.start(duration_s=600.0)
        summary = recorder.wait(timeout=60)
    finally:
        _SilentAfter.hold.set()
        srv.close()
    assert summary is not None and summary.reason.startswith("device stalled")
    s = read_recording(tmp_path / "trigno.h5").streams["emg"]
    idx = s.received_indices
    assert len(idx) == 600
    expect = ((idx[:, None] * 16 + np.array([0, 1])[None, :]) * 1e-6).astype(np.float32).astype(np.float64)
    np.testing.assert_array_equal(s.data[idx], expect)
    assert len(s.gaps) == 1 and s.gaps[0, 0] == 600 and s.gaps[0, 1] > 0

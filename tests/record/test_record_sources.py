"""Recording real transports end to end: LSL outlet, serial pseudo-terminal, C3D replay."""

from __future__ import annotations

import os
import threading
import time
import uuid

import numpy as np
import pylsl
import pytest

from emgforce.drivers.lsl import LSLDevice
from emgforce.drivers.replay import ReplayDevice
from emgforce.drivers.serial_board import encode_frame
from emgforce.cli import main
from emgforce.errors import DeviceFinishedError
from emgforce.io import read_recording
from emgforce.record import Recorder


def test_lsl_outlet_recorded_with_clock_offsets(tmp_path):
    name = f"emgforce-rec-{uuid.uuid4().hex[:8]}"
    outlet = pylsl.StreamOutlet(pylsl.StreamInfo(name, "EMG", 2, 500.0, "double64", name))
    x = np.arange(2000, dtype=np.float64).reshape(1000, 2)
    stop = threading.Event()

    def push():
        while not outlet.have_consumers() and not stop.is_set():
            time.sleep(0.01)
        time.sleep(0.2)
        t0 = pylsl.local_clock()
        for k in range(0, 1000, 50):
            outlet.push_chunk(x[k : k + 50], (t0 + np.arange(k, k + 50) / 500.0).tolist())
            time.sleep(0.01)

    pusher = threading.Thread(target=push)
    pusher.start()
    path = tmp_path / "lsl.h5"
    summary = Recorder(LSLDevice(name, "EMG"), path).run(duration_s=2.0)
    stop.set()
    pusher.join()
    rec = read_recording(path)
    emg = rec.streams["emg"]
    # sample 0 is the file's start time: the outlet's first sample comes later, after a leading gap
    lead = int(emg.received_indices[0])
    assert len(emg.gaps) == 1 and tuple(emg.gaps[0]) == (0, lead)
    np.testing.assert_array_equal(emg.received, x[: len(emg.received)])
    np.testing.assert_array_equal(emg.received_indices, lead + np.arange(len(emg.received)))
    assert summary.reason == "duration reached"
    assert rec.metadata["lsl_clock_offset_s"]["n"] >= 1
    assert rec.metadata["lsl_lost_samples"] == 0
    clock = rec.streams["emg"].clock
    assert np.isfinite(clock[:, 2]).all()  # device time stamps stored

    # a replay hands back the source's own device time of every block
    dev = ReplayDevice(path, realtime=False, block_s=0.3)
    dev.open()
    dev.start()
    blocks = []
    with pytest.raises(DeviceFinishedError):
        while True:
            blocks += dev.read()
    rows = {int(i): t for i, t in zip(clock[:, 0], clock[:, 2])}
    fs = 500.0
    t_first = clock[0, 2] - clock[0, 0] / fs
    for b in blocks:
        expected = rows.get(b.first_index)
        if expected is None:  # block starts inside a source block: its time is interpolated at 1/fs
            expected = t_first + b.first_index / fs
        assert b.device_time == pytest.approx(expected, abs=1e-6)


def test_serial_board_recorded_from_the_cli(tmp_path):
    master, slave = os.openpty()
    port = os.ttyname(slave)
    counts = (np.arange(3000)[:, None] * 3 + np.array([0, 1])[None, :]).astype(np.int16)
    lost = {10, 11, 1500}

    def board():
        time.sleep(0.5)
        frames = [encode_frame(65000 + i, counts[i]) for i in range(3000) if i not in lost]
        for k in range(0, len(frames), 100):
            os.write(master, b"".join(frames[k : k + 100]))
            time.sleep(0.01)

    t = threading.Thread(target=board)
    t.start()
    out = tmp_path / "serial.h5"
    try:
        rc = main(["record", "--device", "serial", "--port", port, "-o", "fs_hz=1000.0",
                   "-o", "channels=['GM_L', 'aux']", "-o", "volts_per_count=0.001", "--duration", "3", str(out)])
    finally:
        t.join()
        os.close(master)
        os.close(slave)
    assert rc == 0
    rec = read_recording(out)
    s = rec.streams["emg"]
    assert s.dtype == "int16" and s.n_samples == 3000
    assert s.gaps.tolist() == [[10, 2], [1500, 1]]
    idx = s.received_indices
    np.testing.assert_allclose(s.data[idx], counts[idx] * 0.001)
    assert rec.metadata["serial_corrupt_frames"] == 0


def test_replay_of_a_public_c3d_file(shared_data):
    from emgforce.io.c3d import read_c3d

    path = shared_data / "btk" / "FunctionalStatic.c3d"
    ref = read_c3d(path)
    dev = ReplayDevice(path, realtime=False, block_s=0.5)
    dev.open()
    info = dev.describe()
    assert {s.name for s in info.streams} == set(ref.streams)
    dev.start()
    blocks = []
    with pytest.raises(DeviceFinishedError):
        while True:
            blocks += dev.read()
    dev.close()
    for name, s in ref.streams.items():
        got = np.concatenate([b.data for b in blocks if b.stream == name])
        np.testing.assert_array_equal(got, s.data[s.received_indices])

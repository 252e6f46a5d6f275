"""LSL inlet driver against a real pylsl outlet over loopback."""

from __future__ import annotations

import time
import uuid

import numpy as np
import pylsl
import pytest

from emgforce.drivers.lsl import LSLDevice
from emgforce.errors import DeviceDisconnectedError, DeviceError
from tests.drivers._reading import read_samples


def _outlet(n_ch=3, fs=1000.0, labels=("GM_L", "GM_R", "Fz")):
    name = f"emgforce-test-{uuid.uuid4().hex[:8]}"
    info = pylsl.StreamInfo(name, "EMG", n_ch, fs, "float32", name)
    info.set_channel_labels(list(labels))
    info.set_channel_units(["V", "V", "N"])
    return name, pylsl.StreamOutlet(info)


def test_lsl_data_timestamps_offsets_and_loss():
    name, outlet = _outlet()
    dev = LSLDevice(name, "EMG", chunk_samples=64, resolve_timeout_s=5)
    dev.open()
    info = dev.describe()
    s = info.streams[0]
    assert s.fs_hz == 1000.0 and s.dtype == "float32"
    assert s.channel_names == ("GM_L", "GM_R", "Fz")
    assert s.channels[0].muscle == "gluteus_medius" and s.channels[0].side == "left"
    assert s.channels[2].unit == "N"
    dev.start()
    time.sleep(0.2)  # the outlet only sends to connected inlets
    rng = np.random.default_rng(0)
    x = rng.standard_normal((500, 3)).astype(np.float32)
    t0 = pylsl.local_clock()
    ts = t0 + np.arange(500) / 1000.0
    keep = np.r_[0:200, 230:500]  # 30 samples never sent: a loss the time stamps reveal
    for k in range(0, len(keep), 50):
        idx = keep[k : k + 50]
        outlet.push_chunk(x[idx], ts[idx].tolist())
    blocks = read_samples(dev, len(keep), read_timeout=0.2)
    got = np.concatenate([b.data for b in blocks])
    np.testing.assert_array_equal(got, x[keep])
    # the index of each block follows the sender's time stamps, with the hole exact
    offsets = dev.clock_offsets
    assert offsets.shape[1] == 2 and len(offsets) >= 1
    offset = offsets[-1, 1]
    assert abs(offset) < 0.05  # same machine: the two clocks agree closely
    for b in blocks:
        k = int(round((b.device_time - offset - t0) * 1000.0))
        assert abs(b.device_time - offset - ts[k]) < 1e-9
        assert b.first_index == k
        np.testing.assert_array_equal(b.data[0], x[k])
    assert sum(b.missing for b in blocks) == 30
    assert dev.session_attrs()["lsl_lost_samples"] == 30
    summary = dev.session_attrs()["lsl_clock_offset_s"]
    assert summary["n"] == len(offsets) and summary["last"] == offset
    dev.stop()
    dev.close()


def test_lsl_lost_outlet_raises_disconnected():
    name, outlet = _outlet()
    dev = LSLDevice(name, None, resolve_timeout_s=5)
    dev.open()
    dev.start()
    time.sleep(0.2)
    outlet.push_chunk(np.ones((10, 3), np.float32))
    assert sum(b.n_samples for b in read_samples(dev, 10, read_timeout=0.2)) == 10
    del outlet
    with pytest.raises(DeviceDisconnectedError):
        for _ in range(100):
            dev.read(timeout=0.1)
    dev.close()


def test_lsl_nothing_to_resolve_says_so():
    dev = LSLDevice(f"absent-{uuid.uuid4().hex}", None, resolve_timeout_s=0.3)
    with pytest.raises(DeviceError, match="no LSL stream"):
        dev.open()

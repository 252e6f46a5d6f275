"""Replay device pacing: blocks of the configured duration, every sample delivered once."""

from __future__ import annotations

import numpy as np
import pytest

from emgforce.drivers.replay import ReplayDevice
from emgforce.errors import DeviceFinishedError
from emgforce.io import RecordingWriter, Subject
from emgforce.streams import Block, ChannelInfo, StreamInfo

FS_HZ, N_CH, SECONDS = 10_000.0, 64, 0.5


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """0.5 s of 64 ch at 10 kHz with a 100-sample gap, plus a 1 kHz plate-like stream."""
    path = tmp_path_factory.mktemp("replay") / "src.h5"
    emg = StreamInfo("emg", FS_HZ, tuple(ChannelInfo(f"ch{i}", "emg", "V") for i in range(N_CH)))
    force = StreamInfo("force", 1000.0, (ChannelInfo("fz", "force", "N"),))
    x = np.random.default_rng(0).standard_normal((int(FS_HZ * SECONDS), N_CH))
    f = np.arange(500.0)[:, None]
    with RecordingWriter(path, [emg, force], Subject("r")) as w:
        w.append(Block("emg", x[:2000], 0))
        w.append(Block("emg", x[2100:], 2100))  # samples 2000-2099 lost at the source
        w.append(Block("force", f, 0))
    return path, x, f


def drain(dev):
    blocks = []
    with pytest.raises(DeviceFinishedError):
        for _ in range(100_000):
            blocks += dev.read(timeout=1.0)
    return blocks


@pytest.mark.parametrize("block_s", [0.01, 0.02])
def test_paced_replay_delivers_whole_blocks_and_every_sample(source, block_s):
    path, x, f = source
    dev = ReplayDevice(path, realtime=True, speed=4.0, block_s=block_s)
    dev.open()
    dev.start()
    blocks = drain(dev)
    dev.close()
    emg = [b for b in blocks if b.stream == "emg"]
    data = np.concatenate([b.data for b in emg])
    idx = np.concatenate([np.arange(b.first_index, b.first_index + b.n_samples) for b in emg])
    expect = np.r_[0:2000, 2100:len(x)]
    np.testing.assert_array_equal(idx, expect)  # 0 lost, none twice
    np.testing.assert_array_equal(data, x[expect])
    assert sum(b.missing for b in emg) == 100
    np.testing.assert_array_equal(np.concatenate([b.data for b in blocks if b.stream == "force"]), f)
    # a paced read waits for a whole block: the median block holds block_s of data (a late
    # read gets more, the gap and the end cut blocks short), never one sample per read
    sizes = np.array([b.n_samples for b in emg])
    assert np.median(sizes) >= block_s * FS_HZ
    assert len(emg) <= 2 * len(x) / (block_s * FS_HZ) + 4


def test_default_block_is_20_ms(source):
    assert ReplayDevice(source[0]).block_s == 0.02

"""A deterministic test device whose samples are known in closed form.

Sample ``i`` of channel ``c`` of stream number ``k`` is ``i * 16 + c + 1000 * k``,
exact in float64, so a file can be checked sample by sample without trusting
any emgforce code. Blocks listed in ``drop`` are never delivered (the device's
index still advances: a lost packet), and the device can disconnect.
"""

from __future__ import annotations

import time

import numpy as np

from emgforce.streams import Block, ChannelInfo, DeviceInfo, Marker, StreamInfo
from emgforce.drivers.base import Device
from emgforce.errors import DeviceDisconnectedError

STREAMS = {"emg": (2000.0, 4), "force": (1000.0, 6)}


def expected(stream: str, indices: np.ndarray) -> np.ndarray:
    k = list(STREAMS).index(stream)
    n_ch = STREAMS[stream][1]
    return indices[:, None] * 16.0 + np.arange(n_ch)[None, :] + 1000.0 * k


class RampDevice(Device):
    name = "ramp"

    def __init__(self, *, block_s=0.05, realtime=False, drop=(), disconnect_after_blocks=None,
                 markers_at_block=None, streams=STREAMS):
        self.block_s = block_s
        self.realtime = realtime
        self.drop = set(drop)
        self.disconnect_after_blocks = disconnect_after_blocks
        self.markers_at_block = dict(markers_at_block or {})
        self.streams = streams
        self.block_no = 0
        self.delivered = {s: 0 for s in streams}
        self.opened = self.started = False
        self.closed_calls = 0
        self._pending: list[Marker] = []

    def describe(self):
        return DeviceInfo(self.name, tuple(
            StreamInfo(name, fs, tuple(ChannelInfo(f"{name}{c}", kind="analog") for c in range(n)))
            for name, (fs, n) in self.streams.items()), serial_number="RAMP-1", extra={"test": True})

    def open(self):
        self.opened = True

    def start(self):
        self.started = True
        self.t0 = time.monotonic()

    def read(self, max_samples=None, timeout=None):
        if self.disconnect_after_blocks is not None and self.block_no >= self.disconnect_after_blocks:
            raise DeviceDisconnectedError("cable pulled (test)")
        k = self.block_no
        if self.realtime:
            due = self.t0 + (k + 1) * self.block_s
            time.sleep(max(0.0, due - time.monotonic()))
        self.block_no += 1
        if k in self.markers_at_block:
            label, kind = self.markers_at_block[k]
            self._pending.append(Marker(label, kind, k * self.block_s))
        out = []
        for name, (fs, _) in self.streams.items():
            n = int(round(self.block_s * fs))
            first = k * n
            if k in self.drop:
                continue
            lost = 0
            while (k - 1 - lost) in self.drop:
                lost += 1
            out.append(Block(name, expected(name, np.arange(first, first + n)), first, missing=lost * n))
            self.delivered[name] += n
        return out

    def read_markers(self):
        out, self._pending = self._pending, []
        return out

    def stop(self):
        self.started = False

    def close(self):
        self.closed_calls += 1

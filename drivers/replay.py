"""Replay a recording (emgforce HDF5 or C3D) as a device.

Every stream is played back with its original sample indices: the gaps of
the source become the same gaps (``Block.missing``), and the device time of a
block is the source's own time of that sample (from its clock table where the
device had a clock, else ``index / fs_hz``). Events of the source come back as
markers once playback passes them. Paced (``realtime=True``, optionally
``speed`` times faster) or as fast as the reader asks. At the end
:meth:`ReplayDevice.read` raises :class:`~emgforce.errors.DeviceFinishedError`.
"""

from __future__ import annotations

__all__ = ["ReplayDevice"]

import dataclasses
import math
import os
import time
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from emgforce.streams import Block, DeviceInfo, Marker, StreamInfo
from emgforce.drivers.base import Device
from emgforce.errors import DeviceError, DeviceFinishedError


def _segments(gaps: np.ndarray, pos: int, end: int) -> Iterator[tuple[int, int]]:
    """Runs ``[a, b)`` of received samples inside ``[pos, end)``, given sorted gap rows (index, n)."""
    cur = pos
    for g0, n in gaps:
        g1 = g0 + n
        if g1 <= cur:
            continue
        if g0 >= end:
            break
        if g0 > cur:
            yield cur, int(g0)
        cur = max(cur, int(g1))
    if cur < end:
        yield cur, end


class ReplayDevice(Device):
    """Play back a recording file.

    Parameters
    ----------
    path : str or Path
        An emgforce ``.h5`` recording or a ``.c3d`` file.
    realtime : bool
        Pace the blocks on the host clock; False delivers ``block_s`` of every
        stream per :meth:`read` as fast as it is called.
    speed : float
        Playback speed factor when paced.
    block_s : float
        Block duration in s (of the recording's time line), paced or not: a paced
        :meth:`read` waits until a whole block of some stream is due, as a DAQ
        driver's buffer does (a caller that reads late gets everything due, so
        nothing is dropped).
    """

    name = "replay"

    def __init__(self, path: str | os.PathLike[str], *, realtime: bool = True, speed: float = 1.0,
                 block_s: float = 0.02) -> None:
        if speed <= 0 or not math.isfinite(speed):
            raise ValueError(f"speed must be a positive number, got {speed!r}")
        if block_s <= 0:
            raise ValueError(f"block_s must be positive, got {block_s!r}")
        self.path = Path(path)
        self.realtime = realtime
        self.speed = float(speed)
        self.block_s = float(block_s)
        self._rec: Any = None
        self._info: DeviceInfo | None = None
        self._pos: dict[str, int] = {}
        self._expected: dict[str, int] = {}
        self._t_start: float | None = None
        self._play_t = 0.0
        self._event_i = 0
        self._markers: list[Marker] = []

    def open(self) -> None:
        if self._rec is not None:
            return
        if not self.path.exists():
            raise DeviceError(f"replay source {self.path} does not exist")
        if self.path.suffix.lower() == ".c3d":
            from emgforce.io.c3d import read_c3d

            rec = read_c3d(self.path)
        else:
            from emgforce.io import read_recording

            rec = read_recording(self.path)
        streams = []
        for s in rec.streams.values():
            # the reader returns physical units: replayed blocks carry those
            chans = tuple(dataclasses.replace(c, conversion=1.0, offset=0.0) for c in s.channels)
            streams.append(StreamInfo(s.name, s.fs_hz, chans, dtype="float64", actual_fs_hz=s.actual_fs_hz, plate=s.plate))
        if not streams:
            raise DeviceError(f"{self.path} holds no streams to replay")
        self._rec = rec
        self._info = DeviceInfo(
            name=self.name,
            streams=tuple(streams),
            extra={"source": str(self.path), "source_device": rec.device,
                   "source_start_time": None if rec.start_time is None else rec.start_time.isoformat()},
        )

    def describe(self) -> DeviceInfo:
        if self._info is None:
            raise DeviceError("open() the replay device before describe()")
        return self._info

    @property
    def recording(self) -> Any:
        """The source :class:`~emgforce.io.Recording` (after :meth:`open`)."""
        return self._rec

    def start(self) -> None:
        if self._rec is None:
            raise DeviceError("open() the replay device before start()")
        self._pos = {name: 0 for name in self._rec.streams}
        self._expected = dict(self._pos)
        self._t_start = time.monotonic()
        self._play_t = 0.0
        self._event_i = 0

    def _target_time(self, timeout: float | None) -> float:
        if not self.realtime:
            self._play_t += self.block_s
            return self._play_t
        assert self._t_start is not None
        elapsed = (time.monotonic() - self._t_start) * self.speed
        # wait for a whole block of some stream (or its last, shorter one), up to the timeout
        due = [min(s.n_samples, self._pos[s.name] + max(1, round(self.block_s * s.fs_hz))) / s.fs_hz
               for s in self._rec.streams.values() if self._pos[s.name] < s.n_samples]
        wait = (min(due, default=elapsed) - elapsed) / self.speed
        if wait > 0:
            time.sleep(min(wait, 0.1 if timeout is None else timeout))
            elapsed = (time.monotonic() - self._t_start) * self.speed
        return elapsed

    def _done(self) -> bool:
        return all(self._pos[s.name] >= s.n_samples for s in self._rec.streams.values())

    def read(self, max_samples: int | None = None, timeout: float | None = None) -> list[Block]:
        if self._t_start is None:
            raise DeviceError("start() the replay device before read()")
        if self._done():
            raise DeviceFinishedError(f"replay of {self.path} finished")
        target = self._target_time(timeout)
        now = time.monotonic()
        blocks = []
        for s in self._rec.streams.values():
            pos = self._pos[s.name]
            end = min(s.n_samples, int(math.floor(target * s.fs_hz + 1e-9)))
            if max_samples is not None:
                end = min(end, pos + max_samples)
            for a, b in _segments(s.gaps, pos, end):
                missing = a - self._expected[s.name]
                blocks.append(Block(s.name, s.data[a:b].copy(), a, host_time=now,
                                    device_time=self._device_time(s, a), missing=missing))
                self._expected[s.name] = b
            self._pos[s.name] = max(pos, end)
        events = self._rec.events
        while self._event_i < len(events) and events[self._event_i].time_s <= target:
            e = events[self._event_i]
            self._markers.append(Marker(e.label, e.kind, e.time_s))
            self._event_i += 1
        return blocks

    @staticmethod
    def _device_time(s: Any, index: int) -> float:
        clock = s.clock
        if len(clock):
            row = int(np.searchsorted(clock[:, 0], index, side="right")) - 1
            if row >= 0 and math.isfinite(clock[row, 2]):
                return float(clock[row, 2] + (index - clock[row, 0]) / s.fs_hz)
        return index / s.fs_hz

    def read_markers(self) -> list[Marker]:
        out, self._markers = self._markers, []
        return out

    def stop(self) -> None:
        self._t_start = None

    def close(self) -> None:
        self._rec = None

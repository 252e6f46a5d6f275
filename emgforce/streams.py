"""The stream contract: plain data shared by devices, the recorder, io and the live display.

A device owns one or more *streams* (e.g. ``"emg"`` at 2 kHz and ``"force"`` at
1 kHz) and delivers :class:`Block` objects, each carrying a contiguous run of
samples of one stream plus everything needed to place it on the session time
line and to account for lost samples. This module imports nothing of
emgforce's, so every room (drivers, record, io, live) can depend on it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["CHANNEL_KINDS", "Block", "ChannelInfo", "DeviceInfo", "Marker", "StreamInfo"]

CHANNEL_KINDS = ("emg", "force", "moment", "analog", "aux", "trigger")


@dataclass(frozen=True)
class ChannelInfo:
    """One channel of a stream.

    ``physical = raw * conversion + offset`` (NWB convention); drivers that
    already deliver physical units use ``conversion=1, offset=0``.
    """

    name: str
    kind: str = "emg"
    unit: str = "V"
    muscle: str | None = None
    side: str | None = None
    conversion: float = 1.0
    offset: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in CHANNEL_KINDS:
            raise ValueError(f"channel kind must be one of {CHANNEL_KINDS}, got {self.kind!r}")


@dataclass(frozen=True)
class StreamInfo:
    """A stream: equally spaced samples of a fixed set of channels.

    ``plate`` holds the force-plate description for force streams, as a plain
    dict (see ``docs/format.md``: ``type``, ``corners_m``, ``origin_m``,
    ``calibration_matrix``, ``gains``, ``sign_convention``, ...).
    """

    name: str
    fs_hz: float
    channels: tuple[ChannelInfo, ...]
    dtype: str = "float64"
    actual_fs_hz: float | None = None
    plate: dict[str, Any] | None = None

    @property
    def n_channels(self) -> int:
        return len(self.channels)

    @property
    def channel_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.channels)


@dataclass(frozen=True)
class DeviceInfo:
    """What :meth:`Device.describe` returns."""

    name: str
    streams: tuple[StreamInfo, ...]
    serial_number: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def stream(self, name: str) -> StreamInfo:
        for s in self.streams:
            if s.name == name:
                return s
        raise KeyError(f"device {self.name!r} has no stream {name!r}; it has {[s.name for s in self.streams]}")


@dataclass
class Block:
    """A contiguous run of samples from one stream.

    Attributes
    ----------
    stream : str
        Name of the stream the samples belong to.
    data : ndarray, shape (n_samples, n_channels)
        Samples in the stream's raw unit (apply ``conversion``/``offset``).
    first_index : int
        Index of ``data[0]`` in the stream, counted from the start of the
        acquisition, unwrapped to 64 bits; gaps advance it.
    host_time : float
        ``time.monotonic()`` when the block was received.
    device_time : float or None
        The device's own time stamp of ``data[0]`` in seconds, if it has one.
    missing : int
        Samples known to be lost immediately before this block.
    overrun : bool
        The device or its driver reported a buffer overrun.
    """

    stream: str
    data: np.ndarray
    first_index: int
    host_time: float = field(default_factory=time.monotonic)
    device_time: float | None = None
    missing: int = 0
    overrun: bool = False

    @property
    def n_samples(self) -> int:
        return int(self.data.shape[0])


@dataclass(frozen=True)
class Marker:
    """A trial boundary or marker produced during acquisition.

    ``time_s`` is seconds from the start of acquisition (sample 0 of every stream).
    ``kind`` is ``"start"``, ``"stop"`` or ``"mark"``.
    """

    label: str
    kind: str
    time_s: float

    def __post_init__(self) -> None:
        if self.kind not in ("start", "stop", "mark"):
            raise ValueError(f"marker kind must be start, stop or mark, got {self.kind!r}")

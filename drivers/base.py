"""The device interface every acquisition backend implements.

Modelled on BrainFlow's board abstraction: one small interface, many devices.
A device owns one or more *streams* (e.g. ``"emg"`` at 2 kHz and ``"force"`` at
1 kHz); :meth:`Device.read` returns :class:`Block` objects, each carrying a
contiguous run of samples of one stream plus everything needed to place it on
the session time line and to account for lost samples.
"""

from __future__ import annotations

import abc
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

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


class Device(abc.ABC):
    """Base class of acquisition devices.

    Life cycle: ``open() -> start() -> read()* -> stop() -> close()``; use it
    as a context manager to guarantee ``stop``/``close``. Subclasses set
    :attr:`name` and implement the abstract methods; :meth:`read_markers` and
    :meth:`available` have defaults.
    """

    name: ClassVar[str] = "device"

    @classmethod
    def available(cls) -> tuple[bool, str]:
        """Whether this driver can run here, and why not (missing runtime, ...)."""
        return True, "ok"

    @abc.abstractmethod
    def describe(self) -> DeviceInfo:
        """Streams and channels of the device (valid after :meth:`open`)."""

    @abc.abstractmethod
    def open(self) -> None:
        """Connect to the hardware / runtime."""

    @abc.abstractmethod
    def start(self) -> None:
        """Start continuous acquisition."""

    @abc.abstractmethod
    def read(self, max_samples: int | None = None, timeout: float | None = None) -> list[Block]:
        """Return the blocks available now, waiting up to ``timeout`` seconds for data.

        Raises :class:`emgforce.errors.DeviceDisconnectedError` when the device
        vanishes; blocks delivered before that are never withheld.
        """

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop acquisition (idempotent)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the hardware (idempotent)."""

    def read_markers(self) -> list[Marker]:
        """Markers produced by the device since the last call (default: none)."""
        return []

    def session_attrs(self) -> dict[str, Any]:
        """Device facts to store in the recording when it closes (default: none).

        E.g. LSL clock offsets or counts of corrupt frames; values are
        strings or numbers (JSON-encode anything structured).
        """
        return {}

    def __enter__(self) -> "Device":
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.stop()
        finally:
            self.close()

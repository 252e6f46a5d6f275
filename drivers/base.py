"""The device interface every acquisition backend implements.

Modelled on BrainFlow's board abstraction: one small interface, many devices.
The data a device delivers (:class:`~emgforce.streams.Block`,
:class:`~emgforce.streams.StreamInfo`, ...) is the contract in
:mod:`emgforce.streams`.
"""

from __future__ import annotations

import abc
from datetime import datetime
from typing import Any, ClassVar

from emgforce.streams import Block, DeviceInfo, Marker

__all__ = ["Device"]


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

    def set_start_time(self, start_time: datetime) -> None:  # noqa: B027 - optional hook, no-op by default
        """The recording's start time (UTC time of sample 0), given before :meth:`start`.

        Devices whose samples carry their own time stamps (LSL) index them
        from this instant, so no sample predates it; others ignore it (default).
        """

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

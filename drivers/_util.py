"""Small helpers shared by the hardware drivers (vendor import, channel naming, counter unwrapping)."""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import time
from types import ModuleType
from typing import Any, Callable

import numpy as np

from emgforce.streams import ChannelInfo
from emgforce.errors import DeviceNotAvailableError
from emgforce.naming import parse_emg_channel_name

log = logging.getLogger(__name__)

#: Channel names drivers use when none are given: the six hip muscles of the protocol.
DEFAULT_EMG_CHANNELS = ("GM_L", "GM_R", "TFL_L", "TFL_R", "GMAX_L", "GMAX_R")


def import_vendor(module: str, *, what: str, install: str) -> ModuleType:
    """Import a vendor module, turning any failure into :class:`DeviceNotAvailableError`.

    Vendor packages fail in many ways when their native runtime is absent
    (``ImportError``, ``OSError`` from ``ctypes``, their own error classes), so
    every exception is caught here and reported with what to install.

    Parameters
    ----------
    module : str
        Dotted module name, e.g. ``"nidaqmx"``.
    what : str
        Human name of the runtime, used in the message.
    install : str
        What the user has to install to make the driver usable.
    """
    noise = io.StringIO()
    try:
        # some vendor packages print their own complaints at import time; keep stdout clean
        with contextlib.redirect_stdout(noise):
            return importlib.import_module(module)
    except Exception as exc:  # noqa: BLE001 - vendor imports raise arbitrary types
        raise DeviceNotAvailableError(
            f"{what} is not usable here ({type(exc).__name__}: {exc}); install {install}"
        ) from exc
    finally:
        if noise.getvalue().strip():
            log.debug("importing %s printed: %s", module, noise.getvalue().strip())


def runtime_available(load: Callable[[], Any]) -> tuple[bool, str]:
    """What :meth:`emgforce.drivers.base.Device.available` returns for a driver whose vendor loader is ``load``.

    Parameters
    ----------
    load : callable
        Imports and checks the vendor runtime, raising
        :class:`DeviceNotAvailableError` with what to install (built on
        :func:`import_vendor`).

    Returns
    -------
    (bool, str)
        ``(True, "ok")``, or ``(False, reason)``.
    """
    try:
        load()
    except DeviceNotAvailableError as exc:
        return False, str(exc)
    return True, "ok"


def channel_info(name: str, *, kind: str = "analog", unit: str = "V", conversion: float = 1.0) -> ChannelInfo:
    """Describe a channel by its name.

    Parameters
    ----------
    name : str
        Channel name; canonical EMG names (``GM_L``, ``TFL_R`` ...) get kind
        ``emg`` and their muscle and side.
    kind : str
        Kind of a channel whose name is not a canonical EMG name.
    unit : str
        Unit of the raw values.
    conversion : float
        ``physical = raw * conversion``.
    """
    parsed = parse_emg_channel_name(name)
    if parsed is None:
        return ChannelInfo(name, kind=kind, unit=unit, conversion=conversion)
    return ChannelInfo(name, kind="emg", unit=unit, muscle=parsed[0], side=parsed[1], conversion=conversion)


def call_quietly(step: Callable[..., Any], *args: Any) -> None:
    """Call ``step(*args)`` on a shut-down path; a failure is logged, not raised (the device may be gone).

    Parameters
    ----------
    step : callable
        The vendor call, e.g. ``task.stop``.
    *args
        Its arguments.
    """
    try:
        step(*args)
    except Exception:  # noqa: BLE001 - vendor calls raise arbitrary types once the hardware is gone
        log.debug("%s failed during shutdown", getattr(step, "__name__", step), exc_info=True)


class CounterUnwrapper:
    """Turn a wrapping hardware sequence counter into a 64-bit sample index.

    Parameters
    ----------
    bits : int
        Width of the counter; it counts ``0 .. 2**bits - 1`` and wraps to 0.

    Notes
    -----
    A jump forward of ``d`` counts (modulo ``2**bits``) means ``d - 1`` samples
    were lost. Losing ``2**bits`` samples or more in one go cannot be seen from
    the counter alone; drivers document that limit.
    """

    def __init__(self, bits: int) -> None:
        if not 1 <= bits <= 62:
            raise ValueError(f"counter width must be 1..62 bits, got {bits}")
        self.modulus = 1 << bits
        self._last_raw: int | None = None
        self._index = -1

    @property
    def next_index(self) -> int:
        """Index the next in-sequence sample will get."""
        return self._index + 1

    def signed_step(self, raw: int) -> int:
        """Counts from the last accepted value to ``raw``, in ``(-modulus/2, modulus/2]``: negative means behind.

        Drivers that must tell a lost run of frames from a stale frame or a
        counter reset (board reboot) use this, then :meth:`accept`.
        """
        step = (int(raw) - (self._last_raw or 0)) % self.modulus
        return step - self.modulus if step > self.modulus // 2 else step

    def accept(self, raw: int, index: int) -> None:
        """Make ``raw`` the last value seen, at sample ``index`` (after a step or a reset)."""
        self._last_raw = int(raw) % self.modulus
        self._index = int(index)

    @property
    def started(self) -> bool:
        """Whether a first value was seen."""
        return self._last_raw is not None

    def update(self, raw: int) -> tuple[int, int]:
        """Feed one counter value; return ``(index, missing_before)``.

        A value equal to the previous one is a duplicate frame: it returns the
        previous index and ``missing_before = -1`` so the caller can drop it.
        """
        raw = int(raw) % self.modulus
        if self._last_raw is None:
            self._last_raw = raw
            self._index = 0
            return 0, 0
        step = (raw - self._last_raw) % self.modulus
        if step == 0:
            return self._index, -1
        self._last_raw = raw
        self._index += step
        return self._index, step - 1

    def update_many(self, raw: Any) -> tuple[np.ndarray, np.ndarray]:
        """Feed many counter values at once; same rule as :meth:`update`, vectorised.

        Returns
        -------
        index : ndarray of int64
            Index of each value (a duplicate repeats the previous index).
        missing : ndarray of int64
            Samples lost right before each value; ``-1`` marks a duplicate to drop.
        """
        values = np.asarray(raw).astype(np.int64) % self.modulus
        if values.size == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        prev = values[0] - 1 if self._last_raw is None else self._last_raw
        steps = np.diff(values, prepend=prev) % self.modulus
        index = self._index + np.cumsum(steps)
        self._last_raw = int(values[-1])
        self._index = int(index[-1])
        return index, steps - 1


class SystemClock:
    """The clock drivers wait on: ``time.monotonic`` and ``time.sleep`` (tests inject a virtual one)."""

    monotonic = staticmethod(time.monotonic)
    sleep = staticmethod(time.sleep)


SYSTEM_CLOCK = SystemClock()


class OverrunPolicy:
    """The one overrun rule of the DAQ drivers (NI-DAQmx, MCC, LabJack): restart, record the gap, carry on.

    When the vendor reports that its buffer overran (DAQmx -200279, uldaq
    ``OVERRUN``, LJM 1301 ``LJME_LJM_BUFFER_FULL``), the acquisition has
    stopped and its sample count is gone. The driver restarts it and calls
    :meth:`restarted`; the samples lost are those the hardware clock produced
    meanwhile, estimated on the host clock from the start (about a sample of
    jitter). The next block carries them as ``missing`` with ``overrun=True``,
    so the recorder stores a gap of that length.

    Parameters
    ----------
    fs_hz : float
        Sample rate of the acquisition.
    clock : SystemClock-like
        ``monotonic()`` and ``sleep()``.
    """

    def __init__(self, fs_hz: float, clock: Any = SYSTEM_CLOCK) -> None:
        self.fs_hz = float(fs_hz)
        self.clock = clock
        self._t0: float | None = None
        self._pending = 0
        self._flag = False
        self.overruns = 0
        self.lost_samples = 0

    def started(self) -> None:
        """The acquisition started: sample 0 is now."""
        self._t0 = self.clock.monotonic()

    def restarted(self, next_index: int) -> int:
        """After a restart: the index the acquisition resumes at (``next_index`` plus the samples lost)."""
        if self._t0 is None:
            raise RuntimeError("started() was not called")
        anchor = int(round((self.clock.monotonic() - self._t0) * self.fs_hz))
        missing = max(0, anchor - next_index)
        self.overruns += 1
        self.lost_samples += missing
        self._pending += missing
        self._flag = True
        log.warning("buffer overrun: acquisition restarted, about %d samples lost (recorded as a gap)", missing)
        return next_index + missing

    def take(self) -> tuple[int, bool]:
        """``(missing, overrun)`` for the next block delivered."""
        out = (self._pending, self._flag)
        self._pending, self._flag = 0, False
        return out

"""Measurement Computing (MCC) DAQ devices through uldaq (UL for Linux).

``AiDevice.a_in_scan(..., ScanOption.CONTINUOUS, AInScanFlag.DEFAULT, buffer)``
fills a circular ``create_float_buffer`` in the background; the driver polls
``get_scan_status()`` and copies the values between what it has consumed and
``TransferStatus.current_total_count`` (values counted since the scan started,
all channels). When more values arrived than the circular buffer holds, the
oldest were overwritten before they were read: those whole scans are skipped
and recorded as a gap (``missing``, ``overrun=True``), and a copy that the
device overtook while it was being made is treated the same way. The counts
are the device's own, so the gaps are exact.
"""

from __future__ import annotations

__all__ = ["MCCDevice"]

import logging
import time
from typing import Any, Sequence

import numpy as np

from emgforce.drivers._util import DEFAULT_EMG_CHANNELS, call_quietly, channel_info, import_vendor, runtime_available
from emgforce.streams import Block, DeviceInfo, StreamInfo
from emgforce.drivers.base import Device
from emgforce.errors import DeviceDisconnectedError, DeviceError

log = logging.getLogger(__name__)

_INSTALL = "the MCC Universal Library for Linux (libuldaq) and the uldaq package (pip install 'emgforce[mcc]')"
_DISCONNECT_ERRORS = ("DEV_NOT_CONNECTED", "DEAD_DEV", "BAD_DEV_HANDLE", "DEV_NOT_FOUND")


def _uldaq() -> Any:
    return import_vendor("uldaq", what="uldaq", install=_INSTALL)


class MCCDevice(Device):
    """A continuous analog-input scan of channels ``low_channel .. low_channel + n - 1``.

    Parameters
    ----------
    fs_hz : float
        Scan rate (samples per channel per second).
    channels : sequence of str
        Channel names, one per scanned channel.
    low_channel : int
        First analog channel of the scan.
    input_mode : str
        ``SINGLE_ENDED``, ``DIFFERENTIAL`` or ``PSEUDO_DIFFERENTIAL`` (uldaq ``AiInputMode``).
    voltage_range : str
        uldaq ``Range`` name, e.g. ``BIP10VOLTS``.
    unique_id : str, optional
        Serial number of the device to use; default the first one found.
    buffer_s : float
        Length of the circular buffer in seconds.
    kind, stream : str
        Kind of non-EMG channels and the stream name.
    """

    name = "mcc"

    def __init__(
        self,
        *,
        fs_hz: float = 2000.0,
        channels: Sequence[str] = DEFAULT_EMG_CHANNELS,
        low_channel: int = 0,
        input_mode: str = "SINGLE_ENDED",
        voltage_range: str = "BIP10VOLTS",
        unique_id: str | None = None,
        buffer_s: float = 10.0,
        kind: str = "analog",
        stream: str = "emg",
    ) -> None:
        if fs_hz <= 0 or buffer_s <= 0:
            raise ValueError("fs_hz and buffer_s must be positive")
        self.fs_hz = float(fs_hz)
        self.channel_names = tuple(channels)
        self.low_channel = int(low_channel)
        self.input_mode = input_mode
        self.voltage_range = voltage_range
        self.unique_id = unique_id
        self.buffer_s = float(buffer_s)
        self.kind = kind
        self.stream = stream
        self._dev: Any = None
        self._ai: Any = None
        self._buffer: Any = None
        self._values: np.ndarray | None = None
        self._consumed = 0  # values (all channels) taken from the scan so far
        self._actual_fs: float | None = None
        self._serial = ""
        self._pending_missing = 0
        self.overruns = 0

    @classmethod
    def available(cls) -> tuple[bool, str]:
        return runtime_available(_uldaq)

    @property
    def n_channels(self) -> int:
        return len(self.channel_names)

    def open(self) -> None:
        if self._dev is not None:
            return
        ul = _uldaq()
        try:
            found = ul.get_daq_device_inventory(ul.InterfaceType.ANY)
        except ul.ULException as exc:
            raise DeviceError(f"listing MCC devices failed: {exc}") from exc
        if self.unique_id is not None:
            found = [d for d in found if d.unique_id == self.unique_id]
        if not found:
            raise DeviceError("no MCC device found" + (f" with serial {self.unique_id}" if self.unique_id else "")
                              + "; check the USB cable and udev permissions")
        dev = ul.DaqDevice(found[0])
        try:
            dev.connect()
            ai = dev.get_ai_device()
            if ai is None:
                raise DeviceError(f"{found[0].product_name} has no analog input")
        except BaseException:
            dev.release()
            raise
        self._dev, self._ai, self._serial = dev, ai, found[0].unique_id
        spc = max(2, int(round(self.buffer_s * self.fs_hz)))
        self._buffer = ul.create_float_buffer(self.n_channels, spc)
        self._values = np.frombuffer(self._buffer, dtype=np.float64)

    def describe(self) -> DeviceInfo:
        chans = [channel_info(name, kind=self.kind) for name in self.channel_names]
        return DeviceInfo(self.name, (StreamInfo(self.stream, self.fs_hz, tuple(chans), actual_fs_hz=self._actual_fs),),
                          serial_number=self._serial or None,
                          extra={"input_mode": self.input_mode, "range": self.voltage_range, "low_channel": self.low_channel})

    def start(self) -> None:
        if self._ai is None:
            raise DeviceError("open() the MCC device before start()")
        ul = _uldaq()
        try:
            mode, rng = ul.AiInputMode[self.input_mode], ul.Range[self.voltage_range]
        except KeyError as exc:
            raise ValueError(f"unknown uldaq input mode or range: {exc}") from None
        spc = len(self._values) // self.n_channels
        try:
            self._actual_fs = self._ai.a_in_scan(
                self.low_channel, self.low_channel + self.n_channels - 1, mode, rng, spc, self.fs_hz,
                ul.ScanOption.CONTINUOUS, ul.AInScanFlag.DEFAULT, self._buffer,
            )
        except ul.ULException as exc:
            raise DeviceError(f"the MCC scan did not start: {exc}") from exc
        self._consumed = 0

    def _total(self) -> int:
        ul = _uldaq()
        try:
            status, transfer = self._ai.get_scan_status()
        except ul.ULException as exc:
            if exc.error_code.name in _DISCONNECT_ERRORS:
                raise DeviceDisconnectedError(f"MCC device lost: {exc}") from exc
            raise DeviceDisconnectedError(f"MCC scan failed: {exc}") from exc
        total = int(transfer.current_total_count)
        if status != ul.ScanStatus.RUNNING and total == self._consumed:
            raise DeviceDisconnectedError("the MCC scan stopped on its own (device error or unplugged)")
        return total

    def read(self, max_samples: int | None = None, timeout: float | None = None) -> list[Block]:
        if self._values is None or self._actual_fs is None:
            raise DeviceError("start() the MCC device before read()")
        n_ch, size = self.n_channels, len(self._values)
        total = self._total()
        if total - self._consumed < n_ch:
            time.sleep(min(0.1 if timeout is None else timeout, 0.05))
            total = self._total()
        self._skip_overwritten(total)
        scans = (total - self._consumed) // n_ch
        if max_samples is not None:
            scans = min(scans, max_samples)
        if scans == 0:
            return []
        start = self._consumed
        pos = np.arange(start, start + scans * n_ch) % size
        data = self._values[pos].reshape(scans, n_ch)
        # the device may have overtaken the copy: the part it overwrote is lost too
        try:
            after = self._total()
        except DeviceDisconnectedError:
            after = total  # gone after the copy: deliver it, the next read reports the loss
        overtaken = -(-(after - size - start) // n_ch)
        first_index = start // n_ch
        self._consumed = start + scans * n_ch
        if overtaken > 0:
            self._note_lost(min(overtaken, scans))
            data = data[overtaken:]
            first_index += overtaken
            if len(data) == 0:
                return []
        missing, self._pending_missing = self._pending_missing, 0
        return [Block(self.stream, data, first_index, host_time=time.monotonic(),
                      missing=missing, overrun=missing > 0)]

    def _skip_overwritten(self, total: int) -> None:
        lost_values = total - self._consumed - len(self._values)
        if lost_values > 0:
            scans = -(-lost_values // self.n_channels)
            self._consumed += scans * self.n_channels
            self._note_lost(scans)

    def _note_lost(self, scans: int) -> None:
        self.overruns += 1
        self._pending_missing += scans
        log.warning("MCC buffer overrun: %d scans overwritten before they were read", scans)

    def stop(self) -> None:
        if self._ai is not None:
            call_quietly(self._ai.scan_stop)

    def close(self) -> None:
        if self._dev is not None:
            try:
                self._dev.disconnect()
            finally:
                self._dev.release()
        self._dev = self._ai = None

    def session_attrs(self) -> dict[str, Any]:
        return {"mcc_overruns": self.overruns}

"""LabJack T4/T7/T8 stream mode through LJM (``labjack.ljm``).

``eStreamStart(handle, scansPerRead, numAddresses, aScanList, scanRate)``
then ``eStreamRead(handle) -> (aData, deviceScanBacklog, ljmScanBacklog)``,
channels interleaved. When the device buffer overflows, LJM's stream
auto-recovery inserts scans of ``-9999.0`` (``ljm.constants.DUMMY_VALUE``) for
the scans that were skipped: the driver splits the block there and records
them as a gap (exact: one dummy scan per lost scan). The largest device and
LJM backlogs are kept (a growing backlog means the reader is falling behind).
``eStreamRead`` blocks until ``scansPerRead`` scans are there, so a block is
``read_interval_s`` long.
"""

from __future__ import annotations

__all__ = ["DUMMY_VALUE", "LabJackDevice"]

import logging
import time
from typing import Any, Sequence

import numpy as np

from emgforce.drivers._util import DEFAULT_EMG_CHANNELS, call_quietly, channel_info, import_vendor, runtime_available
from emgforce.streams import Block, DeviceInfo, StreamInfo
from emgforce.drivers.base import Device
from emgforce.errors import DeviceDisconnectedError, DeviceError, DeviceNotAvailableError

log = logging.getLogger(__name__)

_INSTALL = "the LabJack LJM library (libLabJackM) and the labjack-ljm package (pip install 'emgforce[labjack]')"
DUMMY_VALUE = -9999.0


def _ljm() -> Any:
    ljm = import_vendor("labjack.ljm", what="labjack-ljm", install=_INSTALL)
    try:  # the Python package imports without its C library; any call then fails
        ljm.errorToString(0)
    except Exception as exc:  # noqa: BLE001 - LJMError or AttributeError from the missing library
        raise DeviceNotAvailableError(f"the LJM library is not usable here ({exc}); install {_INSTALL}") from exc
    return ljm


def _runs_without_dummies(data: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges ``[a, b)`` of real scans (a scan of LJM dummy values marks a skipped scan)."""
    real = ~np.all(data == DUMMY_VALUE, axis=1)
    edges = np.flatnonzero(np.diff(np.r_[0, real.astype(np.int8), 0]))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


class LabJackDevice(Device):
    """Analog inputs of a LabJack in stream mode.

    Parameters
    ----------
    inputs : sequence of str
        LJM register names to stream, e.g. ``("AIN0", "AIN1")``.
    channels : sequence of str
        Channel names, one per input; canonical EMG names get muscle and side.
    fs_hz : float
        Scan rate.
    device_type, connection_type, identifier : str
        Passed to ``ljm.openS`` (``"ANY"``, ``"T7"``, ``"USB"``, a serial number ...).
    range_v : float or None
        Written to ``AIN#_RANGE`` of each input before streaming (None: leave as is).
    read_interval_s : float
        Length of each ``eStreamRead`` block.
    kind, stream : str
        Kind of non-EMG channels and the stream name.
    """

    name = "labjack"

    def __init__(
        self,
        inputs: Sequence[str] = ("AIN0", "AIN1", "AIN2", "AIN3", "AIN4", "AIN5"),
        *,
        channels: Sequence[str] = DEFAULT_EMG_CHANNELS,
        fs_hz: float = 2000.0,
        device_type: str = "ANY",
        connection_type: str = "ANY",
        identifier: str = "ANY",
        range_v: float | None = 10.0,
        read_interval_s: float = 0.05,
        kind: str = "analog",
        stream: str = "emg",
    ) -> None:
        if len(inputs) != len(channels) or not inputs:
            raise ValueError(f"give one channel name per input: {len(inputs)} inputs, {len(channels)} names")
        if fs_hz <= 0 or read_interval_s <= 0:
            raise ValueError("fs_hz and read_interval_s must be positive")
        self.inputs = tuple(inputs)
        self.channel_names = tuple(channels)
        self.fs_hz = float(fs_hz)
        self.device_type, self.connection_type, self.identifier = device_type, connection_type, identifier
        self.range_v = range_v
        self.read_interval_s = float(read_interval_s)
        self.kind = kind
        self.stream = stream
        self._handle: int | None = None
        self._addresses: list[int] = []
        self._serial: str | None = None
        self._actual_fs: float | None = None
        self._streaming = False
        self._next_index = 0
        self._pending_missing = 0
        self.skipped_scans = 0
        self.max_device_backlog = 0
        self.max_ljm_backlog = 0

    @classmethod
    def available(cls) -> tuple[bool, str]:
        return runtime_available(_ljm)

    @property
    def scans_per_read(self) -> int:
        return max(1, int(round(self.read_interval_s * self.fs_hz)))

    def open(self) -> None:
        if self._handle is not None:
            return
        ljm = _ljm()
        try:
            handle = ljm.openS(self.device_type, self.connection_type, self.identifier)
        except ljm.LJMError as exc:
            raise DeviceError(f"cannot open the LabJack ({self.device_type}/{self.connection_type}/{self.identifier}): {exc}") from exc
        try:
            info = ljm.getHandleInfo(handle)
            self._serial = str(info[2])
            self._addresses = list(ljm.namesToAddresses(len(self.inputs), list(self.inputs))[0])
            if self.range_v is not None:
                names = [f"{name}_RANGE" for name in self.inputs]
                ljm.eWriteNames(handle, len(names), names, [float(self.range_v)] * len(names))
        except ljm.LJMError as exc:
            ljm.close(handle)
            raise DeviceError(f"configuring the LabJack failed: {exc}") from exc
        self._handle = handle

    def describe(self) -> DeviceInfo:
        chans = [channel_info(name, kind=self.kind) for name in self.channel_names]
        return DeviceInfo(self.name, (StreamInfo(self.stream, self.fs_hz, tuple(chans), actual_fs_hz=self._actual_fs),),
                          serial_number=self._serial, extra={"inputs": list(self.inputs), "range_v": self.range_v})

    def start(self) -> None:
        if self._handle is None:
            raise DeviceError("open() the LabJack before start()")
        ljm = _ljm()
        try:
            self._actual_fs = float(ljm.eStreamStart(self._handle, self.scans_per_read, len(self._addresses),
                                                     self._addresses, self.fs_hz))
        except ljm.LJMError as exc:
            raise DeviceError(f"LabJack stream did not start: {exc}") from exc
        self._streaming = True
        self._next_index = 0

    def read(self, max_samples: int | None = None, timeout: float | None = None) -> list[Block]:
        if not self._streaming:
            raise DeviceError("start() the LabJack before read()")
        ljm = _ljm()
        try:
            a_data, device_backlog, ljm_backlog = ljm.eStreamRead(self._handle)
        except ljm.LJMError as exc:
            raise DeviceDisconnectedError(f"LabJack stream failed: {exc}") from exc
        now = time.monotonic()
        self.max_device_backlog = max(self.max_device_backlog, int(device_backlog))
        self.max_ljm_backlog = max(self.max_ljm_backlog, int(ljm_backlog))
        data = np.asarray(a_data, dtype=np.float64).reshape(-1, len(self._addresses))
        blocks = []
        pos = 0
        for a, b in _runs_without_dummies(data):
            self._pending_missing += a - pos
            missing, self._pending_missing = self._pending_missing, 0
            blocks.append(Block(self.stream, data[a:b], self._next_index + a, host_time=now,
                                missing=missing, overrun=missing > 0))
            pos = b
        self._pending_missing += len(data) - pos  # a block ending in dummies: the gap shows on the next one
        skipped = int(np.all(data == DUMMY_VALUE, axis=1).sum())
        if skipped:
            self.skipped_scans += skipped
            log.warning("LabJack skipped %d scans (device buffer overflow); recorded as a gap", skipped)
        self._next_index += len(data)
        return blocks

    def stop(self) -> None:
        if self._streaming and self._handle is not None:
            call_quietly(_ljm().eStreamStop, self._handle)
        self._streaming = False

    def close(self) -> None:
        if self._handle is not None:
            try:
                _ljm().close(self._handle)
            finally:
                self._handle = None

    def session_attrs(self) -> dict[str, Any]:
        return {"labjack_skipped_scans": self.skipped_scans, "labjack_max_device_backlog": self.max_device_backlog,
                "labjack_max_ljm_backlog": self.max_ljm_backlog}

"""Biosignal boards through BrainFlow (OpenBCI Cyton/Ganglion, Neurosity, g.tec, ... and a synthetic board).

BrainFlow (``pip install 'emgforce[brainflow]'``) reaches many EMG-capable
boards through one API: ``BoardShim(board_id, BrainFlowInputParams)``,
``prepare_session()``, ``start_stream(buffer_size)``,
``get_board_data_count()`` and ``get_board_data(n)``, which returns and removes
the oldest ``n`` samples as a ``(num_rows, n)`` array; the board description
(``get_emg_channels``, ``get_sampling_rate``, ``get_package_num_channel``)
says which rows hold EMG and which row holds the board's package counter.
BrainFlow delivers EMG in microvolts; the driver converts to volts.
``Block.device_time`` is BrainFlow's time stamp of the block's first sample
(UNIX time in seconds, taken by BrainFlow when the package arrived).

Losses are counted from the package counter (8 bits on OpenBCI boards and the
synthetic board: it counts 0..255 and wraps), so a gap is exact unless 256
or more packages vanish at once, which the counter cannot show. BrainFlow's
ring buffer (``buffer_s``) overwrites the oldest samples when the reader falls
behind; those show as a counter jump too.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Sequence

import numpy as np

from emgforce.drivers._util import CounterUnwrapper, call_quietly, channel_info, import_vendor, runtime_available
from emgforce.drivers.base import Device
from emgforce.errors import DeviceDisconnectedError, DeviceError
from emgforce.streams import Block, DeviceInfo, StreamInfo

__all__ = ["BrainFlowDevice", "board_id"]

log = logging.getLogger(__name__)

_INSTALL = "the BrainFlow package (pip install 'emgforce[brainflow]')"
#: BrainFlow's EXG unit is the microvolt
_UV = 1e-6
#: how often read() polls BrainFlow's buffer while waiting for data, s
_POLL_S = 0.005


def _board_shim() -> Any:
    return import_vendor("brainflow.board_shim", what="BrainFlow", install=_INSTALL)


def board_id(board: int | str) -> int:
    """BrainFlow board id from a number or a ``BoardIds`` name (``"SYNTHETIC_BOARD"``, ``"CYTON_BOARD"`` ...)."""
    if isinstance(board, int) or (isinstance(board, str) and board.lstrip("-").isdigit()):
        return int(board)
    ids = _board_shim().BoardIds
    try:
        return int(ids[str(board).upper()].value)
    except KeyError:
        raise ValueError(f"unknown BrainFlow board {board!r}; use a BoardIds name such as SYNTHETIC_BOARD "
                         "or CYTON_BOARD, or its number") from None


class BrainFlowDevice(Device):
    """The EMG channels of a BrainFlow board as one stream.

    Parameters
    ----------
    board : int or str
        BrainFlow board id or ``BoardIds`` name (default the synthetic board).
    channels : sequence of str, optional
        Names of the EMG channels, in the board's EMG-channel order; recording
        only the first ``len(channels)`` of them. Default ``EMG1``, ``EMG2`` ...
        for all of them. Canonical names (``GM_L`` ...) get muscle and side.
    serial_port, mac_address, ip_address, ip_port, serial_number, other_info, timeout
        Connection parameters (``BrainFlowInputParams``) as the board needs them.
    buffer_s : float
        Length of BrainFlow's ring buffer in seconds.
    stream : str
        Name of the stream.
    counter_bits : int
        Width of the package counter.
    """

    name = "brainflow"

    def __init__(
        self,
        board: int | str = "SYNTHETIC_BOARD",
        *,
        channels: Sequence[str] | None = None,
        serial_port: str = "",
        mac_address: str = "",
        ip_address: str = "",
        ip_port: int = 0,
        serial_number: str = "",
        other_info: str = "",
        timeout: int = 0,
        buffer_s: float = 60.0,
        stream: str = "emg",
        counter_bits: int = 8,
    ) -> None:
        if buffer_s <= 0:
            raise ValueError(f"buffer_s must be positive, got {buffer_s}")
        self.board = board
        self.channel_names = None if channels is None else tuple(channels)
        self.connection = {"serial_port": serial_port, "mac_address": mac_address, "ip_address": ip_address,
                           "ip_port": int(ip_port), "serial_number": serial_number, "other_info": other_info,
                           "timeout": int(timeout)}
        self.buffer_s = float(buffer_s)
        self.stream = stream
        self.counter_bits = int(counter_bits)
        self._shim: Any = None
        self._info: DeviceInfo | None = None
        self._rows: list[int] = []
        self._counter_row = -1
        self._time_row = -1
        self._fs = 0.0
        self._counter: CounterUnwrapper | None = None
        self._streaming = False
        self.lost_samples = 0
        self.duplicate_samples = 0

    @classmethod
    def available(cls) -> tuple[bool, str]:
        return runtime_available(_board_shim)

    def open(self) -> None:
        if self._shim is not None:
            return
        bs = _board_shim()
        bid = board_id(self.board)
        params = bs.BrainFlowInputParams()
        for key, value in self.connection.items():
            setattr(params, key, value)
        try:
            emg_rows = list(bs.BoardShim.get_emg_channels(bid))
            fs = float(bs.BoardShim.get_sampling_rate(bid))
            counter_row = int(bs.BoardShim.get_package_num_channel(bid))
            time_row = int(bs.BoardShim.get_timestamp_channel(bid))
            descr = bs.BoardShim.get_board_descr(bid)
            shim = bs.BoardShim(bid, params)
            shim.prepare_session()
        except bs.BrainFlowError as exc:
            raise DeviceError(f"BrainFlow could not open board {self.board!r}: {exc}") from exc
        names = self.channel_names or tuple(f"EMG{i + 1}" for i in range(len(emg_rows)))
        if not emg_rows or len(names) > len(emg_rows):
            call_quietly(shim.release_session)
            raise DeviceError(f"board {descr.get('name', bid)} has {len(emg_rows)} EMG channels; {len(names)} names given")
        self._rows = emg_rows[: len(names)]
        self._counter_row, self._time_row = counter_row, time_row
        self._fs = fs
        chans = tuple(channel_info(n, kind="emg") for n in names)
        self._info = DeviceInfo(self.name, (StreamInfo(self.stream, fs, chans),),
                                extra={"board": str(descr.get("name", bid)), "board_id": bid, "emg_rows": self._rows})
        self._shim = shim

    def describe(self) -> DeviceInfo:
        if self._info is None:
            raise DeviceError("open() the BrainFlow device before describe(): the board's channels are known then")
        return self._info

    def start(self) -> None:
        if self._shim is None:
            raise DeviceError("open() the BrainFlow device before start()")
        bs = _board_shim()
        try:
            self._shim.start_stream(max(1, int(self.buffer_s * self._fs)))
        except bs.BrainFlowError as exc:
            raise DeviceError(f"BrainFlow stream did not start: {exc}") from exc
        self._counter = CounterUnwrapper(self.counter_bits)
        self._streaming = True

    def read(self, max_samples: int | None = None, timeout: float | None = None) -> list[Block]:
        if not self._streaming or self._counter is None:
            raise DeviceError("start() the BrainFlow device before read()")
        bs = _board_shim()
        deadline = time.monotonic() + (0.1 if timeout is None else max(0.0, timeout))
        try:
            while (count := self._shim.get_board_data_count()) == 0 and time.monotonic() < deadline:
                time.sleep(_POLL_S)
            if count == 0:
                return []
            n = count if max_samples is None else max(1, min(count, int(max_samples)))
            raw = self._shim.get_board_data(n)
        except bs.BrainFlowError as exc:
            raise DeviceDisconnectedError(f"BrainFlow board stopped answering: {exc}") from exc
        now = time.monotonic()
        index, missing = self._counter.update_many(raw[self._counter_row])
        keep = missing >= 0
        self.duplicate_samples += int((~keep).sum())
        data, index, missing = raw[self._rows][:, keep].T * _UV, index[keep], missing[keep]
        stamps = raw[self._time_row][keep]
        lost = int(missing.sum())
        if lost:
            self.lost_samples += lost
            log.warning("BrainFlow: %d samples lost (package counter jumps)", lost)
        bounds = [0, *np.flatnonzero(missing[1:]).__add__(1).tolist(), len(index)]
        return [Block(self.stream, data[a:b], int(index[a]), host_time=now, device_time=float(stamps[a]),
                      missing=int(missing[a]))
                for a, b in zip(bounds[:-1], bounds[1:]) if b > a]

    def stop(self) -> None:
        if self._streaming and self._shim is not None:
            call_quietly(self._shim.stop_stream)
        self._streaming = False

    def close(self) -> None:
        if self._shim is not None:
            call_quietly(self._shim.release_session)
        self._shim = None

    def session_attrs(self) -> dict[str, Any]:
        return {"brainflow_lost_samples": self.lost_samples, "brainflow_duplicate_samples": self.duplicate_samples}

"""National Instruments DAQ boards through NI-DAQmx (the ``nidaqmx`` package).

One task with voltage channels, hardware-timed continuous acquisition
(``cfg_samp_clk_timing(..., AcquisitionType.CONTINUOUS)``), read about ten
times a second with ``AnalogMultiChannelReader.read_many_sample`` into one
preallocated ``(n_channels, n)`` buffer.

Overrun: when the reader falls behind by more than the driver buffer, DAQmx
raises error -200279 (samples no longer available) and the task stops
acquiring. The driver restarts the task and re-anchors the sample index on the
host clock (``round(elapsed * fs)``), so the hole becomes a recorded gap and
the next block carries ``overrun=True``. The hole's length is an estimate
(host clock, about one sample of jitter); everything else is exact.
"""

from __future__ import annotations

__all__ = ["SAMPLES_NO_LONGER_AVAILABLE", "NIDAQDevice"]

import logging
import time
from typing import Any, Sequence

import numpy as np

from emgforce.drivers._util import DEFAULT_EMG_CHANNELS, call_quietly, channel_info, import_vendor, runtime_available
from emgforce.streams import Block, DeviceInfo, StreamInfo
from emgforce.drivers.base import Device
from emgforce.errors import DeviceDisconnectedError, DeviceError, DeviceNotAvailableError

log = logging.getLogger(__name__)

_INSTALL = "NI-DAQmx (the NI driver) and the nidaqmx package (pip install 'emgforce[nidaq]')"
SAMPLES_NO_LONGER_AVAILABLE = -200279


def _nidaqmx() -> Any:
    nidaqmx = import_vendor("nidaqmx", what="nidaqmx", install=_INSTALL)
    import_vendor("nidaqmx.system", what="nidaqmx", install=_INSTALL)
    import_vendor("nidaqmx.stream_readers", what="nidaqmx", install=_INSTALL)
    try:
        nidaqmx.system.System.local().driver_version
    except Exception as exc:  # noqa: BLE001 - DaqNotFoundError or a broken installation
        raise DeviceNotAvailableError(f"the NI-DAQmx driver is not installed here ({exc}); install {_INSTALL}") from exc
    return nidaqmx


class NIDAQDevice(Device):
    """Analog input of an NI board as one stream.

    Parameters
    ----------
    physical_channels : str
        DAQmx physical channel string, e.g. ``"Dev1/ai0:5"``.
    fs_hz : float
        Sample rate per channel.
    channels : sequence of str
        Names of the channels in order; canonical EMG names get muscle and side.
    kind : str
        Kind of the channels whose names are not EMG names (``analog``, ``force`` ...).
    min_val, max_val : float
        Input range in volts.
    terminal : str
        ``DEFAULT``, ``RSE``, ``NRSE``, ``DIFF`` or ``PSEUDO_DIFF``.
    buffer_s : float
        DAQmx input buffer length in seconds.
    read_interval_s : float
        Largest block length (the reader runs about this often).
    stream : str
        Name of the stream.
    """

    name = "nidaq"

    def __init__(
        self,
        physical_channels: str = "Dev1/ai0:5",
        *,
        fs_hz: float = 2000.0,
        channels: Sequence[str] = DEFAULT_EMG_CHANNELS,
        kind: str = "analog",
        min_val: float = -5.0,
        max_val: float = 5.0,
        terminal: str = "DEFAULT",
        buffer_s: float = 10.0,
        read_interval_s: float = 0.1,
        stream: str = "emg",
    ) -> None:
        if fs_hz <= 0 or buffer_s <= 0 or read_interval_s <= 0:
            raise ValueError("fs_hz, buffer_s and read_interval_s must be positive")
        self.physical_channels = physical_channels
        self.fs_hz = float(fs_hz)
        self.channel_names = tuple(channels)
        self.kind = kind
        self.min_val, self.max_val = float(min_val), float(max_val)
        self.terminal = terminal
        self.buffer_s = float(buffer_s)
        self.read_interval_s = float(read_interval_s)
        self.stream = stream
        self._task: Any = None
        self._reader: Any = None
        self._buf: np.ndarray | None = None
        self._actual_fs: float | None = None
        self._next_index = 0
        self._t0: float | None = None
        self._overrun_pending = False
        self._missing_pending = 0
        self.overruns = 0

    @classmethod
    def available(cls) -> tuple[bool, str]:
        return runtime_available(_nidaqmx)

    def open(self) -> None:
        if self._task is not None:
            return
        nidaqmx = _nidaqmx()
        from nidaqmx.constants import AcquisitionType, TerminalConfiguration
        from nidaqmx.errors import DaqError
        from nidaqmx.stream_readers import AnalogMultiChannelReader

        try:
            terminal = TerminalConfiguration[self.terminal]
        except KeyError:
            raise ValueError(f"terminal must be one of {[t.name for t in TerminalConfiguration]}, got {self.terminal!r}") from None
        task = nidaqmx.Task()
        try:
            task.ai_channels.add_ai_voltage_chan(self.physical_channels, terminal_config=terminal,
                                                 min_val=self.min_val, max_val=self.max_val)
            n = task.number_of_channels
            if n != len(self.channel_names):
                raise DeviceError(f"{self.physical_channels!r} has {n} channels but {len(self.channel_names)} names were given")
            task.timing.cfg_samp_clk_timing(self.fs_hz, sample_mode=AcquisitionType.CONTINUOUS,
                                            samps_per_chan=int(round(self.buffer_s * self.fs_hz)))
            self._actual_fs = float(task.timing.samp_clk_rate)
        except DaqError as exc:
            task.close()
            raise DeviceError(f"NI-DAQmx refused the task ({exc.error_code}): {exc}") from exc
        except BaseException:
            task.close()
            raise
        self._task = task
        self._reader = AnalogMultiChannelReader(task.in_stream)
        cap = max(1, int(round(self.read_interval_s * self._actual_fs)))
        self._buf = np.zeros(n * cap, dtype=np.float64)

    def describe(self) -> DeviceInfo:
        chans = [channel_info(name, kind=self.kind) for name in self.channel_names]
        return DeviceInfo(self.name, (StreamInfo(self.stream, self.fs_hz, tuple(chans), actual_fs_hz=self._actual_fs),),
                          extra={"physical_channels": self.physical_channels, "terminal": self.terminal,
                                 "range_v": [self.min_val, self.max_val]})

    def start(self) -> None:
        if self._task is None:
            raise DeviceError("open() the NI-DAQmx device before start()")
        self._task.start()
        self._t0 = time.monotonic()
        self._next_index = 0

    def read(self, max_samples: int | None = None, timeout: float | None = None) -> list[Block]:
        from nidaqmx.errors import DaqError

        if self._t0 is None or self._buf is None:
            raise DeviceError("start() the NI-DAQmx device before read()")
        n_ch = len(self.channel_names)
        cap = len(self._buf) // n_ch
        if max_samples is not None:
            cap = max(1, min(cap, max_samples))
        timeout = 0.1 if timeout is None else timeout
        try:
            avail = self._task.in_stream.avail_samp_per_chan
            if avail < cap:  # let a whole block (read_interval_s) build up, within the caller's timeout
                time.sleep(min(timeout, (cap - avail) / (self._actual_fs or self.fs_hz)))
                avail = self._task.in_stream.avail_samp_per_chan
            n = min(avail, cap)
            if n == 0:
                return []
            view = self._buf[: n_ch * n].reshape(n_ch, n)
            got = self._reader.read_many_sample(view, number_of_samples_per_channel=n, timeout=timeout)
        except DaqError as exc:
            if exc.error_code == SAMPLES_NO_LONGER_AVAILABLE:
                self._recover_overrun()
                return []
            raise DeviceDisconnectedError(f"NI-DAQmx read failed ({exc.error_code}): {exc}") from exc
        first = self._next_index
        block = Block(self.stream, view[:, :got].T.copy(), first, host_time=time.monotonic(),
                      overrun=self._overrun_pending, missing=self._missing_pending if self._overrun_pending else 0)
        self._overrun_pending = False
        self._next_index = first + got
        return [block]

    def _recover_overrun(self) -> None:
        """Restart the task after -200279 and re-anchor the index on the host clock."""
        self.overruns += 1
        self._task.stop()
        self._task.start()
        assert self._t0 is not None
        anchor = int(round((time.monotonic() - self._t0) * (self._actual_fs or self.fs_hz)))
        self._missing_pending = max(0, anchor - self._next_index)
        log.warning("NI-DAQmx buffer overrun: about %d samples lost; task restarted", self._missing_pending)
        self._next_index += self._missing_pending
        self._overrun_pending = True

    def stop(self) -> None:
        if self._task is not None:
            call_quietly(self._task.stop)

    def close(self) -> None:
        if self._task is not None:
            self._task.close()
            self._task = None
        self._t0 = None

    def session_attrs(self) -> dict[str, Any]:
        return {"nidaq_overruns": self.overruns}

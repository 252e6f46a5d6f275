"""A fake of the ``nidaqmx`` package (1.x API) backed by a virtual board on the host clock.

Only the parts the driver uses, with nidaqmx's signatures, enum values and
error codes: ``Task`` (``ai_channels.add_ai_voltage_chan``,
``timing.cfg_samp_clk_timing``, ``timing.samp_clk_rate``,
``number_of_channels``, ``in_stream.avail_samp_per_chan``, ``start``,
``stop``, ``close``), ``stream_readers.AnalogMultiChannelReader.
read_many_sample(data, number_of_samples_per_channel=READ_ALL_AVAILABLE,
timeout=10.0)`` filling a (n_channels, n) float64 array and returning the
count, ``errors.DaqError(message, error_code)``, ``errors.DaqNotFoundError``,
``system.System.local().driver_version``.

The virtual board samples continuously from ``start()``: sample ``k`` (counted
from the first start, on the host clock) of channel ``c`` is ``k * 16 + c``.
When the unread samples exceed the buffer, the next read raises -200279 and
the task stops acquiring until it is restarted, as DAQmx does in its default
(do not overwrite) mode.
"""

from __future__ import annotations

import enum
import re
import sys
import time
import types
from collections import namedtuple

import numpy as np

READ_ALL_AVAILABLE = -1


class AcquisitionType(enum.Enum):
    FINITE = 10178
    CONTINUOUS = 10123
    HW_TIMED_SINGLE_POINT = 12522


class TerminalConfiguration(enum.Enum):
    RSE = 10083
    NRSE = 10078
    DIFF = 10106
    PSEUDO_DIFF = 12529
    DEFAULT = -1


class Error(Exception):
    pass


class DaqNotFoundError(Error):
    pass


class DaqError(Error):
    def __init__(self, message, error_code, task_name=""):
        super().__init__(message)
        self._error_code = int(error_code)

    @property
    def error_code(self):
        return self._error_code


def _count_channels(spec: str) -> int:
    n = 0
    for part in spec.split(","):
        m = re.fullmatch(r"\s*\w+/ai(\d+)(?::(\d+))?\s*", part)
        if not m:
            raise DaqError(f"Physical channel name specified is invalid: {part}", -201003)
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        n += abs(hi - lo) + 1
    return n


class _Board:
    """The virtual hardware shared by the task objects (tests tune it)."""

    def __init__(self):
        self.installed = True
        self.t_first: float | None = None
        self.fail_after_reads: int | None = None  # then raise a "device removed" error
        self.reads = 0


BOARD = _Board()


class _AIChannels:
    def __init__(self, task):
        self._task = task

    def add_ai_voltage_chan(self, physical_channel, name_to_assign_to_channel="",
                            terminal_config=TerminalConfiguration.DEFAULT, min_val=-5.0, max_val=5.0,
                            units=None, custom_scale_name=""):
        if not isinstance(terminal_config, TerminalConfiguration):
            raise TypeError("terminal_config must be a TerminalConfiguration")
        self._task._n_channels += _count_channels(physical_channel)


class _Timing:
    def __init__(self):
        self.samp_clk_rate = 1000.0
        self.sample_mode = AcquisitionType.FINITE
        self.samp_quant_samp_per_chan = 1000

    def cfg_samp_clk_timing(self, rate, source="", active_edge=None, sample_mode=AcquisitionType.FINITE,
                            samps_per_chan=1000):
        self.samp_clk_rate = float(rate)
        self.sample_mode = sample_mode
        self.samp_quant_samp_per_chan = int(samps_per_chan)


class _InStream:
    def __init__(self, task):
        self._task = task

    @property
    def avail_samp_per_chan(self):
        t = self._task
        t._check()
        if not t._running:
            return 0
        return min(t._acquired() - t._read_pos, t.timing.samp_quant_samp_per_chan)


class Task:
    def __init__(self, new_task_name=""):
        self._n_channels = 0
        self.ai_channels = _AIChannels(self)
        self.timing = _Timing()
        self.in_stream = _InStream(self)
        self._running = False
        self._closed = False
        self._start_k = 0  # board sample index at the last start
        self._read_pos = 0  # samples read since the last start
        self.starts = 0

    @property
    def number_of_channels(self):
        return self._n_channels

    def _check(self):
        if self._closed:
            raise DaqError("Task specified is invalid or does not exist.", -200088)

    def _acquired(self) -> int:
        rate = self.timing.samp_clk_rate
        return int((time.monotonic() - BOARD.t_first) * rate) - self._start_k

    def start(self):
        self._check()
        if BOARD.t_first is None:
            BOARD.t_first = time.monotonic()
        self._start_k = int((time.monotonic() - BOARD.t_first) * self.timing.samp_clk_rate)
        self._read_pos = 0
        self._running = True
        self.starts += 1

    def stop(self):
        self._check()
        self._running = False

    def close(self):
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class AnalogMultiChannelReader:
    def __init__(self, task_in_stream):
        self._task = task_in_stream._task

    def read_many_sample(self, data, number_of_samples_per_channel=READ_ALL_AVAILABLE, timeout=10.0):
        t = self._task
        t._check()
        BOARD.reads += 1
        if BOARD.fail_after_reads is not None and BOARD.reads > BOARD.fail_after_reads:
            raise DaqError("Device has been removed.", -88709)
        if not isinstance(data, np.ndarray) or data.dtype != np.float64 or not data.flags.c_contiguous:
            raise DaqError("Read buffer must be a C-contiguous float64 array.", -200229)
        n_ch, cap = data.shape
        if n_ch != t._n_channels:
            raise DaqError("Array shape does not match the number of channels.", -200229)
        n = number_of_samples_per_channel
        if n == READ_ALL_AVAILABLE:
            n = t.in_stream.avail_samp_per_chan
        if n > cap:
            raise DaqError("Read buffer is too small.", -200229)
        if t._acquired() - t._read_pos > t.timing.samp_quant_samp_per_chan:
            t._running = False
            raise DaqError("The application is not able to keep up with the hardware acquisition.", -200279)
        deadline = time.monotonic() + timeout
        while t._acquired() - t._read_pos < n:
            if time.monotonic() > deadline:
                raise DaqError("Wait Until Done did not indicate all samples were acquired.", -200284)
            time.sleep(0.001)
        k = t._start_k + t._read_pos + np.arange(n)
        data[:, :n] = k[None, :] * 16.0 + np.arange(n_ch)[:, None]
        t._read_pos += n
        return n


_Version = namedtuple("DriverVersion", "major_version minor_version update_version")


class _System:
    @staticmethod
    def local():
        return _System()

    @property
    def driver_version(self):
        if not BOARD.installed:
            raise DaqNotFoundError("Could not find an installation of NI-DAQmx.")
        return _Version(2025, 1, 0)


def install(monkeypatch) -> _Board:
    """Put the fake into ``sys.modules`` as ``nidaqmx`` (and its submodules); return the board."""
    global BOARD
    BOARD = _Board()
    pkg = types.ModuleType("nidaqmx")
    constants = types.ModuleType("nidaqmx.constants")
    constants.AcquisitionType = AcquisitionType
    constants.TerminalConfiguration = TerminalConfiguration
    constants.READ_ALL_AVAILABLE = READ_ALL_AVAILABLE
    errors = types.ModuleType("nidaqmx.errors")
    errors.Error, errors.DaqError, errors.DaqNotFoundError = Error, DaqError, DaqNotFoundError
    readers = types.ModuleType("nidaqmx.stream_readers")
    readers.AnalogMultiChannelReader = AnalogMultiChannelReader
    system = types.ModuleType("nidaqmx.system")
    system.System = _System
    pkg.Task, pkg.constants, pkg.errors, pkg.stream_readers, pkg.system = Task, constants, errors, readers, system
    pkg.DaqError = DaqError
    for name, mod in (("nidaqmx", pkg), ("nidaqmx.constants", constants), ("nidaqmx.errors", errors),
                      ("nidaqmx.stream_readers", readers), ("nidaqmx.system", system)):
        monkeypatch.setitem(sys.modules, name, mod)
    return BOARD

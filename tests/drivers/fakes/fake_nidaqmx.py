"""A fake of the ``nidaqmx`` package (1.x API) backed by a virtual board on the host clock.

Only the parts that need the NI runtime are faked, with nidaqmx's signatures:
``Task`` (``ai_channels.add_ai_voltage_chan``,
``timing.cfg_samp_clk_timing``, ``timing.samp_clk_rate``,
``number_of_channels``, ``in_stream.avail_samp_per_chan``, ``start``,
``stop``, ``close``), ``stream_readers.AnalogMultiChannelReader.
read_many_sample(data, number_of_samples_per_channel=READ_ALL_AVAILABLE,
timeout=10.0)`` filling a (n_channels, n) float64 array and returning the
count, ``system.System.local().driver_version``. The pure-Python parts are
nidaqmx's own (installed here): ``nidaqmx.constants`` (enums and
``READ_ALL_AVAILABLE``), ``nidaqmx.errors`` (``DaqError``, ``DaqNotFoundError``)
and the codes of ``nidaqmx.error_codes.DAQmxErrors``, so enum values, error
classes and codes cannot drift from the vendor's.

The virtual board samples continuously from ``start()``: sample ``k`` (counted
from the first start, on the host clock) of channel ``c`` is ``k * 16 + c``.
When the unread samples exceed the buffer, the next read raises -200279 and
the task stops acquiring until it is restarted, as DAQmx does in its default
(do not overwrite) mode.
"""

from __future__ import annotations

import re
import sys
import time
import types
from collections import namedtuple

import nidaqmx.constants as constants
import nidaqmx.errors as errors
import numpy as np
from nidaqmx.constants import READ_ALL_AVAILABLE, AcquisitionType, TerminalConfiguration
from nidaqmx.error_codes import DAQmxErrors
from nidaqmx.errors import DaqError, DaqNotFoundError


def _count_channels(spec: str) -> int:
    n = 0
    for part in spec.split(","):
        m = re.fullmatch(r"\s*\w+/ai(\d+)(?::(\d+))?\s*", part)
        if not m:
            raise DaqError(f"Physical channel specified does not exist on this device: {part}",
                           DAQmxErrors.PHYSICAL_CHAN_DOES_NOT_EXIST.value)
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        n += abs(hi - lo) + 1
    return n


class _Board:
    """The virtual hardware shared by the task objects (tests tune it)."""

    def __init__(self):
        self.installed = True
        self.clock = time  # the host clock, or a tests.drivers.fakes.clock.VirtualClock
        self.t_first: float | None = None
        self.fail_after_reads: int | None = None  # then the board is unplugged
        self.reads = 0


BOARD = _Board()


class _AIChannels:
    def __init__(self, task):
        self._task = task

    def add_ai_voltage_chan(self, physical_channel, name_to_assign_to_channel="",
                            terminal_config=TerminalConfiguration.DEFAULT, min_val=-5.0, max_val=5.0,
                            units=constants.VoltageUnits.VOLTS, custom_scale_name=""):
        if not isinstance(terminal_config, TerminalConfiguration):
            raise TypeError("terminal_config must be a TerminalConfiguration")
        self._task._n_channels += _count_channels(physical_channel)


class _Timing:
    def __init__(self):
        self.samp_clk_rate = 1000.0
        self.sample_mode = AcquisitionType.FINITE
        self.samp_quant_samp_per_chan = 1000

    def cfg_samp_clk_timing(self, rate, source="", active_edge=constants.Edge.RISING,
                            sample_mode=AcquisitionType.FINITE, samps_per_chan=1000):
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
    def __init__(self, new_task_name="", *, grpc_options=None):
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
            raise DaqError("Task specified is invalid or does not exist.", DAQmxErrors.INVALID_TASK.value)

    def _acquired(self) -> int:
        rate = self.timing.samp_clk_rate
        return int((BOARD.clock.monotonic() - BOARD.t_first) * rate) - self._start_k

    def start(self):
        self._check()
        if BOARD.t_first is None:
            BOARD.t_first = BOARD.clock.monotonic()
        self._start_k = int((BOARD.clock.monotonic() - BOARD.t_first) * self.timing.samp_clk_rate)
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
            raise DaqError("Device cannot be accessed.\nPossible causes:\nDevice is no longer present in the system.",
                           DAQmxErrors.DEV_CANNOT_BE_ACCESSED.value)
        n = number_of_samples_per_channel
        if n == READ_ALL_AVAILABLE:
            n = t.in_stream.avail_samp_per_chan
        # nidaqmx's _verify_array (verify_array_shape is True by default): the shape must be exact
        if data.shape != (t._n_channels, n):
            raise DaqError("Read cannot be performed because the NumPy array passed into this function is not "
                           f"shaped correctly.\n\nShape of NumPy Array provided: {data.shape}\n"
                           f"Shape of NumPy Array required: {(t._n_channels, n)}", DAQmxErrors.UNKNOWN.value)
        if data.dtype != np.float64 or not data.flags.c_contiguous:  # the C call writes doubles in place
            raise TypeError("data must be a C-contiguous float64 array")
        if t._acquired() - t._read_pos > t.timing.samp_quant_samp_per_chan:
            t._running = False
            raise DaqError("The application is not able to keep up with the hardware acquisition.",
                           DAQmxErrors.SAMPLES_NO_LONGER_AVAILABLE.value)
        deadline = BOARD.clock.monotonic() + timeout
        while t._acquired() - t._read_pos < n:
            if BOARD.clock.monotonic() > deadline:
                raise DaqError("Some or all of the samples requested have not yet been acquired.",
                               DAQmxErrors.SAMPLES_NOT_YET_AVAILABLE.value)
            BOARD.clock.sleep(0.001)
        k = t._start_k + t._read_pos + np.arange(n)
        data[:] = k[None, :] * 16.0 + np.arange(t._n_channels)[:, None]
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


def install(monkeypatch, clock=None) -> _Board:
    """Put the fake into ``sys.modules`` as ``nidaqmx`` (and its submodules); return the board."""
    global BOARD
    BOARD = _Board()
    if clock is not None:
        BOARD.clock = clock
    pkg = types.ModuleType("nidaqmx")
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

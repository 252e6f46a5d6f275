"""A fake of the ``uldaq`` package (1.2 API) with a virtual board on the host clock.

Follows uldaq's names and signatures: ``get_daq_device_inventory(interface_type,
number_of_devices=100)`` -> descriptors with ``product_name``/``unique_id``,
``DaqDevice(descriptor)`` with ``connect(connection_code=0)``,
``get_ai_device()``, ``disconnect()``, ``release()``; ``AiDevice.a_in_scan(
low_channel, high_channel, input_mode, analog_range, samples_per_channel, rate,
options, flags, data) -> actual rate``, ``get_scan_status() -> (ScanStatus,
TransferStatus)``, ``scan_stop()``; ``create_float_buffer(number_of_channels,
samples_per_channel)`` (a ctypes double array); ``ULException(error_code)``
with ``error_code`` a ``ULError``. The enums (``ULError``, ``Range``,
``ScanOption`` ...) are uldaq's own, loaded from its ``ul_enums.py``, so their
values cannot drift from the vendor's.

The board writes scan ``k`` of channel ``c`` as ``k * 16 + c`` into the
circular buffer, ``rate`` scans per second from ``a_in_scan``, whenever the
driver looks (``get_scan_status``), exactly like a DMA transfer seen at
polling times; ``k`` counts from the first scan, on across restarts.
``current_total_count`` counts values (all channels) of the running scan.
As libuldaq does, ``a_in_scan`` before ``connect()`` fails with
``ULError.DEV_NOT_CONNECTED``, and at ``overrun_at`` the device FIFO overruns:
the scan stops and ``get_scan_status`` raises ``ULError.OVERRUN``. Time is
``BOARD.clock`` (the host clock or a virtual one).
"""

from __future__ import annotations

import ctypes
import importlib.util
import sys
import time
import types
from pathlib import Path


def _vendor_enums() -> types.ModuleType:
    """uldaq's own ``ul_enums.py`` (pure Python), loaded without the package that needs libuldaq."""
    spec = importlib.util.find_spec("uldaq")
    path = Path(spec.submodule_search_locations[0]) / "ul_enums.py"
    file_spec = importlib.util.spec_from_file_location("_uldaq_ul_enums", path)
    module = importlib.util.module_from_spec(file_spec)
    file_spec.loader.exec_module(module)
    return module


_enums = _vendor_enums()
ULError, InterfaceType, AiInputMode, Range = _enums.ULError, _enums.InterfaceType, _enums.AiInputMode, _enums.Range
ScanOption, AInScanFlag, ScanStatus = _enums.ScanOption, _enums.AInScanFlag, _enums.ScanStatus


class ULException(Exception):
    def __init__(self, error_code):
        self.error_code = ULError(error_code)
        self.error_message = self.error_code.name.replace("_", " ").lower()

    def __str__(self):
        return str(self.error_code) + ": " + self.error_message


class TransferStatus:
    def __init__(self, scan, total, index):
        self.current_scan_count = scan
        self.current_total_count = total
        self.current_index = index


class DaqDeviceDescriptor:
    def __init__(self, product_name, unique_id):
        self.product_name = product_name
        self.unique_id = unique_id
        self.dev_interface = InterfaceType.USB


def create_float_buffer(number_of_channels, samples_per_channel):
    return (ctypes.c_double * (number_of_channels * samples_per_channel))()


class _Board:
    def __init__(self):
        self.devices = [DaqDeviceDescriptor("USB-1608GX", "01ABCDEF")]
        self.clock = time  # the host clock, or a tests.drivers.fakes.clock.VirtualClock
        self.unplug_after_s: float | None = None
        self.released = False
        self.unplug_at_status_call: int | None = None  # unplugged while the driver copies
        self.status_calls = 0
        self.overrun_at: float | None = None
        self.t_first: float | None = None  # clock time the hardware FIFO overruns (the scan stops)
        self.scans_started = 0


BOARD = _Board()


class AiDevice:
    def __init__(self, device=None):
        self._device = device
        self._running = False
        self._t0 = 0.0
        self._written = 0  # values written into the buffer so far

    def a_in_scan(self, low_channel, high_channel, input_mode, analog_range, samples_per_channel, rate,
                  options, flags, data):
        if not isinstance(input_mode, AiInputMode) or not isinstance(analog_range, Range):
            raise TypeError("input_mode/analog_range must be uldaq enums")
        if self._device is not None and not self._device._connected:
            raise ULException(ULError.DEV_NOT_CONNECTED)  # as libuldaq answers before connect()
        n_ch = high_channel - low_channel + 1
        if len(data) < n_ch * samples_per_channel:
            raise ULException(ULError.BAD_BUFFER_SIZE)
        self._n_ch, self._rate, self._data = n_ch, float(rate), data
        self._continuous = bool(options & ScanOption.CONTINUOUS)
        self._t0 = BOARD.clock.monotonic()
        if BOARD.t_first is None:
            BOARD.t_first = self._t0
        # scan numbers in the values count from the first scan (the board's clock runs on across restarts)
        self._k0 = int(round((self._t0 - BOARD.t_first) * float(rate)))
        self._written = 0
        self._running = True
        BOARD.scans_started += 1
        return float(rate)

    def _advance(self):
        self._advance_to(BOARD.clock.monotonic())

    def _advance_to(self, now):
        elapsed = now - self._t0
        if BOARD.unplug_after_s is not None and elapsed > BOARD.unplug_after_s:
            self._running = False
            raise ULException(ULError.DEV_NOT_CONNECTED)
        target = int(elapsed * self._rate) * self._n_ch
        size = len(self._data)
        for v in range(max(self._written, target - size), target):  # DMA into the ring, oldest overwritten
            scan, ch = divmod(v, self._n_ch)
            self._data[v % size] = (self._k0 + scan) * 16.0 + ch
        self._written = target

    def get_scan_status(self):
        BOARD.status_calls += 1
        if BOARD.unplug_at_status_call is not None and BOARD.status_calls >= BOARD.unplug_at_status_call:
            self._running = False
            raise ULException(ULError.DEV_NOT_CONNECTED)
        if self._running and BOARD.overrun_at is not None and BOARD.clock.monotonic() >= BOARD.overrun_at:
            self._advance_to(BOARD.overrun_at)
            BOARD.overrun_at = None
            self._running = False  # the device stops the scan; the status call reports why
            raise ULException(ULError.OVERRUN)
        if self._running:
            self._advance()
        scans = self._written // self._n_ch
        return (ScanStatus.RUNNING if self._running else ScanStatus.IDLE,
                TransferStatus(scans, self._written, (self._written - 1) % len(self._data)))

    def scan_stop(self):
        self._running = False


class DaqDevice:
    def __init__(self, daq_device_descriptor):
        self._desc = daq_device_descriptor
        self._connected = False
        self._ai = AiDevice(self)

    def connect(self, connection_code=0):
        self._connected = True

    def get_ai_device(self):
        return self._ai

    def disconnect(self):
        self._connected = False

    def release(self):
        BOARD.released = True


def get_daq_device_inventory(interface_type, number_of_devices=100):
    return list(BOARD.devices[:number_of_devices])


def install(monkeypatch, clock=None) -> _Board:
    global BOARD
    BOARD = _Board()
    if clock is not None:
        BOARD.clock = clock
    mod = types.ModuleType("uldaq")
    for name, value in dict(globals()).items():
        if not name.startswith("_") and name not in ("install", "BOARD", "sys", "types", "ctypes", "importlib", "time",
                                                     "Path"):
            setattr(mod, name, value)
    monkeypatch.setitem(sys.modules, "uldaq", mod)
    return BOARD

"""A fake of the ``uldaq`` package (1.2 API) with a virtual board on the host clock.

Follows uldaq's names and signatures: ``get_daq_device_inventory(interface_type,
number_of_devices=100)`` -> descriptors with ``product_name``/``unique_id``,
``DaqDevice(descriptor)`` with ``connect(connection_code=0)``,
``get_ai_device()``, ``disconnect()``, ``release()``; ``AiDevice.a_in_scan(
low_channel, high_channel, input_mode, analog_range, samples_per_channel, rate,
options, flags, data) -> actual rate``, ``get_scan_status() -> (ScanStatus,
TransferStatus)``, ``scan_stop()``; ``create_float_buffer(number_of_channels,
samples_per_channel)`` (a ctypes double array); ``ULException(error_code)``
with ``error_code`` a ``ULError``; the enums with uldaq's values.

The board writes scan ``k`` of channel ``c`` as ``k * 16 + c`` into the
circular buffer, ``rate`` scans per second from ``a_in_scan``, whenever the
driver looks (``get_scan_status``), exactly like a DMA transfer seen at
polling times. ``current_total_count`` counts values (all channels).
"""

from __future__ import annotations

import ctypes
import enum
import sys
import time
import types


class ULError(enum.IntEnum):
    NO_ERROR = 0
    DEV_NOT_FOUND = 6
    DEV_NOT_CONNECTED = 7
    DEAD_DEV = 8
    OVERRUN = 18


class InterfaceType(enum.IntEnum):
    USB = 1 << 0
    BLUETOOTH = 1 << 1
    ETHERNET = 1 << 2
    ANY = USB | BLUETOOTH | ETHERNET


class AiInputMode(enum.IntEnum):
    DIFFERENTIAL = 1
    SINGLE_ENDED = 2
    PSEUDO_DIFFERENTIAL = 3


class Range(enum.IntEnum):
    BIP10VOLTS = 5
    BIP5VOLTS = 6


class ScanOption(enum.IntEnum):
    DEFAULTIO = 0
    SINGLEIO = 1 << 0
    BLOCKIO = 1 << 1
    BURSTIO = 1 << 2
    CONTINUOUS = 1 << 3


class AInScanFlag(enum.IntEnum):
    DEFAULT = 0
    NOSCALEDATA = 1 << 0
    NOCALIBRATEDATA = 1 << 1


class ScanStatus(enum.IntEnum):
    IDLE = 0
    RUNNING = 1


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
        self.unplug_after_s: float | None = None
        self.released = False
        self.stall_copy = False


BOARD = _Board()


class AiDevice:
    def __init__(self):
        self._running = False
        self._t0 = 0.0
        self._written = 0  # values written into the buffer so far

    def a_in_scan(self, low_channel, high_channel, input_mode, analog_range, samples_per_channel, rate,
                  options, flags, data):
        if not isinstance(input_mode, AiInputMode) or not isinstance(analog_range, Range):
            raise TypeError("input_mode/analog_range must be uldaq enums")
        n_ch = high_channel - low_channel + 1
        if len(data) < n_ch * samples_per_channel:
            raise ULException(9)  # BAD_BUFFER_SIZE
        self._n_ch, self._rate, self._data = n_ch, float(rate), data
        self._continuous = bool(options & ScanOption.CONTINUOUS)
        self._t0 = time.monotonic()
        self._written = 0
        self._running = True
        return float(rate)

    def _advance(self):
        elapsed = time.monotonic() - self._t0
        if BOARD.unplug_after_s is not None and elapsed > BOARD.unplug_after_s:
            self._running = False
            raise ULException(ULError.DEV_NOT_CONNECTED)
        target = int(elapsed * self._rate) * self._n_ch
        size = len(self._data)
        for v in range(max(self._written, target - size), target):  # DMA into the ring, oldest overwritten
            scan, ch = divmod(v, self._n_ch)
            self._data[v % size] = scan * 16.0 + ch
        self._written = target

    def get_scan_status(self):
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
        self._ai = AiDevice()

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


def install(monkeypatch) -> _Board:
    global BOARD
    BOARD = _Board()
    mod = types.ModuleType("uldaq")
    for name, value in dict(globals()).items():
        if not name.startswith("_") and name not in ("install", "BOARD", "sys", "types", "ctypes", "enum", "time"):
            setattr(mod, name, value)
    monkeypatch.setitem(sys.modules, "uldaq", mod)
    return BOARD

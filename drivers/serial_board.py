"""Serial (UART/USB-CDC) acquisition boards speaking the emgforce frame format.

Frame format (one frame = one sample of every channel, little-endian)::

    offset   size   field
    0        2      sync bytes 0xA5 0x5A
    2        2      sequence counter, uint16, +1 per frame, wraps 65535 -> 0
    4        2*n    samples, int16 ADC counts, channel order as configured
    4+2n     2      CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection,
                    no final xor) over bytes 2 .. 4+2n (counter + samples)

Like BITalino's frames, the counter reveals lost frames and the checksum
reveals corrupted ones. The reader looks for the sync bytes, checks the CRC,
and on a mismatch counts a corrupt frame and resynchronises from the next
byte; the sequence counter is unwrapped to a 64-bit sample index, so every
lost or corrupt frame becomes an exact gap (``Block.missing``). Losing 65536
frames or more in one go cannot be told from the counter; the board must not
be starved that long.

Physical value: ``volts = counts * volts_per_count``, stored as the channel
``conversion``. The board may need a start/stop command; pass the bytes.
"""

from __future__ import annotations

__all__ = ["COUNTER_BITS", "SYNC", "FrameParser", "SerialBoardDevice", "crc16", "encode_frame", "frame_size"]

import binascii
import struct
import time
from typing import Any, Sequence

import numpy as np

from emgforce.drivers._util import (
    DEFAULT_EMG_CHANNELS,
    CounterUnwrapper,
    call_quietly,
    channel_info,
    import_vendor,
    runtime_available,
)
from emgforce.streams import Block, DeviceInfo, StreamInfo
from emgforce.drivers.base import Device
from emgforce.errors import DeviceDisconnectedError, DeviceError

SYNC = b"\xa5\x5a"
COUNTER_BITS = 16
_INSTALL = "pyserial (pip install 'emgforce[serial]')"


def _pyserial() -> Any:
    return import_vendor("serial", what="pyserial", install=_INSTALL)


def frame_size(n_channels: int) -> int:
    """Bytes per frame for ``n_channels`` channels."""
    return 2 + 2 + 2 * n_channels + 2


def crc16(payload: bytes) -> int:
    """CRC-16/CCITT-FALSE of ``payload`` (the frame checksum)."""
    return binascii.crc_hqx(payload, 0xFFFF)


def encode_frame(seq: int, counts: Sequence[int] | np.ndarray) -> bytes:
    """Build one frame (what the board firmware sends); used by emulators and tests."""
    body = struct.pack("<H", seq % (1 << COUNTER_BITS)) + np.asarray(counts, dtype="<i2").tobytes()
    return SYNC + body + struct.pack("<H", crc16(body))


class FrameParser:
    """Incremental parser of the byte stream into ``(index, missing, counts)`` runs.

    Parameters
    ----------
    n_channels : int
        Channels per frame.
    """

    def __init__(self, n_channels: int) -> None:
        self.n_channels = int(n_channels)
        self.frame_len = frame_size(self.n_channels)
        self._buf = bytearray()
        self._counter = CounterUnwrapper(COUNTER_BITS)
        self.corrupt_frames = 0
        self.skipped_bytes = 0
        self.duplicate_frames = 0
        self.frames = 0

    def feed(self, data: bytes) -> list[tuple[int, int, np.ndarray]]:
        """Parse new bytes; return contiguous runs ``(first_index, missing_before, counts)``.

        ``counts`` has shape (n_frames, n_channels), int16.
        """
        buf = self._buf
        buf += data
        good: list[bytes] = []
        n = self.frame_len
        pos = 0
        while True:
            i = buf.find(SYNC, pos)
            if i < 0:
                keep = len(buf) - 1 if buf.endswith(SYNC[:1]) else len(buf)
                self.skipped_bytes += max(0, keep - pos)
                pos = max(pos, keep)
                break
            self.skipped_bytes += i - pos
            pos = i
            if len(buf) - pos < n:
                break
            body = bytes(buf[pos + 2 : pos + n - 2])
            (crc,) = struct.unpack_from("<H", buf, pos + n - 2)
            if crc16(body) == crc:
                good.append(body)
                pos += n
            else:
                self.corrupt_frames += 1
                pos += 1  # resynchronise on the next sync pattern
        del buf[:pos]
        return self._runs(good)

    def _runs(self, bodies: list[bytes]) -> list[tuple[int, int, np.ndarray]]:
        if not bodies:
            return []
        raw = np.frombuffer(b"".join(bodies), dtype=np.uint8).reshape(len(bodies), -1)
        seqs = raw[:, :2].copy().view("<u2")[:, 0]
        counts = raw[:, 2:].copy().view("<i2")
        runs: list[tuple[int, int, np.ndarray]] = []
        start_row, start_index, start_missing = 0, None, 0
        keep = np.ones(len(bodies), dtype=bool)
        prev_index = None
        for row, seq in enumerate(seqs.tolist()):
            index, missing = self._counter.update(seq)
            if missing < 0:
                keep[row] = False
                self.duplicate_frames += 1
                continue
            if start_index is None:
                start_row, start_index, start_missing = row, index, missing
            elif missing > 0:
                runs.append((start_index, start_missing, counts[start_row:row][keep[start_row:row]]))
                start_row, start_index, start_missing = row, index, missing
            prev_index = index
        if start_index is not None and prev_index is not None:
            runs.append((start_index, start_missing, counts[start_row:][keep[start_row:]]))
        self.frames += int(keep.sum())
        return runs


class SerialBoardDevice(Device):
    """A board streaming the frame format above over a serial port.

    Parameters
    ----------
    port : str
        Serial port (``/dev/ttyACM0``, ``COM3``, a pseudo-terminal, ...).
    fs_hz : float
        Frame (sample) rate of the board.
    channels : sequence of str
        Channel names in frame order; canonical EMG names get muscle and side.
    baudrate : int
        Serial speed (ignored by USB-CDC devices and pseudo-terminals).
    volts_per_count : float
        ADC scale, stored as each channel's ``conversion``.
    start_command, stop_command : bytes or None
        Written to the board at :meth:`start` / :meth:`stop`.
    stream : str
        Name of the stream.
    """

    name = "serial"

    def __init__(
        self,
        port: str,
        *,
        fs_hz: float = 1000.0,
        channels: Sequence[str] = DEFAULT_EMG_CHANNELS,
        baudrate: int = 921600,
        volts_per_count: float = 2.5 / 32768 / 1000.0,
        start_command: bytes | None = None,
        stop_command: bytes | None = None,
        stream: str = "emg",
    ) -> None:
        if fs_hz <= 0:
            raise ValueError(f"fs_hz must be positive, got {fs_hz}")
        if not channels:
            raise ValueError("a serial board needs at least one channel")
        self.port = port
        self.fs_hz = float(fs_hz)
        self.channel_names = tuple(channels)
        self.baudrate = int(baudrate)
        self.volts_per_count = float(volts_per_count)
        self.start_command = start_command
        self.stop_command = stop_command
        self.stream = stream
        self.parser = FrameParser(len(self.channel_names))
        self._serial: Any = None
        self._running = False

    @classmethod
    def available(cls) -> tuple[bool, str]:
        return runtime_available(_pyserial)

    def describe(self) -> DeviceInfo:
        chans = [channel_info(name, conversion=self.volts_per_count) for name in self.channel_names]
        return DeviceInfo(
            name=self.name,
            streams=(StreamInfo(self.stream, self.fs_hz, tuple(chans), dtype="int16"),),
            extra={"port": self.port, "frame_format": "emgforce-serial-v1"},
        )

    def open(self) -> None:
        if self._serial is not None:
            return
        serial = _pyserial()
        try:
            self._serial = serial.Serial(self.port, self.baudrate, timeout=0.1)
        except serial.SerialException as exc:
            raise DeviceError(f"cannot open serial port {self.port!r}: {exc}; check the port name and permissions") from exc

    def start(self) -> None:
        if self._serial is None:
            raise DeviceError("open() the serial board before start()")
        self._serial.reset_input_buffer()
        if self.start_command:
            self._serial.write(self.start_command)
        self._running = True

    def read(self, max_samples: int | None = None, timeout: float | None = None) -> list[Block]:
        import serial

        ser = self._serial
        if ser is None or not self._running:
            raise DeviceError("start() the serial board before read()")
        try:
            wanted_timeout = 0.1 if timeout is None else timeout
            if ser.timeout != wanted_timeout:  # setting it reconfigures the port: only on change
                ser.timeout = wanted_timeout
            waiting = ser.in_waiting
            want = waiting if waiting else self.parser.frame_len
            if max_samples is not None:
                want = min(want, max(1, max_samples) * self.parser.frame_len)
            data = ser.read(max(1, want))
        except (serial.SerialException, OSError) as exc:
            raise DeviceDisconnectedError(f"serial port {self.port} failed: {exc}") from exc
        now = time.monotonic()
        return [
            Block(self.stream, counts, first_index=index, host_time=now, missing=missing)
            for index, missing, counts in self.parser.feed(data)
        ]

    def stop(self) -> None:
        if self._running and self._serial is not None and self.stop_command:
            call_quietly(self._serial.write, self.stop_command)
        self._running = False

    def close(self) -> None:
        if self._serial is not None:
            self._serial.close()
            self._serial = None

    def session_attrs(self) -> dict[str, Any]:
        p = self.parser
        return {"serial_frames": p.frames, "serial_corrupt_frames": p.corrupt_frames,
                "serial_skipped_bytes": p.skipped_bytes, "serial_duplicate_frames": p.duplicate_frames}

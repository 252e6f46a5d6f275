"""Delsys Trigno over the Trigno SDK TCP protocol (Trigno Control Utility as server).

Protocol (Trigno SDK user guide): the server accepts a *command* connection
(default port 50040) and greets it with a version line; commands are ASCII
lines terminated by ``<CR><LF><CR><LF>`` and answered the same way
(``START`` -> ``OK``, ``STOP`` -> ``OK``). The *EMG data* port (50043 in
SDK 3.x, 50041 on legacy servers; configurable) carries a continuous stream of
little-endian IEEE float32 values in volts, 16 sensors interleaved per sample;
bytes are processed in multiples of ``16 * 4``. The data port has no sample
counter, so lost samples cannot be detected here; TCP itself does not lose
them. ``fs_hz`` must match the server's EMG rate (e.g. 2000 Hz with upsampling
on, 1925.926 Hz natively).
"""

from __future__ import annotations

__all__ = ["FRAME_BYTES", "N_SENSORS", "TERMINATOR", "TrignoDevice"]

import logging
import select
import socket
import time
from typing import Sequence

import numpy as np

from emgforce.drivers._util import DEFAULT_EMG_CHANNELS, channel_info
from emgforce.streams import Block, DeviceInfo, StreamInfo
from emgforce.drivers.base import Device
from emgforce.errors import DeviceDisconnectedError, DeviceError

log = logging.getLogger(__name__)

TERMINATOR = b"\r\n\r\n"
N_SENSORS = 16
FRAME_BYTES = N_SENSORS * 4


class TrignoDevice(Device):
    """EMG of selected Trigno sensors.

    Parameters
    ----------
    host : str
        Address of the machine running the Trigno Control Utility.
    command_port, emg_port : int
        TCP ports of the command and EMG data channels.
    sensors : sequence of int
        Sensor numbers (1..16) to record, in channel order.
    channels : sequence of str
        Channel names, one per sensor; canonical EMG names get muscle and side.
    fs_hz : float
        EMG sample rate configured on the server.
    timeout_s : float
        Connection and command-reply timeout.
    """

    name = "trigno"

    def __init__(
        self,
        host: str = "127.0.0.1",
        *,
        command_port: int = 50040,
        emg_port: int = 50043,
        sensors: Sequence[int] = (1, 2, 3, 4, 5, 6),
        channels: Sequence[str] = DEFAULT_EMG_CHANNELS,
        fs_hz: float = 2000.0,
        timeout_s: float = 5.0,
    ) -> None:
        sensors = tuple(int(s) for s in sensors)
        if not sensors or any(not 1 <= s <= N_SENSORS for s in sensors):
            raise ValueError(f"sensors must be numbers 1..{N_SENSORS}, got {sensors}")
        if len(channels) != len(sensors):
            raise ValueError(f"give one channel name per sensor: {len(sensors)} sensors, {len(channels)} names")
        if fs_hz <= 0:
            raise ValueError(f"fs_hz must be positive, got {fs_hz}")
        self.host = host
        self.command_port = int(command_port)
        self.emg_port = int(emg_port)
        self.sensors = sensors
        self.channel_names = tuple(channels)
        self.fs_hz = float(fs_hz)
        self.timeout_s = float(timeout_s)
        self.server_version = ""
        self._cmd: socket.socket | None = None
        self._data: socket.socket | None = None
        self._buf = bytearray()
        self._next_index = 0
        self._cols = np.array(sensors) - 1

    def describe(self) -> DeviceInfo:
        chans = [channel_info(name, kind="emg") for name in self.channel_names]  # every Trigno sensor is EMG
        return DeviceInfo(self.name, (StreamInfo("emg", self.fs_hz, tuple(chans), dtype="float32"),),
                          extra={"host": self.host, "sensors": list(self.sensors), "server": self.server_version})

    def _connect(self, port: int) -> socket.socket:
        try:
            return socket.create_connection((self.host, port), timeout=self.timeout_s)
        except OSError as exc:
            raise DeviceError(
                f"cannot connect to the Trigno server at {self.host}:{port} ({exc}); "
                "is the Trigno Control Utility running and are the ports right?"
            ) from exc

    def _reply(self) -> str:
        assert self._cmd is not None
        data = b""
        deadline = time.monotonic() + self.timeout_s
        while TERMINATOR not in data:
            if time.monotonic() > deadline:
                raise DeviceError(f"the Trigno server did not answer within {self.timeout_s:g} s")
            try:
                chunk = self._cmd.recv(1024)
            except socket.timeout:
                continue
            if not chunk:
                raise DeviceDisconnectedError("the Trigno server closed the command connection")
            data += chunk
        return data.split(TERMINATOR, 1)[0].decode("ascii", "replace").strip()

    def command(self, text: str) -> str:
        """Send one SDK command and return the server's reply."""
        if self._cmd is None:
            raise DeviceError("open() the Trigno device before sending commands")
        self._cmd.sendall(text.encode("ascii") + TERMINATOR)
        return self._reply()

    def open(self) -> None:
        if self._cmd is not None:
            return
        self._cmd = self._connect(self.command_port)
        try:
            self.server_version = self._reply()
            self._data = self._connect(self.emg_port)
        except BaseException:
            self.close()
            raise
        log.info("connected to %s", self.server_version)

    def start(self) -> None:
        reply = self.command("START")
        if reply != "OK":
            raise DeviceError(f"the Trigno server refused START: {reply!r}")
        self._next_index = 0
        self._buf.clear()

    def read(self, max_samples: int | None = None, timeout: float | None = None) -> list[Block]:
        sock = self._data
        if sock is None:
            raise DeviceError("open() and start() the Trigno device before read()")
        ready, _, _ = select.select([sock], [], [], 0.1 if timeout is None else timeout)
        if ready:
            try:
                chunk = sock.recv(1 << 16)
            except OSError as exc:
                raise DeviceDisconnectedError(f"Trigno data connection failed: {exc}") from exc
            if not chunk:
                raise DeviceDisconnectedError("the Trigno server closed the EMG data connection")
            self._buf += chunk
        n = len(self._buf) // FRAME_BYTES
        if max_samples is not None:
            n = min(n, max_samples)
        if n == 0:
            return []
        frames = np.frombuffer(bytes(self._buf[: n * FRAME_BYTES]), dtype="<f4").reshape(n, N_SENSORS)
        del self._buf[: n * FRAME_BYTES]
        block = Block("emg", frames[:, self._cols].astype(np.float32), self._next_index, host_time=time.monotonic())
        self._next_index += n
        return [block]

    def stop(self) -> None:
        if self._cmd is None:
            return
        try:
            reply = self.command("STOP")
            if reply != "OK":
                log.warning("Trigno server answered %r to STOP", reply)
        except (OSError, DeviceError) as exc:
            log.debug("STOP not acknowledged: %s", exc)

    def close(self) -> None:
        for sock in (self._data, self._cmd):
            if sock is not None:
                sock.close()
        self._data = self._cmd = None

"""Delsys Trigno over the Trigno SDK TCP protocol (Trigno Control Utility as server).

Protocol (Trigno SDK user guide): the server accepts a *command* connection
(default port 50040) and greets it with a version line; commands are ASCII
lines terminated by ``<CR><LF><CR><LF>`` and answered the same way
(``START`` -> ``OK``, ``STOP`` -> ``OK``). The *EMG data* port (50043 in
SDK 3.x, 50041 on legacy servers; configurable) carries a continuous stream of
little-endian IEEE float32 values in volts, 16 sensors interleaved per sample;
bytes are processed in multiples of ``16 * 4``. ``fs_hz`` must match the
server's EMG rate (e.g. 2000 Hz with upsampling on, 1925.926 Hz natively).

The *AUX data* port (50044 in SDK 3.x, 50042 on legacy servers) carries the
sensors' inertial data the same way, ``aux_values`` float32 per sensor (9:
accelerometer x/y/z in g, gyroscope in deg/s, magnetometer in uT on SDK 3.x;
3, the accelerometer, on legacy servers) at ``aux_fs_hz`` (148.148 Hz); with
``aux=True`` it becomes the ``acc`` stream, one ``<channel>.acc_x`` ... per
selected sensor.

Losses: the data ports carry no sample counter and TCP loses nothing, but the
server can drop samples (e.g. radio dropouts it does not fill). The samples
are time-stamped on arrival (the last of each read at the arrival time, the
others back by ``1 / fs``) and :class:`~emgforce.drivers._gaps.GapJudge`
counts a loss only when they stay ahead of the clock line (delivery jitter
adds nothing); losses are recorded as gaps and counted
(``trigno_lost_samples``). A wrong ``fs_hz`` shows as repeated losses.
:meth:`TrignoDevice.read` waits at most ``timeout`` (``select``), so a server
that stops sending but keeps its sockets open cannot hang it.
"""

from __future__ import annotations

__all__ = ["FRAME_BYTES", "N_SENSORS", "TERMINATOR", "TrignoDevice"]

import logging
import select
import socket
import time
from typing import Any, Sequence

import numpy as np

from emgforce.drivers._gaps import GapJudge
from emgforce.drivers._util import DEFAULT_EMG_CHANNELS, channel_info
from emgforce.streams import Block, ChannelInfo, DeviceInfo, StreamInfo
from emgforce.drivers.base import Device
from emgforce.errors import DeviceDisconnectedError, DeviceError

log = logging.getLogger(__name__)

TERMINATOR = b"\r\n\r\n"
N_SENSORS = 16
FRAME_BYTES = N_SENSORS * 4
#: names of the AUX values of one sensor, in the order the SDK sends them
AUX_NAMES = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z", "mag_x", "mag_y", "mag_z")
_AUX_UNITS = ("g", "g", "g", "deg/s", "deg/s", "deg/s", "uT", "uT", "uT")


class _DataPort:
    """One data connection: bytes -> whole frames of the selected sensors, indexed by a GapJudge."""

    def __init__(self, sock: socket.socket, stream: str, per_sensor: int, cols: np.ndarray, fs_hz: float,
                 tolerance_s: float, confirm_s: float) -> None:
        self.sock, self.stream, self.fs = sock, stream, fs_hz
        self.frame_bytes = N_SENSORS * per_sensor * 4
        self.values = N_SENSORS * per_sensor
        self.cols = cols
        self.buf = bytearray()
        self.judge = GapJudge(fs_hz, tolerance_s=tolerance_s, confirm_s=confirm_s)

    def receive(self) -> None:
        try:
            chunk = self.sock.recv(1 << 16)
        except OSError as exc:
            raise DeviceDisconnectedError(f"Trigno {self.stream} data connection failed: {exc}") from exc
        if not chunk:
            raise DeviceDisconnectedError(f"the Trigno server closed the {self.stream} data connection")
        self.buf += chunk

    def blocks(self, max_samples: int | None, now: float) -> list[Block]:
        n = len(self.buf) // self.frame_bytes
        if max_samples is not None:
            n = min(n, max(1, int(max_samples)))
        frames = np.frombuffer(bytes(self.buf[: n * self.frame_bytes]), dtype="<f4").reshape(n, self.values)
        del self.buf[: n * self.frame_bytes]
        # arrival stamps: the last whole frame now, the others back at the nominal rate
        stamps = now - (n - 1 - np.arange(n)) / self.fs
        return [Block(self.stream, seg.data, seg.first_index, host_time=now, missing=seg.missing)
                for seg in self.judge.push(frames[:, self.cols].astype(np.float32), stamps)]


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
    aux : bool
        Also record the AUX port (accelerometers ...) as the ``acc`` stream.
    aux_port : int
        TCP port of the AUX data.
    aux_values : int
        Float32 values per sensor on the AUX port (9 on SDK 3.x, 3 on legacy servers).
    aux_fs_hz : float
        AUX sample rate configured on the server.
    loss_tolerance_s, confirm_s : float
        Jitter tolerated at once, and how long a larger excess must last to
        count as lost samples (see :class:`~emgforce.drivers._gaps.GapJudge`).
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
        aux: bool = False,
        aux_port: int = 50044,
        aux_values: int = 9,
        aux_fs_hz: float = 148.148,
        loss_tolerance_s: float = 0.02,
        confirm_s: float = 0.25,
    ) -> None:
        sensors = tuple(int(s) for s in sensors)
        if not sensors or any(not 1 <= s <= N_SENSORS for s in sensors):
            raise ValueError(f"sensors must be numbers 1..{N_SENSORS}, got {sensors}")
        if len(channels) != len(sensors):
            raise ValueError(f"give one channel name per sensor: {len(sensors)} sensors, {len(channels)} names")
        if fs_hz <= 0 or aux_fs_hz <= 0:
            raise ValueError(f"fs_hz and aux_fs_hz must be positive, got {fs_hz}, {aux_fs_hz}")
        if not 1 <= aux_values <= len(AUX_NAMES):
            raise ValueError(f"aux_values must be 1..{len(AUX_NAMES)}, got {aux_values}")
        self.host = host
        self.command_port = int(command_port)
        self.emg_port = int(emg_port)
        self.sensors = sensors
        self.channel_names = tuple(channels)
        self.fs_hz = float(fs_hz)
        self.timeout_s = float(timeout_s)
        self.server_version = ""
        self.aux = bool(aux)
        self.aux_port = int(aux_port)
        self.aux_values = int(aux_values)
        self.aux_fs_hz = float(aux_fs_hz)
        self.loss_tolerance_s = float(loss_tolerance_s)
        self.confirm_s = float(confirm_s)
        self._cmd: socket.socket | None = None
        self._ports: list[_DataPort] = []
        self._lost: dict[str, int] = {}

    def describe(self) -> DeviceInfo:
        chans = [channel_info(name, kind="emg") for name in self.channel_names]  # every Trigno sensor is EMG
        streams = [StreamInfo("emg", self.fs_hz, tuple(chans), dtype="float32")]
        if self.aux:
            aux = [ChannelInfo(f"{name}.{q}", kind="aux", unit=u) for name in self.channel_names
                   for q, u in zip(AUX_NAMES[: self.aux_values], _AUX_UNITS)]
            streams.append(StreamInfo("acc", self.aux_fs_hz, tuple(aux), dtype="float32"))
        return DeviceInfo(self.name, tuple(streams),
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
            sensors = np.array(self.sensors) - 1
            self._ports = [_DataPort(self._connect(self.emg_port), "emg", 1, sensors, self.fs_hz,
                                     self.loss_tolerance_s, self.confirm_s)]
            if self.aux:
                cols = (sensors[:, None] * self.aux_values + np.arange(self.aux_values)[None, :]).ravel()
                self._ports.append(_DataPort(self._connect(self.aux_port), "acc", self.aux_values, cols,
                                             self.aux_fs_hz, self.loss_tolerance_s, self.confirm_s))
        except BaseException:
            self.close()
            raise
        log.info("connected to %s", self.server_version)

    def start(self) -> None:
        reply = self.command("START")
        if reply != "OK":
            raise DeviceError(f"the Trigno server refused START: {reply!r}")
        for port in self._ports:
            port.buf.clear()
            port.judge = GapJudge(port.fs, tolerance_s=self.loss_tolerance_s, confirm_s=self.confirm_s)

    def read(self, max_samples: int | None = None, timeout: float | None = None) -> list[Block]:
        if not self._ports:
            raise DeviceError("open() and start() the Trigno device before read()")
        socks = {p.sock: p for p in self._ports}
        ready, _, _ = select.select(list(socks), [], [], 0.1 if timeout is None else max(0.0, timeout))
        now = time.monotonic()
        for sock in ready:
            socks[sock].receive()
        blocks = []
        for port in self._ports:
            got = port.blocks(max_samples, now)
            lost = sum(b.missing for b in got)
            if lost:
                log.warning("Trigno %s: %d samples lost (the server sent fewer than its rate)", port.stream, lost)
            blocks += got
        return blocks

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
        for port in self._ports:
            self._lost[port.stream] = port.judge.lost
            port.sock.close()
        if self._cmd is not None:
            self._cmd.close()
        self._ports = []
        self._cmd = None

    @property
    def lost_samples(self) -> dict[str, int]:
        """Samples counted as lost, per stream."""
        return {**self._lost, **{p.stream: p.judge.lost for p in self._ports}}

    def session_attrs(self) -> dict[str, Any]:
        return {"trigno_lost_samples": self.lost_samples}

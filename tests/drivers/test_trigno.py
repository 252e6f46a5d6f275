"""Trigno driver against a loopback server speaking the Trigno SDK protocol."""

from __future__ import annotations

import socket
import threading
import time

import numpy as np
import pytest

from emgforce.drivers.trigno import TrignoDevice
from emgforce.errors import DeviceDisconnectedError, DeviceError
from tests.drivers._reading import read_samples

CRLF2 = b"\r\n\r\n"


class FakeTrignoServer:
    """Command port: greeting, START/STOP -> OK. EMG port: float32 x 16 per sample, little-endian.

    Sample ``i`` of sensor ``k`` (0-based) is ``(i * 16 + k) * 1e-6`` V, exact in float32
    for the sample counts used here.
    """

    def __init__(self, n_samples: int, chunk: int = 37, close_after: int | None = None):
        self.n_samples = n_samples
        self.chunk = chunk
        self.close_after = close_after
        self.commands: list[str] = []
        self.cmd_srv = socket.create_server(("127.0.0.1", 0))
        self.emg_srv = socket.create_server(("127.0.0.1", 0))
        self.cmd_port = self.cmd_srv.getsockname()[1]
        self.emg_port = self.emg_srv.getsockname()[1]
        self.started = threading.Event()
        self.threads = [threading.Thread(target=self._commands, daemon=True),
                        threading.Thread(target=self._emg, daemon=True)]
        for t in self.threads:
            t.start()

    def _commands(self):
        conn, _ = self.cmd_srv.accept()
        with conn:
            conn.sendall(b"Delsys Trigno System Digital Protocol Version 3.6.0" + CRLF2)
            buf = b""
            while True:
                data = conn.recv(1024)
                if not data:
                    return
                buf += data
                while CRLF2 in buf:
                    line, buf = buf.split(CRLF2, 1)
                    cmd = line.decode().strip()
                    self.commands.append(cmd)
                    if cmd == "START":
                        self.started.set()
                        conn.sendall(b"OK" + CRLF2)
                    elif cmd == "STOP":
                        conn.sendall(b"OK" + CRLF2)
                    else:
                        conn.sendall(b"INVALID COMMAND" + CRLF2)

    def _emg(self):
        conn, _ = self.emg_srv.accept()
        with conn:
            self.started.wait(10)
            values = (np.arange(self.n_samples)[:, None] * 16 + np.arange(16)[None, :]) * 1e-6
            payload = values.astype("<f4").tobytes()
            limit = len(payload) if self.close_after is None else self.close_after * 64
            # odd-sized writes: frames split across TCP segments
            for k in range(0, limit, self.chunk * 7 + 3):
                conn.sendall(payload[k : min(k + self.chunk * 7 + 3, limit)])
                time.sleep(0.0005)
            if self.close_after is None:
                time.sleep(1.0)

    def close(self):
        self.cmd_srv.close()
        self.emg_srv.close()


def test_trigno_streams_selected_sensors_exactly():
    srv = FakeTrignoServer(4000)
    dev = TrignoDevice(command_port=srv.cmd_port, emg_port=srv.emg_port, sensors=(1, 2, 9, 16),
                       channels=("GM_L", "GM_R", "x9", "x16"))
    with dev:
        dev.start()
        blocks = read_samples(dev, 4000, read_timeout=0.05)
    srv.close()
    assert dev.server_version.startswith("Delsys Trigno")
    assert srv.commands == ["START", "STOP"]
    data = np.concatenate([b.data for b in blocks])
    assert data.shape == (4000, 4) and data.dtype == np.float32
    expect = ((np.arange(4000)[:, None] * 16 + np.array([0, 1, 8, 15])[None, :]) * 1e-6).astype(np.float32)
    np.testing.assert_array_equal(data, expect)
    assert [b.first_index for b in blocks] == list(np.cumsum([0] + [b.n_samples for b in blocks[:-1]]))
    ch = dev.describe().streams[0].channels
    assert ch[0].muscle == "gluteus_medius" and ch[1].side == "right" and ch[2].muscle is None


def test_trigno_data_connection_drop_is_a_disconnect():
    srv = FakeTrignoServer(4000, close_after=1000)
    dev = TrignoDevice(command_port=srv.cmd_port, emg_port=srv.emg_port, sensors=(1,), channels=("GM_L",))
    dev.open()
    dev.start()
    got = 0
    with pytest.raises(DeviceDisconnectedError):
        for _ in range(1000):
            got += sum(b.n_samples for b in dev.read(timeout=0.05))
    assert got == 1000  # everything sent before the drop was delivered
    dev.close()
    srv.close()


def test_trigno_no_server_says_what_to_do():
    s = socket.create_server(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(DeviceError, match="Trigno Control Utility running"):
        TrignoDevice(command_port=port, emg_port=port, timeout_s=1).open()

"""A deterministic device for the live-display tests: closed-form EMG and COP.

EMG channel ``c`` is ``A_c(t) sin(2 pi f_c t)`` with carriers inside the
20-450 Hz band, so after rectification and smoothing the envelope of a
constant amplitude is ``(2/pi) A |H_bp(f_c)|`` and the %MVC of amplitude ``A``
against an MVC of amplitude ``A_mvc`` is ``100 A / A_mvc`` exactly (the filter
gain cancels). The force plate carries a constant load whose COP runs round a
circle of radius ``r`` at ``f_cop`` Hz: path velocity ``2 pi r f_cop``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pytest

from emgforce.streams import Block, ChannelInfo, DeviceInfo, StreamInfo
from emgforce.drivers.base import Device
from emgforce.naming import parse_emg_channel_name

EMG_NAMES = ("GM_L", "GM_R", "TFL_L", "TFL_R")
CARRIER_HZ = (80.0, 110.0, 140.0, 170.0)


def plate_dict() -> dict:
    """A level 0.6 m x 0.4 m plate, axes = lab axes, channels hold the ground reaction."""
    from emgforce.forceplate import Plate

    return Plate.level("AMTI6", (0.6, 0.4), z_down=False, sign_convention="reaction",
                       origin_m=(0.0, 0.0, -0.04)).to_dict()


class ScriptedDevice(Device):
    """Sine EMG with amplitude ``amplitude_v(t) -> (n, c)`` and a circling COP.

    ``realtime=False`` returns one ``block_s`` block per stream and call;
    ``realtime=True`` paces the samples on ``time.monotonic()`` from
    :meth:`start` (``t0``), as hardware does: sample ``i`` exists from
    ``t0 + (i + 1) / fs``.
    """

    name = "scripted"

    def __init__(
        self,
        amplitude_v: Callable[[np.ndarray], np.ndarray],
        *,
        emg_names: tuple[str, ...] = EMG_NAMES,
        carriers_hz: tuple[float, ...] = CARRIER_HZ,
        emg_fs_hz: float = 2000.0,
        force_fs_hz: float = 1000.0,
        block_s: float = 0.02,
        realtime: bool = False,
        cop_centre_m: tuple[float, float] = (0.05, -0.02),
        cop_radius_m: float = 0.01,
        cop_hz: float = 0.5,
        fz_n: float = 700.0,
        with_force: bool = True,
    ) -> None:
        self.amplitude_v = amplitude_v
        self.carriers_hz = np.asarray(carriers_hz, float)
        channels = []
        for name in emg_names:
            parsed = parse_emg_channel_name(name)
            muscle, side = parsed if parsed else (None, None)
            channels.append(ChannelInfo(name, kind="emg", unit="V", muscle=muscle, side=side))
        streams = [StreamInfo("emg", emg_fs_hz, tuple(channels))]
        if with_force:
            force_channels = tuple(
                ChannelInfo(n, kind="force" if n.startswith("F") else "moment", unit="N" if n.startswith("F") else "N*m")
                for n in ("Fx", "Fy", "Fz", "Mx", "My", "Mz")
            )
            streams.append(StreamInfo("force", force_fs_hz, force_channels, plate=plate_dict()))
        self.info = DeviceInfo("scripted", tuple(streams))
        self.block_s = block_s
        self.realtime = realtime
        self.cop_centre_m = np.asarray(cop_centre_m, float)
        self.cop_radius_m = cop_radius_m
        self.cop_hz = cop_hz
        self.fz_n = fz_n
        self.t0: float | None = None
        self.sent = {s.name: 0 for s in streams}
        self.opened = False

    def describe(self) -> DeviceInfo:
        return self.info

    def open(self) -> None:
        self.opened = True

    def start(self) -> None:
        self.t0 = time.monotonic()

    def stop(self) -> None:
        pass

    def close(self) -> None:
        self.opened = False

    def cop_m(self, t: np.ndarray) -> np.ndarray:
        phase = 2 * np.pi * self.cop_hz * t
        return self.cop_centre_m + self.cop_radius_m * np.stack([np.cos(phase), np.sin(phase)], axis=1)

    def _emg(self, i0: int, n: int, fs: float) -> np.ndarray:
        t = (i0 + np.arange(n)) / fs
        return self.amplitude_v(t) * np.sin(2 * np.pi * t[:, None] * self.carriers_hz)

    def _force(self, i0: int, n: int, fs: float) -> np.ndarray:
        t = (i0 + np.arange(n)) / fs
        cop = self.cop_m(t)
        fz = np.full(n, self.fz_n)
        # plate axes = lab axes, surface centre at the lab origin, no shear:
        # x = -My / Fz and y = Mx / Fz about an origin 40 mm below the surface
        out = np.zeros((n, 6))
        out[:, 2] = fz
        out[:, 3] = cop[:, 1] * fz
        out[:, 4] = -cop[:, 0] * fz
        return out

    def read(self, max_samples=None, timeout=None) -> list[Block]:
        if self.t0 is None:
            raise RuntimeError("start() first")
        if self.realtime:
            deadline = time.monotonic() + (timeout or 0.0)
            while True:
                now = time.monotonic()
                due = {s.name: int((now - self.t0) * s.fs_hz) for s in self.info.streams}
                if any(due[k] - self.sent[k] >= int(self.block_s * s.fs_hz) for k, s in
                       ((s.name, s) for s in self.info.streams)) or now >= deadline:
                    break
                time.sleep(0.001)
        blocks = []
        for s in self.info.streams:
            if self.realtime:
                n = due[s.name] - self.sent[s.name]
            else:
                n = int(round(self.block_s * s.fs_hz))
            if n <= 0:
                continue
            i0 = self.sent[s.name]
            data = self._emg(i0, n, s.fs_hz) if s.name == "emg" else self._force(i0, n, s.fs_hz)
            blocks.append(Block(s.name, data, i0, host_time=time.monotonic()))
            self.sent[s.name] += n
        return blocks


def run(device, pipeline, seconds):
    """Feed ``seconds`` of the (non-realtime) device into the pipeline."""
    if device.t0 is None:
        device.open()
        device.start()
    target = pipeline.session_time_s + seconds
    while pipeline.session_time_s < target - 1e-9:
        pipeline.feed(device.read())


def steps(schedule):
    """Amplitude function from [(t_from, (a_ch0, a_ch1, ...)), ...]."""

    def amplitude(t):
        out = np.zeros((t.size, len(schedule[0][1])))
        for t_from, amps in schedule:
            out[t >= t_from] = amps
        return out

    return amplitude


@pytest.fixture(scope="session")
def app():
    """The QApplication (offscreen, see tests/conftest.py)."""
    import pyqtgraph as pg

    return pg.mkQApp()


@pytest.fixture
def scripted_device():
    """Factory of :class:`ScriptedDevice`."""
    return ScriptedDevice

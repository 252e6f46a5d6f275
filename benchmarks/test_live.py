"""Live display: 16 EMG channels at 2 kHz + a 6-component force plate at 1 kHz, offscreen.

Groups (each holds ours and a reference that draws the same window from the same data,
but re-filters the whole visible window with scipy every frame, as the naive approach
-- e.g. biosiglive -- does):

* ``live-frame-16ch``: one frame of work: 32 ms of new data into the processing, then
  one redraw (pipeline frame + plot updates + painting the whole window offscreen).
  ``extra_info["fps"]`` is 1 / median frame time.
* ``live-processing-16ch`` (and ``-30s``): the same frame without Qt: 32 ms of new data
  through the processing, then the ready-to-draw :class:`~emgforce.live.pipeline.Frame`
  (decimated 10 s -- or 30 s -- window of 16 envelopes, 5 s COP trail, ellipse, velocity).
* ``live-session-16ch``: a paced device (samples become available at their real time,
  in 10 ms blocks, like a DAQ driver buffer) recorded to HDF5 by the recorder while the
  GUI loop redraws the operator window and the patient view (1280 x 720) at up to 60 Hz
  for ``SESSION_S`` seconds. ``extra_info``: sustained ``fps``, the end-to-end
  ``latency_ms`` (median / p95 / max) from the instant the newest drawn sample entered
  the device (known here) to the end of the paint that shows it, and
  ``shown_latency_ms``, what the window itself measures and shows (from the sample's
  instant estimated by its SampleClock to the end of its paint). The envelope filter's
  own delay (``envelope_delay_ms``) comes on top and is given apart.

Run: ``python -m pytest benchmarks/test_live.py --benchmark-only``.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import scipy.signal as ss  # noqa: E402

from emgforce.streams import Block, ChannelInfo, DeviceInfo, StreamInfo  # noqa: E402
from emgforce.drivers.base import Device  # noqa: E402
from emgforce.forceplate import Plate, center_of_pressure  # noqa: E402
from emgforce.live.pipeline import Frame, LivePipeline  # noqa: E402
from emgforce.live.ringbuffer import RingBuffer  # noqa: E402

EMG_FS = 2000.0
FORCE_FS = 1000.0
WINDOW_S = 10.0
MUSCLES = {"gluteus_medius": "GM", "tensor_fasciae_latae": "TFL", "gluteus_maximus": "GMAX",
           "vastus_lateralis": "VL", "vastus_medialis": "VM", "rectus_femoris": "RF",
           "biceps_femoris": "BF", "semitendinosus": "ST"}
SESSION_S = 8.0


class PacedDevice(Device):
    """16 EMG channels (8 muscles x 2 sides) and one plate; samples exist from their own time on."""

    name = "bench"

    def __init__(self, *, realtime: bool, block_s: float = 0.01) -> None:
        channels = tuple(
            ChannelInfo(f"{abbrev}_{s[0].upper()}", kind="emg", unit="V", muscle=m, side=s)
            for m, abbrev in MUSCLES.items() for s in ("left", "right")
        )
        force = tuple(ChannelInfo(n, kind="force" if n[0] == "F" else "moment") for n in
                      ("Fx", "Fy", "Fz", "Mx", "My", "Mz"))
        plate = Plate.level("AMTI6", z_down=False, sign_convention="reaction").to_dict()
        self.info = DeviceInfo("bench", (StreamInfo("emg", EMG_FS, channels),
                                         StreamInfo("force", FORCE_FS, force, plate=plate)))
        rng = np.random.default_rng(0)
        n = int(4 * EMG_FS)  # a 4 s loop of noise, bursts and sway
        t = np.arange(n) / EMG_FS
        self._emg = rng.standard_normal((n, 16)) * 1e-4 * (1.5 + np.sin(2 * np.pi * 0.5 * t))[:, None]
        m = int(4 * FORCE_FS)
        tf = np.arange(m) / FORCE_FS
        f = np.zeros((m, 6))
        f[:, 2] = 700.0
        f[:, 3] = 700.0 * 0.01 * np.sin(2 * np.pi * 0.25 * tf)  # y = Mx / Fz
        f[:, 4] = -700.0 * 0.02 * np.cos(2 * np.pi * 0.5 * tf)  # x = -My / Fz
        self._force = f + rng.standard_normal((m, 6)) * 0.1
        self.realtime = realtime
        self.block_s = block_s
        self.t0: float | None = None
        self.sent = {"emg": 0, "force": 0}

    def describe(self) -> DeviceInfo:
        return self.info

    def open(self) -> None:
        pass

    def start(self) -> None:
        self.t0 = time.monotonic()

    def stop(self) -> None:
        pass

    def close(self) -> None:
        pass

    def sample_time(self, stream: str, index: int) -> float:
        """Monotonic instant at which sample ``index`` of ``stream`` entered the device."""
        return self.t0 + index / self.info.stream(stream).fs_hz

    def read(self, max_samples=None, timeout=None) -> list[Block]:
        if self.realtime:  # a block is available once its last sample's time has passed
            k = int((time.monotonic() - self.t0) / self.block_s)
            wait = (k + 1) * self.block_s - (time.monotonic() - self.t0)
            if int(round(k * self.block_s * EMG_FS)) <= self.sent["emg"] and timeout:
                time.sleep(max(0.0, min(wait, timeout)))
                k = int((time.monotonic() - self.t0) / self.block_s)
        else:
            k = int(round(self.sent["emg"] / EMG_FS / self.block_s)) + 1
        blocks = []
        for name, fs, data in (("emg", EMG_FS, self._emg), ("force", FORCE_FS, self._force)):
            due = int(round(k * self.block_s * fs))
            i0 = self.sent[name]
            if due > i0:
                idx = np.arange(i0, due) % data.shape[0]
                blocks.append(Block(name, data[idx], i0))
                self.sent[name] = due
        return blocks


class NaivePipeline(LivePipeline):
    """Reference: keep the raw samples, re-filter the whole window with scipy at every frame."""

    def __init__(self, info: DeviceInfo, *, window_s: float = WINDOW_S) -> None:
        super().__init__(info, window_s=window_s)
        self.raw_emg = RingBuffer(self.emg_ring.capacity, len(self.emg_channels))
        self.raw_force = RingBuffer(self.cop_ring.capacity, 6)
        self.bp = ss.butter(2, (20.0, 450.0), btype="bandpass", fs=EMG_FS, output="sos")
        self.lp = ss.butter(2, 6.0, fs=EMG_FS, output="sos")
        self.cop_lp = ss.butter(2, 10.0, fs=FORCE_FS, output="sos")

    def feed(self, blocks) -> None:
        for b in blocks:
            (self.raw_emg if b.stream == "emg" else self.raw_force).append(b.data)
            if b.stream == "emg":
                self._emg_next = b.first_index + b.n_samples
            else:
                self._force_next = b.first_index + b.n_samples
            self._newest_host_time = b.host_time
            self._clocks[b.stream].observe(b.first_index + b.n_samples - 1, b.host_time)

    def frame(self, window_s=None, n_bins=1000, trail_s=None) -> Frame:
        from emgforce.forceplate import prediction_ellipse_area
        from emgforce.live.ringbuffer import minmax_decimate

        if self.raw_emg.total < 2 or self.raw_force.total < 4:  # nothing to filter yet
            return super().frame(window_s, n_bins, trail_s)
        x, _ = self.raw_emg.latest(int((window_s or self.window_s) * EMG_FS))
        env = ss.sosfilt(self.lp, np.abs(ss.sosfilt(self.bp, x, axis=0)), axis=0)
        idx, rows = minmax_decimate(env, n_bins)
        f, _ = self.raw_force.latest(int((trail_s or WINDOW_S) * FORCE_FS))
        res = center_of_pressure(f, self.plate)
        cop = ss.sosfilt(self.cop_lp, res.cop_m - res.cop_m[0], axis=0) + res.cop_m[0]
        path = np.hypot(*np.diff(cop, axis=0).T).sum()
        return Frame(
            emg_t_s=(idx - (x.shape[0] - 1)) / EMG_FS, emg=rows, emg_unit="V", emg_now=rows[-1],
            emg_percent=np.zeros(rows.shape[1], bool), cop_m=cop, cop_now_m=cop[-1], fz_n=float(res.fz_n[-1]),
            ellipse_m=None, ellipse_area_m2=prediction_ellipse_area(cop),
            sway_velocity_m_s=path / (cop.shape[0] / FORCE_FS),
            session_time_s=(self._emg_next - 1) / EMG_FS, newest_host_time=self._newest_host_time,
            newest_sample_time=self.sample_time("emg", self._emg_next - 1),
        )


@pytest.fixture(scope="module")
def app():
    import pyqtgraph as pg
    from PySide6 import QtCore

    app = pg.mkQApp()
    yield app
    for widget in app.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    app.sendPostedEvents(None, QtCore.QEvent.DeferredDelete)


def _window(pipeline, app):
    from emgforce.live.trials import TrialController
    from emgforce.live.window import LiveWindow

    window = LiveWindow(pipeline, TrialController(pipeline), window_s=WINDOW_S, trail_s=5.0)
    window.resize(1400, 800)
    window.show()
    app.processEvents()
    return window


def _frame_bench(benchmark, app, pipeline_cls):
    dev = PacedDevice(realtime=False, block_s=0.032)
    dev.start()
    pipe = pipeline_cls(dev.describe(), window_s=WINDOW_S)
    while pipe.session_time_s < WINDOW_S:  # a full window of history
        pipe.feed(dev.read())
    window = _window(pipe, app)

    def one_frame():
        pipe.feed(dev.read())  # 32 ms of data: 64 x 16 EMG samples, 32 x 6 force samples
        window.refresh()
        app.processEvents()  # paints the window

    try:
        benchmark.pedantic(one_frame, rounds=60, warmup_rounds=5)
    finally:
        window.close()
    if benchmark.stats is not None:  # None under --benchmark-disable
        benchmark.extra_info["fps"] = 1.0 / benchmark.stats.stats.median


@pytest.mark.benchmark(group="live-frame-16ch")
def test_live_frame(benchmark, app):
    _frame_bench(benchmark, app, LivePipeline)


@pytest.mark.benchmark(group="live-frame-16ch")
def test_live_frame_refilter_window_reference(benchmark, app):
    _frame_bench(benchmark, app, NaivePipeline)


def _processing_bench(benchmark, pipeline_cls, window_s=WINDOW_S):
    dev = PacedDevice(realtime=False, block_s=0.032)
    dev.start()
    pipe = pipeline_cls(dev.describe(), window_s=window_s)
    while pipe.session_time_s < window_s:
        pipe.feed(dev.read())

    def one_frame():
        pipe.feed(dev.read())
        return pipe.frame(window_s, n_bins=700, trail_s=5.0)

    frame = benchmark.pedantic(one_frame, rounds=100, warmup_rounds=5)
    assert frame.emg.shape[1] == 16 and frame.emg.shape[0] <= 1400
    if benchmark.stats is not None:
        benchmark.extra_info["frames_per_s"] = 1.0 / benchmark.stats.stats.median


@pytest.mark.benchmark(group="live-processing-16ch")
def test_live_processing(benchmark):
    _processing_bench(benchmark, LivePipeline)


@pytest.mark.benchmark(group="live-processing-16ch")
def test_live_processing_refilter_window_reference(benchmark):
    _processing_bench(benchmark, NaivePipeline)


@pytest.mark.benchmark(group="live-processing-16ch-30s")
def test_live_processing_30s(benchmark):
    _processing_bench(benchmark, LivePipeline, 30.0)


@pytest.mark.benchmark(group="live-processing-16ch-30s")
def test_live_processing_30s_refilter_window_reference(benchmark):
    _processing_bench(benchmark, NaivePipeline, 30.0)


def _session_bench(benchmark, app, pipeline_cls, tmp_path):
    from emgforce.live.session import LiveSession

    dev = PacedDevice(realtime=True)
    # recording all 16 + 6 channels to HDF5 while the operator and patient views draw
    session = LiveSession(dev, window_s=WINDOW_S, record_path=tmp_path / "bench.h5")
    if pipeline_cls is not LivePipeline:
        session.pipeline = pipeline_cls(dev.describe(), window_s=WINDOW_S)
        session.controller.pipeline = session.pipeline
    window = _window(session.pipeline, app)
    patient = window.open_patient_view(fullscreen=False)
    patient.resize(1280, 720)
    frames, latencies = [], []

    def run_session():
        session.start()
        period = 1.0 / 60.0
        next_t = time.monotonic()
        end = next_t + SESSION_S
        while time.monotonic() < end:
            frame = window.refresh()
            app.processEvents()
            painted = time.monotonic()
            if frame.session_time_s == frame.session_time_s and frame.session_time_s > 1.0:
                k = int(round(frame.session_time_s * EMG_FS))  # newest drawn EMG sample
                latencies.append(painted - dev.sample_time("emg", k))
                frames.append(painted)
            next_t += period
            time.sleep(max(0.0, next_t - time.monotonic()))

    try:
        benchmark.pedantic(run_session, rounds=1, iterations=1)
    finally:
        session.stop()
        window.close()
    lat = np.array(latencies) * 1e3
    shown = np.array(window.latencies_s)[-len(frames):] * 1e3  # what the window itself measured and shows
    assert session.summary is not None and session.summary.ok  # the recording kept every sample
    benchmark.extra_info.update(
        fps=(len(frames) - 1) / (frames[-1] - frames[0]),
        latency_ms_median=float(np.median(lat)),
        latency_ms_p95=float(np.percentile(lat, 95)),
        latency_ms_max=float(lat.max()),
        shown_latency_ms_median=float(np.median(shown)),
        shown_latency_ms_p95=float(np.percentile(shown, 95)),
        patient_latency_ms_median=1e3 * float(np.median(patient.latencies_s)),
        patient_latency_ms_p95=1e3 * float(np.percentile(patient.latencies_s, 95)),
        envelope_delay_ms=1e3 * session.pipeline.emg_delay_s,
        samples_processed=session.pipeline.session_time_s * EMG_FS * 16,
    )


@pytest.mark.benchmark(group="live-session-16ch")
def test_live_session(benchmark, app, tmp_path):
    _session_bench(benchmark, app, LivePipeline, tmp_path)


@pytest.mark.benchmark(group="live-session-16ch")
def test_live_session_refilter_window_reference(benchmark, app, tmp_path):
    _session_bench(benchmark, app, NaivePipeline, tmp_path)

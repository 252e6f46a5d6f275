"""Qt-free processing behind the live display.

Device blocks go in through :meth:`LivePipeline.feed` (from a reader thread or
the recorder's block tee); the stateful streaming envelope and the centre of
pressure are computed once per block and appended to ring buffers. The GUI
thread only asks for a :class:`Frame` -- decimated, ready-to-draw arrays and
running sway statistics -- at its own frame rate. Nothing here re-filters a
window.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass

import numpy as np

from emgforce._runs import true_runs
from emgforce.streams import Block, DeviceInfo, StreamInfo
from emgforce.constants import COP_FZ_THRESHOLD_N, COP_LOWPASS_HZ, MVC_WINDOW_S
from emgforce.errors import SignalError
from emgforce.forceplate import Plate, center_of_pressure, prediction_ellipse_area
from emgforce.io.recording import first_index_at
from emgforce.live.ringbuffer import RingBuffer, minmax_decimate
from emgforce.signal import StreamEnvelope, StreamFilter, butter_sos, mvc_reference, percent_mvc

log = logging.getLogger(__name__)

#: order of the causal COP low-pass (at COP_LOWPASS_HZ) applied before path length and drawing
COP_LOWPASS_ORDER = 2

__all__ = ["Frame", "LivePipeline", "SampleClock", "find_streams"]


@dataclass(frozen=True)
class Frame:
    """What the display draws, taken at one instant.

    Attributes
    ----------
    emg_t_s : ndarray (m,)
        Time of each EMG row relative to the newest sample (<= 0, seconds).
    emg : ndarray (m, c)
        Envelope per channel in ``emg_unit`` (min/max decimated).
    emg_unit : str
        ``"%MVC"`` for channels with a reference, else the channel unit.
    emg_now : ndarray (c,)
        Newest envelope value per channel, in ``emg_unit``.
    emg_percent : ndarray of bool (c,)
        Which channels are expressed in %MVC.
    cop_m : ndarray (k, 2)
        COP trail in the lab frame, m (valid samples only, oldest first),
        low-passed causally at ``COP_LOWPASS_HZ`` (10 Hz, 2nd order, restarted
        at each new contact) before it is drawn or differentiated.
    cop_now_m : ndarray (2,) or None
        Newest valid COP, None while unloaded.
    fz_n : float
        Newest vertical load, N (NaN without a force stream).
    ellipse_m : ndarray (p, 2) or None
        Outline of the 95 % *prediction* ellipse of the trail (area from
        :func:`emgforce.forceplate.prediction_ellipse_area`, Schubert &
        Kirchner 2014; axes along the covariance's eigenvectors).
    ellipse_area_m2, sway_velocity_m_s : float
        Running sway statistics over the trail: that ellipse's area, and the
        path length of the filtered COP over the loaded samples divided by
        their duration ``n / fs`` (mean velocity, Prieto et al. 1996). NaN
        when too few samples are loaded.
    session_time_s : float
        Time of the newest sample of the EMG (else force) stream.
    newest_host_time : float
        ``time.monotonic()`` at which the newest drawn sample was received.
    newest_sample_time : float
        ``time.monotonic()`` instant at which the newest drawn EMG (else force)
        sample was taken, from the stream's :class:`SampleClock`; the display's
        latency is measured from it.
    """

    emg_t_s: np.ndarray
    emg: np.ndarray
    emg_unit: str
    emg_now: np.ndarray
    emg_percent: np.ndarray
    cop_m: np.ndarray
    cop_now_m: np.ndarray | None
    fz_n: float
    ellipse_m: np.ndarray | None
    ellipse_area_m2: float
    sway_velocity_m_s: float
    session_time_s: float
    newest_host_time: float
    newest_sample_time: float = float("nan")


class SampleClock:
    """The host instant (``time.monotonic()``) at which each sample of one stream was taken.

    A sample cannot arrive before it is taken, so for every block
    ``host_time - newest_index / fs`` bounds the stream's start instant from
    above; the smallest bound over the blocks of the last one to two
    ``window_s`` (so a device clock drifting against the host's is followed)
    is the estimate. Device buffering shows as latency (a sample waits in a
    10 ms block before it is sent); only the transport delay of the fastest
    recent block is not seen.

    Parameters
    ----------
    fs : float
        Sampling rate of the stream, Hz.
    window_s : float
        Length of one window of host time over which the smallest bound is kept.
    """

    def __init__(self, fs: float, window_s: float = 10.0) -> None:
        self.fs = float(fs)
        self.window_s = float(window_s)
        self._bucket_start = -math.inf
        self._current = math.inf  # smallest bound in this window
        self._previous = math.inf  # and in the one before

    def observe(self, newest_index: int, host_time: float) -> None:
        """A block whose newest sample is ``newest_index`` arrived at ``host_time``."""
        if host_time - self._bucket_start >= self.window_s:
            self._bucket_start, self._previous, self._current = host_time, self._current, math.inf
        self._current = min(self._current, host_time - newest_index / self.fs)

    def time_of(self, index: int) -> float:
        """Host instant of sample ``index`` (NaN before the first block)."""
        start = min(self._current, self._previous)
        return start + index / self.fs if math.isfinite(start) else float("nan")


def find_streams(info: DeviceInfo) -> tuple[StreamInfo | None, StreamInfo | None]:
    """Pick the EMG stream (channels of kind ``emg``) and the force stream (has a plate)."""
    emg = next((s for s in info.streams if any(c.kind == "emg" for c in s.channels)), None)
    force = next((s for s in info.streams if s.plate is not None), None)
    return emg, force


def _physical(block: np.ndarray, stream: StreamInfo) -> np.ndarray:
    conv = np.array([c.conversion for c in stream.channels])
    off = np.array([c.offset for c in stream.channels])
    if np.all(conv == 1.0) and np.all(off == 0.0):
        return np.asarray(block, dtype=np.float64)
    return np.asarray(block, dtype=np.float64) * conv + off


class LivePipeline:
    """Streaming EMG envelopes and COP for one device, kept in ring buffers.

    Parameters
    ----------
    info : DeviceInfo
        The device's description (``device.describe()``).
    window_s : float
        Longest time window the display may show; sizes the ring buffers.
    envelope_params : emgforce.signal.EnvelopeParams, optional
        Envelope settings (defaults from :mod:`emgforce.constants`).
    mvc_reference : dict of str to float, optional
        Envelope value (signal unit) at 100 %MVC per EMG channel name.
    fz_threshold_n : float
        COP is masked where the vertical force is below this.
    """

    def __init__(
        self,
        info: DeviceInfo,
        *,
        window_s: float = 10.0,
        envelope_params=None,
        mvc_reference: dict[str, float] | None = None,
        fz_threshold_n: float | None = None,
    ) -> None:
        if not window_s > 0:
            raise SignalError(f"window_s must be positive, got {window_s}")
        self.info = info
        self.window_s = float(window_s)
        self.emg_stream, self.force_stream = find_streams(info)
        if self.emg_stream is None and self.force_stream is None:
            raise SignalError(
                f"device {info.name!r} has neither EMG channels nor a force plate stream; nothing to display"
            )
        self._lock = threading.Lock()
        self._newest_host_time = float("nan")
        self._clocks = {st.name: SampleClock(st.fs_hz) for st in (self.emg_stream, self.force_stream) if st is not None}
        self._fz_threshold_n = COP_FZ_THRESHOLD_N if fz_threshold_n is None else float(fz_threshold_n)
        self._capture: list[np.ndarray] | None = None
        self._capture_start = 0  # sample index of the first captured row
        self._capture_from = 0  # first sample the capture asked for
        self.emg_delay_s = 0.0
        if self.emg_stream is not None:
            s = self.emg_stream
            self._emg_cols = np.array([i for i, c in enumerate(s.channels) if c.kind == "emg"])
            self.emg_channels = tuple(s.channels[i] for i in self._emg_cols)
            self._envelope = StreamEnvelope(s.fs_hz, len(self._emg_cols), params=envelope_params)
            self.emg_delay_s = float(self._envelope.delay_s)
            self.emg_ring = RingBuffer(int(np.ceil(self.window_s * s.fs_hz)), len(self._emg_cols))
            self._emg_next = 0
        else:
            self.emg_channels = ()
        self._reference = np.full(len(self.emg_channels), np.nan)
        if mvc_reference:
            self.set_mvc_reference(mvc_reference)
        if self.force_stream is not None:
            f = self.force_stream
            self.plate = Plate.from_dict(f.plate)
            names = f.channel_names
            try:
                self._force_cols = np.array([names.index(n) for n in ("Fx", "Fy", "Fz", "Mx", "My", "Mz")])
            except ValueError:
                raise SignalError(
                    f"force stream {f.name!r} must have channels Fx Fy Fz Mx My Mz, got {names}"
                ) from None
            cap = int(np.ceil(self.window_s * f.fs_hz))
            self.cop_ring = RingBuffer(cap, 2)  # NaN where unloaded
            self.fz_ring = RingBuffer(cap, 1)
            self._path_ring = RingBuffer(cap + 1, 1)  # cumulative path length of the valid COP
            self._path = 0.0
            self._last_cop: np.ndarray | None = None
            self._force_next = 0
            self._cop_filter = StreamFilter(butter_sos(COP_LOWPASS_ORDER, COP_LOWPASS_HZ, f.fs_hz, "low"), 2)
            self._cop_loaded = False
        else:
            self.plate = None
        self._warm_up()

    def _warm_up(self) -> None:
        """Run every numba kernel once on throw-away data, so no JIT compilation (or cache
        load, which can take seconds) happens in the acquisition thread once samples flow."""
        params = self._envelope.params if self.emg_stream is not None else None
        if self.emg_stream is not None:
            n = len(self.emg_channels)
            StreamEnvelope(self.emg_fs_hz, n, params=params).process(np.zeros((8, n)))
            minmax_decimate(np.zeros((64, n)), 4)
        if self.force_stream is not None:
            load = np.zeros((8, 6))
            load[:, 2] = self.plate.load_sign * 100.0 * self.plate.rotation[2, 2]
            center_of_pressure(load, self.plate, fz_threshold_n=0.0)
            StreamFilter(self._cop_filter.sos, 2).process(np.zeros((8, 2)))

    # -- configuration -----------------------------------------------------
    @property
    def emg_fs_hz(self) -> float:
        return float(self.emg_stream.fs_hz) if self.emg_stream is not None else float("nan")

    @property
    def force_fs_hz(self) -> float:
        return float(self.force_stream.fs_hz) if self.force_stream is not None else float("nan")

    @property
    def mvc_reference(self) -> dict[str, float]:
        """Current reference (signal unit at 100 %MVC) of the channels that have one."""
        return {c.name: float(r) for c, r in zip(self.emg_channels, self._reference) if np.isfinite(r)}

    @property
    def reference_levels(self) -> np.ndarray:
        """Envelope value at 100 %MVC per EMG channel, NaN where there is none yet."""
        return self._reference.copy()

    def set_mvc_reference(self, reference: dict[str, float]) -> None:
        """Set the 100 %MVC envelope level of some channels (others keep theirs).

        The ring keeps envelopes in the signal unit, so the whole visible
        history is redrawn in %MVC from the next frame on.
        """
        names = [c.name for c in self.emg_channels]
        ref = self._reference.copy()
        for name, value in reference.items():
            if name not in names:
                raise SignalError(f"MVC reference for unknown channel {name!r}; EMG channels are {names}")
            if not (np.isfinite(value) and value > 0):
                raise SignalError(f"MVC reference of {name} must be positive and finite, got {value}")
            ref[names.index(name)] = float(value)
        self._reference = ref

    @property
    def session_time_s(self) -> float:
        """Time of the newest processed sample (EMG, else force), seconds from acquisition start."""
        if self.emg_stream is not None and self._emg_next:
            return self._emg_next / self.emg_fs_hz
        if self.force_stream is not None and self._force_next:
            return self._force_next / self.force_fs_hz
        return 0.0

    # -- MVC capture -------------------------------------------------------
    def begin_capture(self, start_s: float | None = None) -> None:
        """Start keeping every envelope block (for an MVC trial).

        With ``start_s`` (the time of a device marker, which arrives after the
        data that reached it), the capture starts at the first sample at or
        after ``start_s``, taking the rows already processed from the ring.
        """
        with self._lock:
            self._capture = []
            self._capture_start = self._emg_next if self.emg_stream is not None else 0
            self._capture_from = self._capture_start
            if start_s is None or self.emg_stream is None:
                return
            self._capture_from = first = first_index_at(start_s, self.emg_fs_hz)
            if first >= self._emg_next:  # the marker is ahead of the data: end_capture trims
                return
            rows, held = self.emg_ring.latest(self._emg_next - first)
            held += self._emg_next - self.emg_ring.total  # ring row -> sample index (long gaps are cut short)
            if held > first:
                log.warning(
                    "MVC capture: the display keeps %.1f s of envelope; the capture starts %.3f s late",
                    self.window_s, (held - first) / self.emg_fs_hz,
                )
            self._capture.append(rows)
            self._capture_start = held

    def end_capture(self, stop_s: float | None = None) -> np.ndarray:
        """Stop keeping envelope blocks and return them, shape (n, c), signal unit.

        With ``stop_s``, the capture ends before the first sample at or after
        ``stop_s``: a capture begun at ``start_s`` holds the samples with
        ``start_s <= i / fs < stop_s``, as :meth:`emgforce.io.StreamData.sample_slice`.
        """
        with self._lock:
            blocks, self._capture = self._capture, None
            start, first = self._capture_start, self._capture_from
        env = np.concatenate(blocks) if blocks else np.empty((0, len(self.emg_channels)))
        env = env[max(first - start, 0):]
        if stop_s is not None:
            env = env[: max(first_index_at(stop_s, self.emg_fs_hz) - max(first, start), 0)]
        return env

    def envelope_since(self, index: int) -> tuple[np.ndarray, int]:
        """EMG envelope rows (signal unit) from sample ``index`` on, and the sample index of the first.

        The first index is later than ``index`` when the ring no longer holds
        that sample (read at least every ``window_s`` to miss nothing).
        """
        with self._lock:
            rows, held = self.emg_ring.latest(max(self._emg_next - int(index), 0))
            return rows, held + self._emg_next - self.emg_ring.total  # ring row -> sample index

    def cop_since(self, index: int) -> tuple[np.ndarray, np.ndarray, int]:
        """Filtered COP rows (m, NaN where unloaded) and Fz (N) from force sample ``index`` on, and
        the sample index of the first row (as :meth:`envelope_since`)."""
        with self._lock:
            n = max(self._force_next - int(index), 0)
            cop, held = self.cop_ring.latest(n)
            fz, _ = self.fz_ring.latest(n)
            return cop, fz[:, 0], held + self._force_next - self.cop_ring.total

    def sample_time(self, stream: str, index: int) -> float:
        """``time.monotonic()`` instant at which sample ``index`` of ``stream`` was taken (:class:`SampleClock`)."""
        return self._clocks[stream].time_of(index)

    def reference_from_capture(self, envelope: np.ndarray, side: str | None = None) -> dict[str, float]:
        """MVC reference of a captured envelope, for the channels of ``side`` (all if None)."""
        if envelope.shape[0] < int(MVC_WINDOW_S * self.emg_fs_hz):
            raise SignalError(
                f"MVC capture lasted {envelope.shape[0] / self.emg_fs_hz:.2f} s; "
                f"hold the contraction for at least {MVC_WINDOW_S:g} s"
            )
        ref = np.asarray(mvc_reference(envelope, self.emg_fs_hz), dtype=float)
        return {
            c.name: float(r)
            for c, r in zip(self.emg_channels, ref)
            if side is None or c.side == side
        }

    # -- processing (acquisition thread) -------------------------------------
    def feed(self, blocks: list[Block]) -> None:
        """Process device blocks; samples lost before a block are filled so time stays right."""
        for block in blocks:
            if self.emg_stream is not None and block.stream == self.emg_stream.name:
                self._feed_emg(block)
            elif self.force_stream is not None and block.stream == self.force_stream.name:
                self._feed_force(block)
            else:
                continue
            self._newest_host_time = block.host_time
            if block.n_samples:
                self._clocks[block.stream].observe(block.first_index + block.n_samples - 1, block.host_time)

    def _gap(self, block: Block, expected: int) -> int:
        gap = int(block.first_index) - expected
        if gap > 0:
            log.warning("stream %s: %d samples missing before index %d", block.stream, gap, block.first_index)
        return max(gap, 0)

    def _feed_emg(self, block: Block) -> None:
        raw = _physical(block.data, self.emg_stream)[:, self._emg_cols]
        gap = self._gap(block, self._emg_next)
        if gap:  # hold the last envelope value across the hole so time stays aligned
            last, _ = self.emg_ring.latest(1)
            fill = last[0] if last.shape[0] else np.zeros(len(self._emg_cols))
            self.emg_ring.append(np.broadcast_to(fill, (min(gap, self.emg_ring.capacity), fill.shape[0])))
            with self._lock:
                if self._capture is not None:  # keep captured rows on the sample time line
                    self._capture.append(np.broadcast_to(fill, (gap, fill.shape[0])))
        if not block.n_samples:  # a block that only reports lost samples
            self._emg_next = int(block.first_index)
            return
        env = self._envelope.process(raw)
        with self._lock:  # ring, time and capture move together (see begin_capture)
            self.emg_ring.append(env)
            self._emg_next = int(block.first_index) + block.n_samples
            if self._capture is not None:
                self._capture.append(env)

    def _feed_force(self, block: Block) -> None:
        with self._lock:  # rings and time move together (see cop_since)
            self._feed_force_locked(block)

    def _feed_force_locked(self, block: Block) -> None:
        forces = _physical(block.data, self.force_stream)[:, self._force_cols]
        gap = self._gap(block, self._force_next)
        if gap:
            n = min(gap, self.cop_ring.capacity)
            self.cop_ring.append(np.full((n, 2), np.nan))
            self.fz_ring.append(np.full((n, 1), np.nan))
            self._path_ring.append(np.full((n, 1), self._path))
            self._cop_loaded = False
            self._last_cop = None
        if not block.n_samples:
            self._force_next = int(block.first_index)
            return
        # vertical load as center_of_pressure defines it: lab-z force, positive when loaded
        load = self.plate.load_sign * (forces[:, :3] @ self.plate.rotation[2])
        if np.any(load > self._fz_threshold_n):
            res = center_of_pressure(forces, self.plate, fz_threshold_n=self._fz_threshold_n)
            cop = self._smooth_cop(res.cop_m, np.asarray(res.valid, dtype=bool))
            load = np.asarray(res.fz_n, dtype=float)
        else:  # nobody on the plate: normal between trials, not worth a warning per block
            cop = np.full((forces.shape[0], 2), np.nan)
            self._cop_loaded = False
        self.cop_ring.append(cop)
        self.fz_ring.append(load[:, None])
        self._path_ring.append(self._accumulate_path(cop)[:, None])
        self._force_next = int(block.first_index) + block.n_samples

    def _smooth_cop(self, cop: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """Causal low-pass of each loaded run of the COP, restarted in steady state on every new contact."""
        out = np.full_like(cop, np.nan)
        for start, stop in true_runs(valid):
            if start > 0 or not self._cop_loaded:
                self._cop_filter.reset()
            out[start:stop] = self._cop_filter.process(cop[start:stop])
        self._cop_loaded = bool(valid[-1]) if valid.size else self._cop_loaded
        return out

    def _accumulate_path(self, cop: np.ndarray) -> np.ndarray:
        """Cumulative COP path length, counting only steps between consecutive valid samples."""
        prev = np.vstack([self._last_cop[None, :] if self._last_cop is not None else [[np.nan, np.nan]], cop])
        step = np.hypot(*np.diff(prev, axis=0).T)
        step[~np.isfinite(step)] = 0.0
        cum = self._path + np.cumsum(step)
        self._path = float(cum[-1]) if cum.size else self._path
        self._last_cop = cop[-1].copy() if np.all(np.isfinite(cop[-1])) else None
        return cum

    # -- drawing (GUI thread) --------------------------------------------------
    def frame(self, window_s: float | None = None, n_bins: int = 1000, trail_s: float | None = None) -> Frame:
        """Ready-to-draw data for the newest ``window_s`` seconds (default: the whole window)."""
        window_s = self.window_s if window_s is None else min(float(window_s), self.window_s)
        trail_s = window_s if trail_s is None else min(float(trail_s), self.window_s)
        host_time = self._newest_host_time
        c = len(self.emg_channels)
        reference = self._reference
        percent = np.isfinite(reference)
        session_time = sample_time = float("nan")
        if self.emg_stream is not None and self.emg_ring.total:
            fs = self.emg_fs_hz
            with self._lock:  # the newest drawn row and its sample index, read together
                idx, rows, total = self.emg_ring.latest_decimated(int(round(window_s * fs)), n_bins)
                newest = self._emg_next - 1
            emg_t = (idx - (total - 1)) / fs
            emg = rows.copy()
            if percent.any():
                emg[:, percent] = percent_mvc(rows[:, percent], reference[percent])
            emg_now = emg[-1] if emg.shape[0] else np.full(c, np.nan)
            session_time = newest / fs
            sample_time = self._clocks[self.emg_stream.name].time_of(newest)
        else:
            emg_t, emg, emg_now = np.empty(0), np.empty((0, c)), np.full(c, np.nan)
        if percent.all() and c:
            unit = "%MVC"
        else:
            units = {ch.unit for ch, p in zip(self.emg_channels, percent) if not p}
            unit = "/".join(sorted(units)) if not percent.any() else "%MVC / " + "/".join(sorted(units))
        cop, cop_now, fz = np.empty((0, 2)), None, float("nan")
        ellipse, area, velocity = None, float("nan"), float("nan")
        if self.force_stream is not None and self.cop_ring.total:
            fs_f = self.force_fs_hz
            n = int(round(trail_s * fs_f))
            trail, _ = self.cop_ring.latest(n)
            fz_rows, _ = self.fz_ring.latest(1)
            fz = float(fz_rows[-1, 0])
            if np.isfinite(trail[-1]).all():
                cop_now = trail[-1].copy()
            cop = trail[np.isfinite(trail).all(axis=1)]
            if cop.shape[0] >= 4:
                ellipse, area = _prediction_ellipse(cop)
            path, _ = self._path_ring.latest(min(n + 1, self._path_ring.capacity))
            if cop.shape[0] >= 2:  # path only grows between valid samples: divide by their time
                # duration n / fs as in emgforce.forceplate.mean_velocity (Prieto et al. 1996)
                velocity = float(path[-1, 0] - path[0, 0]) / (cop.shape[0] / fs_f)
            if np.isnan(session_time):
                session_time = (self._force_next - 1) / fs_f
                sample_time = self._clocks[self.force_stream.name].time_of(self._force_next - 1)
        return Frame(
            emg_t_s=emg_t,
            emg=emg,
            emg_unit=unit,
            emg_now=emg_now,
            emg_percent=percent,
            cop_m=cop,
            cop_now_m=cop_now,
            fz_n=fz,
            ellipse_m=ellipse,
            ellipse_area_m2=area,
            sway_velocity_m_s=velocity,
            session_time_s=session_time,
            newest_host_time=host_time,
            newest_sample_time=sample_time,
        )


def _prediction_ellipse(cop_m: np.ndarray, n_points: int = 64) -> tuple[np.ndarray, float]:
    """Outline and area of the 95 % prediction ellipse of ``cop_m``.

    The area is :func:`emgforce.forceplate.prediction_ellipse_area`; the
    outline has the covariance's principal axes, scaled to that area.
    """
    area = float(prediction_ellipse_area(cop_m))
    centre = cop_m.mean(axis=0)
    evals, evecs = np.linalg.eigh(np.cov(cop_m, rowvar=False))
    evals = np.clip(evals, 0.0, None)
    geo = np.sqrt(evals[0] * evals[1])
    if not (geo > 0 and np.isfinite(area)):
        return None, area
    k = np.sqrt(area / (np.pi * geo))  # semi-axes k*sqrt(evals) give pi*a*b == area
    theta = np.linspace(0.0, 2.0 * np.pi, n_points)
    unit = np.stack([np.cos(theta) * np.sqrt(evals[0]), np.sin(theta) * np.sqrt(evals[1])], axis=1) * k
    return centre + unit @ evecs.T, area

"""Simulate a whole lab session at once: EMG, force plate, markers and ground truth.

Everything is deterministic for a given seed; each component (script,
amplitudes, carriers, noise, plate, hum, artefacts) draws from its own child of
``numpy.random.SeedSequence(seed)``, so switching e.g. the hum on does not
change the rest of the session.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_MUSCLES",
    "DRIVE_FLUCTUATION",
    "FLUCT_FS_HZ",
    "MVC_AMPLITUDE_V",
    "SMOOTH_S",
    "WEAK_MVC_FACTOR",
    "GroundTruth",
    "SimulatedSession",
    "TrialTruth",
    "simulate",
]

import logging
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from emgforce.constants import EMG_FS_HZ, FORCE_FS_HZ
from emgforce.naming import ABBREV_MUSCLE, MUSCLES, SIDES, emg_channel_name

from emgforce.streams import ChannelInfo, Marker, StreamInfo
from emgforce.drivers.sim import _emg, _plate
from emgforce.drivers.sim._script import N_PLATE, build_script
from emgforce.drivers.sim.protocol import Protocol

log = logging.getLogger(__name__)

DEFAULT_MUSCLES = ("gluteus_medius", "tensor_fasciae_latae", "gluteus_maximus")
#: RMS of the EMG at 100 %MVC, before the per-subject +-20 % spread (V)
MVC_AMPLITUDE_V = {"GM": 250e-6, "TFL": 200e-6, "GMAX": 300e-6}
#: the weak side's gluteus medius is also weaker in absolute terms
WEAK_MVC_FACTOR = 0.75
#: relative RMS of the slow fluctuation of the drive during holds
DRIVE_FLUCTUATION = 0.07
SMOOTH_S = 0.1  # rounds the corners of the piecewise-linear script
FLUCT_FS_HZ = 50.0


@dataclass(frozen=True, eq=False)
class TrialTruth:
    """One trial of the simulated session and its true mean activation per channel."""

    label: str
    start_s: float
    stop_s: float
    mean_pct_mvc: np.ndarray  # (n_channels,)


@dataclass(frozen=True, eq=False)
class GroundTruth:
    """What the simulated subject really did; kept apart from the recorded data.

    Attributes
    ----------
    channel_names : tuple of str
        EMG channel order of the arrays below.
    emg_fs_hz, force_fs_hz : float
    activation_pct_mvc : ndarray, shape (n_emg, n_channels)
        True drive per channel in %MVC: the EMG is ``mvc_amplitude_v * activation/100``
        times a unit-RMS carrier, and the maximum 1 s moving mean over each side's
        MVC trials is exactly 100.
    mvc_amplitude_v : ndarray, shape (n_channels,)
        RMS of the EMG at 100 %MVC, per channel (V).
    cop_m : ndarray, shape (n_force, 2)
        True centre of pressure (x ML, y AP; lab frame, m); NaN where the true
        vertical load is below ``COP_FZ_THRESHOLD_N``.
    fz_n : ndarray, shape (n_force,)
        True (noise-free) vertical load on the plate (N).
    events : tuple of Marker
        Trial start/stop plus ``rep``/``hold`` start/stop and ``lift``/``touchdown`` marks.
    trials : tuple of TrialTruth
    weak_side : str or None
    body_mass_kg : float
    fatigue : ndarray, shape (n_emg, n_channels)
        Cross-fade weight towards the fatigued spectrum (0 fresh .. 0.6).
    corner_scale : ndarray, shape (n_channels,)
        Scale of each channel's spectral model corner frequencies.
    """

    channel_names: tuple[str, ...]
    emg_fs_hz: float
    force_fs_hz: float
    activation_pct_mvc: np.ndarray
    mvc_amplitude_v: np.ndarray
    cop_m: np.ndarray
    fz_n: np.ndarray
    events: tuple[Marker, ...]
    trials: tuple[TrialTruth, ...]
    weak_side: str | None
    body_mass_kg: float
    fatigue: np.ndarray = field(repr=False)
    corner_scale: np.ndarray = field(repr=False)

    def trial(self, label: str, occurrence: int = 0) -> TrialTruth:
        """The ``occurrence``-th trial with this label."""
        found = [t for t in self.trials if t.label == label]
        if occurrence >= len(found):
            raise KeyError(f"no trial {label!r} #{occurrence}; trials: {sorted({t.label for t in self.trials})}")
        return found[occurrence]

    def events_between(self, start_s: float, stop_s: float, label: str | None = None) -> list[Marker]:
        """Events with ``start_s <= time_s <= stop_s`` (optionally of one label)."""
        return [e for e in self.events if start_s <= e.time_s <= stop_s and (label is None or e.label == label)]

    def median_frequency_hz(self) -> np.ndarray:
        """True median frequency of each channel's carrier spectrum per EMG sample (n_emg, n_channels)."""
        grid = np.linspace(0.0, _emg.FATIGUE_MAX, 31)
        out = np.empty(self.fatigue.shape)
        for c, k in enumerate(self.corner_scale):
            fl, fh = _emg.F_LOW_HZ * k, _emg.F_HIGH_HZ * k
            out[:, c] = np.interp(self.fatigue[:, c], grid, _emg.median_frequency_hz(fl, fh, grid))
        return out


@dataclass(frozen=True, eq=False)
class SimulatedSession:
    """A simulated recording.

    Attributes
    ----------
    emg : ndarray, shape (n_emg, n_channels)
        EMG in volts; sample ``i`` at ``i / emg_info.fs_hz`` s.
    force : ndarray, shape (n_force, 6)
        Fx, Fy, Fz (N), Mx, My, Mz (N*m) about the plate's sensor origin, plate frame.
    emg_info, force_info : emgforce.streams.StreamInfo
        Stream descriptions (``force_info.plate`` describes the plate).
    markers : tuple of Marker
        Trial start/stop only, as an operator would mark them.
    truth : GroundTruth
    protocol : Protocol
    seed : int
    """

    emg: np.ndarray
    force: np.ndarray
    emg_info: StreamInfo
    force_info: StreamInfo
    markers: tuple[Marker, ...]
    truth: GroundTruth
    protocol: Protocol
    seed: int

    @property
    def duration_s(self) -> float:
        return self.emg.shape[0] / self.emg_info.fs_hz


def _channels(muscles: Sequence[str]) -> list[tuple[str, str]]:
    """(muscle key, side) per channel, muscle-major, left before right."""
    out = []
    for m in muscles:
        key = ABBREV_MUSCLE.get(m, m)
        if key not in MUSCLES:
            raise ValueError(f"unknown muscle {m!r}; use keys or abbreviations of {sorted(MUSCLES)}")
        out += [(key, side) for side in SIDES]
    return out


def _moving_mean(x: np.ndarray, n: int) -> np.ndarray:
    """Centred moving mean over ``n`` samples along axis 0 (edges use the available samples)."""
    if n <= 1:
        return x
    c = np.cumsum(np.pad(x, ((n // 2 + 1, n - n // 2 - 1), (0, 0)), mode="edge"), axis=0)
    return (c[n:] - c[:-n]) / n


def _indices(windows_s, fs_hz: float, n: int) -> list[tuple[int, int]]:
    """Sample ranges of ``(start_s, stop_s)`` windows."""
    return [(min(n, int(round(a * fs_hz))), min(n, int(round(b * fs_hz)))) for a, b in windows_s]


def simulate(
    protocol: Protocol | None = None,
    *,
    seed: int = 0,
    emg_fs_hz: float = EMG_FS_HZ,
    force_fs_hz: float = FORCE_FS_HZ,
    muscles: Sequence[str] = DEFAULT_MUSCLES,
    weak_side: str | None = "left",
    body_mass_kg: float = 70.0,
    mains_hz: float | None = None,
    motion_artefacts: bool = False,
) -> SimulatedSession:
    """Simulate a lab session: synchronised sEMG, a 6-component force plate and the truth.

    Parameters
    ----------
    protocol : Protocol, optional
        The scripted trials; default :meth:`Protocol.default` (about 7 minutes).
    seed : int
        Everything is a deterministic function of the seed and the other arguments.
    emg_fs_hz, force_fs_hz : float
        Sample rates; sample 0 of both streams is session time 0.
    muscles : sequence of str
        Muscle keys or abbreviations (``GM``, ``TFL``, ``GMAX``); each gets a left and
        a right channel (``GM_L``, ``GM_R``, ...).
    weak_side : {"left", "right", None}
        Side with the weak gluteus medius: lower %MVC in the tasks, lower MVC
        amplitude, more sway and a balance loss in single-leg stance.
    body_mass_kg : float
    mains_hz : {None, 50, 60}
        Add mains hum to the EMG.
    motion_artefacts : bool
        Add low-frequency transients to the EMG at movement onsets.

    Returns
    -------
    SimulatedSession
    """
    protocol = protocol or Protocol.default()
    if weak_side not in (None, *SIDES):
        raise ValueError(f"weak_side must be 'left', 'right' or None, got {weak_side!r}")
    if emg_fs_hz < 1000.0:
        raise ValueError(f"emg_fs_hz must be >= 1000 Hz (the simulated EMG reaches 500 Hz), got {emg_fs_hz}")
    if force_fs_hz < 50.0:
        raise ValueError(f"force_fs_hz must be >= 50 Hz, got {force_fs_hz}")
    if not body_mass_kg > 0:
        raise ValueError(f"body_mass_kg must be positive, got {body_mass_kg}")
    if mains_hz is not None and not 0 < mains_hz < emg_fs_hz / 2:
        raise ValueError(f"mains_hz must be below the EMG Nyquist frequency, got {mains_hz}")

    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]
    rng_script, rng_amp, rng_fluct, rng_carrier, rng_floor, rng_plate, rng_hum, rng_art = rngs

    channels = _channels(muscles)
    names = tuple(emg_channel_name(m, s) for m, s in channels)
    abbrev = [(MUSCLES[m][0], s) for m, s in channels]
    trials = protocol.schedule()
    script = build_script(trials, abbrev, weak_side, rng_script, protocol.tail_s)
    n_ch = len(channels)
    n_emg = int(round(script.duration_s * emg_fs_hz))
    n_force = int(round(script.duration_s * force_fs_hz))
    log.info("simulating %.1f s: %d EMG channels at %g Hz, force plate at %g Hz", script.duration_s, n_ch, emg_fs_hz, force_fs_hz)

    # true activation: smoothed script times a slow multiplicative fluctuation (0.2-2 Hz)
    emg_idx = _indices([(t.start_s, t.stop_s) for t in trials], emg_fs_hz, n_emg)
    act = _moving_mean(script.sample(emg_fs_hz, n_emg, slice(0, n_ch)), int(SMOOTH_S * emg_fs_hz))
    # the slow fluctuation is made at 50 Hz and interpolated (it has nothing above 2 Hz)
    n_slow = int(np.ceil(script.duration_s * FLUCT_FS_HZ)) + 2
    t_slow, t_emg = np.arange(n_slow) / FLUCT_FS_HZ, np.arange(n_emg) / emg_fs_hz
    for c in range(n_ch):
        slow = _emg.shaped_noise(rng_fluct, n_slow, FLUCT_FS_HZ, lambda f: ((f > 0.2) & (f < 2.0)).astype(float))
        act[:, c] *= 1.0 + DRIVE_FLUCTUATION * np.interp(t_emg, t_slow, slow)
    _normalise_to_mvc(act, trials, emg_idx, [s for _, s in channels], emg_fs_hz)

    amplitude = np.array([MVC_AMPLITUDE_V[a] for a, _ in abbrev]) * rng_amp.uniform(0.8, 1.2, n_ch)
    amplitude[[a == "GM" and s == weak_side for a, s in abbrev]] *= WEAK_MVC_FACTOR
    corner_scale = rng_amp.uniform(0.88, 1.1, n_ch)  # median frequency ~90-115 Hz fresh
    fatigue = _emg.fatigue_weight(act, emg_fs_hz, emg_idx)
    emg = _emg.synthesize_emg(rng_carrier, rng_floor, act, amplitude, corner_scale, fatigue, emg_fs_hz)
    if mains_hz is not None:
        _emg.add_hum(emg, emg_fs_hz, mains_hz, rng_hum)
    if motion_artefacts:
        _emg.add_motion_artefacts(emg, emg_fs_hz, script.onsets_s, rng_art)

    plate_state = _moving_mean(script.sample(force_fs_hz, n_force, slice(n_ch, n_ch + N_PLATE)), int(SMOOTH_S * force_fs_hz))
    force, cop, fz = _plate.synthesize_plate(
        rng_plate, plate_state, script.squats, _indices(script.sway_windows, force_fs_hz, n_force), body_mass_kg, force_fs_hz
    )

    trial_truth = tuple(
        TrialTruth(t.label, t.start_s, t.stop_s, act[a:b].mean(axis=0)) for t, (a, b) in zip(trials, emg_idx)
    )
    truth = GroundTruth(
        channel_names=names,
        emg_fs_hz=emg_fs_hz,
        force_fs_hz=force_fs_hz,
        activation_pct_mvc=act,
        mvc_amplitude_v=amplitude,
        cop_m=cop,
        fz_n=fz,
        events=tuple(script.events),
        trials=trial_truth,
        weak_side=weak_side,
        body_mass_kg=body_mass_kg,
        fatigue=fatigue,
        corner_scale=corner_scale,
    )
    emg_info = StreamInfo(
        "emg",
        emg_fs_hz,
        tuple(ChannelInfo(nm, kind="emg", unit="V", muscle=m, side=s) for nm, (m, s) in zip(names, channels)),
    )
    force_info = StreamInfo("force", force_fs_hz, _plate.FORCE_CHANNELS, plate=_plate.plate_description())
    labels = {t.label for t in trials}
    markers = tuple(e for e in script.events if e.label in labels)  # what an operator marks: trial start/stop
    return SimulatedSession(emg, force, emg_info, force_info, markers, truth, protocol, seed)


def _normalise_to_mvc(act: np.ndarray, trials, trials_idx, sides: list[str], fs_hz: float) -> None:
    """Scale each channel's MVC trials so the max 1 s moving mean over them is exactly 100 %MVC."""
    n = int(fs_hz)  # 1 s
    for c, side in enumerate(sides):
        spans = [(a, b) for t, (a, b) in zip(trials, trials_idx) if t.label == f"mvc_{side}" and b - a >= n]
        if not spans:
            continue
        peak = max(np.convolve(act[a:b, c], np.ones(n) / n, mode="valid").max() for a, b in spans)
        for a, b in spans:
            act[a:b, c] *= 100.0 / peak

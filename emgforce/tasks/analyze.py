"""Analyse a whole session: trials, per-trial/per-side metrics, symmetry, summary.

:func:`analyze_session` never stops at one bad trial: what cannot be computed
(no MVC, no force stream, too short a window, no movement found) becomes a
message in the result, and the rest of the analysis goes on.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from emgforce import constants as C
from emgforce.errors import AnalysisError, EmgforceError
from emgforce.io.recording import time_slice
from emgforce.naming import ACTIVITY_LABELS, MUSCLES, SIDES, TASKS, parse_emg_channel_name, parse_trial_label
from emgforce.tasks import segment
from emgforce.tasks.metrics import activation_metrics, coefficient_of_variation, load_split
from emgforce.tasks.results import Message, Metric, Phase, SessionResult, TrialResult, session_info
from emgforce.tasks.symmetry import LSI_FORMULA, SI_FORMULA, compare_sides, summary_line

log = logging.getLogger(__name__)

NORMALISATIONS = ("mvc", "peak_task", "none")
NORM_UNIT = {"mvc": "%MVC", "peak_task": "%peak"}
_FALLBACK_WORDS = {"peak_task": "the peak over the task trials (%peak)", "none": "nothing (volts)"}
TRACE_FS_HZ = 50.0  # decimated traces kept for the figures
#: a side is called weaker when GM activation differs by at least this |SI| in most one-sided tasks
WEAK_SIDE_MIN_SI_PCT = 15.0
#: low-pass before rep detection: Fz is clean; the GM envelope fluctuates 10-20 % in holds
FZ_REP_SMOOTH_HZ = 5.0
ENVELOPE_REP_SMOOTH_HZ = 2.0


@dataclass
class AnalysisOptions:
    """Settings of :func:`analyze_session` (stored in the report)."""

    normalisation: str = "mvc"
    fallback: str = "peak_task"
    task: str | None = None
    segmentation: str = "auto"  # "auto": events when present, else signals; "signals": always signals
    threshold_pct: float = 20.0  # time-above threshold, in % of the reference (Ebert 2017: <= 20 is low)
    envelope_lowpass_hz: float = C.ENVELOPE_LOWPASS_HZ
    notch_hz: float | None = None
    fz_threshold_n: float = C.COP_FZ_THRESHOLD_N
    min_sway_s: float = 5.0
    sway_resample_hz: float | None = 100.0  # descriptors on 100 Hz COP (10 Hz low-pass first)
    onset_baseline_s: float = 0.5
    fatigue_epoch_s: float = C.FATIGUE_EPOCH_S
    rep_min_duration_s: float = 0.5

    def __post_init__(self) -> None:
        if self.normalisation not in NORMALISATIONS:
            raise ValueError(f"normalisation must be one of {NORMALISATIONS}, got {self.normalisation!r}")
        if self.fallback not in ("peak_task", "none"):
            raise ValueError(f"fallback must be 'peak_task' or 'none', got {self.fallback!r}")
        if self.segmentation not in ("auto", "signals"):
            raise ValueError(f"segmentation must be 'auto' or 'signals', got {self.segmentation!r}")
        if self.task is not None and parse_trial_label(self.task)[0] not in TASKS:
            raise ValueError(f"unknown task {self.task!r}; give a trial label such as stance_double or stance_left")


# --------------------------------------------------------------------------- loading


def load_session(path: str | Path) -> Any:
    """Read an emgforce HDF5 session, or a C3D file through :func:`emgforce.io.c3d.read_c3d`."""
    path = Path(path)
    if path.suffix.lower() == ".c3d":
        try:
            from emgforce.io.c3d import read_c3d
        except ImportError as exc:
            raise AnalysisError(f"cannot read {path}: the C3D importer is not available ({exc})") from exc
        return read_c3d(path)
    from emgforce.io import read_recording

    return read_recording(path)


# --------------------------------------------------------------------------- per-session data


@dataclass
class _Plate:
    name: str
    side: str | None
    fs_hz: float
    fz_n: np.ndarray
    cop_m: np.ndarray | None  # (n, 2), NaN where invalid
    valid: np.ndarray | None


@dataclass
class _Context:
    rec: Any
    opts: AnalysisOptions
    emg_fs: float = math.nan
    emg_raw: np.ndarray | None = None  # (n, c) volts
    env: np.ndarray | None = None  # (n, c) normalised (or volts)
    names: list[str] = field(default_factory=list)
    sides: list[str | None] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    refs: np.ndarray | None = None  # per channel: envelope value (V) at 100 % (100 when not normalised)
    plates: list[_Plate] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)

    def note(self, level: str, text: str, trial: str | None = None) -> None:
        self.messages.append(Message(level, text, trial))


def _emg_setup(ctx: _Context, trials: list[Any]) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """Envelopes and normalisation of every EMG channel; returns (normalisation, reference) per channel."""
    from emgforce.signal import EnvelopeParams, check_quality, emg_envelope, percent_mvc

    emg = ctx.rec.streams.get("emg")
    if emg is None:
        emg = next((s for s in ctx.rec.streams.values() if any(c.kind == "emg" for c in s.channels)), None)
    if emg is None:
        ctx.note("warning", "the recording has no EMG stream: EMG metrics are skipped")
        return {}, {}
    cols = [i for i, c in enumerate(emg.channels) if c.kind == "emg"]
    chans = [emg.channels[i] for i in cols]
    ctx.emg_fs = float(emg.fs_hz)
    ctx.names = [c.name for c in chans]
    ctx.sides = [c.side if c.side in SIDES else (parse_emg_channel_name(c.name) or (None, None))[1] for c in chans]
    raw = emg.data[:, cols]
    lost = ~np.isfinite(raw)
    if lost.any():
        ctx.note("warning", f"EMG: {int(lost.any(axis=1).sum())} lost samples (gaps) are excluded from the metrics")
    ctx.emg_raw = raw
    quality = check_quality(raw, channel_names=ctx.names)
    for j in np.flatnonzero(quality.flat):
        ctx.note("warning", f"EMG channel {ctx.names[j]} is flat (constant): disconnected or unused?")
    for j in np.flatnonzero(quality.saturated & ~quality.flat):
        ctx.note("warning", f"EMG channel {ctx.names[j]}: {int(quality.n_saturated[j])} samples look clipped "
                 "(amplifier saturation): amplitudes are underestimated")
    params = EnvelopeParams(lowpass_hz=ctx.opts.envelope_lowpass_hz, notch_hz=ctx.opts.notch_hz, nonfinite="interpolate")
    env = emg_envelope(raw, ctx.emg_fs, params=params)
    env[lost] = np.nan

    norm: dict[str, str] = {}
    ref: dict[str, dict[str, Any]] = {}
    refs = np.full(len(cols), math.nan)
    task_trials = [t for t in trials if t.task not in ("mvc", "rest")] or trials
    for j, name in enumerate(ctx.names):
        method = ctx.opts.normalisation
        if method == "mvc":
            mvc_trials = [t for t in trials if t.task == "mvc" and (t.side is None or ctx.sides[j] is None or t.side == ctx.sides[j])]
            refs[j], why = _reference(env[:, j], ctx.emg_fs, mvc_trials)
            if not math.isfinite(refs[j]):
                method = ctx.opts.fallback
                if mvc_trials:
                    ctx.note("warning", f"{name}: no MVC reference ({why}); normalised by {_FALLBACK_WORDS[method]} instead")
                elif any(t.task == "mvc" for t in trials):
                    ctx.note("warning", f"{name}: no MVC trial for the {ctx.sides[j] or 'unknown'} side; "
                             f"normalised by {_FALLBACK_WORDS[method]} instead")
        if method == "peak_task":
            refs[j], why = _reference(env[:, j], ctx.emg_fs, task_trials)
            if not math.isfinite(refs[j]):
                method = "none"
                ctx.note("warning", f"{name}: no peak reference ({why}); left in volts")
        norm[name] = method
        if method == "none":
            ref[name] = {"value": None, "unit": "V", "method": "none"}
            ctx.units.append("V")
            refs[j] = 100.0  # percent_mvc(x, 100) leaves x unchanged
        else:
            source = "MVC trials" if method == "mvc" else "task trials"
            ref[name] = {"value": float(refs[j]), "unit": "V", "method": f"max {C.MVC_WINDOW_S:g} s moving mean of the envelope over the {source}"}
            ctx.units.append(NORM_UNIT[method])
    ctx.refs = refs
    ctx.env = percent_mvc(env, refs)
    return norm, ref


def _reference(env: np.ndarray, fs: float, trials: list[Any]) -> tuple[float, str]:
    """Largest 1 s moving mean of the envelope over the trials, or NaN and why not."""
    from emgforce.signal import mvc_reference

    segs = []
    for t in trials:
        seg = env[time_slice(t.start_s, t.stop_s, fs, env.shape[0])]
        seg = seg[np.isfinite(seg)]
        if seg.size >= C.MVC_WINDOW_S * fs:
            segs.append(seg)
    if not segs:
        return math.nan, f"no trial holds {C.MVC_WINDOW_S:g} s of EMG"
    if not any(np.any(seg > 0) for seg in segs):
        return math.nan, "the channel is flat (all zero): disconnected or unused?"
    try:
        return float(mvc_reference(segs, fs, window_s=C.MVC_WINDOW_S)), ""
    except EmgforceError as exc:
        return math.nan, str(exc)


def _plate_setup(ctx: _Context) -> None:
    from emgforce.forceplate import Plate, center_of_pressure

    for stream in ctx.rec.streams.values():
        names = [c.name for c in stream.channels]
        if "Fz" not in names:
            continue
        fz = stream.data[:, names.index("Fz")]
        cop = valid = None
        if stream.plate and all(k in names for k in ("Fx", "Fy", "Fz", "Mx", "My", "Mz")):
            try:
                plate = Plate.from_dict(stream.plate)
                forces = stream.data[:, [names.index(k) for k in ("Fx", "Fy", "Fz", "Mx", "My", "Mz")]]
                res = center_of_pressure(forces, plate, fz_threshold_n=ctx.opts.fz_threshold_n)
                valid = np.asarray(res.valid, dtype=bool)
                cop = np.where(valid[:, None], np.asarray(res.cop_m)[:, :2], np.nan)
                fz = np.asarray(res.fz_n, dtype=float)  # load, positive whatever the sign convention
            except EmgforceError as exc:
                ctx.note("warning", f"force stream {stream.name!r}: no COP ({exc})")
        else:
            ctx.note("warning", f"force stream {stream.name!r} has no plate description or moments: no COP")
        if cop is None and np.nanmedian(fz) < 0:
            fz = -fz
            ctx.note("warning", f"force stream {stream.name!r}: Fz is mostly negative; its load is taken as -Fz")
        side = (stream.plate or {}).get("name")  # a plate named "left"/"right" is under that foot
        ctx.plates.append(_Plate(stream.name, side if side in SIDES else None, float(stream.fs_hz), fz, cop, valid))
    if not ctx.plates:
        ctx.note("warning", "the recording has no force stream: COP, sway, load split and force-based segmentation are skipped")


# --------------------------------------------------------------------------- helpers


def _env_window(ctx: _Context, j: int, start_s: float, stop_s: float) -> np.ndarray:
    seg = ctx.env[time_slice(start_s, stop_s, ctx.emg_fs, ctx.env.shape[0]), j]
    return seg[np.isfinite(seg)]


def _emg_metrics(ctx: _Context, tr: TrialResult, windows: list[tuple[float, float]]) -> None:
    """Activation metrics of every channel over the windows taken together (iEMG, time above summed)."""
    if ctx.env is None:
        return
    for j, name in enumerate(ctx.names):
        seg = np.concatenate([_env_window(ctx, j, a, b) for a, b in windows])
        if seg.size < 2:
            _note(tr, "warning", f"{name}: no EMG samples in {', '.join(f'{a:.2f}-{b:.2f} s' for a, b in windows)}")
            continue
        unit = ctx.units[j]
        thr = ctx.opts.threshold_pct if unit != "V" else None
        m = activation_metrics(seg, ctx.emg_fs, thr)
        side = ctx.sides[j]
        tr.metrics.append(Metric("emg_mean", m["mean"], unit, side, name))
        tr.metrics.append(Metric("emg_peak", m["peak"], unit, side, name))
        tr.metrics.append(Metric("emg_iemg", m["iemg"], f"{unit}*s", side, name))
        if thr is not None:
            tr.metrics.append(Metric("emg_time_above_s", m["time_above_s"], "s", side, name))
            tr.metrics.append(Metric("emg_time_above_pct", m["time_above_pct"], "%", side, name))


def _working_channels(ctx: _Context, side: str | None, muscle: str = "gluteus_medius") -> list[int]:
    abbrev = MUSCLES[muscle][0]
    idx = [j for j, n in enumerate(ctx.names) if (parse_emg_channel_name(n) or ("", ""))[0] == muscle or n.startswith(abbrev + "_")]
    if side is not None:
        idx = [j for j in idx if ctx.sides[j] == side]
    return idx


def _stance_plate(ctx: _Context, side: str | None, start_s: float, stop_s: float) -> _Plate | None:
    if not ctx.plates:
        return None
    if side is not None:
        for p in ctx.plates:
            if p.side == side:
                return p
    return max(ctx.plates, key=lambda p: _mean_fz(p, start_s, stop_s))


def _mean_fz(p: _Plate, start_s: float, stop_s: float) -> float:
    seg = p.fz_n[time_slice(start_s, stop_s, p.fs_hz, p.fz_n.size)]
    seg = seg[np.isfinite(seg)]
    return float(np.mean(seg)) if seg.size else -math.inf


def _fz_sum(ctx: _Context, start_s: float, stop_s: float) -> tuple[np.ndarray, float] | None:
    """Summed Fz of all plates with the same rate over the window (the feet's total load)."""
    if not ctx.plates:
        return None
    fs = ctx.plates[0].fs_hz
    same = [p for p in ctx.plates if p.fs_hz == fs]
    sl = time_slice(start_s, stop_s, fs, min(p.fz_n.size for p in same))
    return np.sum([p.fz_n[sl] for p in same], axis=0), fs


# --------------------------------------------------------------------------- task analyses


def _note(tr: TrialResult, level: str, text: str) -> None:
    tr.messages.append(Message(level, text, tr.label))


def _trace(x: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """Every k-th sample (about TRACE_FS_HZ) and its time from the start, for the figures."""
    step = max(int(round(fs / TRACE_FS_HZ)), 1)
    return np.arange(0, x.shape[0], step) / fs, x[::step]


def _rep_signal(ctx: _Context, tr: TrialResult) -> tuple[np.ndarray, float, str, float, float] | None:
    """Signal that rises with each repetition: (values, fs, label, min_contrast, smoothing Hz).

    Bridges load the feet: the summed plate Fz when a plate is there;
    otherwise (and for squats, whose Fz stays near body weight) the mean
    envelope of the working GM channels.
    """
    if tr.task in ("bridge", "single_leg_bridge") and ctx.plates:
        fz = _fz_sum(ctx, tr.start_s, tr.stop_s)
        if fz is not None and np.all(np.isfinite(fz[0])):
            # a rep adds at least ~5 % of body weight (or 20 N) to the feet
            bw = _body_weight_n(ctx)
            return fz[0], fz[1], "Fz under the feet (N)", max(0.05 * bw, 20.0) if bw else 20.0, FZ_REP_SMOOTH_HZ
    cols = _working_channels(ctx, tr.side if tr.task != "bridge" else None)
    if ctx.env is None or not cols:
        return None
    sl = time_slice(tr.start_s, tr.stop_s, ctx.emg_fs, ctx.env.shape[0])
    sig = np.nanmean(ctx.env[sl][:, cols], axis=1)
    unit = ctx.units[cols[0]]
    what = " + ".join(ctx.names[j] for j in cols)
    label = f"GM envelope, {what} ({unit})" if len(cols) == 1 else f"GM envelope, mean of {what} ({unit})"
    return sig, ctx.emg_fs, label, 5.0 if unit != "V" else 0.0, ENVELOPE_REP_SMOOTH_HZ


def _body_weight_n(ctx: _Context) -> float | None:
    mass = getattr(ctx.rec.subject, "body_mass_kg", None)
    return 9.80665 * mass if mass else None


def _reps(ctx: _Context, tr: TrialResult, traces: dict[str, Any]) -> None:
    use_events = ctx.opts.segmentation == "auto"
    reps = segment.reps_from_events(ctx.rec.events, tr.start_s, tr.stop_s) if use_events else []
    sig = _rep_signal(ctx, tr)
    if reps:
        tr.segmentation = "events"
    elif sig is not None:
        values, fs, label, contrast, smooth = sig
        reps = segment.detect_plateaus(
            values, fs, t0_s=tr.start_s, smooth_hz=smooth, min_contrast=contrast, min_duration_s=ctx.opts.rep_min_duration_s
        )
        tr.segmentation = f"automatic ({label})"
    if sig is not None:
        t, v = _trace(sig[0], sig[1])
        traces.setdefault("rep_signal", {})[tr.label] = {"t_s": t + tr.start_s, "values": v, "label": sig[2]}
    tr.reps = reps
    tr.metrics.append(Metric("rep_count", float(len(reps)), "1"))
    if not reps:
        _note(tr, "warning", "no repetition found (no rep events and no rise in Fz/GM envelope): per-rep metrics skipped")
        _emg_metrics(ctx, tr, [(tr.start_s, tr.stop_s)])
        return
    holds = np.array([r.hold_s for r in reps])
    tr.metrics.append(Metric("rep_duration_mean_s", float(np.mean([r.duration_s for r in reps])), "s"))
    if tr.task != "squat":
        tr.metrics.append(Metric("hold_mean_s", float(np.mean(holds)), "s"))
        tr.metrics.append(Metric("hold_cv_pct", coefficient_of_variation(holds), "%"))
    for i, r in enumerate(reps):
        tr.metrics.append(Metric("rep_duration_s", r.duration_s, "s", rep=i))
        if tr.task != "squat":
            tr.metrics.append(Metric("rep_hold_s", r.hold_s, "s", rep=i))
    # activation over the movements (the lead-in rest is not part of the task)
    _emg_metrics(ctx, tr, [(r.start_s, r.stop_s) for r in reps])
    if ctx.env is None:
        return
    window = (lambda r: (r.hold_start_s, r.hold_stop_s)) if tr.task != "squat" else (lambda r: (r.start_s, r.stop_s))
    for j, name in enumerate(ctx.names):
        means = []
        for i, r in enumerate(reps):
            seg = _env_window(ctx, j, *window(r))
            if seg.size < 2:
                means.append(math.nan)
                continue
            m = activation_metrics(seg, ctx.emg_fs, None)
            means.append(m["mean"])
            tr.metrics.append(Metric("rep_emg_mean", m["mean"], ctx.units[j], ctx.sides[j], name, i))
            tr.metrics.append(Metric("rep_emg_peak", float(np.max(_env_window(ctx, j, r.start_s, r.stop_s))), ctx.units[j], ctx.sides[j], name, i))
        tr.metrics.append(Metric("rep_emg_mean_cv_pct", coefficient_of_variation(means), "%", ctx.sides[j], name))
    if tr.task != "squat":
        _fatigue(ctx, tr, [(r.hold_start_s, r.hold_stop_s) for r in reps])
    _rep_onsets(ctx, tr)


def _rep_onsets(ctx: _Context, tr: TrialResult) -> None:
    """Working-GM onset relative to each repetition's movement start (Hodges & Bui, k = 3 SD).

    The baseline is the quiet time before the rep (after the previous one), ending 0.25 s
    before its start; reps with less than ``onset_baseline_s`` of it are skipped.
    """
    from emgforce.signal import detect_onsets

    if ctx.emg_raw is None:
        return
    cols = _working_channels(ctx, tr.side if tr.task != "bridge" else None)
    skipped = 0
    prev = tr.start_s
    for i, r in enumerate(tr.reps):
        b0, b1 = prev, r.start_s - 0.25
        prev = r.stop_s
        if b1 - b0 < ctx.opts.onset_baseline_s:
            skipped += 1
            continue
        seg = ctx.emg_raw[time_slice(b0, r.stop_s, ctx.emg_fs, ctx.emg_raw.shape[0])][:, cols]
        if not np.all(np.isfinite(seg)):
            skipped += 1
            continue
        bursts = detect_onsets(seg, ctx.emg_fs, method="hodges", baseline=(0.0, b1 - b0))
        for k, j in enumerate(cols):
            after = [b for b in bursts if b.channel == k and b.onset_s >= b1 - b0]
            if after:
                tr.metrics.append(Metric("rep_onset_latency_s", b0 + after[0].onset_s - r.start_s, "s", ctx.sides[j], ctx.names[j], i))
    if skipped:
        _note(tr, "info", f"onset latency skipped for {skipped} rep(s) with less than {ctx.opts.onset_baseline_s:g} s "
              "of quiet EMG before them")


def _fatigue(ctx: _Context, tr: TrialResult, windows: list[tuple[float, float]]) -> None:
    """Median-frequency slope (%/s of the initial value) over each hold, per working GM channel."""
    from emgforce.signal import spectral_fatigue

    if ctx.emg_raw is None:
        return
    cols = _working_channels(ctx, tr.side if tr.task not in ("bridge", "stance_double") else None)
    need = 2 * ctx.opts.fatigue_epoch_s
    for j in cols:
        slopes = []
        for i, (a, b) in enumerate(windows):
            seg = ctx.emg_raw[time_slice(a, b, ctx.emg_fs, ctx.emg_raw.shape[0]), j]
            if seg.size < need * ctx.emg_fs or not np.all(np.isfinite(seg)):
                continue
            res = spectral_fatigue(seg, ctx.emg_fs, epoch_s=ctx.opts.fatigue_epoch_s, band_hz=C.BANDPASS_HZ)
            slope = float(np.ravel(res.mdf_slope_pct_s)[0])
            slopes.append(slope)
            if len(windows) > 1:
                tr.metrics.append(Metric("rep_mdf_slope_pct_s", slope, "%/s", ctx.sides[j], ctx.names[j], i))
        if slopes:
            tr.metrics.append(Metric("mdf_slope_pct_s", float(np.mean(slopes)), "%/s", ctx.sides[j], ctx.names[j]))
        else:
            _note(tr, "info", f"{ctx.names[j]}: the MDF fatigue slope needs gap-free holds of at least {need:g} s "
                  f"(two {ctx.opts.fatigue_epoch_s:g} s epochs): skipped")


def _stance_from_fz(ctx: _Context, tr: TrialResult, plate: _Plate) -> tuple[float | None, float | None, list[tuple[float, float]]]:
    """Lift, put-down and balance losses from the stance plate's load."""
    from emgforce.forceplate import detect_balance_losses

    sl = time_slice(tr.start_s, tr.stop_s, plate.fs_hz, plate.fz_n.size)
    fz = plate.fz_n[sl]
    bw = _body_weight_n(ctx)

    def stance_phase(levels: segment.PlateauLevels | None) -> tuple[Phase | None, float]:
        phases = segment.detect_plateaus(fz, plate.fs_hz, t0_s=tr.start_s, levels=levels,
                                         min_contrast=max(0.1 * (bw or 0.0), 20.0), min_duration_s=1.0, merge_gap_s=5.0)
        if not phases:
            return None, math.nan
        phase = max(phases, key=lambda p: p.duration_s)
        hold = fz[time_slice(phase.hold_start_s - tr.start_s, phase.hold_stop_s - tr.start_s, plate.fs_hz, fz.size)]
        return phase, float(np.median(hold)) if hold.size else math.nan

    # double stance loads the stance plate with about half the body weight, single stance with all of it
    phase, load = stance_phase(segment.PlateauLevels(0.5 * bw, bw) if bw else None)
    if bw and (phase is None or not abs(load - bw) <= 0.15 * bw):
        _note(tr, "warning", f"the stance-plate load does not step to the body weight from the subject's mass "
              f"({bw:.0f} N): the lift is found from the load's own levels; check the body mass")
        phase, load = stance_phase(None)
        bw = None
    if phase is None:
        return None, None, []
    lift, putdown = phase.start_s, phase.stop_s
    bw_est = bw or load
    losses = []
    hold0, hold1 = phase.hold_start_s - tr.start_s, phase.hold_stop_s - tr.start_s
    if hold1 > hold0:
        for ev in detect_balance_losses(fz, plate.fs_hz, body_weight_n=bw_est, start_s=hold0, stop_s=hold1):
            losses.append((float(tr.start_s + ev.time_s), float(tr.start_s + (ev.end_s if ev.end_s is not None else ev.time_s))))
    return lift, putdown, losses


def _stance(ctx: _Context, tr: TrialResult, traces: dict[str, Any]) -> None:
    """Single-leg stance: leg lift to put-down, balance losses, onset latency, sway."""
    plate = _stance_plate(ctx, tr.side, tr.start_s, tr.stop_s)
    lift = putdown = None
    losses: list[tuple[float, float]] = []
    lifts = segment.marks_in(ctx.rec.events, "lift", tr.start_s, tr.stop_s) if ctx.opts.segmentation == "auto" else []
    if lifts:
        lift = lifts[0]
        putdown = tr.stop_s
        for td in segment.marks_in(ctx.rec.events, "touchdown", lift, putdown):
            relift = [t for t in lifts if t > td]
            losses.append((td, relift[0] if relift else putdown))
        tr.segmentation = "events"
    elif plate is not None:
        lift, putdown, losses = _stance_from_fz(ctx, tr, plate)
        tr.segmentation = f"automatic (Fz of plate {plate.name!r})"
    if lift is None:
        _note(tr, "warning", "no leg lift found (no lift event, no step in the stance-plate load): "
              "the whole trial is analysed as single-leg stance")
        lift, putdown = tr.start_s, tr.stop_s
        tr.segmentation = "whole trial"
    tr.stance = Phase(lift, lift, putdown, putdown)
    tr.balance_losses = losses
    tr.metrics.append(Metric("lift_s", lift - tr.start_s, "s"))
    tr.metrics.append(Metric("stance_duration_s", putdown - lift, "s"))
    tr.metrics.append(Metric("balance_losses", float(len(losses)), "1", tr.side))
    tr.metrics.append(Metric("balance_loss_time_s", float(sum(b - a for a, b in losses)), "s", tr.side))
    _emg_metrics(ctx, tr, [(lift, putdown)])
    _onsets(ctx, tr, lift)
    _fatigue(ctx, tr, [(lift, putdown)])
    if plate is None:
        return
    _stabilisation(ctx, tr, plate, lift, putdown)
    # sway over the longest stretch without a balance loss
    bounds = [lift] + [x for a, b in losses for x in (a, b)] + [putdown]
    a, b = max(zip(bounds[::2], bounds[1::2]), key=lambda s: s[1] - s[0])
    if losses:
        _note(tr, "info", f"sway computed over {a:.2f}-{b:.2f} s, the longest stretch without a balance loss")
    _sway(ctx, tr, plate, a, b, traces)


def _stabilisation(ctx: _Context, tr: TrialResult, plate: _Plate, lift: float, putdown: float) -> None:
    """Time to stabilisation of the vertical load after the lift (sequential average)."""
    from emgforce.forceplate import time_to_stabilization

    if lift <= tr.start_s or putdown - lift < 1.0:
        return
    fz = plate.fz_n[time_slice(lift, putdown, plate.fs_hz, plate.fz_n.size)]
    res = time_to_stabilization(fz, plate.fs_hz, method="sequential")
    tr.metrics.append(Metric("time_to_stabilization_s", float(res.time_s), "s", tr.side))
    if res.reason:
        _note(tr, "info", f"time to stabilisation: {res.reason}")


def _onsets(ctx: _Context, tr: TrialResult, lift: float) -> None:
    """GM onset latency relative to the leg lift (negative: anticipatory), Hodges & Bui (k = 3 SD)."""
    from emgforce.signal import detect_onsets

    if ctx.emg_raw is None:
        return
    # baseline: quiet double stance from the trial start to 0.25 s before the lift
    base_s = lift - 0.25 - tr.start_s
    if base_s < ctx.opts.onset_baseline_s:
        _note(tr, "info", f"onset latency needs {ctx.opts.onset_baseline_s:g} s of double stance before the lift; "
              f"only {max(base_s, 0.0):.2f} s: skipped")
        return
    cols = _working_channels(ctx, None)
    seg = ctx.emg_raw[time_slice(tr.start_s, tr.stop_s, ctx.emg_fs, ctx.emg_raw.shape[0])][:, cols]
    if not np.all(np.isfinite(seg)):
        _note(tr, "info", "onset latency skipped: lost EMG samples in the trial")
        return
    bursts = detect_onsets(seg, ctx.emg_fs, method="hodges", baseline=(0.0, base_s))
    for k, j in enumerate(cols):
        after = [b for b in bursts if b.channel == k and b.onset_s >= base_s]
        if after:
            tr.metrics.append(Metric("onset_latency_s", tr.start_s + after[0].onset_s - lift, "s", ctx.sides[j], ctx.names[j]))
        else:
            _note(tr, "info", f"{ctx.names[j]}: no onset above baseline + {C.ONSET_K_SD:g} SD after the baseline")


def _sway(ctx: _Context, tr: TrialResult, plate: _Plate, start_s: float, stop_s: float, traces: dict[str, Any]) -> None:
    """COP sway descriptors of a continuous loaded stretch, and its stabilogram trace."""
    from emgforce.forceplate import sway_descriptors

    if plate.cop_m is None:
        _note(tr, "warning", f"plate {plate.name!r} has no COP: sway skipped")
        return
    cop = plate.cop_m[time_slice(start_s, stop_s, plate.fs_hz, plate.cop_m.shape[0])]
    duration = cop.shape[0] / plate.fs_hz
    if not np.all(np.isfinite(cop)):
        _note(tr, "warning", f"COP undefined (load at or below {ctx.opts.fz_threshold_n:g} N) in part of "
              f"{start_s:.2f}-{stop_s:.2f} s: sway skipped")
        return
    # the stabilogram shows the COP about its mean, as the descriptors see it (Prieto 1996)
    centre = cop.mean(axis=0) if cop.shape[0] else np.zeros(2)
    step = max(int(round(plate.fs_hz / TRACE_FS_HZ)), 1)
    trace = {"cop_m": cop[::step] - centre, "window": f"{start_s:.1f}-{stop_s:.1f} s", "ellipse": None}
    if duration < ctx.opts.min_sway_s:
        _note(tr, "warning", f"sway needs at least {ctx.opts.min_sway_s:g} s of stance; only {duration:.2f} s available: "
              "descriptors skipped (the stabilogram shows the COP path only)")
        if cop.shape[0] >= 3:
            traces.setdefault("cop", {})[tr.label] = dict(trace, note=f"{duration:.1f} s: too short for sway descriptors")
        return
    res = sway_descriptors(cop, plate.fs_hz, resample_hz=ctx.opts.sway_resample_hz)
    for name, value in res.values.items():
        tr.metrics.append(Metric(f"sway_{name}", float(value), _unit_of(name), plate.side or tr.side))
    reasons = sorted(set(res.reasons.values()))
    if reasons:
        _note(tr, "info", "some sway descriptors are not available: " + "; ".join(reasons))
    trace["ellipse"] = _ellipse(cop - centre, float(res.values.get("area_prediction_ellipse95_m2", math.nan)))
    traces.setdefault("cop", {})[tr.label] = trace


_UNIT_SUFFIXES = (("_m2_s", "m^2/s"), ("_m_s", "m/s"), ("_m2", "m^2"), ("_hz", "Hz"), ("_m", "m"), ("_s", "s"))


def _unit_of(name: str) -> str:
    """Unit of a sway descriptor from its name's suffix (``mean_velocity_m_s`` -> m/s)."""
    for suffix, unit in _UNIT_SUFFIXES:
        if name.endswith(suffix):
            return unit
    return "1"


def _ellipse(cop: np.ndarray, area_m2: float) -> dict[str, Any] | None:
    """Axes of the ellipse to draw: principal axes of the COP covariance scaled to the reported area."""
    if not math.isfinite(area_m2) or cop.shape[0] < 3:
        return None
    evals, evecs = np.linalg.eigh(np.cov(cop.T))
    if not evals[0] > 0:
        return None
    k = area_m2 / (math.pi * math.sqrt(evals[0] * evals[1]))
    major = evecs[:, 1]
    return {
        "centre_m": [0.0, 0.0],
        "semi_axes_m": [math.sqrt(k * evals[1]), math.sqrt(k * evals[0])],
        "angle_rad": math.atan2(major[1], major[0]),
        "area_m2": area_m2,
    }


def _load_split(ctx: _Context, tr: TrialResult, start_s: float, stop_s: float) -> None:
    loaded = [p for p in ctx.plates if _mean_fz(p, start_s, stop_s) > ctx.opts.fz_threshold_n]
    if len(loaded) < 2:
        if tr.task in ("stance_double", "bridge"):
            _note(tr, "info", "load split needs one plate under each foot; fewer than two loaded plates")
        return
    keys = [p.side or p.name for p in loaded]
    if len(set(keys)) < len(keys):  # two plates labelled with the same side
        _note(tr, "warning", f"plates {', '.join(p.name for p in loaded)} carry the same side label: "
              "load split reported per plate name; check the plate sides")
        keys = [p.name for p in loaded]
        loaded = [replace(p, side=None) for p in loaded]
    fs = {p.fs_hz for p in loaded}
    if len(fs) > 1:
        _note(tr, "warning", "plates sampled at different rates: load split skipped")
        return
    n = min(p.fz_n.size for p in loaded)
    sl = time_slice(start_s, stop_s, loaded[0].fs_hz, n)
    split = load_split({k: p.fz_n[sl] for k, p in zip(keys, loaded)})
    for p, k in zip(loaded, keys):
        tr.metrics.append(Metric("load_pct" if p.side else f"load_pct_{k}", split[k], "%", p.side))


def _mvc(ctx: _Context, tr: TrialResult) -> None:
    from emgforce.signal import mvc_reference

    if ctx.env is None:
        return
    for j in range(len(ctx.names)):
        if tr.side is not None and ctx.sides[j] not in (None, tr.side):
            continue
        seg = _env_window(ctx, j, tr.start_s, tr.stop_s)
        if seg.size < C.MVC_WINDOW_S * ctx.emg_fs:
            _note(tr, "warning", f"{ctx.names[j]}: MVC trial shorter than the {C.MVC_WINDOW_S:g} s averaging window")
            continue
        v = float(mvc_reference(seg, ctx.emg_fs, window_s=C.MVC_WINDOW_S))
        # in volts (compared between sides) and, when normalised, relative to the reference
        tr.metrics.append(Metric("mvc_1s_mean_max_v", v * ctx.refs[j] / 100.0, "V", ctx.sides[j], ctx.names[j]))
        if ctx.units[j] != "V":
            tr.metrics.append(Metric("mvc_1s_mean_max", v, ctx.units[j], ctx.sides[j], ctx.names[j]))


def _analyze_trial(ctx: _Context, trial: Any, traces: dict[str, Any]) -> TrialResult:
    tr = TrialResult(
        label=trial.label, task=trial.task, side=trial.side, index=trial.index, start_s=float(trial.start_s),
        stop_s=float(trial.stop_s), segmentation="events", normalisation=ctx.opts.normalisation,
    )
    try:
        if trial.task == "mvc":
            _mvc(ctx, tr)
        elif trial.task == "stance":
            _stance(ctx, tr, traces)
        elif trial.task in ("squat", "bridge", "single_leg_bridge"):
            _reps(ctx, tr, traces)
            _load_split(ctx, tr, tr.reps[0].start_s if tr.reps else tr.start_s, tr.reps[-1].stop_s if tr.reps else tr.stop_s)
        else:  # rest, double-leg stance, unknown: whole trial
            _emg_metrics(ctx, tr, [(tr.start_s, tr.stop_s)])
            _load_split(ctx, tr, tr.start_s, tr.stop_s)
            if trial.task != "rest" and ctx.plates:
                plate = _stance_plate(ctx, None, tr.start_s, tr.stop_s) if len(ctx.plates) == 1 else None
                if plate is not None:
                    _sway(ctx, tr, plate, tr.start_s, tr.stop_s, traces)
                else:
                    _net_sway(ctx, tr, traces)
    except EmgforceError as exc:
        _note(tr, "error", f"analysis incomplete: {exc}")
    except Exception as exc:  # never let one trial stop the session
        log.exception("trial %s", tr.label)
        _note(tr, "error", f"analysis incomplete ({type(exc).__name__}: {exc}); please report this")
    return tr


def _net_sway(ctx: _Context, tr: TrialResult, traces: dict[str, Any]) -> None:
    """Sway of the net COP of all loaded plates: the Fz-weighted mean of the plates' COPs."""
    loaded = [p for p in ctx.plates if p.cop_m is not None and _mean_fz(p, tr.start_s, tr.stop_s) > ctx.opts.fz_threshold_n]
    if not loaded:
        _note(tr, "warning", f"no plate carries more than {ctx.opts.fz_threshold_n:g} N: sway skipped")
        return
    if len({p.fs_hz for p in loaded}) > 1:
        _note(tr, "warning", "the loaded plates are sampled at different rates: net COP and sway skipped")
        return
    if len(loaded) == 1:
        _sway(ctx, tr, loaded[0], tr.start_s, tr.stop_s, traces)
        return
    fs = loaded[0].fs_hz
    n = min(p.fz_n.size for p in loaded)
    w = np.stack([np.where(p.valid[:n], p.fz_n[:n], 0.0) for p in loaded])
    c = np.stack([np.nan_to_num(p.cop_m[:n]) for p in loaded])
    total = w.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        net = np.einsum("pn,pnk->nk", w, c) / total[:, None]
    net[total <= ctx.opts.fz_threshold_n] = np.nan
    net_plate = _Plate("net", None, fs, total, net, np.isfinite(net).all(axis=1))
    _sway(ctx, tr, net_plate, tr.start_s, tr.stop_s, traces)


# --------------------------------------------------------------------------- session level

#: one-sided tasks whose working GM is compared between sides -> words of the summary line
_COMPARED = {
    "stance": "GM activation in single-leg stance",
    "squat": "GM activation in single-leg squat",
    "single_leg_bridge": "GM activation in single-leg bridge",
    "mvc": "GM MVC amplitude",
}


def _side_mean(trials: list[TrialResult], task: str, side: str, metric: str, ctx: _Context, working: bool = True) -> tuple[float, str]:
    vals, unit = [], ""
    for t in trials:
        if t.task != task or t.side != side:
            continue
        for m in t.metrics:
            if m.name != metric or m.rep is not None:
                continue
            if working and not (m.muscle and m.side == side and m.muscle in [ctx.names[j] for j in _working_channels(ctx, side)]):
                continue
            if math.isfinite(m.value):
                vals.append(m.value)
                unit = m.unit
    return (float(np.mean(vals)) if vals else math.nan), unit


def _symmetry(ctx: _Context, result: SessionResult) -> None:
    affected = result.subject.get("affected_side")
    votes: list[str] = []
    for task, words in _COMPARED.items():
        metric = "mvc_1s_mean_max_v" if task == "mvc" else "emg_mean"
        (left, unit), (right, _) = (_side_mean(result.trials, task, s, metric, ctx) for s in SIDES)
        if not (math.isfinite(left) or math.isfinite(right)):
            continue
        if unit == "V":  # MVC amplitudes read better in microvolts
            left, right, unit = left * 1e6, right * 1e6, "uV"
        s = compare_sides(task, f"GM {metric}", unit, left, right, affected)
        result.symmetry.append(s)
        result.summary.append(summary_line(s, words))
        if task != "mvc" and abs(s.si_pct) >= WEAK_SIDE_MIN_SI_PCT:
            votes.append("left" if left < right else "right")
    left, right = (_side_mean(result.trials, "stance", s, "sway_rms_distance_ml_m", ctx, working=False)[0] * 1e3 for s in SIDES)
    if math.isfinite(left) and math.isfinite(right):
        s = compare_sides("stance", "sway_rms_distance_ml_m", "mm", left, right, affected)
        result.symmetry.append(s)
        result.summary.append(summary_line(s, "ML sway (RMS) in single-leg stance"))
    losses = {s: _side_mean(result.trials, "stance", s, "balance_losses", ctx, working=False)[0] for s in SIDES}
    if all(math.isfinite(v) for v in losses.values()):
        result.summary.append(f"Balance losses in single-leg stance (mean per trial): left {losses['left']:g}, right {losses['right']:g}")
    # bilateral tasks: the two sides within the same trials
    for task, words in (("bridge", "GM activation in supine bridge"), ("stance_double", "Load in double-leg stance")):
        metric = "load_pct" if task == "stance_double" else "emg_mean"
        vals: dict[str, list[float]] = {"left": [], "right": []}
        unit = ""
        for t in result.trials:
            if t.task != task:
                continue
            for m in t.metrics:
                if m.name == metric and m.rep is None and m.side in SIDES and math.isfinite(m.value):
                    if metric == "emg_mean" and not (m.muscle and m.muscle.startswith("GM_")):
                        continue
                    vals[m.side].append(m.value)
                    unit = m.unit
        if vals["left"] and vals["right"]:
            quantity = f"GM {metric}" if metric == "emg_mean" else metric  # named as the one-sided tasks' rows
            s = compare_sides(task, quantity, unit, float(np.mean(vals["left"])), float(np.mean(vals["right"])), affected)
            result.symmetry.append(s)
            result.summary.append(summary_line(s, words))
    n_tasks = sum(1 for s in result.symmetry if s.task in _COMPARED and s.task != "mvc" and s.quantity == "GM emg_mean")
    n_left = votes.count("left")
    n_right = len(votes) - n_left
    if max(n_left, n_right) * 2 > n_tasks:
        result.detected_weak_side = "left" if n_left > n_right else "right"
        result.summary.append(
            f"GM activation at least {WEAK_SIDE_MIN_SI_PCT:g} % (Robinson SI) lower on the {result.detected_weak_side} "
            f"side in {max(n_left, n_right)} of {n_tasks} one-sided tasks"
        )
    elif n_tasks:
        result.summary.append(f"No side with consistently lower GM activation (|SI| >= {WEAK_SIDE_MIN_SI_PCT:g} % in a majority of tasks)")
    if affected and result.detected_weak_side and affected != result.detected_weak_side:
        ctx.note(
            "warning",
            f"the subject's affected side is recorded as {affected}, but GM activation is lower on the "
            f"{result.detected_weak_side} side in most tasks: check the side labels of the subject, trials and electrodes",
        )
    _check_channel_sides(ctx, result)


def _check_channel_sides(ctx: _Context, result: SessionResult) -> None:
    """Standing on one leg activates that leg's GM: the opposite in every stance trial suggests swapped labels."""
    swapped, checked = 0, 0
    for t in result.trials:
        if t.task != "stance" or t.side is None:
            continue
        by_side = {m.side: m.value for m in t.metrics if m.name == "emg_mean" and m.rep is None and m.muscle and m.muscle.startswith("GM_")}
        if set(SIDES) <= set(by_side) and by_side["left"] != by_side["right"]:
            checked += 1
            other = "right" if t.side == "left" else "left"
            swapped += by_side[other] > by_side[t.side]
    if checked >= 2 and swapped == checked:
        ctx.note(
            "warning",
            "in every single-leg stance trial the GM of the lifted leg is more active than the stance leg's: "
            "the EMG channel sides (or the trial labels) look swapped; check the electrode labels",
        )


def _subject_dict(subject: Any) -> dict[str, Any]:
    keys = ("id", "body_mass_kg", "affected_side", "height_m")
    return {k: getattr(subject, k, None) for k in keys}


def _whole_recording_trial(rec: Any, task: str | None) -> Any:
    from emgforce.io.recording import Trial

    label = task or "recording"
    return Trial(label, 0.0, float(rec.duration_s), 0)


def analyze_session(
    rec_or_path: Any,
    *,
    normalisation: str = "mvc",
    fallback: str = "peak_task",
    task: str | None = None,
    segmentation: str = "auto",
    keep_traces: bool = True,
    **settings: Any,
) -> SessionResult:
    """Analyse one session.

    Parameters
    ----------
    rec_or_path : Recording or path
        A :class:`emgforce.io.Recording`, an emgforce HDF5 session or a C3D file.
    normalisation : {"mvc", "peak_task", "none"}
        EMG amplitude normalisation: % of the MVC reference (max 1 s moving
        mean of the envelope over the MVC trials of the channel's side), % of
        the same statistic over the task trials, or none (volts).
    fallback : {"peak_task", "none"}
        Used, and reported, for channels without a usable MVC trial.
    task : str, optional
        Task of a recording without trial events (analysed as one trial).
    segmentation : {"auto", "signals"}
        ``"auto"`` uses rep/lift/touchdown events where present and the
        signals otherwise; ``"signals"`` ignores those events.
    keep_traces : bool
        Keep decimated signals for the figures in ``result.traces``.
    **settings
        Further :class:`AnalysisOptions` fields (``threshold_pct``,
        ``fz_threshold_n``, ``min_sway_s``, ...).

    Returns
    -------
    SessionResult
    """
    opts = AnalysisOptions(normalisation=normalisation, fallback=fallback, task=task, segmentation=segmentation, **settings)
    if isinstance(rec_or_path, (str, Path)):
        source = str(rec_or_path)
        rec = load_session(rec_or_path)
        session = Path(rec_or_path).stem
    else:
        rec = rec_or_path
        source = str(getattr(rec, "path", None) or "<in memory>")
        session = Path(rec.path).stem if getattr(rec, "path", None) else str(rec.metadata.get("session", "session"))
    ctx = _Context(rec, opts)
    # rep/hold start-stop pairs are sub-events inside trials, not trials
    trials = [t for t in rec.trials() if t.label not in ACTIVITY_LABELS]
    unknown = sorted({t.label for t in trials if t.task not in TASKS})
    if unknown:
        ctx.note("info", f"trials with labels outside the protocol's tasks get the generic analysis: {', '.join(unknown)}")
    if not trials:
        trials = [_whole_recording_trial(rec, task)]
        ctx.note(
            "info" if task else "warning",
            f"no trial events: the whole recording ({rec.duration_s:.1f} s) is analysed as one "
            + (f"{task} trial" if task else "trial of unknown task (give task=... to name it)"),
        )
    incomplete = [t.label for t in trials if not getattr(t, "complete", True)]
    if incomplete:
        ctx.note("warning", f"trials without a stop event (closed at the next start or the end): {', '.join(incomplete)}")
    if opts.normalisation == "mvc" and not any(t.task == "mvc" for t in trials):
        ctx.note("warning", f"the session has no MVC trial: EMG is normalised by '{opts.fallback}' instead of %MVC")
    try:
        norm, ref = _emg_setup(ctx, trials)
    except EmgforceError as exc:
        norm, ref = {}, {}
        ctx.env = ctx.emg_raw = None
        ctx.names, ctx.sides, ctx.units = [], [], []
        ctx.note("error", f"the EMG could not be processed ({exc}): EMG metrics are skipped")
    _plate_setup(ctx)
    traces: dict[str, Any] = {}
    if keep_traces and ctx.env is not None:
        t, v = _trace(ctx.env, ctx.emg_fs)
        traces["envelope"] = {
            "t_s": t,
            "channels": {n: v[:, j] for j, n in enumerate(ctx.names)},
            "unit": dict(zip(ctx.names, ctx.units)),
        }
        traces["channel_side"] = {n: s for n, s in zip(ctx.names, ctx.sides) if s is not None}
    result = SessionResult(
        source=source,
        session=session,
        subject=_subject_dict(rec.subject),
        info=session_info(rec),
        normalisation_requested=opts.normalisation,
        normalisation=norm,
        reference=ref,
        settings={
            **{k: getattr(opts, k) for k in opts.__dataclass_fields__},
            "si_formula": SI_FORMULA,
            "lsi_formula": LSI_FORMULA,
        },
    )
    fallen = sorted(n for n, m in norm.items() if m != opts.normalisation)
    if fallen:  # first line of the summary: these numbers are not in the requested unit
        by = sorted({_FALLBACK_WORDS.get(norm[n], norm[n]) for n in fallen})
        result.summary.append(
            f"EMG of {', '.join(fallen)} normalised by {' / '.join(by)}, not by {opts.normalisation} as requested "
            "(see messages): each channel keeps its own scale, so left/right differences are not differences in %MVC"
        )
    for trial in trials:
        result.trials.append(_analyze_trial(ctx, trial, traces))
    _symmetry(ctx, result)
    result.messages = ctx.messages
    result.traces = traces if keep_traces else {}
    return result

"""Session preparation shared by all tasks: EMG envelopes and normalization, plate loads and COP."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from emgforce import constants as C
from emgforce.errors import EmgforceError
from emgforce.io.channels import recognize_channel
from emgforce.naming import SIDES
from emgforce.tasks.context import Context, PlateData
from emgforce.tasks.windows import Columns, SessionEmg

__all__ = ["FALLBACK_WORDS", "NORM_UNIT", "WindowPeaks", "channel_tags", "emg_setup", "plate_setup", "reference",
           "window_peaks"]

NORM_UNIT = {"mvc": "%MVC", "peak_task": "%peak"}
FALLBACK_WORDS = {"peak_task": "the peak over the task trials (%peak)", "none": "nothing (volts)"}


def emg_setup(ctx: Context, trials: list[Any]) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """Envelopes and normalization of every EMG channel into ``ctx.emg``; returns (normalization, reference) per channel.

    The raw EMG is read once in chunks for the channel statistics (mean, gaps, quality,
    mains hum); envelopes are then computed over the trial windows only
    (:class:`~emgforce.tasks.windows.SessionEmg`), equal to the whole-session envelope.
    """
    from emgforce.signal import EnvelopeParams
    from emgforce.signal.mains import MainsHumSweep
    from emgforce.signal.sweep import sweep_channels
    from emgforce.signal.windowed import WindowedEnvelope

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
    ctx.sides, ctx.muscles = channel_tags(chans)
    raw = Columns(emg.data, cols)
    hum = MainsHumSweep(ctx.emg_fs) if ctx.opts.notch_hz == "auto" else None
    stats = sweep_channels(raw, channel_names=ctx.names, visit=hum.add if hum else None)
    if stats.rows_nonfinite:
        ctx.note("warning", f"EMG: {stats.rows_nonfinite} lost samples (gaps) are excluded from the metrics")
    quality = stats.quality()
    for j in np.flatnonzero(quality.flat):
        ctx.note("warning", f"EMG channel {ctx.names[j]} is flat (constant): disconnected or unused?")
    for j in np.flatnonzero(quality.saturated & ~quality.flat):
        ctx.note("warning", f"EMG channel {ctx.names[j]}: {int(quality.n_saturated[j])} samples look clipped "
                 "(amplifier saturation): amplitudes are underestimated")
    params = EnvelopeParams(lowpass_hz=ctx.opts.envelope_lowpass_hz, notch_hz=_notch(ctx, hum),
                            nonfinite="interpolate")
    envelope = WindowedEnvelope(raw, ctx.emg_fs, mean=stats.mean_interpolated(), params=params)
    ctx.emg = SessionEmg(envelope, [(t.start_s, t.stop_s) for t in trials])

    norm: dict[str, str] = {}
    ref: dict[str, dict[str, Any]] = {}
    refs = np.full(len(cols), math.nan)
    task_trials = [t for t in trials if t.task not in ("mvc", "rest")] or trials
    mvc_peaks = window_peaks(ctx, [t for t in trials if t.task == "mvc"]) if ctx.opts.normalization == "mvc" else {}
    task_peaks: dict[int, WindowPeaks] | None = None
    for j, name in enumerate(ctx.names):
        method = ctx.opts.normalization
        if method == "mvc":
            mvc_trials = [t for t in trials if t.task == "mvc" and (t.side is None or ctx.sides[j] is None or t.side == ctx.sides[j])]
            refs[j], why = reference([mvc_peaks[id(t)] for t in mvc_trials], j)
            if not math.isfinite(refs[j]):
                method = ctx.opts.fallback
                if mvc_trials:
                    ctx.note("warning", f"{name}: no MVC reference ({why}); normalised by {FALLBACK_WORDS[method]} instead")
                elif any(t.task == "mvc" for t in trials):
                    ctx.note("warning", f"{name}: no MVC trial for the {ctx.sides[j] or 'unknown'} side; "
                             f"normalised by {FALLBACK_WORDS[method]} instead")
        if method == "peak_task":
            if task_peaks is None:  # enveloped once, for the channels that need it
                task_peaks = window_peaks(ctx, task_trials)
            refs[j], why = reference([task_peaks[id(t)] for t in task_trials], j)
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
    ctx.emg.refs = refs
    return norm, ref


@dataclass(frozen=True)
class WindowPeaks:
    """Per channel, what the reference needs of one trial's envelope (finite samples, volts)."""

    long: np.ndarray  # at least the reference window of samples
    positive: np.ndarray  # some sample above zero
    peak: np.ndarray  # largest moving mean (NaN when not long, or not positive: see why)
    why: tuple[str, ...]  # why there is no peak ("" when there is)


def window_peaks(ctx: Context, trials: list[Any]) -> dict[int, WindowPeaks]:
    """:class:`WindowPeaks` of each trial (by ``id``), each trial enveloped once for all channels."""
    from emgforce.signal import mvc_reference

    out: dict[int, WindowPeaks] = {}
    for t in trials:
        if id(t) in out:
            continue
        env = ctx.emg.volts(t.start_s, t.stop_s)
        n_ch = len(ctx.names)
        long, positive, peak, why = np.zeros(n_ch, bool), np.zeros(n_ch, bool), np.full(n_ch, math.nan), [""] * n_ch
        for j in range(n_ch):
            seg = env[:, j]
            seg = seg[np.isfinite(seg)]
            long[j] = seg.size >= C.MVC_WINDOW_S * ctx.emg_fs
            positive[j] = bool(np.any(seg > 0))
            if long[j]:
                try:
                    peak[j] = mvc_reference(seg, ctx.emg_fs, window_s=C.MVC_WINDOW_S)
                except EmgforceError as exc:
                    why[j] = str(exc)
        out[id(t)] = WindowPeaks(long, positive, peak, tuple(why))
    return out


def reference(peaks: list[WindowPeaks], j: int) -> tuple[float, str]:
    """Channel ``j``'s largest 1 s moving mean of the envelope over the trials of ``peaks``, or NaN and why not."""
    held = [p for p in peaks if p.long[j]]
    if not held:
        return math.nan, f"no trial holds {C.MVC_WINDOW_S:g} s of EMG"
    if not any(p.positive[j] for p in held):
        return math.nan, "the channel is flat (all zero): disconnected or unused?"
    values = [p.peak[j] for p in held if math.isfinite(p.peak[j])]
    if values:  # the largest over the trials, as mvc_reference of them all
        return float(max(values)), ""
    return math.nan, next(p.why[j] for p in held if p.why[j])


#: COP samples outside the plate (beyond this margin) in more than this share of the loaded samples are flagged
COP_OUTSIDE_MARGIN_M = 0.02
COP_OUTSIDE_SHARE = 0.05


def _check_cop_on_plate(ctx: Context, name: str, cop: np.ndarray, corners_m: np.ndarray) -> None:
    """Flag a COP that leaves the plate: wrong corners, origin, units or sign convention in the file."""
    ok = np.all(np.isfinite(cop), axis=1)
    if not ok.any():
        return
    lo = corners_m[:, :2].min(axis=0) - COP_OUTSIDE_MARGIN_M
    hi = corners_m[:, :2].max(axis=0) + COP_OUTSIDE_MARGIN_M
    outside = np.any((cop[ok] < lo) | (cop[ok] > hi), axis=1)
    share = float(outside.mean())
    if share > COP_OUTSIDE_SHARE:
        ctx.note("warning", f"force stream {name!r}: the COP lies outside the plate in {100 * share:.0f} % of the loaded "
                 "samples: check the plate's corners, origin, units and sign convention in the file (COP and sway "
                 "are suspect)")


def channel_tags(chans: Any) -> tuple[list[str | None], list[str | None]]:
    """(sides, muscles) of EMG channels: their tags, or the label recogniser's answer for untagged
    channels (in-memory recordings, older files)."""
    guesses = [recognize_channel(c.name) if c.muscle is None or c.side not in SIDES else None for c in chans]
    sides = [c.side if c.side in SIDES else g.side for c, g in zip(chans, guesses)]
    muscles = [c.muscle if c.muscle else g.muscle for c, g in zip(chans, guesses)]
    return sides, muscles


def _notch(ctx: Context, sweep: Any) -> float | None:
    """The notch frequency: the user's, or 50/60 Hz when mains hum is detected (``"auto"``: by ``sweep``,
    a :class:`~emgforce.signal.mains.MainsHumSweep` fed the raw EMG), said in a message."""
    from emgforce.signal.mains import HUM_THRESHOLD_DB

    if ctx.opts.notch_hz != "auto":
        if ctx.opts.notch_hz is not None:
            ctx.note("info", f"EMG notch filter at {ctx.opts.notch_hz:g} Hz (set by the user)")
        return ctx.opts.notch_hz
    hum = sweep.result()
    if hum.f0_hz is None:
        return None
    names = ", ".join(ctx.names[j] for j in hum.channels)
    ctx.note("warning", f"mains hum at {hum.f0_hz:g} Hz detected in {names} ({hum.excess_db[hum.f0_hz]:.0f} dB above "
             f"the neighbouring spectrum, threshold {HUM_THRESHOLD_DB:g} dB): EMG notched at {hum.f0_hz:g} Hz; "
             "--notch off (notch_hz=None) turns this off, --notch 50/60 sets it")
    return hum.f0_hz


def plate_setup(ctx: Context) -> None:
    """Vertical load and COP of every force stream into ``ctx.plates``."""
    from emgforce.forceplate import Plate, center_of_pressure

    for stream in ctx.rec.streams.values():
        names = [c.name for c in stream.channels]
        if "Fz" not in names:
            continue
        fz = cop = valid = None
        if stream.plate and all(k in names for k in ("Fx", "Fy", "Fz", "Mx", "My", "Mz")):
            try:
                plate = Plate.from_dict(stream.plate)
                forces = stream.data[:, [names.index(k) for k in ("Fx", "Fy", "Fz", "Mx", "My", "Mz")]]
                res = center_of_pressure(forces, plate, fz_threshold_n=ctx.opts.fz_threshold_n)
                del forces  # a long session's six columns: not kept while the COP is checked
                valid = np.asarray(res.valid, dtype=bool)
                cop = np.where(valid[:, None], np.asarray(res.cop_m)[:, :2], np.nan)
                fz = np.asarray(res.fz_n, dtype=float)  # load, positive whatever the sign convention
                _check_cop_on_plate(ctx, stream.name, cop, plate.corners_m)
            except EmgforceError as exc:
                ctx.note("warning", f"force stream {stream.name!r}: no COP ({exc})")
        else:
            ctx.note("warning", f"force stream {stream.name!r} has no plate description or moments: no COP")
        if cop is None:  # read here only without a COP: a lazily read stream is then read once
            fz = stream.data[:, names.index("Fz")]
        if cop is None and np.nanmedian(fz) < 0:
            fz = -fz
            ctx.note("warning", f"force stream {stream.name!r}: Fz is mostly negative; its load is taken as -Fz")
        side = (stream.plate or {}).get("name")  # a plate named "left"/"right" is under that foot
        ctx.plates.append(PlateData(stream.name, side if side in SIDES else None, float(stream.fs_hz), fz, cop, valid))
    if not ctx.plates:
        ctx.note("warning", "the recording has no force stream: COP, sway, load split and force-based segmentation are skipped")

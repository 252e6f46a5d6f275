"""Session preparation shared by all tasks: EMG envelopes and normalization, plate loads and COP."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from emgforce import constants as C
from emgforce.errors import EmgforceError
from emgforce.io.recording import time_slice
from emgforce.io.channels import recognize_channel
from emgforce.naming import SIDES
from emgforce.tasks.context import Context, PlateData

__all__ = ["FALLBACK_WORDS", "NORM_UNIT", "channel_tags", "emg_setup", "plate_setup", "reference"]

NORM_UNIT = {"mvc": "%MVC", "peak_task": "%peak"}
FALLBACK_WORDS = {"peak_task": "the peak over the task trials (%peak)", "none": "nothing (volts)"}


def emg_setup(ctx: Context, trials: list[Any]) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """Envelopes and normalization of every EMG channel into ``ctx``; returns (normalization, reference) per channel."""
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
    ctx.sides, ctx.muscles = channel_tags(chans)
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
    params = EnvelopeParams(lowpass_hz=ctx.opts.envelope_lowpass_hz, notch_hz=_notch(ctx, raw), nonfinite="interpolate")
    env = emg_envelope(raw, ctx.emg_fs, params=params)
    env[lost] = np.nan

    norm: dict[str, str] = {}
    ref: dict[str, dict[str, Any]] = {}
    refs = np.full(len(cols), math.nan)
    task_trials = [t for t in trials if t.task not in ("mvc", "rest")] or trials
    for j, name in enumerate(ctx.names):
        method = ctx.opts.normalization
        if method == "mvc":
            mvc_trials = [t for t in trials if t.task == "mvc" and (t.side is None or ctx.sides[j] is None or t.side == ctx.sides[j])]
            refs[j], why = reference(env[:, j], ctx.emg_fs, mvc_trials)
            if not math.isfinite(refs[j]):
                method = ctx.opts.fallback
                if mvc_trials:
                    ctx.note("warning", f"{name}: no MVC reference ({why}); normalised by {FALLBACK_WORDS[method]} instead")
                elif any(t.task == "mvc" for t in trials):
                    ctx.note("warning", f"{name}: no MVC trial for the {ctx.sides[j] or 'unknown'} side; "
                             f"normalised by {FALLBACK_WORDS[method]} instead")
        if method == "peak_task":
            refs[j], why = reference(env[:, j], ctx.emg_fs, task_trials)
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


def _notch(ctx: Context, raw: np.ndarray) -> float | None:
    """The notch frequency: the user's, or 50/60 Hz when mains hum is detected (``"auto"``), said in a message."""
    from emgforce.signal.mains import HUM_THRESHOLD_DB, detect_mains_hum

    if ctx.opts.notch_hz != "auto":
        if ctx.opts.notch_hz is not None:
            ctx.note("info", f"EMG notch filter at {ctx.opts.notch_hz:g} Hz (set by the user)")
        return ctx.opts.notch_hz
    hum = detect_mains_hum(raw, ctx.emg_fs)
    if hum.f0_hz is None:
        return None
    names = ", ".join(ctx.names[j] for j in hum.channels)
    ctx.note("warning", f"mains hum at {hum.f0_hz:g} Hz detected in {names} ({hum.excess_db[hum.f0_hz]:.0f} dB above "
             f"the neighbouring spectrum, threshold {HUM_THRESHOLD_DB:g} dB): EMG notched at {hum.f0_hz:g} Hz; "
             "--notch off (notch_hz=None) turns this off, --notch 50/60 sets it")
    return hum.f0_hz


def reference(env: np.ndarray, fs: float, trials: list[Any]) -> tuple[float, str]:
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


def plate_setup(ctx: Context) -> None:
    """Vertical load and COP of every force stream into ``ctx.plates``."""
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
                _check_cop_on_plate(ctx, stream.name, cop, plate.corners_m)
            except EmgforceError as exc:
                ctx.note("warning", f"force stream {stream.name!r}: no COP ({exc})")
        else:
            ctx.note("warning", f"force stream {stream.name!r} has no plate description or moments: no COP")
        if cop is None and np.nanmedian(fz) < 0:
            fz = -fz
            ctx.note("warning", f"force stream {stream.name!r}: Fz is mostly negative; its load is taken as -Fz")
        side = (stream.plate or {}).get("name")  # a plate named "left"/"right" is under that foot
        ctx.plates.append(PlateData(stream.name, side if side in SIDES else None, float(stream.fs_hz), fz, cop, valid))
    if not ctx.plates:
        ctx.note("warning", "the recording has no force stream: COP, sway, load split and force-based segmentation are skipped")

"""Force-plate measurements shared by the tasks: COP sway, load split, time to stabilisation."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from emgforce._runs import true_runs
from emgforce.io.recording import time_slice
from emgforce.tasks.context import TRACE_FS_HZ, Context, PlateData, mean_fz, note
from emgforce.tasks.metrics import load_split
from emgforce.tasks.results import Metric, TrialResult

__all__ = ["ellipse", "net_sway", "stabilization", "sway", "trial_load_split", "unit_of"]


def sway(ctx: Context, tr: TrialResult, plate: PlateData, start_s: float, stop_s: float, traces: dict[str, Any]) -> None:
    """COP sway descriptors over the longest loaded stretch of a window, and its stabilogram trace."""
    from emgforce.forceplate import sway_descriptors

    if plate.cop_m is None:
        note(tr, "warning", f"plate {plate.name!r} has no COP: sway skipped")
        return
    sl = time_slice(start_s, stop_s, plate.fs_hz, plate.cop_m.shape[0])
    cop = plate.cop_m[sl]
    ok = np.all(np.isfinite(cop), axis=1)
    if not ok.all():
        # unloaded moments (stepping on or off, a foot lifted): the longest loaded stretch
        runs = true_runs(ok)
        if not runs:
            note(tr, "warning", f"COP undefined (load at or below {ctx.opts.fz_threshold_n:g} N) throughout "
                  f"{start_s:.2f}-{stop_s:.2f} s: sway skipped")
            return
        i0, i1 = max(runs, key=lambda r: r[1] - r[0])
        cop = cop[i0:i1]
        start_s, stop_s = (sl.start + i0) / plate.fs_hz, (sl.start + i1) / plate.fs_hz
        note(tr, "info", f"COP undefined (load at or below {ctx.opts.fz_threshold_n:g} N) in part of the window: "
              f"sway computed over {start_s:.2f}-{stop_s:.2f} s, the longest loaded stretch")
    duration = cop.shape[0] / plate.fs_hz
    # the stabilogram shows the COP about its mean, as the descriptors see it (Prieto 1996)
    centre = cop.mean(axis=0) if cop.shape[0] else np.zeros(2)
    step = max(int(round(plate.fs_hz / TRACE_FS_HZ)), 1)
    trace = {"cop_m": cop[::step] - centre, "window": f"{start_s:.1f}-{stop_s:.1f} s", "ellipse": None}
    if duration < ctx.opts.min_sway_s:
        note(tr, "warning", f"sway needs at least {ctx.opts.min_sway_s:g} s of stance; only {duration:.2f} s available: "
              "descriptors skipped (the stabilogram shows the COP path only)")
        if cop.shape[0] >= 3:
            traces.setdefault("cop", {})[tr.label] = dict(trace, note=f"{duration:.1f} s: too short for sway descriptors")
        return
    res = sway_descriptors(cop, plate.fs_hz, resample_hz=ctx.opts.sway_resample_hz)
    for name, value in res.values.items():
        tr.metrics.append(Metric(f"sway_{name}", float(value), unit_of(name), plate.side or tr.side))
    reasons = sorted(set(res.reasons.values()))
    if reasons:
        note(tr, "info", "some sway descriptors are not available: " + "; ".join(reasons))
    trace["ellipse"] = ellipse(cop - centre, float(res.values.get("area_prediction_ellipse95_m2", math.nan)))
    traces.setdefault("cop", {})[tr.label] = trace


_UNIT_SUFFIXES = (("_m2_s", "m^2/s"), ("_m_s", "m/s"), ("_m2", "m^2"), ("_hz", "Hz"), ("_m", "m"), ("_s", "s"))


def unit_of(name: str) -> str:
    """Unit of a sway descriptor from its name's suffix (``mean_velocity_m_s`` -> m/s)."""
    for suffix, unit in _UNIT_SUFFIXES:
        if name.endswith(suffix):
            return unit
    return "1"


def ellipse(cop: np.ndarray, area_m2: float) -> dict[str, Any] | None:
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


def trial_load_split(ctx: Context, tr: TrialResult, start_s: float, stop_s: float, *, expected: bool = False) -> None:
    """Share of the load on each loaded plate over the window (``expected``: say so when fewer than two)."""
    loaded = [p for p in ctx.plates if mean_fz(p, start_s, stop_s) > ctx.opts.fz_threshold_n]
    if len(loaded) < 2:
        if expected:
            note(tr, "info", "load split needs one plate under each foot; fewer than two loaded plates")
        return
    keys = [p.side or p.name for p in loaded]
    if len(set(keys)) < len(keys):  # two plates labelled with the same side
        note(tr, "warning", f"plates {', '.join(p.name for p in loaded)} carry the same side label: "
              "load split reported per plate name; check the plate sides")
        keys = [p.name for p in loaded]
        loaded = [replace(p, side=None) for p in loaded]
    fs = {p.fs_hz for p in loaded}
    if len(fs) > 1:
        note(tr, "warning", "plates sampled at different rates: load split skipped")
        return
    n = min(p.fz_n.size for p in loaded)
    sl = time_slice(start_s, stop_s, loaded[0].fs_hz, n)
    split = load_split({k: p.fz_n[sl] for k, p in zip(keys, loaded)})
    for p, k in zip(loaded, keys):
        tr.metrics.append(Metric("load_pct" if p.side else f"load_pct_{k}", split[k], "%", p.side))


def net_sway(ctx: Context, tr: TrialResult, traces: dict[str, Any]) -> None:
    """Sway of the net COP of all loaded plates: the Fz-weighted mean of the plates' COPs."""
    loaded = [p for p in ctx.plates if p.cop_m is not None and mean_fz(p, tr.start_s, tr.stop_s) > ctx.opts.fz_threshold_n]
    if not loaded:
        note(tr, "warning", f"no plate carries more than {ctx.opts.fz_threshold_n:g} N: sway skipped")
        return
    if len({p.fs_hz for p in loaded}) > 1:
        note(tr, "warning", "the loaded plates are sampled at different rates: net COP and sway skipped")
        return
    if len(loaded) == 1:
        sway(ctx, tr, loaded[0], tr.start_s, tr.stop_s, traces)
        return
    fs = loaded[0].fs_hz
    n = min(p.fz_n.size for p in loaded)
    w = np.stack([np.where(p.valid[:n], p.fz_n[:n], 0.0) for p in loaded])
    c = np.stack([np.nan_to_num(p.cop_m[:n]) for p in loaded])
    total = w.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        net = np.einsum("pn,pnk->nk", w, c) / total[:, None]
    net[total <= ctx.opts.fz_threshold_n] = np.nan
    net_plate = PlateData("net", None, fs, total, net, np.isfinite(net).all(axis=1))
    sway(ctx, tr, net_plate, tr.start_s, tr.stop_s, traces)


def stabilization(ctx: Context, tr: TrialResult, plate: PlateData, lift: float, putdown: float) -> None:
    """Time to stabilisation of the vertical load after the lift (sequential average)."""
    from emgforce.forceplate import time_to_stabilization

    if lift <= tr.start_s or putdown - lift < 1.0:
        return
    fz = plate.fz_n[time_slice(lift, putdown, plate.fs_hz, plate.fz_n.size)]
    res = time_to_stabilization(fz, plate.fs_hz, method="sequential")
    tr.metrics.append(Metric("time_to_stabilization_s", float(res.time_s), "s", tr.side))
    if res.reason:
        note(tr, "info", f"time to stabilisation: {res.reason}")

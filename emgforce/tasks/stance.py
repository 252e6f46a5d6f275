"""Quiet stance: single-leg stance (lift to put-down) and double-leg stance (whole trial)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from emgforce.io.recording import time_slice
from emgforce.naming import SIDES
from emgforce.tasks import segment
from emgforce.tasks.activation import emg_metrics, fatigue, lift_onsets
from emgforce.tasks.balance import stabilisation, sway
from emgforce.tasks.base import Task, register
from emgforce.tasks.context import Context, PlateData, body_weight_n, note, side_mean, stance_plate
from emgforce.tasks.generic import WholeTrial
from emgforce.tasks.results import Metric, Phase, SessionResult, TrialResult
from emgforce.tasks.symmetry import compare_sides, summary_line

__all__ = ["DoubleLegStance", "SingleLegStance", "stance_from_fz"]


class SingleLegStance(Task):
    """Single-leg stance: leg lift to put-down, balance losses, onset latency, stabilisation, sway."""

    key = "stance"
    side_comparison = "GM activation in single-leg stance"
    votes_weak_side = True

    def segment(self, ctx: Context, tr: TrialResult, traces: dict[str, Any]) -> None:
        """Lift and put-down from lift/touchdown events, else from the stance plate's load, else the whole trial."""
        plate = stance_plate(ctx, tr.side, tr.start_s, tr.stop_s)
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
            lift, putdown, losses = stance_from_fz(ctx, tr, plate)
            tr.segmentation = f"automatic (Fz of plate {plate.name!r})"
        if lift is None:
            note(tr, "warning", "no leg lift found (no lift event, no step in the stance-plate load): "
                 "the whole trial is analysed as single-leg stance")
            lift, putdown = tr.start_s, tr.stop_s
            tr.segmentation = "whole trial"
        tr.stance = Phase(lift, lift, putdown, putdown)
        tr.balance_losses = losses

    def measure(self, ctx: Context, tr: TrialResult, traces: dict[str, Any]) -> None:
        lift, putdown, losses = tr.stance.start_s, tr.stance.stop_s, tr.balance_losses
        tr.metrics.append(Metric("lift_s", lift - tr.start_s, "s"))
        tr.metrics.append(Metric("stance_duration_s", putdown - lift, "s"))
        tr.metrics.append(Metric("balance_losses", float(len(losses)), "1", tr.side))
        tr.metrics.append(Metric("balance_loss_time_s", float(sum(b - a for a, b in losses)), "s", tr.side))
        emg_metrics(ctx, tr, [(lift, putdown)])
        lift_onsets(ctx, tr, lift)
        fatigue(ctx, tr, [(lift, putdown)], tr.side)
        plate = stance_plate(ctx, tr.side, tr.start_s, tr.stop_s)
        if plate is None:
            return
        stabilisation(ctx, tr, plate, lift, putdown)
        # sway over the longest stretch without a balance loss
        bounds = [lift] + [x for a, b in losses for x in (a, b)] + [putdown]
        a, b = max(zip(bounds[::2], bounds[1::2]), key=lambda s: s[1] - s[0])
        if losses:
            note(tr, "info", f"sway computed over {a:.2f}-{b:.2f} s, the longest stretch without a balance loss")
        sway(ctx, tr, plate, a, b, traces)

    def summarise(self, ctx: Context, result: SessionResult) -> None:
        """ML sway and balance losses between sides; a check of the EMG channel sides."""
        affected = result.subject.get("affected_side")
        left, right = (side_mean(result.trials, self.key, s, "sway_rms_distance_ml_m", ctx, working=False)[0] * 1e3 for s in SIDES)
        if math.isfinite(left) and math.isfinite(right):
            s = compare_sides(self.key, "sway_rms_distance_ml_m", "mm", left, right, affected)
            result.symmetry.append(s)
            result.summary.append(summary_line(s, "ML sway (RMS) in single-leg stance"))
        losses = {s: side_mean(result.trials, self.key, s, "balance_losses", ctx, working=False)[0] for s in SIDES}
        if all(math.isfinite(v) for v in losses.values()):
            result.summary.append(f"Balance losses in single-leg stance (mean per trial): left {losses['left']:g}, right {losses['right']:g}")
        _check_channel_sides(ctx, result)


def _check_channel_sides(ctx: Context, result: SessionResult) -> None:
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


def stance_from_fz(ctx: Context, tr: TrialResult, plate: PlateData) -> tuple[float | None, float | None, list[tuple[float, float]]]:
    """Lift, put-down and balance losses from the stance plate's load."""
    from emgforce.forceplate import detect_balance_losses

    sl = time_slice(tr.start_s, tr.stop_s, plate.fs_hz, plate.fz_n.size)
    fz = plate.fz_n[sl]
    bw = body_weight_n(ctx)

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
        note(tr, "warning", f"the stance-plate load does not step to the body weight from the subject's mass "
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


class DoubleLegStance(WholeTrial):
    """Quiet double-leg stance: whole-trial activation, load split between the feet, sway of the net COP."""

    key = "stance_double"
    expects_load_split = True
    bilateral_comparison = "Load in double-leg stance"
    bilateral_metric = "load_pct"


register(DoubleLegStance())
register(SingleLegStance())

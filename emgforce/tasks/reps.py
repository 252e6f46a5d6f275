"""Repetition tasks (squat, bridges): reps from events or from a signal that rises with each rep."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from emgforce.tasks import segment
from emgforce.tasks.activation import emg_metrics, fatigue, rep_onsets
from emgforce.tasks.balance import trial_load_split
from emgforce.tasks.base import Task
from emgforce.tasks.context import (Context, body_weight_n, env_rows, env_window, fz_sum, note, trace,
                                    working_channels)
from emgforce.tasks.metrics import activation_metrics, coefficient_of_variation
from emgforce.tasks.results import Metric, TrialResult

__all__ = ["ENVELOPE_REP_SMOOTH_HZ", "FZ_REP_SMOOTH_HZ", "RepetitionTask", "rep_signal"]

#: low-pass before rep detection: Fz is clean; the GM envelope fluctuates 10-20 % in holds
FZ_REP_SMOOTH_HZ = 5.0
ENVELOPE_REP_SMOOTH_HZ = 2.0


class RepetitionTask(Task):
    """Repeated movements: per-rep duration, hold, activation, fatigue and onset latency, and the load split."""

    #: the movement holds a plateau (bridges) whose activation, duration and fatigue are measured
    has_hold: bool = True
    #: the movement loads the feet, so the plates' summed Fz finds the reps
    loads_feet: bool = False
    #: both legs work: both GMs are the working muscles
    bilateral: bool = False
    #: a load split between two plates is expected
    expects_load_split: bool = False

    def working_side(self, tr: TrialResult) -> str | None:
        return None if self.bilateral else tr.side

    def segment(self, ctx: Context, tr: TrialResult, traces: dict[str, Any]) -> None:
        """Reps from rep events (``segmentation="auto"``), else detected on :func:`rep_signal`."""
        use_events = ctx.opts.segmentation == "auto"
        reps = segment.reps_from_events(ctx.rec.events, tr.start_s, tr.stop_s) if use_events else []
        sig = rep_signal(ctx, tr, loads_feet=self.loads_feet, side=self.working_side(tr))
        if reps:
            tr.segmentation = "events"
        elif sig is not None:
            values, fs, label, contrast, smooth = sig
            reps = segment.detect_plateaus(
                values, fs, t0_s=tr.start_s, smooth_hz=smooth, min_contrast=contrast, min_duration_s=ctx.opts.rep_min_duration_s
            )
            tr.segmentation = f"automatic ({label})"
        if sig is not None:
            t, v = trace(sig[0], sig[1])
            traces.setdefault("rep_signal", {})[tr.label] = {"t_s": t + tr.start_s, "values": v, "label": sig[2]}
        tr.reps = reps

    def measure(self, ctx: Context, tr: TrialResult, traces: dict[str, Any]) -> None:
        self._measure_reps(ctx, tr)
        reps = tr.reps
        trial_load_split(ctx, tr, reps[0].start_s if reps else tr.start_s, reps[-1].stop_s if reps else tr.stop_s,
                         expected=self.expects_load_split)

    def _measure_reps(self, ctx: Context, tr: TrialResult) -> None:
        reps = tr.reps
        tr.metrics.append(Metric("rep_count", float(len(reps)), "1"))
        if not reps:
            note(tr, "warning", "no repetition found (no rep events and no rise in Fz/GM envelope): per-rep metrics skipped")
            emg_metrics(ctx, tr, [(tr.start_s, tr.stop_s)])
            return
        holds = np.array([r.hold_s for r in reps])
        tr.metrics.append(Metric("rep_duration_mean_s", float(np.mean([r.duration_s for r in reps])), "s"))
        if self.has_hold:
            tr.metrics.append(Metric("hold_mean_s", float(np.mean(holds)), "s"))
            tr.metrics.append(Metric("hold_cv_pct", coefficient_of_variation(holds), "%"))
        for i, r in enumerate(reps):
            tr.metrics.append(Metric("rep_duration_s", r.duration_s, "s", rep=i))
            if self.has_hold:
                tr.metrics.append(Metric("rep_hold_s", r.hold_s, "s", rep=i))
        # activation over the movements (the lead-in rest is not part of the task)
        emg_metrics(ctx, tr, [(r.start_s, r.stop_s) for r in reps])
        if ctx.emg is None:
            return
        window = (lambda r: (r.hold_start_s, r.hold_stop_s)) if self.has_hold else (lambda r: (r.start_s, r.stop_s))
        for j, name in enumerate(ctx.names):
            means = []
            for i, r in enumerate(reps):
                seg = env_window(ctx, j, *window(r))
                if seg.size < 2:
                    means.append(math.nan)
                    continue
                m = activation_metrics(seg, ctx.emg_fs, None)
                means.append(m["mean"])
                tr.metrics.append(Metric("rep_emg_mean", m["mean"], ctx.units[j], ctx.sides[j], name, i))
                tr.metrics.append(Metric("rep_emg_peak", float(np.max(env_window(ctx, j, r.start_s, r.stop_s))), ctx.units[j], ctx.sides[j], name, i))
            tr.metrics.append(Metric("rep_emg_mean_cv_pct", coefficient_of_variation(means), "%", ctx.sides[j], name))
        if self.has_hold:
            fatigue(ctx, tr, [(r.hold_start_s, r.hold_stop_s) for r in reps], self.working_side(tr))
        rep_onsets(ctx, tr, self.working_side(tr))


def rep_signal(ctx: Context, tr: TrialResult, *, loads_feet: bool, side: str | None) -> tuple[np.ndarray, float, str, float, float] | None:
    """Signal that rises with each repetition: (values, fs, label, min_contrast, smoothing Hz).

    Tasks that load the feet (bridges): the summed plate Fz when a plate is
    there; otherwise (and for squats, whose Fz stays near body weight) the
    mean envelope of the working GM channels of ``side`` (None: both).
    """
    if loads_feet and ctx.plates:
        fz = fz_sum(ctx, tr.start_s, tr.stop_s)
        if fz is not None and np.all(np.isfinite(fz[0])):
            # a rep adds at least ~5 % of body weight (or 20 N) to the feet
            bw = body_weight_n(ctx)
            return fz[0], fz[1], "Fz under the feet (N)", max(0.05 * bw, 20.0) if bw else 20.0, FZ_REP_SMOOTH_HZ
    cols = working_channels(ctx, side)
    if ctx.emg is None or not cols:
        return None
    env = env_rows(ctx, tr.start_s, tr.stop_s)[:, cols]
    finite = np.isfinite(env).sum(axis=1)
    # mean of the finite channels; NaN in a gap of them all (np.nanmean would warn there)
    sig = np.where(finite > 0, np.nansum(env, axis=1) / np.maximum(finite, 1), np.nan)
    unit = ctx.units[cols[0]]
    what = " + ".join(ctx.names[j] for j in cols)
    label = f"GM envelope, {what} ({unit})" if len(cols) == 1 else f"GM envelope, mean of {what} ({unit})"
    return sig, ctx.emg_fs, label, 5.0 if unit != "V" else 0.0, ENVELOPE_REP_SMOOTH_HZ

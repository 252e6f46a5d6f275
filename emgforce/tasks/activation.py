"""EMG measurements shared by the tasks: activation over windows, onset latencies, spectral fatigue."""

from __future__ import annotations

import numpy as np

from emgforce import constants as C
from emgforce.tasks.context import Context, env_window, note, raw_rows, working_channels
from emgforce.tasks.metrics import activation_metrics
from emgforce.tasks.results import Metric, TrialResult

__all__ = ["emg_metrics", "fatigue", "lift_onsets", "rep_onsets"]


def emg_metrics(ctx: Context, tr: TrialResult, windows: list[tuple[float, float]]) -> None:
    """Activation metrics of every channel over the windows taken together (iEMG, time above summed)."""
    if ctx.emg is None:
        return
    for j, name in enumerate(ctx.names):
        seg = np.concatenate([env_window(ctx, j, a, b) for a, b in windows])
        if seg.size < 2:
            note(tr, "warning", f"{name}: no EMG samples in {', '.join(f'{a:.2f}-{b:.2f} s' for a, b in windows)}")
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


def rep_onsets(ctx: Context, tr: TrialResult, side: str | None) -> None:
    """Working-GM onset (of ``side``; None: both) relative to each repetition's movement start (Hodges & Bui, k = 3 SD).

    The baseline is the quiet time before the rep (after the previous one), ending 0.25 s
    before its start; reps with less than ``onset_baseline_s`` of it are skipped.
    """
    from emgforce.signal import detect_onsets

    if ctx.emg is None:
        return
    cols = working_channels(ctx, side)
    skipped = 0
    prev = tr.start_s
    for i, r in enumerate(tr.reps):
        b0, b1 = prev, r.start_s - 0.25
        prev = r.stop_s
        if b1 - b0 < ctx.opts.onset_baseline_s:
            skipped += 1
            continue
        seg = raw_rows(ctx, b0, r.stop_s)[:, cols]
        if not np.all(np.isfinite(seg)):
            skipped += 1
            continue
        bursts = detect_onsets(seg, ctx.emg_fs, method="hodges", baseline=(0.0, b1 - b0))
        for k, j in enumerate(cols):
            after = [b for b in bursts if b.channel == k and b.onset_s >= b1 - b0]
            if after:
                tr.metrics.append(Metric("rep_onset_latency_s", b0 + after[0].onset_s - r.start_s, "s", ctx.sides[j], ctx.names[j], i))
    if skipped:
        note(tr, "info", f"onset latency skipped for {skipped} rep(s) with less than {ctx.opts.onset_baseline_s:g} s "
              "of quiet EMG before them")


def fatigue(ctx: Context, tr: TrialResult, windows: list[tuple[float, float]], side: str | None) -> None:
    """Median-frequency slope (%/s of the initial value) over each hold, per working GM channel of ``side`` (None: both)."""
    from emgforce.signal import spectral_fatigue

    if ctx.emg is None:
        return
    cols = working_channels(ctx, side)
    need = 2 * ctx.opts.fatigue_epoch_s
    for j in cols:
        slopes = []
        for i, (a, b) in enumerate(windows):
            seg = raw_rows(ctx, a, b)[:, j]
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
            note(tr, "info", f"{ctx.names[j]}: the MDF fatigue slope needs gap-free holds of at least {need:g} s "
                  f"(two {ctx.opts.fatigue_epoch_s:g} s epochs): skipped")


def lift_onsets(ctx: Context, tr: TrialResult, lift: float) -> None:
    """GM onset latency relative to the leg lift (negative: anticipatory), Hodges & Bui (k = 3 SD)."""
    from emgforce.signal import detect_onsets

    if ctx.emg is None:
        return
    # baseline: quiet double stance from the trial start to 0.25 s before the lift
    base_s = lift - 0.25 - tr.start_s
    if base_s < ctx.opts.onset_baseline_s:
        note(tr, "info", f"onset latency needs {ctx.opts.onset_baseline_s:g} s of double stance before the lift; "
              f"only {max(base_s, 0.0):.2f} s: skipped")
        return
    cols = working_channels(ctx, None)
    seg = raw_rows(ctx, tr.start_s, tr.stop_s)[:, cols]
    if not np.all(np.isfinite(seg)):
        note(tr, "info", "onset latency skipped: lost EMG samples in the trial")
        return
    bursts = detect_onsets(seg, ctx.emg_fs, method="hodges", baseline=(0.0, base_s))
    for k, j in enumerate(cols):
        after = [b for b in bursts if b.channel == k and b.onset_s >= base_s]
        if after:
            tr.metrics.append(Metric("onset_latency_s", tr.start_s + after[0].onset_s - lift, "s", ctx.sides[j], ctx.names[j]))
        else:
            note(tr, "info", f"{ctx.names[j]}: no onset above baseline + {C.ONSET_K_SD:g} SD after the baseline")

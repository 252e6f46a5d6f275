"""Figures of a session analysis (matplotlib, Agg backend, imported lazily).

Each ``plot_*`` function draws one figure from a :class:`SessionResult` (its
``traces`` hold decimated signals) and returns the matplotlib Figure, or None
when the session has no data for it; :func:`session_figures` yields every
figure the report shows. Sides always have the colours of
:data:`emgforce.report.labels.SIDE_COLORS`; lengths are in mm and areas in cm^2.
"""

from __future__ import annotations

__all__ = [
    "DPI",
    "FIGURE_GROUPS",
    "ellipse_outline",
    "plot_activation_bars",
    "plot_envelopes",
    "plot_rep_curves",
    "plot_reps",
    "plot_stabilogram",
    "pyplot",
    "session_figures",
]

import math
import textwrap
from collections.abc import Iterator
from typing import Any

import numpy as np

from emgforce._paths import safe_filename
from emgforce.naming import MUSCLES, SIDES, TASKS
from emgforce.report.curves import activation_stats, mean_sd, rep_curves
from emgforce.report.labels import side_color
from emgforce.report.references import reference_for
from emgforce.tasks.results import SessionResult, TrialResult

DPI = 100
#: figure groups a report template can choose from, in report order
FIGURE_GROUPS = ("rep_curves", "activation_bars", "stabilograms", "envelopes", "reps")
_TASK_SHADES = ("#f0f0f0", "#e0e0e0")


def pyplot():
    """matplotlib.pyplot on the Agg backend (imported on first use)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _task_words(task: str) -> str:
    return task.replace("_", " ")


def _muscle_words(muscle: str) -> str:
    return MUSCLES[muscle][1] if muscle in MUSCLES else muscle


def _affected(result: SessionResult, side: str) -> str:
    return " (affected)" if result.subject.get("affected_side") == side else ""


def plot_envelopes(result: SessionResult) -> Any | None:
    """Normalised envelope of every EMG channel over the session, trials shaded and labelled."""
    env = result.traces.get("envelope")
    if not env or not env["channels"]:
        return None
    plt = pyplot()
    names = list(env["channels"])
    # one y scale for all channels in the same unit: left and right compare at a glance
    same_unit = len({env["unit"][n] for n in names}) == 1
    fig, axes = plt.subplots(len(names), 1, figsize=(11, 1.6 + 1.5 * len(names)), sharex=True, sharey=same_unit, squeeze=False)
    t = np.asarray(env["t_s"])
    for ax, name in zip(axes[:, 0], names):
        for k, tr in enumerate(result.trials):
            ax.axvspan(tr.start_s, tr.stop_s, color=_TASK_SHADES[k % 2], lw=0)
        side = result.traces.get("channel_side", {}).get(name)
        ax.plot(t, env["channels"][name], lw=0.7, color=side_color(side))
        ax.set_ylabel(f"{name}\n[{env['unit'][name]}]", fontsize=8)
        ax.margins(x=0)
    top = axes[0, 0]
    for tr in result.trials:
        top.text(0.5 * (tr.start_s + tr.stop_s), 1.02, tr.label, transform=top.get_xaxis_transform(),
                 ha="center", va="bottom", fontsize=7, rotation=30)
    axes[-1, 0].set_xlabel("time (s)")
    fig.suptitle("EMG linear envelopes over the session (blue: left, orange: right)", y=0.995, fontsize=10)
    fig.tight_layout()
    return fig


def plot_rep_curves(result: SessionResult) -> Any | None:
    """Per task and side, the rep-averaged time-normalised envelope (0-100 % of the rep) +/- 1 SD."""
    curves = rep_curves(result)
    if not curves:
        return None
    plt = pyplot()
    tasks = [t for t in TASKS if any(k[0] == t for k in curves)] + sorted({k[0] for k in curves} - set(TASKS))
    muscles = [m for m in MUSCLES if any(k[1] == m for k in curves)]
    fig, axes = plt.subplots(len(muscles), len(tasks), figsize=(1.5 + 3.4 * len(tasks), 0.8 + 2.6 * len(muscles)),
                             sharex=True, sharey="row", squeeze=False)
    x = np.linspace(0.0, 100.0, next(iter(curves.values()))["curves"].shape[1])
    for i, muscle in enumerate(muscles):
        for j, task in enumerate(tasks):
            ax = axes[i, j]
            unit = ""
            for side in SIDES:
                entry = curves.get((task, muscle, side))
                if entry is None:
                    continue
                unit = entry["unit"]
                mean, sd = mean_sd(entry["curves"])
                color = side_color(side)
                n = entry["curves"].shape[0]
                ax.plot(x, mean, color=color, lw=1.5, label=f"{side}{_affected(result, side)}, n={n} reps")
                if n > 1:
                    ax.fill_between(x, mean - sd, mean + sd, color=color, alpha=0.2, lw=0)
            if i == 0:
                ax.set_title(_task_words(task), fontsize=9)
            if j == 0:
                ax.set_ylabel(f"{_muscle_words(muscle)} [{unit}]", fontsize=8)
            if i == len(muscles) - 1:
                ax.set_xlabel("repetition (%)")
            if ax.lines:
                ax.legend(fontsize=7, loc="upper right")
            ax.set_xlim(0, 100)
    fig.suptitle("Rep-averaged envelopes, time-normalised to 0-100 % of the repetition (line: mean, band: +/- 1 SD)", fontsize=10)
    fig.tight_layout()
    return fig


def plot_activation_bars(result: SessionResult) -> Any | None:
    """Bars of GM mean +/- SD per task and side, with the verified literature band where one exists."""
    stats = activation_stats(result)
    if not stats:
        return None
    plt = pyplot()
    tasks = list(dict.fromkeys(task for task, _ in stats))
    fig, ax = plt.subplots(figsize=(2.4 + 1.6 * len(tasks), 4.6))
    x = np.arange(len(tasks))
    width = 0.38
    unit = next(iter(stats.values()))["unit"]
    for k, side in enumerate(SIDES):
        vals = [stats.get((t, side), {"mean": math.nan, "sd": math.nan}) for t in tasks]
        means = [v["mean"] for v in vals]
        bars = ax.bar(x + (k - 0.5) * width, means, width=width, color=side_color(side), label=f"{side}{_affected(result, side)}")
        has_sd = [i for i, v in enumerate(vals) if math.isfinite(v["sd"])]  # one trial: no SD, no error bar
        if has_sd:
            ax.errorbar(x[has_sd] + (k - 0.5) * width, [means[i] for i in has_sd], yerr=[vals[i]["sd"] for i in has_sd],
                        fmt="none", ecolor="k", elinewidth=0.8, capsize=3)
        ax.bar_label(bars, labels=["" if not math.isfinite(v) else f"{v:.0f}" for v in means], fontsize=7, padding=2)
    drawn = False
    if unit == "%MVC":  # literature values are in %MVIC: no band for other normalizations
        for i, task in enumerate(tasks):
            ref = reference_for(task)
            if ref is None:
                continue
            ax.fill_between([i - 0.48, i + 0.48], ref.mean_pct - ref.sd_pct, ref.mean_pct + ref.sd_pct, color="0.6",
                            alpha=0.25, lw=0, zorder=0, label=None if drawn else "reference: mean +/- SD (sources below)")
            ax.hlines(ref.mean_pct, i - 0.48, i + 0.48, color="0.35", lw=1, ls="--", zorder=0)
            drawn = True
    ax.set_xticks(x, [_task_words(t) for t in tasks], fontsize=8)
    ax.set_ylabel(f"gluteus medius mean activation [{unit}]", fontsize=9)
    ax.set_ylim(bottom=0)
    ax.margins(y=0.15)
    ax.legend(fontsize=7, loc="upper left")
    notes = [reference_for(t).label() for t in tasks if unit == "%MVC" and reference_for(t) is not None]
    caption = ("Bars: mean of the repetitions' activation (in the hold; squats: over the movement), tasks without "
               "repetitions: mean over the trial. Error bars: +/- 1 SD over repetitions (or trials).")
    if notes:
        caption += " Reference bands: " + "; ".join(notes)
    lines = textwrap.wrap(caption, 150)
    fig.text(0.01, 0.01, "\n".join(lines), fontsize=6.5, va="bottom")
    ax.set_title("Gluteus medius activation per task and side", fontsize=10)
    fig.tight_layout(rect=(0, 0.02 + 0.03 * len(lines), 1, 1))
    return fig


def ellipse_outline(centre: np.ndarray, axes_m: tuple[float, float], angle_rad: float, n: int = 200) -> np.ndarray:
    """Points ``(n, 2)`` on an ellipse with semi-axes ``axes_m`` rotated by ``angle_rad``."""
    th = np.linspace(0.0, 2.0 * np.pi, n)
    a, b = axes_m
    ca, sa = math.cos(angle_rad), math.sin(angle_rad)
    x = a * np.cos(th)
    y = b * np.sin(th)
    return np.column_stack([centre[0] + ca * x - sa * y, centre[1] + sa * x + ca * y])


def plot_stabilogram(result: SessionResult, trial: TrialResult) -> Any | None:
    """COP path (ML vs AP, mm, relative to its mean) with the 95 % prediction ellipse (area in cm^2)."""
    cop = result.traces.get("cop", {}).get(trial.label)
    if cop is None:
        return None
    plt = pyplot()
    xy = np.asarray(cop["cop_m"]) * 1000.0
    color = side_color(trial.side)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot(xy[:, 0], xy[:, 1], lw=0.6, color=color, alpha=0.8, label=f"COP path, {trial.side or 'both feet'}")
    ax.plot(xy[0, 0], xy[0, 1], "o", ms=4, color="k", label="start")
    ell = cop.get("ellipse")
    if ell is not None:
        pts = ellipse_outline(np.asarray(ell["centre_m"]) * 1000.0, (ell["semi_axes_m"][0] * 1000.0, ell["semi_axes_m"][1] * 1000.0), ell["angle_rad"])
        ax.plot(pts[:, 0], pts[:, 1], color="k", lw=1.4, ls="--", label=f"95 % prediction ellipse, {ell['area_m2'] * 1e4:.2f} cm$^2$")
    ax.legend(fontsize=7, loc="upper right")
    ax.axhline(0.0, color="0.8", lw=0.5, zorder=0)
    ax.axvline(0.0, color="0.8", lw=0.5, zorder=0)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("ML (mm, + right)")
    ax.set_ylabel("AP (mm, + forward)")
    title = f"Stabilogram {trial.label} #{trial.index}{_affected(result, trial.side) if trial.side else ''} ({cop.get('window', '')})"
    if cop.get("note"):
        title += f"\n{cop['note']}"
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def plot_reps(result: SessionResult, trial: TrialResult) -> Any | None:
    """Signal used for the repetitions with each rep and hold shaded, and per-rep mean activation."""
    sig = result.traces.get("rep_signal", {}).get(trial.label)
    if not trial.reps or sig is None:
        return None
    plt = pyplot()
    fig, (ax0, ax1) = plt.subplots(2, 1, figsize=(9, 5.5))
    ax0.plot(sig["t_s"], sig["values"], lw=0.8, color="k")
    for i, r in enumerate(trial.reps):
        ax0.axvspan(r.start_s, r.stop_s, color="0.5", alpha=0.12, lw=0)
        ax0.axvspan(r.hold_start_s, r.hold_stop_s, color="0.5", alpha=0.25, lw=0)
        ax0.text(0.5 * (r.start_s + r.stop_s), 0.03, f"rep {i + 1}", transform=ax0.get_xaxis_transform(), ha="center", va="bottom", fontsize=8)
    ax0.set_ylabel(textwrap.fill(sig["label"], 30), fontsize=8)
    ax0.set_xlabel("time (s)")
    ax0.set_title(f"{trial.label} #{trial.index}: {len(trial.reps)} reps (light: rep, dark: hold)", fontsize=9)
    per_rep: dict[str, list[tuple[int, float]]] = {}
    unit = ""
    for m in trial.metrics:
        if m.name == "rep_emg_mean" and m.rep is not None and m.muscle:
            per_rep.setdefault(m.muscle, []).append((m.rep, m.value))
            unit = m.unit
    width = 0.8 / max(len(per_rep), 1)
    # color is the side (as everywhere); the muscle is the hatch, and each bar is labelled
    muscles = sorted({ch.rpartition("_")[0] or ch for ch in per_rep})
    hatches = {m: h for m, h in zip(muscles, ("", "//", "..", "xx", "\\\\"))}
    for k, (ch, vals) in enumerate(sorted(per_rep.items())):
        reps, v = zip(*vals)
        side = result.traces.get("channel_side", {}).get(ch)
        ax1.bar(np.asarray(reps) + 1 + (k - (len(per_rep) - 1) / 2) * width, v, width=width, label=ch,
                color=side_color(side), hatch=hatches.get(ch.rpartition("_")[0] or ch), edgecolor="white")
    ax1.set_xticks(np.arange(1, len(trial.reps) + 1))
    ax1.set_xlabel("repetition")
    # squats have no hold: their per-rep activation is over the whole movement (tasks.analyze)
    ax1.set_ylabel(f"mean {'over rep' if trial.task == 'squat' else 'in hold'} [{unit}]", fontsize=8)
    if per_rep:
        ax1.legend(fontsize=7, ncol=len(per_rep), loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
    fig.tight_layout()
    return fig


def session_figures(result: SessionResult, groups: tuple[str, ...] = FIGURE_GROUPS) -> Iterator[tuple[str, Any]]:
    """Yield ``(name, figure)`` for every figure of ``groups`` that has data, in report order.

    The caller saves and closes each figure (``pyplot().close(fig)``).
    """
    for group in groups:
        if group in ("rep_curves", "activation_bars", "envelopes"):
            fig = {"rep_curves": plot_rep_curves, "activation_bars": plot_activation_bars, "envelopes": plot_envelopes}[group](result)
            if fig is not None:
                yield group, fig
            continue
        fn, prefix = (plot_stabilogram, "stabilogram") if group == "stabilograms" else (plot_reps, "reps")
        for tr in result.trials:
            fig = fn(result, tr)
            if fig is not None:
                yield f"{prefix}_{safe_filename(f'{tr.label}_{tr.index}')}", fig  # labels come from the file: never a path

"""PNG figures of a session analysis (matplotlib, Agg backend, imported lazily).

Each ``plot_*`` function draws one figure from a :class:`SessionResult` (its
``traces`` hold decimated signals) and writes it to a PNG file.
"""

from __future__ import annotations

__all__ = [
    "DPI",
    "SIDE_COLOURS",
    "ellipse_outline",
    "plot_activation_bars",
    "plot_envelopes",
    "plot_reps",
    "plot_stabilogram",
    "write_figures",
]

import math
import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from emgforce.naming import SIDES, TASKS
from emgforce.tasks.results import SessionResult, TrialResult

SIDE_COLOURS = {"left": "tab:blue", "right": "tab:orange"}
DPI = 100


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    fig.savefig(path, dpi=DPI)
    _pyplot().close(fig)
    return path


def _task_colour(task: str) -> str:
    keys = list(TASKS)
    cycle = ("#e6f0ff", "#fff0e0", "#e8f8e8", "#f8e8f8", "#f0f0d8", "#e0f4f4", "#f4e4e4")
    return cycle[keys.index(task) % len(cycle)] if task in keys else "#eeeeee"


def plot_envelopes(result: SessionResult, path: str | Path) -> Path | None:
    """Normalised envelope of every EMG channel over the session, trials shaded and labelled."""
    env = result.traces.get("envelope")
    if not env or not env["channels"]:
        return None
    plt = _pyplot()
    names = list(env["channels"])
    # one y scale for all channels in the same unit: left and right compare at a glance
    same_unit = len({env["unit"][n] for n in names}) == 1
    fig, axes = plt.subplots(len(names), 1, figsize=(11, 1.6 + 1.5 * len(names)), sharex=True, sharey=same_unit, squeeze=False)
    t = np.asarray(env["t_s"])
    for ax, name in zip(axes[:, 0], names):
        for tr in result.trials:
            ax.axvspan(tr.start_s, tr.stop_s, color=_task_colour(tr.task), lw=0)
        side = result.traces.get("channel_side", {}).get(name)
        ax.plot(t, env["channels"][name], lw=0.7, color=SIDE_COLOURS.get(side, "k"))
        ax.set_ylabel(f"{name}\n[{env['unit'][name]}]", fontsize=8)
        ax.margins(x=0)
    top = axes[0, 0]
    for tr in result.trials:
        top.text(0.5 * (tr.start_s + tr.stop_s), 1.02, tr.label, transform=top.get_xaxis_transform(),
                 ha="center", va="bottom", fontsize=7, rotation=30)
    axes[-1, 0].set_xlabel("time (s)")
    fig.suptitle(f"EMG linear envelopes, {result.session}", y=0.995, fontsize=10)
    fig.tight_layout()
    return _save(fig, Path(path))


def _working_mean(result: SessionResult, task: str, channel: str, side: str) -> float:
    """Mean activation of ``channel`` over the trials of ``task`` where that side works."""
    vals = []
    for tr in result.trials:
        if tr.task != task or (tr.side is not None and tr.side != side):
            continue
        for m in tr.metrics:
            if m.name == "emg_mean" and m.muscle == channel and m.rep is None:
                vals.append(m.value)
    vals = [v for v in vals if math.isfinite(v)]
    return float(np.mean(vals)) if vals else math.nan


def plot_activation_bars(result: SessionResult, path: str | Path) -> Path | None:
    """Mean activation per task and side, one panel per muscle (working side for one-sided tasks)."""
    channel_side = result.traces.get("channel_side", {})
    muscles: dict[str, dict[str, str]] = {}
    for name, side in channel_side.items():
        muscles.setdefault(name.rpartition("_")[0] or name, {})[side] = name
    tasks = [t for t in TASKS if t not in ("rest", "mvc") and any(tr.task == t for tr in result.trials)]
    if not muscles or not tasks:
        return None
    plt = _pyplot()
    fig, axes = plt.subplots(len(muscles), 1, figsize=(1.6 + 1.4 * len(tasks), 2.6 * len(muscles)), squeeze=False)
    x = np.arange(len(tasks))
    for ax, (muscle, by_side) in zip(axes[:, 0], muscles.items()):
        unit = ""
        for k, side in enumerate(SIDES):
            ch = by_side.get(side)
            if ch is None:
                continue
            unit = result.traces.get("envelope", {}).get("unit", {}).get(ch, "")
            vals = [_working_mean(result, task, ch, side) for task in tasks]
            affected = ", affected" if result.subject.get("affected_side") == side else ""
            bars = ax.bar(x + (k - 0.5) * 0.38, vals, width=0.38, label=f"{side} ({ch}{affected})", color=SIDE_COLOURS[side])
            ax.bar_label(bars, labels=["" if not math.isfinite(v) else f"{v:.0f}" for v in vals], fontsize=7, padding=1)
        ax.set_xticks(x, [t.replace("_", " ") for t in tasks], fontsize=8)
        ax.set_ylabel(f"{muscle} mean [{unit}]", fontsize=8)
        ax.margins(y=0.15)
        ax.legend(fontsize=7)
    fig.suptitle("Mean activation per task and side (one-sided tasks: the working side's trials)", fontsize=10)
    fig.tight_layout()
    return _save(fig, Path(path))


def ellipse_outline(centre: np.ndarray, axes_m: tuple[float, float], angle_rad: float, n: int = 200) -> np.ndarray:
    """Points ``(n, 2)`` on an ellipse with semi-axes ``axes_m`` rotated by ``angle_rad``."""
    th = np.linspace(0.0, 2.0 * np.pi, n)
    a, b = axes_m
    ca, sa = math.cos(angle_rad), math.sin(angle_rad)
    x = a * np.cos(th)
    y = b * np.sin(th)
    return np.column_stack([centre[0] + ca * x - sa * y, centre[1] + sa * x + ca * y])


def plot_stabilogram(result: SessionResult, trial: TrialResult, path: str | Path) -> Path | None:
    """COP path (ML vs AP, mm, relative to its mean) with the 95 % prediction ellipse."""
    cop = result.traces.get("cop", {}).get(trial.label)
    if cop is None:
        return None
    plt = _pyplot()
    xy = np.asarray(cop["cop_m"]) * 1000.0
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot(xy[:, 0], xy[:, 1], lw=0.6, color="0.3")
    ax.plot(xy[0, 0], xy[0, 1], "o", ms=4, color="tab:green", label="start")
    ell = cop.get("ellipse")
    if ell is not None:
        pts = ellipse_outline(np.asarray(ell["centre_m"]) * 1000.0, (ell["semi_axes_m"][0] * 1000.0, ell["semi_axes_m"][1] * 1000.0), ell["angle_rad"])
        ax.plot(pts[:, 0], pts[:, 1], color="tab:red", lw=1.2, label=f"95 % prediction ellipse, {ell['area_m2'] * 1e4:.2f} cm$^2$")
    ax.legend(fontsize=7, loc="upper right")
    ax.axhline(0.0, color="0.8", lw=0.5, zorder=0)
    ax.axvline(0.0, color="0.8", lw=0.5, zorder=0)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("ML (mm, + right)")
    ax.set_ylabel("AP (mm, + forward)")
    title = f"COP {trial.label} #{trial.index} ({cop.get('window', '')})"
    if cop.get("note"):
        title += f"\n{cop['note']}"
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return _save(fig, Path(path))


def plot_reps(result: SessionResult, trial: TrialResult, path: str | Path) -> Path | None:
    """Signal used for the repetitions with each rep and hold shaded, and per-rep mean activation."""
    sig = result.traces.get("rep_signal", {}).get(trial.label)
    if not trial.reps or sig is None:
        return None
    plt = _pyplot()
    fig, (ax0, ax1) = plt.subplots(2, 1, figsize=(9, 5.5))
    ax0.plot(sig["t_s"], sig["values"], lw=0.8, color="k")
    for i, r in enumerate(trial.reps):
        ax0.axvspan(r.start_s, r.stop_s, color="tab:green", alpha=0.12, lw=0)
        ax0.axvspan(r.hold_start_s, r.hold_stop_s, color="tab:green", alpha=0.25, lw=0)
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
    # one colour per muscle, the right side hatched: each bar's channel is readable without the legend order
    muscles = sorted({ch.rpartition("_")[0] or ch for ch in per_rep})
    colours = {m: f"C{i % 10}" for i, m in enumerate(muscles)}
    for k, (ch, vals) in enumerate(sorted(per_rep.items())):
        reps, v = zip(*vals)
        side = result.traces.get("channel_side", {}).get(ch)
        ax1.bar(np.asarray(reps) + 1 + (k - (len(per_rep) - 1) / 2) * width, v, width=width, label=ch,
                color=colours[ch.rpartition("_")[0] or ch], hatch="//" if side == "right" else None, edgecolor="white")
    ax1.set_xticks(np.arange(1, len(trial.reps) + 1))
    ax1.set_xlabel("repetition")
    # squats have no hold: their per-rep activation is over the whole movement (tasks.analyze)
    ax1.set_ylabel(f"mean {'over rep' if trial.task == 'squat' else 'in hold'} [{unit}]", fontsize=8)
    if per_rep:
        ax1.legend(fontsize=7, ncol=len(muscles), loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
    fig.tight_layout()
    return _save(fig, Path(path))


def write_figures(result: SessionResult, outdir: str | Path) -> dict[str, Path]:
    """Draw every figure that has data; returns name -> PNG path."""
    out = Path(outdir)
    paths: dict[str, Path] = {}
    for name, fn in (("envelopes", plot_envelopes), ("activation_bars", plot_activation_bars)):
        p = fn(result, out / f"{name}.png")
        if p is not None:
            paths[name] = p
    for tr in result.trials:
        stem = f"{tr.label}_{tr.index}"
        p = plot_stabilogram(result, tr, out / f"stabilogram_{stem}.png")
        if p is not None:
            paths[f"stabilogram_{stem}"] = p
        p = plot_reps(result, tr, out / f"reps_{stem}.png")
        if p is not None:
            paths[f"reps_{stem}"] = p
    return paths

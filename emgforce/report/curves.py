"""Per task and side: rep-averaged time-normalised curves and activation mean +/- SD.

Pure functions over a :class:`SessionResult`. For the curves every repetition
of the decimated envelope trace is resampled onto the same 0-100 % grid
(linear interpolation), then the repetitions of a task and side are averaged
point by point with their standard deviation.
"""

from __future__ import annotations

__all__ = ["N_POINTS", "activation_stats", "mean_sd", "rep_curves", "time_normalize"]

import math
from typing import Any

import numpy as np

from emgforce.naming import SIDES, TASKS

#: points of the 0-100 % grid (every 1 %)
N_POINTS = 101



def _tags(result: Any, channel: str) -> tuple[str | None, str | None]:
    """(muscle, side) the analysis recognised ``channel`` as (its tags, not its spelling)."""
    tags = result.channels.get(channel, {})
    return tags.get("muscle"), tags.get("side")

def time_normalize(t_s: np.ndarray, x: np.ndarray, start_s: float, stop_s: float, n_points: int = N_POINTS) -> np.ndarray:
    """``x(t)`` between ``start_s`` and ``stop_s`` resampled onto ``n_points`` equally spaced instants.

    Parameters
    ----------
    t_s : ndarray, shape (n,)
        Increasing sample times.
    x : ndarray, shape (n,)
        Values at ``t_s``.
    start_s, stop_s : float
        The window (a repetition) mapped to 0 and 100 %.
    n_points : int
        Points of the output grid.

    Returns
    -------
    ndarray, shape (n_points,)
        Linear interpolation of ``x``; all NaN when the window is empty, not
        inside ``t_s`` or holds fewer than two samples (never extrapolated).
    """
    t_s = np.asarray(t_s, dtype=float)
    x = np.asarray(x, dtype=float)
    inside = (t_s >= start_s) & (t_s <= stop_s)
    if not stop_s > start_s or start_s < t_s[0] or stop_s > t_s[-1] or np.count_nonzero(inside) < 2:
        return np.full(n_points, np.nan)
    return np.interp(np.linspace(start_s, stop_s, n_points), t_s, x)


def mean_sd(curves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Point-wise mean and sample SD (``ddof=1``; NaN for one curve) of ``(n_reps, n_points)`` curves."""
    curves = np.asarray(curves, dtype=float)
    mean = curves.mean(axis=0)
    sd = curves.std(axis=0, ddof=1) if curves.shape[0] > 1 else np.full(curves.shape[1], np.nan)
    return mean, sd


def rep_curves(result: Any) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Time-normalised envelope of every repetition, grouped by task, muscle and side.

    Each muscle's channel is taken on its own side in the trials where that side
    works (one-sided tasks) and on both sides in bilateral tasks (supine bridge).

    Returns
    -------
    dict
        ``(task, muscle, side)`` -> ``{"curves": (n_reps, N_POINTS) array, "unit": str,
        "channel": str}``; repetitions outside the trace are left out.
    """
    env = result.traces.get("envelope")
    if not env:
        return {}
    t = np.asarray(env["t_s"])
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for tr in result.trials:
        if not tr.reps:
            continue
        for channel, values in env["channels"].items():
            muscle, side = _tags(result, channel)
            if muscle is None or (tr.side is not None and side != tr.side):
                continue
            for rep in tr.reps:
                curve = time_normalize(t, values, rep.start_s, rep.stop_s)
                if np.all(np.isfinite(curve)):
                    entry = out.setdefault((tr.task, muscle, side), {"curves": [], "unit": env["unit"][channel], "channel": channel})
                    entry["curves"].append(curve)
    for entry in out.values():
        entry["curves"] = np.asarray(entry["curves"])
    return out


def activation_stats(result: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """GM activation per task and side: mean, SD and n over repetitions (or trials without reps).

    One-sided tasks use the trials where that side works; bilateral tasks both
    sides of the same trials. Returns ``(task, side)`` -> ``{"mean", "sd", "n",
    "unit", "over"}`` with ``over`` ``"reps"`` or ``"trials"``.
    """
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for task in [t for t in TASKS if t not in ("mvc", "rest")] + sorted({t.task for t in result.trials} - set(TASKS)):
        trials = [t for t in result.trials if t.task == task]
        for side in SIDES:
            vals: list[float] = []
            unit, over = "", "reps"
            for tr in trials:
                if tr.side is not None and tr.side != side:
                    continue
                gm = [m for m in tr.metrics if m.muscle and _tags(result, m.muscle) == ("gluteus_medius", side)]
                reps = [m for m in gm if m.name == "rep_emg_mean" and m.rep is not None]
                picked = reps or [m for m in gm if m.name == "emg_mean" and m.rep is None]
                if not reps:
                    over = "trials"
                vals += [m.value for m in picked if math.isfinite(m.value)]
                unit = next((m.unit for m in picked), unit)
            if vals:
                sd = float(np.std(vals, ddof=1)) if len(vals) > 1 else math.nan
                out[(task, side)] = {"mean": float(np.mean(vals)), "sd": sd, "n": len(vals), "unit": unit, "over": over}
    return out

"""What every task analysis reads: the session's normalised EMG and plate loads (:class:`Context`).

Built once per session by :mod:`emgforce.tasks.prepare`; the task modules read it
and write their numbers into a :class:`~emgforce.tasks.results.TrialResult`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from emgforce.io.recording import time_slice
from emgforce.tasks.options import AnalysisOptions
from emgforce.tasks.results import Message, TrialResult
from emgforce.tasks.windows import SessionEmg

__all__ = [
    "TRACE_FS_HZ",
    "Context",
    "PlateData",
    "body_weight_n",
    "env_rows",
    "envelope_trace",
    "env_window",
    "fz_sum",
    "gm_channel_names",
    "mean_fz",
    "note",
    "raw_rows",
    "side_mean",
    "stance_plate",
    "trace",
    "working_channels",
]

TRACE_FS_HZ = 50.0  # decimated traces kept for the figures


@dataclass
class PlateData:
    """One force stream's vertical load and COP, as the tasks use them."""

    name: str
    side: str | None
    fs_hz: float
    fz_n: np.ndarray
    cop_m: np.ndarray | None  # (n, 2), NaN where invalid
    valid: np.ndarray | None


@dataclass
class Context:
    """The session as the task analyses see it (EMG envelopes, plates, options, session messages)."""

    rec: Any
    opts: AnalysisOptions
    emg_fs: float = math.nan
    emg: SessionEmg | None = None  # raw and normalised envelope (or volts) by time window; None: no EMG
    names: list[str] = field(default_factory=list)
    sides: list[str | None] = field(default_factory=list)
    muscles: list[str | None] = field(default_factory=list)  # muscle tag of each channel (analysis selects by tags)
    units: list[str] = field(default_factory=list)
    refs: np.ndarray | None = None  # per channel: envelope value (V) at 100 % (100 when not normalised)
    plates: list[PlateData] = field(default_factory=list)
    body_mass_kg: float | None = math.nan  # checked/estimated by the session setup; NaN: not checked, use the subject's
    body_mass_source: str = "recorded"
    messages: list[Message] = field(default_factory=list)

    def note(self, level: str, text: str, trial: str | None = None) -> None:
        self.messages.append(Message(level, text, trial))


def note(tr: TrialResult, level: str, text: str) -> None:
    """Attach a message to a trial."""
    tr.messages.append(Message(level, text, tr.label))


def _trace_step(fs: float) -> int:
    return max(int(round(fs / TRACE_FS_HZ)), 1)


def trace(x: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """Every k-th sample (about TRACE_FS_HZ) and its time from the start, for the figures."""
    step = _trace_step(fs)
    return np.arange(0, x.shape[0], step) / fs, x[::step]


def env_rows(ctx: Context, start_s: float, stop_s: float) -> np.ndarray:
    """Normalised envelope of every channel between two times, NaN where a sample was lost."""
    return ctx.emg.normalized(start_s, stop_s)


def envelope_trace(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """:func:`trace` of the whole session's normalised envelope, computed piece by piece."""
    step = _trace_step(ctx.emg_fs)
    return np.arange(0, ctx.emg.n_samples, step) / ctx.emg_fs, ctx.emg.trace(step)


def env_window(ctx: Context, j: int, start_s: float, stop_s: float) -> np.ndarray:
    """Finite envelope samples of channel ``j`` between two times."""
    seg = env_rows(ctx, start_s, stop_s)[:, j]
    return seg[np.isfinite(seg)]


def raw_rows(ctx: Context, start_s: float, stop_s: float) -> np.ndarray:
    """Raw EMG of every channel between two times (volts, NaN in gaps)."""
    return ctx.emg.raw(start_s, stop_s)


def working_channels(ctx: Context, side: str | None, muscle: str = "gluteus_medius") -> list[int]:
    """Columns of the muscle's channels (of one side, or of both when ``side`` is None), by their muscle tag."""
    idx = [j for j, m in enumerate(ctx.muscles) if m == muscle]
    if side is not None:
        idx = [j for j in idx if ctx.sides[j] == side]
    return idx


def gm_channel_names(ctx: Context) -> list[str]:
    """Names of the gluteus medius channels (both sides)."""
    return [ctx.names[j] for j in working_channels(ctx, None)]


def mean_fz(p: PlateData, start_s: float, stop_s: float) -> float:
    """Mean finite load of a plate over a window (-inf when there is none)."""
    seg = p.fz_n[time_slice(start_s, stop_s, p.fs_hz, p.fz_n.size)]
    seg = seg[np.isfinite(seg)]
    return float(np.mean(seg)) if seg.size else -math.inf


def stance_plate(ctx: Context, side: str | None, start_s: float, stop_s: float) -> PlateData | None:
    """The plate under the given foot, else the most loaded plate over the window."""
    if not ctx.plates:
        return None
    if side is not None:
        for p in ctx.plates:
            if p.side == side:
                return p
    return max(ctx.plates, key=lambda p: mean_fz(p, start_s, stop_s))


def fz_sum(ctx: Context, start_s: float, stop_s: float) -> tuple[np.ndarray, float] | None:
    """Summed Fz of all plates with the same rate over the window (the feet's total load)."""
    if not ctx.plates:
        return None
    fs = ctx.plates[0].fs_hz
    same = [p for p in ctx.plates if p.fs_hz == fs]
    sl = time_slice(start_s, stop_s, fs, min(p.fz_n.size for p in same))
    return np.sum([p.fz_n[sl] for p in same], axis=0), fs


def body_weight_n(ctx: Context) -> float | None:
    """The subject's weight from the (checked or estimated) body mass, None when unknown."""
    mass = ctx.body_mass_kg
    if mass is not None and math.isnan(mass):
        mass = getattr(ctx.rec.subject, "body_mass_kg", None)
    return 9.80665 * mass if mass else None


def side_mean(trials: list[TrialResult], task: str, side: str, metric: str, ctx: Context, working: bool = True) -> tuple[float, str]:
    """Mean of a whole-trial metric over the task's trials of one side (of the working GM when ``working``)."""
    vals, unit = [], ""
    for t in trials:
        if t.task != task or t.side != side:
            continue
        for m in t.metrics:
            if m.name != metric or m.rep is not None:
                continue
            if working and not (m.muscle and m.side == side and m.muscle in [ctx.names[j] for j in working_channels(ctx, side)]):
                continue
            if math.isfinite(m.value):
                vals.append(m.value)
                unit = m.unit
    return (float(np.mean(vals)) if vals else math.nan), unit

"""Maximal voluntary contraction (side-lying hip abduction against resistance)."""

from __future__ import annotations

from typing import Any

from emgforce import constants as C
from emgforce.tasks.base import Task, register
from emgforce.tasks.context import Context, env_window, note
from emgforce.tasks.results import Metric, TrialResult

__all__ = ["MVC"]


class MVC(Task):
    """Largest 1 s moving mean of each channel's envelope, in volts and relative to the reference."""

    key = "mvc"
    side_comparison = "GM MVC amplitude"
    side_metric = "mvc_1s_mean_max_v"

    def measure(self, ctx: Context, tr: TrialResult, traces: dict[str, Any]) -> None:
        from emgforce.signal import mvc_reference

        if ctx.emg is None:
            return
        for j in range(len(ctx.names)):
            if tr.side is not None and ctx.sides[j] not in (None, tr.side):
                continue
            seg = env_window(ctx, j, tr.start_s, tr.stop_s)
            if seg.size < C.MVC_WINDOW_S * ctx.emg_fs:
                note(tr, "warning", f"{ctx.names[j]}: MVC trial shorter than the {C.MVC_WINDOW_S:g} s averaging window")
                continue
            v = float(mvc_reference(seg, ctx.emg_fs, window_s=C.MVC_WINDOW_S))
            # in volts (compared between sides) and, when normalised, relative to the reference
            tr.metrics.append(Metric("mvc_1s_mean_max_v", v * ctx.refs[j] / 100.0, "V", ctx.sides[j], ctx.names[j]))
            if ctx.units[j] != "V":
                tr.metrics.append(Metric("mvc_1s_mean_max", v, ctx.units[j], ctx.sides[j], ctx.names[j]))


register(MVC())

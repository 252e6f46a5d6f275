"""Generic whole-trial analysis: EMG activation, load split and COP sway over the whole trial.

Used by rest and double-leg stance, and for trials of tasks outside the protocol.
"""

from __future__ import annotations

from typing import Any

from emgforce.tasks.activation import emg_metrics
from emgforce.tasks.balance import net_sway, sway, trial_load_split
from emgforce.tasks.base import Task
from emgforce.tasks.context import Context, stance_plate
from emgforce.tasks.results import TrialResult

__all__ = ["WholeTrial"]


class WholeTrial(Task):
    """The whole trial as one window: activation, load split and sway (of the net COP on several plates)."""

    #: compute COP sway (not for supine tasks)
    sway: bool = True
    #: a load split is expected (say why when fewer than two plates are loaded)
    expects_load_split: bool = False

    def __init__(self, key: str = "") -> None:
        if key:
            self.key = key

    def measure(self, ctx: Context, tr: TrialResult, traces: dict[str, Any]) -> None:
        emg_metrics(ctx, tr, [(tr.start_s, tr.stop_s)])
        trial_load_split(ctx, tr, tr.start_s, tr.stop_s, expected=self.expects_load_split)
        if self.sway and ctx.plates:
            plate = stance_plate(ctx, None, tr.start_s, tr.stop_s) if len(ctx.plates) == 1 else None
            if plate is not None:
                sway(ctx, tr, plate, tr.start_s, tr.stop_s, traces)
            else:
                net_sway(ctx, tr, traces)

"""Single-leg squat: repetitions without a hold; activation over each whole movement."""

from __future__ import annotations

from emgforce.tasks.base import register
from emgforce.tasks.reps import RepetitionTask

__all__ = ["SingleLegSquat"]


class SingleLegSquat(RepetitionTask):
    """Single-leg squat: reps found on the working GM's envelope (Fz stays near body weight)."""

    key = "squat"
    has_hold = False
    side_comparison = "GM activation in single-leg squat"
    votes_weak_side = True


register(SingleLegSquat())

"""Bridges: supine (both legs) and single-leg; reps found on the load under the feet."""

from __future__ import annotations

from emgforce.tasks.base import register
from emgforce.tasks.reps import RepetitionTask

__all__ = ["SingleLegBridge", "SupineBridge"]


class SupineBridge(RepetitionTask):
    """Supine bridge: both GMs work; their activations are compared within the trials."""

    key = "bridge"
    loads_feet = True
    bilateral = True
    expects_load_split = True
    bilateral_comparison = "GM activation in supine bridge"


class SingleLegBridge(RepetitionTask):
    """Single-leg bridge: the working GM is the supporting leg's."""

    key = "single_leg_bridge"
    loads_feet = True
    side_comparison = "GM activation in single-leg bridge"
    votes_weak_side = True


register(SupineBridge())
register(SingleLegBridge())

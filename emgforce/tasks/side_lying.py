"""Side-lying hip abduction: the upper leg abducts, holds and lowers, repeatedly.

The trial's side is the abducting (upper) leg, whose gluteus medius is the
working muscle (about 81 %MVC, DiStefano 2009; see docs/protocol.md). The
subject lies on a mat, so the plates carry no load and the repetitions are
found on the working GM's envelope (or taken from rep events).
"""

from __future__ import annotations

from emgforce.tasks.base import register
from emgforce.tasks.reps import RepetitionTask

__all__ = ["SideLyingAbduction"]


class SideLyingAbduction(RepetitionTask):
    """Per rep: duration, hold, GM activation over the hold, onset latency, MDF slope; sides compared."""

    key = "side_lying_abduction"
    side_comparison = "GM activation in side-lying hip abduction"
    votes_weak_side = True


register(SideLyingAbduction())

"""Quiet supine rest: the EMG baseline (activation over the whole trial, no sway)."""

from __future__ import annotations

from emgforce.tasks.base import register
from emgforce.tasks.generic import WholeTrial

__all__ = ["Rest"]


class Rest(WholeTrial):
    """Quiet supine rest: whole-trial activation; lying down, so no COP sway."""

    key = "rest"
    sway = False


register(Rest())

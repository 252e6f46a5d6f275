"""A virtual clock shared by a driver and a vendor fake: sleeping advances it at once, so tests are fast and exact."""

from __future__ import annotations


class VirtualClock:
    """``monotonic()`` and ``sleep(s)`` like the ``time`` module, on a clock that only moves when slept on."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = float(start)

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        # at least a microsecond: a polling loop always makes progress
        self.now += max(float(seconds), 1e-6)

    def advance(self, seconds: float) -> None:
        """Let time pass without anyone reading (a stalled reader)."""
        self.now += float(seconds)

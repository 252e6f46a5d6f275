"""A queue of blocks bounded by count *and* bytes, never blocking the producer."""

from __future__ import annotations

import collections
import threading
import time
from typing import Any


class BoundedBlockQueue:
    """FIFO between the reader (producer) and the writer (consumer).

    ``offer`` never blocks: when the queue is full it refuses the item and the
    reader accounts for the loss, so a slow disk shows up as counted overruns
    instead of unbounded memory growth. ``force`` always enqueues (used for the
    stop sentinel, which carries no data).
    """

    def __init__(self, max_items: int, max_bytes: int) -> None:
        if max_items < 1 or max_bytes < 1:
            raise ValueError("queue limits must be positive")
        self.max_items = int(max_items)
        self.max_bytes = int(max_bytes)
        self._items: collections.deque[tuple[Any, int]] = collections.deque()
        self._bytes = 0
        self._cond = threading.Condition()
        self.high_water_items = 0
        self.high_water_bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def nbytes(self) -> int:
        return self._bytes

    @property
    def fill(self) -> float:
        """Fill fraction, the larger of the item and byte ratios (0..1)."""
        with self._cond:
            return max(len(self._items) / self.max_items, self._bytes / self.max_bytes)

    def offer(self, items: list[tuple[Any, int]], timeout: float = 0.0) -> bool:
        """Enqueue all ``(item, nbytes)`` pairs, or none if that would exceed a limit.

        All or nothing, so that blocks read together (the streams of one
        device read) are kept or lost together and no stream starves. With a
        ``timeout`` it waits that long for room.
        """
        need = sum(n for _, n in items)
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._full(len(items), need):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            for item, nbytes in items:
                self._push(item, nbytes)
            return True

    def _full(self, n_items: int, nbytes: int) -> bool:
        # an empty queue takes any read, however large, so progress is always possible
        if not self._items:
            return False
        return len(self._items) + n_items > self.max_items or self._bytes + nbytes > self.max_bytes

    def force(self, item: Any) -> None:
        """Enqueue a zero-byte control item regardless of the limits (not counted in the high-water marks)."""
        with self._cond:
            self._items.append((item, 0))
            self._cond.notify()

    def _push(self, item: Any, nbytes: int) -> None:
        self._items.append((item, nbytes))
        self._bytes += nbytes
        self.high_water_items = max(self.high_water_items, len(self._items))
        self.high_water_bytes = max(self.high_water_bytes, self._bytes)
        self._cond.notify()

    def get(self, timeout: float) -> Any | None:
        """Next item, or None if none arrived within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._items:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)
            item, nbytes = self._items.popleft()
            self._bytes -= nbytes
            self._cond.notify_all()  # a producer may wait for room
            return item

"""The reader -> writer queue: limits in blocks and bytes, all-or-nothing offers, waiting producers."""

from __future__ import annotations

import threading
import time

import pytest

from emgforce.record._queue import BoundedBlockQueue


def test_limits_all_or_nothing_and_fill():
    q = BoundedBlockQueue(max_items=4, max_bytes=100)
    assert q.offer([("a", 30), ("b", 30)])
    assert not q.offer([("c", 30), ("d", 30)])  # bytes would reach 120: neither is taken
    assert len(q) == 2 and q.nbytes == 60
    assert q.offer([("c", 40)])
    assert q.fill == pytest.approx(1.0)  # 100 of 100 bytes
    assert not q.offer([("e", 1)])
    assert [q.get(0.1) for _ in range(3)] == ["a", "b", "c"]
    assert q.get(0.05) is None
    assert q.high_water_items == 3 and q.high_water_bytes == 100


def test_empty_queue_takes_an_oversized_read_and_force_ignores_limits():
    q = BoundedBlockQueue(max_items=1, max_bytes=10)
    assert q.offer([("big", 1000), ("big2", 1000)])  # progress is always possible
    q.force("stop")
    assert len(q) == 3 and q.high_water_items == 2
    assert [q.get(0.1) for _ in range(3)] == ["big", "big2", "stop"]


def test_producer_waits_for_room_with_a_timeout():
    q = BoundedBlockQueue(max_items=1, max_bytes=10**6)
    assert q.offer([("x", 1)])
    threading.Timer(0.1, q.get, args=(1.0,)).start()
    t0 = time.monotonic()
    assert q.offer([("y", 1)], timeout=2.0)
    assert 0.05 < time.monotonic() - t0 < 1.5
    assert not q.offer([("z", 1)], timeout=0.05)

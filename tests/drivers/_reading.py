"""Reading loops shared by the driver tests."""

from __future__ import annotations

import time


def read_samples(dev, n, *, read_timeout, timeout=10.0):
    """Blocks from ``dev.read`` until they hold ``n`` samples or ``timeout`` seconds passed."""
    blocks = []
    deadline = time.monotonic() + timeout
    while sum(b.n_samples for b in blocks) < n and time.monotonic() < deadline:
        blocks += dev.read(timeout=read_timeout)
    return blocks


def read_for(dev, seconds, *, read_timeout):
    """Blocks from ``dev.read`` during ``seconds`` seconds."""
    blocks = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        blocks += dev.read(timeout=read_timeout)
    return blocks

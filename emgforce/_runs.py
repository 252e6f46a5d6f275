"""Runs of True in a boolean mask: the index ranges that event and phase detection work on."""

from __future__ import annotations

import numpy as np


def run_bounds(mask) -> tuple[np.ndarray, np.ndarray]:
    """Starts and stops (int64 arrays, half-open ``[start, stop)``) of the runs of True in the 1-D ``mask``."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], np.asarray(mask, dtype=bool).astype(np.int8), [0]))))
    return edges[::2], edges[1::2]


def true_runs(mask) -> list[tuple[int, int]]:
    """Half-open index ranges ``[a, b)`` where the 1-D ``mask`` is True, in order, as Python ints."""
    starts, stops = run_bounds(mask)
    return list(zip(starts.tolist(), stops.tolist()))


def merge_runs(runs: list[tuple[int, int]], gap: int) -> list[tuple[int, int]]:
    """``runs`` (in order) with neighbours at most ``gap`` samples apart joined into one."""
    out: list[list[int]] = []
    for a, b in runs:
        if out and a - out[-1][1] <= gap:
            out[-1][1] = b
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]

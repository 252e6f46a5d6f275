"""Shared fixtures: paths to the public recordings, headless Qt, a small simulated session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The display tests render offscreen; set before any Qt import.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# No compile helper beside the first `emgforce analyze` of a cold numba cache (its own tests
# turn it on): a second busy core would slow the timing-sensitive acquisition tests.
os.environ.setdefault("EMGFORCE_PRECOMPILE", "0")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the project root (never copied into the project)."""
    if not (SHARED_DATA / "SOURCES.md").is_file():
        pytest.fail(f"public test recordings not found at {SHARED_DATA}; see README 'Test data'")
    return SHARED_DATA


@pytest.fixture(scope="session")
def sim_short():
    """The short simulated protocol (seed 0, weak side left): ``emgforce.drivers.sim.SimulatedSession`` with ground truth."""
    from emgforce.drivers.sim import Protocol, simulate

    return simulate(Protocol.short(), seed=0, weak_side="left")

"""Fixtures of the recording-format tests."""

from __future__ import annotations

import pytest

from emgforce.io import Subject


@pytest.fixture
def subject() -> Subject:
    return Subject("P07", body_mass_kg=71.5, affected_side="right", height_m=1.78, notes="left knee ok")

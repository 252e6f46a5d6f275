"""Literature reference values of gluteus medius activation (%MVIC, surface EMG).

Only values checked against the paper (its abstract or results table) are in
:data:`REFERENCES`; the report draws them as bands labelled with source and
population. What was checked, and what was not, is listed in
``docs/clinical-report.md`` (section "Reference values"). These are healthy
young adults performing the exercise as the study describes it; a patient's
values are not expected to match them, they place the number.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reference:
    """Mean +/- SD of GM activation in one exercise, as published."""

    task: str
    mean_pct: float
    sd_pct: float
    source: str  # short citation
    population: str
    exercise: str  # the exercise as the paper names it

    def label(self) -> str:
        return f"{self.exercise} {self.mean_pct:g} +/- {self.sd_pct:g} %MVIC ({self.source}; {self.population})"


#: task key -> verified reference (see the module docstring)
REFERENCES: dict[str, Reference] = {}


def reference_for(task: str) -> Reference | None:
    """The verified reference of a task, or None."""
    return REFERENCES.get(task)

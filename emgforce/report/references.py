"""Literature reference values of gluteus medius activation (%MVIC, surface EMG).

Only values checked against the paper (its abstract or results table) are in
:data:`REFERENCES`; the report draws them as bands labelled with source and
population. What was checked, and what was not, is listed in
``docs/clinical-report.md`` (section "Reference values"). These are healthy
young adults performing the exercise as the study describes it; a patient's
values are not expected to match them, they place the number.
"""

from __future__ import annotations

__all__ = ["REFERENCES", "Reference", "reference_for"]

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
REFERENCES: dict[str, Reference] = {
    # abstract of DiStefano LJ, Blackburn JT, Marshall SW, Padua DA. Gluteal muscle activation during
    # common therapeutic exercises. J Orthop Sports Phys Ther 2009;39(7):532-540: GM "(mean +/- SD,
    # 81% +/- 42% MVIC)" in side-lying hip abduction, the exercise with the highest GM activation
    "side_lying_abduction": Reference(
        task="side_lying_abduction",
        mean_pct=81.0,
        sd_pct=42.0,
        source="DiStefano et al. 2009, JOSPT 39(7)",
        population="healthy adults",
        exercise="side-lying hip abduction",
    ),
}


def reference_for(task: str) -> Reference | None:
    """The verified reference of a task, or None."""
    return REFERENCES.get(task)

"""Task analysis: trial segmentation, per-trial/per-side metrics, left/right symmetry.

* :func:`emgforce.tasks.analyze.analyze_session` -> :class:`emgforce.tasks.results.SessionResult`
  (dataclasses; ``.tidy()`` rows; ``.to_dict()`` for JSON);
* :mod:`emgforce.tasks.segment`: repetitions, holds and stance phases from events or signals;
* :mod:`emgforce.tasks.metrics`: metric definitions over normalised envelopes and forces;
* :mod:`emgforce.tasks.symmetry`: Robinson (1987) SI, limb symmetry index, summary lines.

Definitions and the report schema: ``docs/report.md``.
"""

from emgforce.tasks.analyze import AnalysisOptions, analyze_session, load_session
from emgforce.tasks.results import Message, Metric, Phase, SessionResult, TrialResult
from emgforce.tasks.symmetry import SymmetryResult, limb_symmetry_index, robinson_si

__all__ = [
    "AnalysisOptions",
    "Message",
    "Metric",
    "Phase",
    "SessionResult",
    "SymmetryResult",
    "TrialResult",
    "analyze_session",
    "limb_symmetry_index",
    "load_session",
    "robinson_si",
]

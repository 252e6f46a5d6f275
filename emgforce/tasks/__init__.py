"""Task analysis: trial segmentation, per-trial/per-side metrics, left/right symmetry.

* :func:`emgforce.tasks.analyze.analyze_session` -> :class:`emgforce.tasks.results.SessionResult`
  (dataclasses; ``.tidy()`` rows; ``.to_dict()`` for JSON);
* one module per task (:mod:`emgforce.tasks.mvc`, :mod:`~emgforce.tasks.stance`,
  :mod:`~emgforce.tasks.squat`, :mod:`~emgforce.tasks.bridge`, ...), each a
  :class:`emgforce.tasks.base.Task` registered with :func:`emgforce.tasks.base.register`;
* :mod:`emgforce.tasks.segment`: repetitions, holds and stance phases from events or signals;
* :mod:`emgforce.tasks.metrics`: metric definitions over normalised envelopes and forces;
* :mod:`emgforce.tasks.symmetry`: Robinson (1987) SI, limb symmetry index, summary lines.

Definitions and the report schema: ``docs/report.md``.
"""

from emgforce.tasks.analyze import AnalysisOptions, analyze_session, load_session
from emgforce.tasks.base import Task, get_task, register, registered_tasks
from emgforce.tasks.results import Message, Metric, Phase, SessionResult, TrialResult
from emgforce.tasks.symmetry import SymmetryResult, limb_symmetry_index, robinson_si

__all__ = [
    "AnalysisOptions",
    "Message",
    "Metric",
    "Phase",
    "SessionResult",
    "SymmetryResult",
    "Task",
    "TrialResult",
    "analyze_session",
    "get_task",
    "limb_symmetry_index",
    "load_session",
    "register",
    "registered_tasks",
    "robinson_si",
]

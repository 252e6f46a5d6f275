"""The task interface and the task registry.

A task (:class:`Task`) says how its trials are segmented (:meth:`Task.segment`),
what is measured in them (:meth:`Task.measure`) and how its trials are summarised
across the session (:attr:`Task.side_comparison`, :attr:`Task.bilateral_comparison`,
:meth:`Task.summarise`). Each task lives in its own module and registers an
instance with :func:`register`; :func:`get_task` finds the task of a trial, and
trials of unknown tasks get the generic whole-trial analysis.

Adding a task: one module defining a :class:`Task` subclass and calling
:func:`register`, its name in :data:`BUILTIN_MODULES` (or, outside emgforce, a
:func:`register` call before the analysis), its trial label in
:data:`emgforce.naming.TASKS`, and its tests.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emgforce.tasks.context import Context
    from emgforce.tasks.results import SessionResult, TrialResult

__all__ = ["BUILTIN_MODULES", "Task", "get_task", "register", "registered_tasks"]

#: modules of emgforce.tasks holding the protocol's tasks, in protocol order
BUILTIN_MODULES = ("mvc", "rest", "stance", "squat", "bridge", "side_lying")

_REGISTRY: dict[str, Task] = {}
_loaded = False


class Task:
    """One task of the protocol: how its trials are segmented, what is measured, what is summarised.

    Subclasses set :attr:`key` and implement :meth:`measure`; the other hooks
    default to doing nothing.
    """

    #: task key of the trial labels (:data:`emgforce.naming.TASKS`)
    key: str = ""
    #: words of the summary line comparing the working GM of one-sided trials between sides, or None
    side_comparison: str | None = None
    #: whole-trial metric compared by :attr:`side_comparison`
    side_metric: str = "emg_mean"
    #: whether the side comparison counts towards the detected weaker side
    votes_weak_side: bool = False
    #: words of the summary line comparing the two sides within bilateral trials, or None
    bilateral_comparison: str | None = None
    #: whole-trial metric compared by :attr:`bilateral_comparison` (``emg_mean``: of the GM channels)
    bilateral_metric: str = "emg_mean"

    def segment(self, ctx: Context, tr: TrialResult, traces: dict[str, Any]) -> None:
        """Find the movement inside the trial (``tr.reps``, ``tr.stance``, ``tr.segmentation``)."""

    def measure(self, ctx: Context, tr: TrialResult, traces: dict[str, Any]) -> None:
        """Append the trial's metrics (and figure traces) once it is segmented."""
        raise NotImplementedError

    def summarise(self, ctx: Context, result: SessionResult) -> None:
        """Add task-specific symmetry rows, summary lines or session messages."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.key!r}>"


def register(task: Task) -> Task:
    """Make ``task`` the analysis of the trials of ``task.key`` (replacing any earlier one); returns it."""
    if not task.key:
        raise ValueError(f"{task!r} has no key")
    _REGISTRY[task.key] = task
    return task


def _load_builtins() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for name in BUILTIN_MODULES:
            importlib.import_module(f"emgforce.tasks.{name}")


def registered_tasks() -> tuple[Task, ...]:
    """Every registered task, built-in ones first in protocol order."""
    _load_builtins()
    return tuple(_REGISTRY.values())


def get_task(key: str) -> Task:
    """The task analysing trials of ``key``; the generic whole-trial analysis for unknown keys."""
    _load_builtins()
    task = _REGISTRY.get(key)
    if task is None:
        from emgforce.tasks.generic import WholeTrial

        task = WholeTrial(key)
    return task

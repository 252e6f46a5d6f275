"""Trial control for the live display (Qt-free): labelled trials, reps, MVC capture.

Markers are stamped with the session time of the newest processed sample and
handed to ``emit`` (the recorder's marker input when recording), so a trial
started from the keyboard lands in the file on the same time line as the data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from drivers.base import Marker
from emgforce.live.pipeline import LivePipeline
from emgforce.naming import parse_trial_label, trial_label

log = logging.getLogger(__name__)

__all__ = ["ActiveTrial", "TrialController"]


@dataclass(frozen=True)
class ActiveTrial:
    """The trial under way: its label and session start time."""

    label: str
    task: str
    side: str | None
    start_s: float


class TrialController:
    """Start/stop labelled trials, count reps and capture MVC references.

    Parameters
    ----------
    pipeline : LivePipeline
        Gives the session time and the envelope captured during MVC trials.
    emit : callable, optional
        Called with each :class:`drivers.base.Marker` (e.g. the recorder's
        marker method). Markers are also kept in :attr:`markers`.
    mvc_duration_s : float or None
        Stop an MVC capture automatically after this long (checked by
        :meth:`poll`); None leaves it to the user.
    """

    def __init__(
        self,
        pipeline: LivePipeline,
        emit: Callable[[Marker], None] | None = None,
        *,
        mvc_duration_s: float | None = None,
    ) -> None:
        self.pipeline = pipeline
        self._emit = emit
        self.mvc_duration_s = mvc_duration_s
        self.markers: list[Marker] = []
        self.active: ActiveTrial | None = None
        self.rep_count = 0
        self._session_mvc: dict[str, float] = {}

    def _mark(self, label: str, kind: str) -> Marker:
        marker = Marker(label=label, kind=kind, time_s=self.pipeline.session_time_s)
        self.markers.append(marker)
        if self._emit is not None:
            self._emit(marker)
        log.info("%s %s at %.3f s", kind, label, marker.time_s)
        return marker

    def start_trial(self, task: str, side: str | None = None) -> ActiveTrial:
        """Start a trial (stopping the running one first); ``mvc`` trials capture the envelope."""
        label = trial_label(task, side)  # validates task and side
        if self.active is not None:
            self.stop_trial()
        marker = self._mark(label, "start")
        self.active = ActiveTrial(label, task, side, marker.time_s)
        self.rep_count = 0
        if task == "mvc":
            self.pipeline.begin_capture()
        return self.active

    def stop_trial(self) -> dict[str, float] | None:
        """Stop the running trial; after an MVC trial, set and return the new reference.

        The session reference of each channel is the largest over the MVC
        trials captured in this session (max of a 1 s moving mean of the
        envelope, :func:`emgforce.signal.mvc_reference`).
        """
        trial, self.active = self.active, None
        if trial is None:
            return None
        self._mark(trial.label, "stop")
        if trial.task != "mvc":
            return None
        envelope = self.pipeline.end_capture()
        ref = self.pipeline.reference_from_capture(envelope, trial.side)
        for name, value in ref.items():
            self._session_mvc[name] = max(value, self._session_mvc.get(name, 0.0))
        new = {name: self._session_mvc[name] for name in ref}
        self.pipeline.set_mvc_reference(new)
        return new

    def toggle_trial(self, task: str, side: str | None = None) -> ActiveTrial | None:
        """Stop the running trial if there is one, else start ``task``/``side``."""
        if self.active is not None:
            self.stop_trial()
            return None
        return self.start_trial(task, side)

    def rep(self) -> int:
        """Mark one repetition (bridge, squat) and return the count in this trial."""
        self._mark("rep", "mark")
        self.rep_count += 1
        return self.rep_count

    def poll(self) -> dict[str, float] | None:
        """Stop an MVC capture that has lasted ``mvc_duration_s``; returns the new reference."""
        trial = self.active
        if (
            trial is not None
            and trial.task == "mvc"
            and self.mvc_duration_s is not None
            and self.pipeline.session_time_s - trial.start_s >= self.mvc_duration_s
        ):
            return self.stop_trial()
        return None

    @staticmethod
    def describe(label: str) -> str:
        """Human-readable trial label, e.g. ``single leg bridge (right)``."""
        task, side = parse_trial_label(label)
        text = task.replace("_", " ")
        return f"{text} ({side})" if side else text

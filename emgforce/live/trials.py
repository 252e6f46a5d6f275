"""Trial control for the live display (Qt-free): labelled trials, reps, MVC capture.

Two sources drive trials. *User* markers (keys, buttons) are stamped with the
session time of the newest processed sample and handed to ``emit`` (the
recorder's marker input when recording), so a trial started from the keyboard
lands in the file on the same time line as the data. *Device* markers
(:meth:`emgforce.drivers.base.Device.read_markers`: a simulator's script, an LSL marker
stream) are already on their way to the file; :meth:`TrialController.device_marker`
only shows them (active trial, reps, MVC reference) and never emits them again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from emgforce.streams import Marker
from emgforce.errors import SignalError
from emgforce.live.pipeline import LivePipeline
from emgforce.naming import parse_trial_label, trial_label

log = logging.getLogger(__name__)

__all__ = ["ActiveTrial", "TrialController"]


@dataclass(frozen=True)
class ActiveTrial:
    """The trial under way: its label, session start time and who started it.

    ``source`` is ``"user"`` (keys, buttons: its markers are emitted) or
    ``"device"`` (the device's own markers: nothing is emitted for it).
    """

    label: str
    task: str
    side: str | None
    start_s: float
    source: str = "user"


class TrialController:
    """Start/stop labelled trials, count reps and capture MVC references.

    Parameters
    ----------
    pipeline : LivePipeline
        Gives the session time and the envelope captured during MVC trials.
    emit : callable, optional
        Called with each user :class:`emgforce.streams.Marker` (e.g. the
        recorder's marker method). User markers are also kept in
        :attr:`markers`, device markers in :attr:`device_markers`.
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
        self.device_markers: list[Marker] = []
        # keys act from the GUI thread, device markers arrive in the acquisition thread
        self._lock = threading.RLock()
        self.active: ActiveTrial | None = None
        self.rep_count = 0
        self._session_mvc: dict[str, float] = {}

    def _mark(self, label: str, kind: str, time_s: float | None = None) -> Marker:
        marker = Marker(label=label, kind=kind, time_s=self.pipeline.session_time_s if time_s is None else time_s)
        self.markers.append(marker)
        if self._emit is not None:
            self._emit(marker)
        log.info("%s %s at %.3f s", kind, label, marker.time_s)
        return marker

    def start_trial(self, task: str, side: str | None = None) -> ActiveTrial:
        """Start a trial (stopping the running one first); ``mvc`` trials capture the envelope."""
        label = trial_label(task, side)  # validates task and side
        with self._lock:
            if self.active is not None:
                self.stop_trial()
            marker = self._mark(label, "start")
            self._begin(ActiveTrial(label, task, side, marker.time_s))
            return self.active

    def _begin(self, trial: ActiveTrial, capture_from_s: float | None = None) -> None:
        self.active = trial
        self.rep_count = 0
        if trial.task == "mvc":
            self.pipeline.begin_capture(capture_from_s)

    def stop_trial(self) -> dict[str, float] | None:
        """Stop the running trial; after an MVC trial, set and return the new reference.

        The session reference of each channel is the largest over the MVC
        trials captured in this session (max of a 1 s moving mean of the
        envelope, :func:`emgforce.signal.mvc_reference`). A trial the device
        started is ended on the display only: its markers are the device's.
        """
        with self._lock:
            trial = self.active
            if trial is None:
                return None
            if trial.source == "user":
                self._mark(trial.label, "stop")
            return self._end(None)

    def _end(self, stop_s: float | None) -> dict[str, float] | None:
        trial, self.active = self.active, None
        if trial.task != "mvc":
            return None
        envelope = self.pipeline.end_capture(stop_s)
        ref = self.pipeline.reference_from_capture(envelope, trial.side)
        for name, value in ref.items():
            self._session_mvc[name] = max(value, self._session_mvc.get(name, 0.0))
        new = {name: self._session_mvc[name] for name in ref}
        self.pipeline.set_mvc_reference(new)
        log.info("MVC reference (%s): %s", trial.label, new)
        return new

    def device_marker(self, marker: Marker) -> dict[str, float] | None:
        """Show a marker the device produced (never emitted again: it is in the file already).

        ``start`` of a trial label makes it the active trial (ending a running
        one), ``stop`` of the active trial ends it -- setting the MVC
        reference after an ``mvc_*`` trial from the envelope between the two
        marker times -- and ``mark`` ``rep`` counts a rep. Call it from the
        thread that feeds the pipeline, after the blocks the marker's time
        falls in (as :meth:`Device.read_markers` delivers them).

        Returns
        -------
        dict of str to float or None
            The new MVC reference after a device MVC trial, else None.

        Raises
        ------
        SignalError
            The device's MVC trial was too short for a reference.
        """
        with self._lock:
            self.device_markers.append(marker)
            if marker.kind == "mark":
                if marker.label == "rep" and self.active is not None:
                    self.rep_count += 1
                return None
            task, side = parse_trial_label(marker.label)  # other labels show as they are
            if marker.kind == "start":
                if self.active is not None:
                    try:
                        self.stop_trial()
                    except SignalError as exc:  # e.g. a user MVC cut short: the device's trial still starts
                        log.warning("running trial ended by the device start of %s: %s", marker.label, exc)
                self._begin(ActiveTrial(marker.label, task, side, marker.time_s, "device"), marker.time_s)
                return None
            if self.active is None or self.active.label != marker.label:
                log.info("device stop of %s at %.3f s: that trial is not running here", marker.label, marker.time_s)
                return None
            return self._end(marker.time_s)

    def toggle_trial(self, task: str, side: str | None = None) -> ActiveTrial | None:
        """Stop the running trial if there is one, else start ``task``/``side``."""
        with self._lock:
            if self.active is not None:
                self.stop_trial()
                return None
            return self.start_trial(task, side)

    def rep(self) -> int:
        """Mark one repetition (bridge, squat) and return the count in this trial."""
        with self._lock:
            self._mark("rep", "mark")
            self.rep_count += 1
            return self.rep_count

    def mark_at(self, label: str, kind: str, time_s: float) -> Marker:
        """Record a user marker at a past session time (a rep the live detector has just found)."""
        with self._lock:
            return self._mark(label, kind, float(time_s))

    def set_rep_count(self, count: int) -> None:
        """Show ``count`` reps in the running trial (reps counted by a detector, not by R)."""
        with self._lock:
            self.rep_count = int(count)

    def poll(self) -> dict[str, float] | None:
        """Stop a user MVC capture that has lasted ``mvc_duration_s``; returns the new reference."""
        with self._lock:
            trial = self.active
            if (
                trial is not None
                and trial.task == "mvc"
                and trial.source == "user"
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

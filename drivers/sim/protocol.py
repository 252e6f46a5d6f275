"""The scripted lab protocol the simulator plays: steps (trials) and their timing.

A :class:`Protocol` is an ordered list of :class:`Step` objects; each step is one
trial (labelled with :func:`emgforce.naming.trial_label`) followed by an unmarked
pause. Repetition tasks (squat, bridges) take their duration from their number
of repetitions and the phase durations of one repetition.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from emgforce.naming import trial_label

#: phases of one repetition in seconds: (move up/down, hold, move back, rest);
#: squat: descend, (no hold at the bottom), ascend, stand; bridges: lift, hold, lower, rest
REP_PHASES_S: dict[str, tuple[float, float, float, float]] = {
    "squat": (1.25, 0.0, 1.25, 1.5),
    "bridge": (1.0, 3.0, 1.0, 2.0),
    "single_leg_bridge": (1.0, 3.0, 1.0, 2.0),
    # side-lying hip abduction: abduct the upper leg, hold, lower, rest
    "side_lying_abduction": (1.5, 2.0, 1.5, 2.0),
}
REP_TASKS = tuple(REP_PHASES_S)

#: quiet time inside a repetition trial before its first repetition
REP_LEAD_IN_S = 1.0
#: time into a single-leg stance trial at which the free leg is lifted
STANCE_LIFT_AT_S = 1.5


@dataclass(frozen=True)
class Step:
    """One trial of the protocol.

    Parameters
    ----------
    task : str
        Task key of :data:`emgforce.naming.TASKS` (``"mvc"``, ``"stance"``, ...).
    side : str or None
        ``"left"``/``"right"`` for per-side tasks (the stance or tested side), else None.
    duration_s : float or None
        Trial duration for hold tasks (MVC, rest, stances); ignored by repetition
        tasks, whose duration follows from ``reps`` and ``rep_phases_s``.
    reps : int
        Repetitions of a repetition task (squat, bridge, single-leg bridge,
        side-lying abduction).
    rest_after_s : float
        Unmarked pause after the trial (>= 1 s).
    rep_phases_s : tuple of 4 floats or None
        Phase durations of one repetition; None uses :data:`REP_PHASES_S`.
    """

    task: str
    side: str | None = None
    duration_s: float | None = None
    reps: int = 0
    rest_after_s: float = 5.0
    rep_phases_s: tuple[float, float, float, float] | None = None

    def __post_init__(self) -> None:
        trial_label(self.task, self.side)  # validates task and side
        if self.rest_after_s < 1.0:
            raise ValueError(f"rest_after_s must be >= 1 s (room for the posture change), got {self.rest_after_s}")
        if self.task in REP_TASKS:
            if self.reps < 1:
                raise ValueError(f"task {self.task!r} needs reps >= 1, got {self.reps}")
            phases = self.phases_s
            if len(phases) != 4 or min(phases) < 0 or phases[0] <= 0 or phases[2] <= 0:
                raise ValueError(f"rep_phases_s must be 4 durations >= 0 with positive movement phases, got {phases}")
        else:
            minimum = {"stance": STANCE_LIFT_AT_S + 1.0, "mvc": 2.0}.get(self.task, 1.0)  # room for the ramps
            if self.duration_s is None or self.duration_s < minimum:
                raise ValueError(f"task {self.task!r} needs duration_s >= {minimum} s, got {self.duration_s}")

    @property
    def label(self) -> str:
        """Trial label, e.g. ``stance_left``."""
        return trial_label(self.task, self.side)

    @property
    def phases_s(self) -> tuple[float, float, float, float]:
        """Phase durations of one repetition (repetition tasks only)."""
        return self.rep_phases_s if self.rep_phases_s is not None else REP_PHASES_S[self.task]

    @property
    def trial_duration_s(self) -> float:
        """Time from the trial's start marker to its stop marker."""
        if self.task in REP_TASKS:
            return REP_LEAD_IN_S + self.reps * sum(self.phases_s)
        return float(self.duration_s)


@dataclass(frozen=True)
class ScheduledTrial:
    """A step placed on the session time line (seconds from sample 0)."""

    step: Step
    start_s: float
    stop_s: float

    @property
    def label(self) -> str:
        return self.step.label


@dataclass(frozen=True)
class Protocol:
    """An ordered list of steps (trials), as the simulator plays them.

    Parameters
    ----------
    steps : sequence of Step
        The trials in order; each is followed by its ``rest_after_s`` pause.
    lead_in_s : float
        Quiet recording before the first trial (>= 1 s).
    tail_s : float
        Recording after the last trial's stop marker (>= 1 s).
    name : str
        Label stored with recordings (``"default"``, ``"short"``, ``"custom"``).
    """

    steps: tuple[Step, ...]
    lead_in_s: float = 2.0
    tail_s: float = 2.0
    name: str = field(default="custom", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", tuple(self.steps))
        if not self.steps:
            raise ValueError("a protocol needs at least one step")
        if self.lead_in_s < 1.0 or self.tail_s < 1.0:
            raise ValueError("lead_in_s and tail_s must be >= 1 s (room for the posture transitions)")

    @classmethod
    def default(cls, mvc_rest_s: float = 10.0, mvc_reps: int = 3) -> "Protocol":
        """The full lab session (about 7 minutes).

        MVC x ``mvc_reps`` per side (5 s each, alternating sides, ``mvc_rest_s``
        between), supine rest (EMG baseline, 10 s), double-leg stance 20 s,
        single-leg stance left/right 20 s, single-leg squat left/right 5 reps,
        supine bridge 8 reps (lift 1 s, hold 3 s, lower 1 s, rest 2 s) and
        single-leg bridge left/right 8 reps.
        """
        steps: list[Step] = []
        for _ in range(mvc_reps):
            for side in ("left", "right"):
                steps.append(Step("mvc", side, duration_s=5.0, rest_after_s=mvc_rest_s))
        steps += [
            Step("rest", duration_s=10.0),
            Step("stance_double", duration_s=20.0),
            Step("stance", "left", duration_s=20.0),
            Step("stance", "right", duration_s=20.0),
            Step("squat", "left", reps=5),
            Step("squat", "right", reps=5),
            Step("bridge", reps=8),
            Step("single_leg_bridge", "left", reps=8),
            Step("single_leg_bridge", "right", reps=8),
        ]
        return cls(tuple(steps), name="default")

    @classmethod
    def short(cls) -> "Protocol":
        """The same tasks with one MVC per side, short holds and two reps (107 s of data); for tests."""
        bridge = (1.0, 2.0, 1.0, 1.0)
        squat = (1.25, 0.0, 1.25, 1.0)
        steps = (
            Step("mvc", "left", duration_s=5.0, rest_after_s=2.0),
            Step("mvc", "right", duration_s=5.0, rest_after_s=2.0),
            Step("rest", duration_s=4.0, rest_after_s=2.0),
            Step("stance_double", duration_s=6.0, rest_after_s=2.0),
            Step("stance", "left", duration_s=8.0, rest_after_s=2.0),
            Step("stance", "right", duration_s=8.0, rest_after_s=2.0),
            Step("squat", "left", reps=2, rest_after_s=2.0, rep_phases_s=squat),
            Step("squat", "right", reps=2, rest_after_s=2.0, rep_phases_s=squat),
            Step("bridge", reps=2, rest_after_s=2.0, rep_phases_s=bridge),
            Step("single_leg_bridge", "left", reps=2, rest_after_s=2.0, rep_phases_s=bridge),
            Step("single_leg_bridge", "right", reps=2, rest_after_s=2.0, rep_phases_s=bridge),
        )
        return cls(steps, lead_in_s=1.0, tail_s=1.0, name="short")

    def schedule(self) -> tuple[ScheduledTrial, ...]:
        """Every trial with its start and stop time in session seconds."""
        t = self.lead_in_s
        out = []
        for i, step in enumerate(self.steps):
            stop = t + step.trial_duration_s
            out.append(ScheduledTrial(step, t, stop))
            t = stop + (step.rest_after_s if i < len(self.steps) - 1 else 0.0)
        return tuple(out)

    @property
    def duration_s(self) -> float:
        """Session length: lead-in, trials, pauses and tail."""
        return self.schedule()[-1].stop_s + self.tail_s

    @property
    def tasks(self) -> frozenset[str]:
        return frozenset(s.task for s in self.steps)


__all__ = ["Protocol", "REP_PHASES_S", "ScheduledTrial", "Step"]

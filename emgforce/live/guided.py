"""Guided sets (Qt-free): a small protocol script drives the display; reps and holds are found live.

A script names one or more sets, e.g. ten single-leg bridges on the left with
a 3 s hold in the target band and 5 s rest (TOML, or the same keys in JSON)::

    lead_in_s = 5            # "get ready" before the first set
    rest_between_sets_s = 60

    [[set]]
    task = "single_leg_bridge"
    side = "left"
    reps = 10
    hold_s = 3
    rest_s = 5
    target = [40, 60]        # %MVC band of this set (optional)

:class:`GuidedSet` starts each set as a trial (its start and stop markers are
written like the keys' ones), tells the patient what to do next ("lift and hold
3 s", "lower", "rest 5 s") with a countdown that runs while the working gluteus
medius is inside the band, and counts the repetitions with the offline
analysis' own detector, :func:`emgforce.tasks.segment.detect_plateaus`, on the
working GM envelope since the trial started (the same signal, smoothing, minimum
contrast and minimum duration as :class:`emgforce.tasks.reps.RepetitionTask`
uses without a force plate), so the live count is the offline count of the same trial. Each
rep found is written as ``rep`` and ``hold`` start/stop events, and its time in
the band as ``in_band`` start/stop intervals.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from emgforce._runs import true_runs
from emgforce._tables import read_table_file
from emgforce.errors import GuidedSetError
from emgforce.io.recording import first_index_at
from emgforce.live.pipeline import LivePipeline
from emgforce.live.trials import TrialController
from emgforce.io.channels import channel_tags
from emgforce.naming import TASKS, trial_label
from emgforce.tasks.base import get_task, registered_tasks
from emgforce.tasks.options import AnalysisOptions
from emgforce.tasks.reps import ENVELOPE_REP_SMOOTH_HZ, RepetitionTask
from emgforce.tasks.results import Phase
from emgforce.tasks.segment import detect_plateaus, plateau_levels

log = logging.getLogger(__name__)

__all__ = ["GuidedProtocol", "GuidedSet", "GuidedStatus", "RepResult", "SetSpec"]

#: as emgforce.tasks.analyze: a rep raises the working GM envelope by at least 5 %MVC (none in volts)
REP_MIN_CONTRAST_PCT = 5.0
#: how often the detector runs on the trial so far (from just before the last counted rep on)
DETECT_EVERY_S = 0.25
#: the detector reads the envelope at this rate (every k-th sample): the envelope is low-passed at
#: 6 Hz and the detector smooths it at 2 Hz, so 200 Hz loses nothing it uses, and a 100 s trial
#: costs ~4 ms a run instead of ~40 ms at 2 kHz, which would stall the display
DETECT_FS_HZ = 200.0
#: the search for new reps starts this long before the last counted rep's end (filter padding)
TAIL_PAD_S = 1.0
#: a rep is counted this long after its end, when the detector has seen all of its fall
REP_SETTLE_S = 0.5


@dataclass(frozen=True)
class SetSpec:
    """One guided set: ``reps`` repetitions of ``task`` (on ``side``), holds and rests in seconds."""

    task: str
    side: str | None = None
    reps: int = 10
    hold_s: float = 3.0
    rest_s: float = 5.0
    target: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        try:
            trial_label(self.task, self.side)
        except ValueError as exc:
            raise GuidedSetError(str(exc)) from None
        if not isinstance(get_task(self.task), RepetitionTask):
            raise GuidedSetError(f"task {self.task!r} has no repetitions to guide; repetition tasks: "
                                 f"{[t.key for t in registered_tasks() if isinstance(t, RepetitionTask)]}")
        if not isinstance(self.reps, (int, float)) or int(self.reps) != self.reps or self.reps < 1:
            raise GuidedSetError(f"reps must be a whole number >= 1, got {self.reps!r}")
        if not (isinstance(self.hold_s, (int, float)) and isinstance(self.rest_s, (int, float))
                and self.hold_s >= 0 and self.rest_s >= 0):
            raise GuidedSetError(f"hold_s and rest_s must be >= 0 s, got {self.hold_s!r}, {self.rest_s!r}")
        object.__setattr__(self, "reps", int(self.reps))
        object.__setattr__(self, "hold_s", float(self.hold_s))
        object.__setattr__(self, "rest_s", float(self.rest_s))
        if self.target is not None:
            low, high = self.target
            if not 0 <= low < high:
                raise GuidedSetError(f"target must be [low, high] %MVC with 0 <= low < high, got {list(self.target)}")
            object.__setattr__(self, "target", (float(low), float(high)))

    @property
    def label(self) -> str:
        return trial_label(self.task, self.side)

    @property
    def title(self) -> str:
        """What the patient reads, e.g. ``single-leg bridge, left``."""
        text = TASKS[self.task][1]
        return f"{text}, {self.side}" if self.side else text


@dataclass(frozen=True)
class GuidedProtocol:
    """The sets of a guided session, in order."""

    sets: tuple[SetSpec, ...]
    lead_in_s: float = 5.0
    rest_between_sets_s: float = 60.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "sets", tuple(self.sets))
        if not self.sets:
            raise GuidedSetError("a guided protocol needs at least one [[set]]")
        if not (self.lead_in_s >= 0 and self.rest_between_sets_s >= 0):
            raise GuidedSetError("lead_in_s and rest_between_sets_s must be >= 0 s")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "GuidedProtocol":
        """From the parsed script (keys as in the module docstring)."""
        known = {"lead_in_s", "rest_between_sets_s", "set"}
        if not isinstance(data, dict) or set(data) - known:
            raise GuidedSetError(f"unknown keys {sorted(set(data) - known) if isinstance(data, dict) else data!r}; "
                                 f"a script has {sorted(known)}")
        sets = []
        for i, item in enumerate(data.get("set", [])):
            fields = {"task", "side", "reps", "hold_s", "rest_s", "target"}
            if not isinstance(item, dict) or set(item) - fields or "task" not in item:
                raise GuidedSetError(f"set {i + 1}: needs 'task' and only {sorted(fields)}, got {item!r}")
            target = item.get("target")
            if target is not None and (not isinstance(target, (list, tuple)) or len(target) != 2):
                raise GuidedSetError(f"set {i + 1}: target must be [low, high], got {target!r}")
            sets.append(SetSpec(**{**item, "target": tuple(target) if target is not None else None}))
        extra = {k: float(data[k]) for k in ("lead_in_s", "rest_between_sets_s") if k in data}
        return cls(tuple(sets), **extra)

    @classmethod
    def load(cls, path: str | Path) -> "GuidedProtocol":
        """Read a ``.toml`` or ``.json`` script."""
        path = Path(path)
        if path.suffix.lower() not in (".toml", ".json"):
            raise GuidedSetError(f"guided-set script {path}: use a .toml or .json file")
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise GuidedSetError(f"cannot read the guided-set script {path}: {exc}") from None
        try:
            data = read_table_file(path, text)
        except ValueError as exc:  # json/toml decode errors are ValueErrors
            raise GuidedSetError(f"guided-set script {path}: {exc}") from None
        return cls.from_dict(data)


@dataclass(frozen=True)
class RepResult:
    """A repetition found live: its phases (session seconds) and time inside the target band."""

    phase: Phase
    time_in_band_s: float


@dataclass(frozen=True)
class GuidedStatus:
    """What the displays show now."""

    instruction: str
    phase: str  # "ready", "work", "lower", "rest", "between", "done"
    countdown_s: float | None
    countdown_total_s: float | None
    reps: int
    reps_target: int | None
    target: tuple[float, float]
    last_time_in_band_s: float | None


class GuidedSet:
    """Run a :class:`GuidedProtocol` on a live pipeline; call :meth:`update` at frame rate.

    Parameters
    ----------
    pipeline : LivePipeline
    controller : TrialController
        Starts and stops the sets' trials and writes the rep events.
    protocol : GuidedProtocol
    target : (float, float)
        Band (%MVC) of the sets that do not give their own.
    """

    def __init__(
        self,
        pipeline: LivePipeline,
        controller: TrialController,
        protocol: GuidedProtocol,
        *,
        target: tuple[float, float] = (40.0, 60.0),
    ) -> None:
        if pipeline.emg_stream is None:
            raise GuidedSetError("guided sets follow the gluteus medius envelope; this device has no EMG stream")
        self.pipeline = pipeline
        self.controller = controller
        self.protocol = protocol
        self.default_target = (float(min(target)), float(max(target)))
        self.fs = pipeline.emg_fs_hz
        self.results: list[list[RepResult]] = [[] for _ in protocol.sets]
        self._set = 0
        self._phase = "ready"
        self._phase_from_s: float | None = None  # start time of the timed phase (ready / rest / between)
        self._in_band_s = 0.0
        self._trial_start_s = 0.0
        self._next = 0  # next envelope sample to read
        self._signal: list[np.ndarray] = []
        self._last_detect_s = -math.inf

    # -- what is worked ----------------------------------------------------------------
    @property
    def spec(self) -> SetSpec | None:
        return self.protocol.sets[self._set] if self._set < len(self.protocol.sets) else None

    @property
    def target(self) -> tuple[float, float]:
        spec = self.spec
        return spec.target if spec is not None and spec.target is not None else self.default_target

    def _working(self, spec: SetSpec) -> list[int]:
        """The GM channels of the set's side (both for a bilateral task), as the offline task picks them."""
        side = None if get_task(spec.task).bilateral else spec.side
        cols = []
        for j, ch in enumerate(self.pipeline.emg_channels):
            muscle, ch_side = channel_tags(ch)
            if muscle == "gluteus_medius" and side in (None, ch_side):
                cols.append(j)
        if not cols:
            raise GuidedSetError(f"no gluteus medius channel for {spec.label}; EMG channels: "
                                 f"{[c.name for c in self.pipeline.emg_channels]}")
        return cols

    def _percent(self, cols: list[int]) -> bool:
        return bool(np.all(np.isfinite(self.pipeline.reference_levels[cols])))

    def _read(self, spec: SetSpec) -> np.ndarray:
        """New rows of the working signal (mean of the working GM channels, %MVC when referenced)."""
        rows, first = self.pipeline.envelope_since(self._next)
        if first > self._next:
            log.warning("guided set: %.2f s of envelope not read in time", (first - self._next) / self.fs)
        self._next = first + rows.shape[0]
        cols = self._working(spec)
        x = rows[:, cols]
        if self._percent(cols):
            x = 100.0 * x / self.pipeline.reference_levels[cols]
        return x.mean(axis=1)

    # -- the state machine -------------------------------------------------------------------
    def update(self) -> GuidedStatus:
        """Advance with the data processed so far; returns what to show."""
        t = self.pipeline.session_time_s
        spec = self.spec
        if spec is None:
            return self._status("done", "well done: all sets complete")
        if self._phase in ("ready", "between"):
            wait = self.protocol.lead_in_s if self._phase == "ready" else self.protocol.rest_between_sets_s
            if self._phase_from_s is None:
                self._phase_from_s = t
            left = wait - (t - self._phase_from_s)
            if left > 0:
                word = "get ready" if self._phase == "ready" else "rest"
                return self._status(self._phase, f"{word}: next {spec.title}, {spec.reps} reps", left, wait)
            self._start_set(spec)
        new = self._read(spec)
        if new.size:
            self._signal.append(new)
            if self._phase == "work":
                low, high = self.target
                self._in_band_s += np.count_nonzero((new >= low) & (new <= high)) / self.fs
        if t - self._last_detect_s >= DETECT_EVERY_S:
            self._last_detect_s = t
            index = self._set
            self._detect(spec, final=False)
            if self._set != index:  # that was the set's last rep
                return self.update()
        return self._work_status(spec, t)

    def _start_set(self, spec: SetSpec) -> None:
        trial = self.controller.start_trial(spec.task, spec.side)
        self._trial_start_s = trial.start_s
        self._next = first_index_at(trial.start_s, self.fs)
        self._signal = []
        self._phase = "work"
        self._phase_from_s = None
        self._in_band_s = 0.0
        self._last_detect_s = -math.inf
        self.controller.set_rep_count(0)

    def _detect(self, spec: SetSpec, final: bool) -> None:
        """Count the reps completed so far; write the new ones; end the set at its last rep.

        Levels come from the whole set so far (as offline from the whole trial); only the
        signal from just before the last counted rep's end on is searched again, so an
        update costs the same late in a long set as early on.
        """
        if not self._signal:
            return
        x = np.concatenate(self._signal)
        self._signal = [x]
        percent = self._percent(self._working(spec))
        step = max(1, int(self.fs // DETECT_FS_HZ))
        xd, fsd = x[::step], self.fs / step
        results = self.results[self._set]
        last_stop = results[-1].phase.stop_s if results else -math.inf
        i0 = max(0, int((last_stop - TAIL_PAD_S - self._trial_start_s) * fsd)) if results else 0
        phases = detect_plateaus(
            xd[i0:], fsd, t0_s=self._trial_start_s + i0 / fsd, smooth_hz=ENVELOPE_REP_SMOOTH_HZ,
            levels=plateau_levels(xd, fsd, smooth_hz=ENVELOPE_REP_SMOOTH_HZ),
            min_contrast=REP_MIN_CONTRAST_PCT if percent else 0.0,
            min_duration_s=AnalysisOptions.rep_min_duration_s,
        )
        phases = [p for p in phases if p.start_s > last_stop]  # not the counted rep the window cuts
        end_s = self._trial_start_s + (xd.size - 1) / fsd
        # a rep counts once the signal has settled after it: its fall is then fitted on as much
        # of the level after it as offline, and gives the same times
        done = phases if final else [p for p in phases if p.stop_s < end_s - REP_SETTLE_S]
        for phase in done:
            results.append(self._write_rep(phase, x))
            if self._phase in ("work", "lower"):
                self._phase, self._phase_from_s, self._in_band_s = "rest", phase.stop_s, 0.0
        self.controller.set_rep_count(len(results))
        if len(results) >= spec.reps and not final:
            self.finish_set()

    def _write_rep(self, phase: Phase, x: np.ndarray) -> RepResult:
        mark = self.controller.mark_at
        mark("rep", "start", phase.start_s)
        mark("hold", "start", phase.hold_start_s)
        low, high = self.target
        i0 = first_index_at(phase.start_s - self._trial_start_s, self.fs)
        i1 = first_index_at(phase.stop_s - self._trial_start_s, self.fs)
        seg = x[i0:i1]
        in_band = 0.0
        for a, b in true_runs((seg >= low) & (seg <= high)):
            t0 = self._trial_start_s + (i0 + a) / self.fs
            mark("in_band", "start", t0)
            mark("in_band", "stop", t0 + (b - a) / self.fs)
            in_band += (b - a) / self.fs
        mark("hold", "stop", phase.hold_stop_s)
        mark("rep", "stop", phase.stop_s)
        log.info("rep %d at %.2f-%.2f s: %.2f s in band", len(self.results[self._set]) + 1, phase.start_s,
                 phase.stop_s, in_band)
        return RepResult(phase, in_band)

    def finish_set(self) -> None:
        """End the running set now (its last reps found on the whole trial), then rest before the next."""
        spec = self.spec
        if spec is None or self._phase in ("ready", "between"):
            return
        self._detect(spec, final=True)
        if self.controller.active is not None and self.controller.active.label == spec.label:
            self.controller.stop_trial()
        self._set += 1
        self._phase, self._phase_from_s = "between", None

    # -- what to show --------------------------------------------------------------------------
    def _work_status(self, spec: SetSpec, t: float) -> GuidedStatus:
        if self._phase == "rest":
            left = spec.rest_s - (t - self._phase_from_s)
            if left > 0:
                return self._status("rest", f"rest {spec.rest_s:g} s", left, spec.rest_s)
            self._phase, self._in_band_s = "work", 0.0
        if self._phase == "work" and self._in_band_s >= spec.hold_s:
            self._phase = "lower"
        if self._phase == "lower":
            return self._status("lower", "well held: lower slowly", 0.0, spec.hold_s)
        return self._status("work", f"{spec.title}: lift and hold {spec.hold_s:g} s",
                            max(spec.hold_s - self._in_band_s, 0.0), spec.hold_s)

    def _status(self, phase: str, text: str, countdown: float | None = None, total: float | None = None) -> GuidedStatus:
        spec = self.spec
        results = self.results[min(self._set, len(self.results) - 1)]
        if phase == "between":  # the set just finished
            results = self.results[self._set - 1] if self._set else []
        return GuidedStatus(
            instruction=text,
            phase=phase,
            countdown_s=None if countdown is None else float(countdown),
            countdown_total_s=None if total is None else float(total),
            reps=len(results) if phase not in ("ready",) else 0,
            reps_target=spec.reps if spec is not None and phase != "between" else None,
            target=self.target,
            last_time_in_band_s=results[-1].time_in_band_s if results else None,
        )

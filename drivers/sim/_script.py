"""Turn a protocol schedule into piecewise-linear targets and ground-truth events.

The subject's state is a vector: true activation (%MVC) per EMG channel, then
the plate's vertical load (fraction of body weight), the mean COP (x, y in m)
and the COP sway amplitude (ML, AP RMS in m). The script walks through the
trials, moving that state with ramps (never steps), and records every knot.
Interpolating the knots at each stream's sample times gives the smooth drive
the signal generators modulate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from emgforce.streams import Marker
from emgforce.drivers.sim.protocol import REP_LEAD_IN_S, STANCE_LIFT_AT_S, REP_TASKS, ScheduledTrial, Step

#: activation in %MVC per (task, muscle abbreviation): (tested/stance side, other side).
#: Gluteus medius follows the plausibility table in docs (Ebert 2017, Ekstrom 2007,
#: DiStefano 2009); TFL and gluteus maximus get plausible, different levels.
LEVELS_PCT_MVC: dict[str, dict[str, tuple[float, float]]] = {
    "mvc": {"GM": (100.0, 4.0), "TFL": (100.0, 5.0), "GMAX": (100.0, 4.0)},
    "rest": {"GM": (1.5, 1.5), "TFL": (1.5, 1.5), "GMAX": (1.5, 1.5)},
    "pause": {"GM": (3.0, 3.0), "TFL": (3.0, 3.0), "GMAX": (2.5, 2.5)},
    "supine": {"GM": (2.0, 2.0), "TFL": (2.0, 2.0), "GMAX": (2.5, 2.5)},
    "stance_double": {"GM": (7.0, 7.0), "TFL": (6.0, 6.0), "GMAX": (4.0, 4.0)},
    "stance": {"GM": (17.0, 4.0), "TFL": (14.0, 9.0), "GMAX": (8.0, 3.0)},
    # squat plateau a little above 64 so the mean over the down-up movement (ramps included) is ~64
    "squat": {"GM": (70.0, 6.0), "TFL": (40.0, 10.0), "GMAX": (56.0, 5.0)},
    "bridge": {"GM": (28.0, 28.0), "TFL": (18.0, 18.0), "GMAX": (33.0, 33.0)},
    "single_leg_bridge": {"GM": (47.0, 9.0), "TFL": (30.0, 14.0), "GMAX": (45.0, 7.0)},
    # upper (abducting) leg, lower leg resting on the mat
    "side_lying_abduction": {"GM": (81.0, 5.0), "TFL": (50.0, 6.0), "GMAX": (39.0, 4.0)},
}
EXERCISES = ("stance_double", "stance", "squat", "bridge", "single_leg_bridge", "side_lying_abduction")
#: in the exercises the weak side's gluteus medius works at this fraction of the usual %MVC ...
WEAK_GM_FACTOR = 0.6
#: ... and its tensor fasciae latae compensates
WEAK_TFL_FACTOR = 1.2
#: sway of the weak side's single-leg tasks relative to the strong side
WEAK_SWAY_FACTOR = 1.4

#: plate state: (load as a fraction of body weight, mean COP x, mean COP y, sway RMS ML, sway RMS AP)
UNLOADED = (0.0, 0.0, 0.0, 0.0, 0.0)
DOUBLE_STANCE = (1.0, 0.0, 0.0, 0.003, 0.004)
ONE_FOOT_ON_PLATE = (0.5, 0.0, 0.0, 0.002, 0.003)  # both feet down, only one on the plate
SUPINE_FEET = (0.2, 0.0, 0.0, 0.001, 0.001)  # supine, knees bent, feet on the plate
BRIDGE_HOLD = (0.45, 0.0, -0.02, 0.0015, 0.0015)
SINGLE_STANCE_SWAY_M = (0.008, 0.0055)
SQUAT_SWAY_M = (0.009, 0.006)
SLB_SWAY_M = (0.0025, 0.002)
SLB_FOOT_X_M = 0.10  # the bridging foot sits this far to its side of the plate centre
TOUCHDOWN_LOAD = 0.6  # the free foot touches the floor and takes part of the weight
SQUAT_DEPTH_M = 0.25

N_PLATE = 5


@dataclass(frozen=True)
class SquatRep:
    """One squat repetition: start, duration of the down-up movement, stance side."""

    start_s: float
    duration_s: float
    side: str


@dataclass
class Script:
    """What :func:`build_script` returns (times in session seconds)."""

    knot_t: np.ndarray  # (k,)
    knot_state: np.ndarray  # (k, n_channels + N_PLATE)
    events: list[Marker]
    squats: list[SquatRep]
    onsets_s: list[float]  # movement onsets (motion artefacts)
    sway_windows: list[tuple[float, float]]  # one per trial: where its sway target is steady
    trials: tuple[ScheduledTrial, ...]
    duration_s: float
    n_channels: int = field(default=0)

    def sample(self, fs_hz: float, n: int, columns: slice) -> np.ndarray:
        """Columns of the state at ``n`` samples of rate ``fs_hz``: shape (n, n_columns)."""
        t = np.arange(n) / fs_hz
        knots = self.knot_state[:, columns]
        out = np.empty((n, knots.shape[1]))
        for j in range(knots.shape[1]):
            out[:, j] = np.interp(t, self.knot_t, knots[:, j])
        return out


class _Track:
    """Append-only piecewise-linear track of the state vector."""

    def __init__(self, state: np.ndarray) -> None:
        self.t = [0.0]
        self.rows = [np.array(state, dtype=float)]

    def hold_until(self, t: float) -> None:
        if t < self.t[-1] - 1e-9:
            raise RuntimeError(f"simulator script went back in time ({t} < {self.t[-1]})")
        if t > self.t[-1] + 1e-9:
            self.t.append(t)
            self.rows.append(self.rows[-1].copy())

    def ramp_to(self, t: float, ramp_s: float, state: np.ndarray) -> None:
        """Hold the current state until ``t``, then move linearly to ``state`` over ``ramp_s``."""
        self.hold_until(t)
        self.t.append(t + ramp_s)
        self.rows.append(np.array(state, dtype=float))


def _activation(task: str, side: str | None, channels, weak_side: str | None) -> np.ndarray:
    """%MVC per channel for a task performed on ``side`` (None: bilateral)."""
    out = np.empty(len(channels))
    for i, (muscle, ch_side) in enumerate(channels):
        ipsi, contra = LEVELS_PCT_MVC[task][muscle]
        level = ipsi if side is None or ch_side == side else contra
        if ch_side == weak_side and task in EXERCISES:
            if muscle == "GM":
                level *= WEAK_GM_FACTOR
            elif muscle == "TFL" and task in ("stance", "squat", "single_leg_bridge", "side_lying_abduction") and side == ch_side:
                level *= WEAK_TFL_FACTOR
        out[i] = level
    return out


def _single_stance(side: str, weak_side: str | None, sway_m=SINGLE_STANCE_SWAY_M) -> tuple[float, ...]:
    k = WEAK_SWAY_FACTOR if side == weak_side else 1.0
    return (1.0, 0.0, 0.0, sway_m[0] * k, sway_m[1] * k)


def _slb_hold(side: str, weak_side: str | None) -> tuple[float, ...]:
    k = WEAK_SWAY_FACTOR if side == weak_side else 1.0
    x = -SLB_FOOT_X_M if side == "left" else SLB_FOOT_X_M
    return (BRIDGE_HOLD[0], x, BRIDGE_HOLD[2], SLB_SWAY_M[0] * k, SLB_SWAY_M[1] * k)


def _initial_state(step: Step, channels, weak_side) -> np.ndarray:
    """The posture the subject takes in the pause before ``step``."""
    if step.task in ("bridge", "single_leg_bridge"):
        return np.r_[_activation("supine", None, channels, weak_side), SUPINE_FEET]
    if step.task == "side_lying_abduction":  # on a mat beside the plate: no load
        return np.r_[_activation("supine", None, channels, weak_side), UNLOADED]
    plate = {
        "mvc": UNLOADED,
        "rest": UNLOADED,
        "stance_double": DOUBLE_STANCE,
        "stance": ONE_FOOT_ON_PLATE,
        "squat": ONE_FOOT_ON_PLATE,
    }[step.task]
    return np.r_[_activation("pause", None, channels, weak_side), plate]


def build_script(trials, channels, weak_side, rng: np.random.Generator, tail_s: float) -> Script:
    """Walk the scheduled trials and record the state knots and ground-truth events.

    Parameters
    ----------
    trials : sequence of ScheduledTrial
    channels : sequence of (muscle abbreviation, side)
    weak_side : {"left", "right", None}
    rng : numpy Generator
        Places the weak side's balance losses.
    tail_s : float
        Recording after the last trial's stop.
    """
    n_ch = len(channels)
    act = lambda task, side=None: _activation(task, side, channels, weak_side)  # noqa: E731
    track = _Track(_initial_state(trials[0].step, channels, weak_side))
    events: list[Marker] = []
    squats: list[SquatRep] = []
    onsets: list[float] = []
    sway_windows: list[tuple[float, float]] = []

    def set_plate(state: np.ndarray, plate) -> np.ndarray:
        out = state.copy()
        out[n_ch:] = plate
        return out

    def set_act(state: np.ndarray, activation) -> np.ndarray:
        out = state.copy()
        out[:n_ch] = activation
        return out

    for i, trial in enumerate(trials):
        step, t0, t1 = trial.step, trial.start_s, trial.stop_s
        events.append(Marker(trial.label, "start", t0))
        state = _initial_state(step, channels, weak_side)
        if step.task == "mvc":
            onsets.append(t0)
            track.ramp_to(t0, 1.0, set_act(state, act("mvc", step.side)))
            track.ramp_to(t1 - 1.0, 1.0, state)
        elif step.task in ("rest", "stance_double"):
            track.ramp_to(t0, 0.5, set_act(state, act(step.task)))
        elif step.task == "stance":
            _stance(track, trial, act, weak_side, rng, events, onsets, set_act, set_plate)
        elif step.task == "squat":
            single = _single_stance(step.side, weak_side, SQUAT_SWAY_M)
            standing = set_plate(set_act(state, act("stance", step.side)), single)
            track.ramp_to(t0, 0.4, standing)
            events.append(Marker("lift", "mark", t0))
            onsets.append(t0)
            down, hold, up, rest = step.phases_s
            move = down + hold + up
            for r in range(step.reps):
                tr = t0 + REP_LEAD_IN_S + r * (move + rest)
                squats.append(SquatRep(tr, move, step.side))
                events += [Marker("rep", "start", tr), Marker("rep", "stop", tr + move)]
                onsets.append(tr)
                ramp = min(0.3, 0.5 * down, 0.5 * up)
                track.ramp_to(tr, ramp, set_act(standing, act("squat", step.side)))
                track.ramp_to(tr + move - ramp, ramp, standing)
        elif step.task in REP_TASKS:  # bridges, side-lying abduction: lift, hold, lower, rest
            lift, hold, lower, rest = step.phases_s
            if step.task == "bridge":
                up = set_plate(set_act(state, act("bridge")), BRIDGE_HOLD)
            elif step.task == "single_leg_bridge":
                up = set_plate(set_act(state, act("single_leg_bridge", step.side)), _slb_hold(step.side, weak_side))
            else:  # the plate stays unloaded
                up = set_act(state, act(step.task, step.side))
            track.ramp_to(t0, 0.5, state)
            for r in range(step.reps):
                tr = t0 + REP_LEAD_IN_S + r * (lift + hold + lower + rest)
                events += [
                    Marker("rep", "start", tr),
                    Marker("hold", "start", tr + lift),
                    Marker("hold", "stop", tr + lift + hold),
                    Marker("rep", "stop", tr + lift + hold + lower),
                ]
                onsets.append(tr)
                track.ramp_to(tr, lift, up)
                track.ramp_to(tr + lift + hold, lower, state)
        events.append(Marker(trial.label, "stop", t1))
        lift = STANCE_LIFT_AT_S + 0.4 if step.task == "stance" else 0.0
        sway_windows.append((t0 + lift, t1))
        # pause: move to the next trial's posture (or back to this one's at the end)
        nxt = trials[i + 1] if i + 1 < len(trials) else None
        pause = (nxt.start_s if nxt else t1 + tail_s) - t1
        after = _initial_state((nxt or trial).step, channels, weak_side)
        track.ramp_to(t1, min(1.0, 0.5 * pause), after)

    duration = trials[-1].stop_s + tail_s
    track.hold_until(duration)
    events.sort(key=lambda m: m.time_s)
    return Script(
        knot_t=np.asarray(track.t),
        knot_state=np.vstack(track.rows),
        events=events,
        squats=squats,
        onsets_s=sorted(onsets),
        sway_windows=sway_windows,
        trials=tuple(trials),
        duration_s=duration,
        n_channels=n_ch,
    )


def _stance(track, trial, act, weak_side, rng, events, onsets, set_act, set_plate) -> None:
    """Single-leg stance: both feet down, lift the free leg, hold; the weak side may touch down."""
    step, t0, t1 = trial.step, trial.start_s, trial.stop_s
    both = set_plate(set_act(track.rows[-1], act("stance_double")), ONE_FOOT_ON_PLATE)
    single = set_plate(set_act(both, act("stance", step.side)), _single_stance(step.side, weak_side))
    track.ramp_to(t0, 0.5, both)
    lift = t0 + STANCE_LIFT_AT_S
    events.append(Marker("lift", "mark", lift))
    onsets.append(lift)
    track.ramp_to(lift, 0.4, single)
    # balance loss on the weak side: somewhere in the middle of the single-leg hold
    if step.side == weak_side and t1 - lift >= 5.0:
        td = float(rng.uniform(lift + 2.0, t1 - 2.0))
        toward = 1.0 if step.side == "left" else -1.0  # the free foot is on the other side
        touched = set_act(single, act("stance_double"))
        touched[-N_PLATE] = TOUCHDOWN_LOAD
        touched[-N_PLATE + 1] = 0.012 * toward
        track.ramp_to(td, 0.08, touched)
        events.append(Marker("touchdown", "mark", td))
        onsets.append(td)
        relift = td + 0.5
        track.ramp_to(relift, 0.3, single)
        events.append(Marker("lift", "mark", relift))

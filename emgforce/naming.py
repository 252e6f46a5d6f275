"""One place for channel, muscle, side and task naming.

Conventions
-----------
* Sides are ``"left"`` and ``"right"``.
* Muscles use the keys of :data:`MUSCLES`; EMG channel names are
  ``f"{abbrev}_{L|R}"`` (e.g. ``GM_L``).
* Trial labels are ``task`` or ``f"{task}_{side}"``; for single-leg tasks the
  side is the *stance* (loaded) leg: ``stance_left`` = standing on the left leg,
  ``single_leg_bridge_right`` = bridging on the right leg, ``mvc_left`` = MVC of
  the left-side muscles.
* Lab frame: x medio-lateral (ML, to the subject's right), y antero-posterior
  (AP, forward), z up; SI units (m, N, N*m, s, Hz).
"""

from __future__ import annotations

__all__ = [
    "ABBREV_MUSCLE",
    "ACTIVITY_LABELS",
    "MUSCLES",
    "SIDES",
    "SIDE_SUFFIX",
    "SUFFIX_SIDE",
    "TASKS",
    "emg_channel_name",
    "parse_emg_channel_name",
    "parse_trial_label",
    "trial_label",
]

SIDES: tuple[str, ...] = ("left", "right")
SIDE_SUFFIX = {"left": "L", "right": "R"}
SUFFIX_SIDE = {v: k for k, v in SIDE_SUFFIX.items()}

#: muscle key -> (abbreviation, full name)
MUSCLES: dict[str, tuple[str, str]] = {
    "gluteus_medius": ("GM", "gluteus medius"),
    "tensor_fasciae_latae": ("TFL", "tensor fasciae latae"),
    "gluteus_maximus": ("GMAX", "gluteus maximus"),
}
ABBREV_MUSCLE = {abbrev: key for key, (abbrev, _) in MUSCLES.items()}

#: task key -> (is the task performed per side?, description)
TASKS: dict[str, tuple[bool, str]] = {
    "mvc": (True, "maximal voluntary contraction, side-lying hip abduction"),
    "rest": (False, "quiet supine rest (EMG baseline)"),
    "stance_double": (False, "quiet double-leg stance"),
    "stance": (True, "single-leg stance"),
    "squat": (True, "single-leg squat"),
    "bridge": (False, "supine bridge"),
    "single_leg_bridge": (True, "single-leg bridge"),
    "side_lying_abduction": (True, "side-lying hip abduction (side = the abducting, upper leg)"),
}

ACTIVITY_LABELS = ("rep", "hold", "lift", "touchdown")


def emg_channel_name(muscle: str, side: str) -> str:
    """Return the canonical EMG channel name, e.g. ``GM_L``."""
    if muscle not in MUSCLES:
        raise ValueError(f"unknown muscle {muscle!r}; known: {sorted(MUSCLES)}")
    if side not in SIDE_SUFFIX:
        raise ValueError(f"side must be one of {SIDES}, got {side!r}")
    return f"{MUSCLES[muscle][0]}_{SIDE_SUFFIX[side]}"


def parse_emg_channel_name(name: str) -> tuple[str, str] | None:
    """Return ``(muscle, side)`` for a canonical channel name, else None."""
    abbrev, _, suffix = name.rpartition("_")
    if abbrev in ABBREV_MUSCLE and suffix in SUFFIX_SIDE:
        return ABBREV_MUSCLE[abbrev], SUFFIX_SIDE[suffix]
    return None


def trial_label(task: str, side: str | None = None) -> str:
    """Compose a trial label from a task key and an optional side."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; known: {sorted(TASKS)}")
    per_side = TASKS[task][0]
    if per_side and side is None:
        raise ValueError(f"task {task!r} needs a side")
    if not per_side and side is not None:
        raise ValueError(f"task {task!r} has no side")
    if side is not None and side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}, got {side!r}")
    return task if side is None else f"{task}_{side}"


def parse_trial_label(label: str) -> tuple[str, str | None]:
    """Split a trial label into ``(task, side)``; unknown labels keep side None."""
    for side in SIDES:
        if label.endswith("_" + side):
            task = label[: -len(side) - 1]
            if task in TASKS:
                return task, side
    return label, None

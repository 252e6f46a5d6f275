"""Analyse a whole session: trials, per-trial/per-side metrics, symmetry, summary.

The session is prepared once (:mod:`emgforce.tasks.prepare`); each trial is
analysed by its task (:mod:`emgforce.tasks.base`: one module per task); the
tasks' side comparisons make the symmetry rows and the summary.

:func:`analyze_session` never stops at one bad trial: what cannot be computed
(no MVC, no force stream, too short a window, no movement found) becomes a
message in the result, and the rest of the analysis goes on.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np

from emgforce._deprecation import renamed_kwargs
from emgforce.errors import EmgforceError
from emgforce.naming import ACTIVITY_LABELS, SIDES, TASKS
from emgforce.tasks.base import Task, get_task, registered_tasks
from emgforce.tasks.context import Context, envelope_trace, fz_sum, gm_channel_names, note, side_mean
from emgforce.tasks.options import NORMALIZATIONS, AnalysisOptions
from emgforce.tasks.prepare import FALLBACK_WORDS, emg_setup, plate_setup
from emgforce.tasks.protocol import protocol_from_recording
from emgforce.tasks.results import SessionResult, TrialResult, session_info
from emgforce.tasks.symmetry import LSI_FORMULA, SI_FORMULA, compare_sides, summary_line

__all__ = ["NORMALIZATIONS", "WEAK_SIDE_MIN_SI_PCT", "AnalysisOptions", "analyze_session", "find_trials", "load_session"]

log = logging.getLogger(__name__)

#: a side is called weaker when GM activation differs by at least this |SI| in most one-sided tasks
WEAK_SIDE_MIN_SI_PCT = 15.0


def load_session(path: str | Path) -> Any:
    """Read a session of any supported format (:func:`emgforce.io.load.open_recording`: emgforce
    HDF5, C3D through :func:`emgforce.io.c3d.read_c3d`, XDF, delimited text), with its channels
    tagged and trials recognised; an HDF5 session's samples stay in the file (``lazy=True``)
    and the analysis reads them window by window."""
    from emgforce.io.load import open_recording

    return open_recording(path, lazy=True)


def _analyze_trial(ctx: Context, trial: Any, traces: dict[str, Any]) -> TrialResult:
    tr = TrialResult(
        label=trial.label, task=trial.task, side=trial.side, index=trial.index, start_s=float(trial.start_s),
        stop_s=float(trial.stop_s), segmentation="events", normalization=ctx.opts.normalization,
    )
    task = get_task(trial.task)
    try:
        task.segment(ctx, tr, traces)
        task.measure(ctx, tr, traces)
    except EmgforceError as exc:
        note(tr, "error", f"analysis incomplete: {exc}")
    except Exception as exc:  # never let one trial stop the session
        log.exception("trial %s", tr.label)
        note(tr, "error", f"analysis incomplete ({type(exc).__name__}: {exc}); please report this")
    return tr


# --------------------------------------------------------------------------- session level


def _compare_one_sided(ctx: Context, result: SessionResult, task: Task, votes: list[str]) -> None:
    """The working GM of the task's left trials against its right trials."""
    metric = task.side_metric
    (left, unit), (right, _) = (side_mean(result.trials, task.key, s, metric, ctx) for s in SIDES)
    if not (math.isfinite(left) or math.isfinite(right)):
        return
    if unit == "V":  # MVC amplitudes read better in microvolts
        left, right, unit = left * 1e6, right * 1e6, "uV"
    s = compare_sides(task.key, f"GM {metric}", unit, left, right, result.subject.get("affected_side"))
    result.symmetry.append(s)
    result.summary.append(summary_line(s, task.side_comparison))
    if task.votes_weak_side and abs(s.si_pct) >= WEAK_SIDE_MIN_SI_PCT:
        votes.append("left" if left < right else "right")


def _compare_bilateral(ctx: Context, result: SessionResult, task: Task) -> None:
    """The two sides within the task's trials (GM activation, or a plate metric such as the load share)."""
    metric = task.bilateral_metric
    vals: dict[str, list[float]] = {"left": [], "right": []}
    unit = ""
    gm = gm_channel_names(ctx)
    for t in result.trials:
        if t.task != task.key:
            continue
        for m in t.metrics:
            if m.name == metric and m.rep is None and m.side in SIDES and math.isfinite(m.value):
                if metric == "emg_mean" and m.muscle not in gm:
                    continue
                vals[m.side].append(m.value)
                unit = m.unit
    if vals["left"] and vals["right"]:
        quantity = f"GM {metric}" if metric == "emg_mean" else metric  # named as the one-sided tasks' rows
        s = compare_sides(task.key, quantity, unit, float(np.mean(vals["left"])), float(np.mean(vals["right"])),
                          result.subject.get("affected_side"))
        result.symmetry.append(s)
        result.summary.append(summary_line(s, task.bilateral_comparison))


def _symmetry(ctx: Context, result: SessionResult) -> None:
    affected = result.subject.get("affected_side")
    votes: list[str] = []
    tasks = registered_tasks()
    for task in tasks:
        if task.side_comparison:
            _compare_one_sided(ctx, result, task, votes)
    for task in tasks:
        task.summarize(ctx, result)
    for task in tasks:
        if task.bilateral_comparison:
            _compare_bilateral(ctx, result, task)
    voters = {t.key for t in tasks if t.votes_weak_side}
    n_tasks = sum(1 for s in result.symmetry if s.task in voters and s.quantity == "GM emg_mean")
    n_left = votes.count("left")
    n_right = len(votes) - n_left
    if max(n_left, n_right) * 2 > n_tasks:
        result.detected_weak_side = "left" if n_left > n_right else "right"
        result.summary.append(
            f"GM activation at least {WEAK_SIDE_MIN_SI_PCT:g} % (Robinson SI) lower on the {result.detected_weak_side} "
            f"side in {max(n_left, n_right)} of {n_tasks} one-sided tasks"
        )
    elif n_tasks:
        result.summary.append(f"No side with consistently lower GM activation (|SI| >= {WEAK_SIDE_MIN_SI_PCT:g} % in a majority of tasks)")
    if affected and result.detected_weak_side and affected != result.detected_weak_side:
        ctx.note(
            "warning",
            f"the subject's affected side is recorded as {affected}, but GM activation is lower on the "
            f"{result.detected_weak_side} side in most tasks: check the side labels of the subject, trials and electrodes",
        )


def _auto_trials(ctx: Context) -> tuple[list[Any], dict[tuple[str, float], Any]]:
    """Trials found from the signals (:mod:`emgforce.tasks.protocol`), and each one's AutoTrial by (label, start)."""
    from emgforce.io.recording import Trial

    found = protocol_from_recording(ctx)
    trials, auto, counts = [], {}, {}
    for a in found:
        counts[a.label] = counts.get(a.label, 0) + 1
        trials.append(Trial(a.label, a.start_s, a.stop_s, counts[a.label] - 1))
        auto[(a.label, a.start_s)] = a
    if found:
        ctx.note("warning", f"no trial events: {len(found)} trials found from the signals (marked auto, with a "
                 "confidence); check them with `emgforce segment SESSION -o trials.csv` and pass the corrected "
                 "table with --trials")
    return trials, auto


def find_trials(rec: Any, from_signals: bool = False) -> tuple[list[Any], list[str]]:
    """The trials of a recording for ``emgforce segment``: from its (recognised) events, else (or
    with ``from_signals``) found from the signals; returns (trials, notes).

    Trials from events are :class:`emgforce.io.Trial`; found ones :class:`emgforce.tasks.protocol.AutoTrial`
    (``source="auto"``, with a confidence).
    """
    trials = [t for t in rec.trials() if t.label not in ACTIVITY_LABELS]
    if trials and not from_signals:
        return trials, []
    ctx = Context(rec, AnalysisOptions())
    plate_setup(ctx)
    _body_mass(ctx)
    found = protocol_from_recording(ctx)
    notes = [m.text for m in ctx.messages]
    if not found:
        notes.append("finding trials from the signals needs left and right GM channels (and force plates for "
                      "everything but MVCs)")
    return found, notes


def _plate_sides(ctx: Context, trials: list[Any]) -> None:
    """Which foot each plate is under, from the single-leg stance trials: the plate that carries the
    load while standing on the left leg is the left plate (files of other software name plates by
    number only). Set only when every such trial agrees and each side gets a different plate."""
    from emgforce.tasks.context import mean_fz

    if len(ctx.plates) < 2 or all(p.side for p in ctx.plates):
        return
    votes: dict[str, set[str]] = {s: set() for s in SIDES}
    for t in trials:
        if t.task == "stance" and t.side in SIDES:
            loads = sorted(((mean_fz(p, t.start_s, t.stop_s), p.name) for p in ctx.plates), reverse=True)
            if loads[0][0] > 2.0 * max(loads[1][0], ctx.opts.fz_threshold_n):
                votes[t.side].add(loads[0][1])
    if all(len(v) == 1 for v in votes.values()) and votes["left"] != votes["right"]:
        for p in ctx.plates:
            for side in SIDES:
                if p.name in votes[side] and p.side is None:
                    p.side = side
                    ctx.note("info", f"plate {p.name!r} is under the {side} foot (it carries the load in the {side} "
                             "single-leg stance trials); its load share is reported for that side")


def _body_mass(ctx: Context) -> None:
    """Body mass checked for plausibility against the plates, estimated from quiet stance when absent."""
    from emgforce.io.plausibility import check_body_mass, estimate_body_mass

    recorded = getattr(ctx.rec.subject, "body_mass_kg", None)
    estimate = None
    if ctx.plates:
        fs = ctx.plates[0].fs_hz
        total = fz_sum(ctx, 0.0, min(p.fz_n.size for p in ctx.plates) / fs)
        if total is not None:
            estimate = estimate_body_mass(total[0], total[1])
    mass, why = check_body_mass(recorded, estimate)
    ctx.body_mass_kg = mass
    if why:
        ctx.note("warning", why)
        ctx.body_mass_source = "estimated from the plates" if mass == estimate else "corrected" if mass else "unknown"
    elif mass is None:
        ctx.body_mass_source = "unknown"


def _import_notes(ctx: Context) -> None:
    """What the importers decided (units, trials from other software's events, channel tags) as messages."""
    meta = ctx.rec.metadata
    for text in meta.get("import_notes") or []:
        ctx.note("warning", text)
    for text in meta.get("trial_recognition") or []:
        ctx.note("warning" if "none names a trial" in text else "info", text)
    tags = meta.get("channel_recognition") or {}
    if tags:
        ctx.note("info", "channels recognised: " + "; ".join(f"{k}: {v}" for k, v in tags.items()))


def _subject_dict(subject: Any) -> dict[str, Any]:
    keys = ("id", "body_mass_kg", "affected_side", "height_m")
    return {k: getattr(subject, k, None) for k in keys}


def _whole_recording_trial(rec: Any, task: str | None) -> Any:
    from emgforce.io.recording import Trial

    label = task or "recording"
    return Trial(label, 0.0, float(rec.duration_s), 0)


@renamed_kwargs(normalisation="normalization")
def analyze_session(
    rec_or_path: Any,
    *,
    normalization: str = "mvc",
    fallback: str = "peak_task",
    task: str | None = None,
    segmentation: str = "auto",
    keep_traces: bool = True,
    **settings: Any,
) -> SessionResult:
    """Analyse one session.

    Parameters
    ----------
    rec_or_path : Recording or path
        A :class:`emgforce.io.Recording`, an emgforce HDF5 session or a C3D file.
    normalization : {"mvc", "peak_task", "none"}
        EMG amplitude normalization: % of the MVC reference (max 1 s moving
        mean of the envelope over the MVC trials of the channel's side), % of
        the same statistic over the task trials, or none (volts).
    fallback : {"peak_task", "none"}
        Used, and reported, for channels without a usable MVC trial.
    task : str, optional
        Task of a recording without trial events (analysed as one trial).
    segmentation : {"auto", "signals"}
        ``"auto"`` uses rep/lift/touchdown events where present and the
        signals otherwise; ``"signals"`` ignores those events.
    keep_traces : bool
        Keep decimated signals for the figures in ``result.traces``.
    **settings
        Further :class:`AnalysisOptions` fields (``threshold_pct``,
        ``fz_threshold_n``, ``min_sway_s``, ...).

    Returns
    -------
    SessionResult
    """
    opts = AnalysisOptions(normalization=normalization, fallback=fallback, task=task, segmentation=segmentation, **settings)
    if isinstance(rec_or_path, (str, Path)):
        source = str(rec_or_path)
        rec = load_session(rec_or_path)
        session = Path(rec_or_path).stem
    else:
        rec = rec_or_path
        source = str(getattr(rec, "path", None) or "<in memory>")
        session = Path(rec.path).stem if getattr(rec, "path", None) else str(rec.metadata.get("session", "session"))
    ctx = Context(rec, opts)
    _import_notes(ctx)
    # rep/hold start-stop pairs are sub-events inside trials, not trials
    trials = [t for t in rec.trials() if t.label not in ACTIVITY_LABELS]
    known = set(TASKS) | {t.key for t in registered_tasks()}
    unknown = sorted({t.label for t in trials if t.task not in known})
    if unknown:
        ctx.note("info", f"trials with labels outside the protocol's tasks get the generic analysis: {', '.join(unknown)}")
    plate_setup(ctx)
    _body_mass(ctx)
    auto: dict[tuple[str, float], Any] = {}
    if not trials and task is None:
        trials, auto = _auto_trials(ctx)
    if not trials:
        trials = [_whole_recording_trial(rec, task)]
        ctx.note(
            "info" if task else "warning",
            f"no trial events: the whole recording ({rec.duration_s:.1f} s) is analysed as one "
            + (f"{task} trial" if task else "trial of unknown task (give task=... to name it)"),
        )
    incomplete = [t.label for t in trials if not getattr(t, "complete", True)]
    if incomplete:
        ctx.note("warning", f"trials without a stop event (closed at the next start or the end): {', '.join(incomplete)}")
    if opts.normalization == "mvc" and not any(t.task == "mvc" for t in trials):
        ctx.note("warning", f"the session has no MVC trial: EMG is normalised by '{opts.fallback}' instead of %MVC")
    try:
        norm, ref = emg_setup(ctx, trials)
    except EmgforceError as exc:
        norm, ref = {}, {}
        ctx.emg = None
        ctx.names, ctx.sides, ctx.muscles, ctx.units = [], [], [], []
        ctx.note("error", f"the EMG could not be processed ({exc}): EMG metrics are skipped")
    _plate_sides(ctx, trials)
    traces: dict[str, Any] = {}
    if keep_traces and ctx.emg is not None:
        t, v = envelope_trace(ctx)
        traces["envelope"] = {
            "t_s": t,
            "channels": {n: v[:, j] for j, n in enumerate(ctx.names)},
            "unit": dict(zip(ctx.names, ctx.units)),
        }
        traces["channel_side"] = {n: s for n, s in zip(ctx.names, ctx.sides) if s is not None}
    result = SessionResult(
        source=source,
        session=session,
        subject={**_subject_dict(rec.subject), "body_mass_kg": ctx.body_mass_kg, "body_mass_source": ctx.body_mass_source},
        info=session_info(rec),
        normalization_requested=opts.normalization,
        normalization=norm,
        reference=ref,
        channels={n: {"muscle": m, "side": s} for n, m, s in zip(ctx.names, ctx.muscles, ctx.sides)},
        settings={
            **{k: getattr(opts, k) for k in opts.__dataclass_fields__},
            "si_formula": SI_FORMULA,
            "lsi_formula": LSI_FORMULA,
        },
    )
    fallen = sorted(n for n, m in norm.items() if m != opts.normalization)
    if fallen:  # first line of the summary: these numbers are not in the requested unit
        by = sorted({FALLBACK_WORDS.get(norm[n], norm[n]) for n in fallen})
        result.summary.append(
            f"EMG of {', '.join(fallen)} normalised by {' / '.join(by)}, not by {opts.normalization} as requested "
            "(see messages): each channel keeps its own scale, so left/right differences are not differences in %MVC"
        )
    for trial in trials:
        tr = _analyze_trial(ctx, trial, traces)
        found = auto.get((trial.label, trial.start_s))
        if rec.metadata.get("trial_source") == "table":
            tr.source = "table"
        elif found is not None:
            tr.source, tr.confidence = "auto", found.confidence
            note(tr, "info", f"trial found from the signals (confidence {found.confidence:.2f})")
        result.trials.append(tr)
    _symmetry(ctx, result)
    result.messages = ctx.messages
    result.traces = traces if keep_traces else {}
    return result

"""A patient's progress across sessions: GM activation per side, limb symmetry and sway over time.

Per session and task this takes the gluteus medius activation of each side
(mean over the repetitions, or over the trials of tasks without repetitions,
exactly as the session report's bars), the limb symmetry index of those two
means (only when both are in %MVC: each channel's own peak is no common
scale), and the single-leg stance sway (95 % prediction-ellipse area, mean
velocity, ML RMS distance) per stance side. Each value is compared with the
first session's, and the change is called *beyond the measurement's
variability* when it exceeds the smallest detectable change

    SDC95 = 1.96 * sqrt(SE_first^2 + SE_now^2),   SE = SD / sqrt(n)

where SD is the spread of the repetitions (or trials) within a session and n
their number: the 95 % limit of the difference of two session means that
differ by measurement noise alone (the rep-to-rep spread; day-to-day
electrode placement adds to it and is not in it). The LSI's SE follows from
the two sides' SEs by error propagation (delta method). With a single trial
(sway, usually) there is no spread, the SDC is unknown and the report says so.
"""

from __future__ import annotations

__all__ = [
    "GM_ACTIVATION",
    "LSI",
    "PROGRESS_COLUMNS",
    "SWAY_METRICS",
    "Z95",
    "ProgressResult",
    "SessionPoint",
    "load_result",
    "progress",
    "quantity_words",
    "session_rows",
]

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from emgforce.errors import ReportError
from emgforce.naming import SIDES
from emgforce.report.content import session_datetime
from emgforce.report.curves import activation_stats
from emgforce.report.labels import clinician_value, plain_name
from emgforce.tasks.prepare import NORM_UNIT
from emgforce.tasks.results import SessionResult, tidy_dataframe
from emgforce.tasks.symmetry import limb_symmetry_index

log = logging.getLogger(__name__)

#: columns of :meth:`ProgressResult.tidy` and ``progress.csv``
PROGRESS_COLUMNS = (
    "patient", "session", "date", "task", "side", "quantity", "value", "unit", "n", "sd",
    "change", "sdc95", "exceeds_sdc",
)
#: z of the two-sided 95 % limit
Z95 = 1.96
GM_ACTIVATION = "GM activation"
LSI = "GM LSI"
#: sway descriptors followed over time (code name in the tidy table -> shown in clinician units)
SWAY_METRICS = ("sway_area_prediction_ellipse95_m2", "sway_mean_velocity_m_s", "sway_rms_distance_ml_m")


@dataclass(frozen=True)
class SessionPoint:
    """One session on the time axis."""

    session: str
    source: str
    date: datetime | None


@dataclass
class ProgressResult:
    """The progress of one patient (rows in :data:`PROGRESS_COLUMNS`, sessions in date order)."""

    patient: str
    affected_side: str | None
    sessions: list[SessionPoint]
    rows: list[dict[str, Any]] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    def tidy(self) -> list[dict[str, Any]]:
        """One dict per session x task x side x quantity with the keys :data:`PROGRESS_COLUMNS`."""
        return [dict(r) for r in self.rows]

    def to_dataframe(self) -> Any:
        """The tidy table as a pandas DataFrame (needs pandas: ``pip install 'emgforce[dataframe]'``)."""
        return tidy_dataframe(self.tidy(), PROGRESS_COLUMNS)

    def series(self, task: str, quantity: str, side: str = "") -> list[dict[str, Any]]:
        """The rows of one task, quantity and side, in session order."""
        return [r for r in self.rows if r["task"] == task and r["quantity"] == quantity and r["side"] == side]


def load_result(source: str | Path | SessionResult, **analysis: Any) -> SessionResult:
    """A session for the progress: a :class:`SessionResult`, a saved ``report.json``, or a
    session file the analysis reads (analysed here with ``analysis`` options, no traces)."""
    if isinstance(source, SessionResult):
        return source
    path = Path(source)
    if path.suffix.lower() == ".json":
        from emgforce.report.tables import read_json

        return read_json(path)
    if not path.is_file():
        raise ReportError(f"session {path} does not exist")
    from emgforce.tasks.analyze import analyze_session

    return analyze_session(path, keep_traces=False, **analysis)


def _mean_sd_n(values: list[float]) -> tuple[float, float, int]:
    vals = [v for v in values if math.isfinite(v)]
    if not vals:
        return math.nan, math.nan, 0
    return float(np.mean(vals)), (float(np.std(vals, ddof=1)) if len(vals) > 1 else math.nan), len(vals)


def _se(sd: float, n: int) -> float:
    return sd / math.sqrt(n) if n > 0 and math.isfinite(sd) else math.nan


def session_rows(result: SessionResult, affected: str | None) -> list[dict[str, Any]]:
    """The followed quantities of one session (without change and SDC)."""
    rows = []
    stats = activation_stats(result)
    for (task, side), s in stats.items():
        rows.append({"task": task, "side": side, "quantity": GM_ACTIVATION, "value": s["mean"], "unit": s["unit"],
                     "n": s["n"], "sd": s["sd"]})
    aff = affected or "left"  # as emgforce.tasks.symmetry: left plays the affected role when none is known
    unaff = "right" if aff == "left" else "left"
    for task in dict.fromkeys(t for t, _ in stats):
        a, u = stats.get((task, aff)), stats.get((task, unaff))
        # each channel on its own scale (%peak, or one side fell back): a ratio of the sides means nothing
        if a is None or u is None or a["unit"] != u["unit"] or a["unit"] != NORM_UNIT["mvc"]:
            continue
        lsi = limb_symmetry_index(a["mean"], u["mean"])
        # delta method: relative SEs add in quadrature for a ratio
        se = lsi * math.hypot(_se(a["sd"], a["n"]) / a["mean"], _se(u["sd"], u["n"]) / u["mean"]) if a["mean"] and u["mean"] else math.nan
        rows.append({"task": task, "side": "", "quantity": LSI, "value": lsi, "unit": "%", "n": 1, "sd": se})
    for side in SIDES:
        trials = [t for t in result.trials if t.task == "stance" and t.side == side]
        for name in SWAY_METRICS:
            vals, unit = [], ""
            for t in trials:
                for m in t.metrics:
                    if m.name == name and m.rep is None:
                        v, unit = clinician_value(m.value, m.unit)
                        vals.append(v)
            mean, sd, n = _mean_sd_n(vals)
            if n:
                rows.append({"task": "stance", "side": side, "quantity": name, "value": mean, "unit": unit, "n": n, "sd": sd})
    return rows


def _patient(results: Sequence[SessionResult]) -> str:
    ids = {str(r.subject.get("id") or "") for r in results}
    if len(ids) > 1:
        raise ReportError(f"the sessions belong to different patients ({', '.join(sorted(ids))}); give one patient's sessions")
    return ids.pop() or "not recorded"


def _affected(results: Sequence[SessionResult], messages: list[str]) -> str | None:
    given = {r.subject.get("affected_side") for r in results} - {None}
    if len(given) == 1:
        return given.pop()
    if len(given) > 1:
        messages.append(f"the sessions record different affected sides ({', '.join(sorted(given))}): "
                        "the LSI takes the left side as the 'affected' one")
        return None
    detected = results[0].detected_weak_side
    if detected:
        messages.append(f"no affected side recorded: the LSI takes the side detected as weaker in the first session ({detected})")
    else:
        messages.append("no affected side recorded or detected: the LSI is left / right")
    return detected


def progress(sessions: Sequence[str | Path | SessionResult], **analysis: Any) -> ProgressResult:
    """The progress of one patient across sessions, ordered by session date.

    Parameters
    ----------
    sessions : sequence
        Session files (emgforce HDF5, C3D, anything :func:`emgforce.tasks.analyze.analyze_session`
        reads), saved ``report.json`` files or :class:`SessionResult` objects, in any order.
    **analysis
        Options of :func:`emgforce.tasks.analyze.analyze_session` for the session files.

    Returns
    -------
    ProgressResult

    Raises
    ------
    ReportError
        No sessions, or sessions of different patients.
    """
    if not sessions:
        raise ReportError("progress needs at least one session")
    results = [load_result(s, **analysis) for s in sessions]
    messages: list[str] = []
    patient = _patient(results)
    affected = _affected(results, messages)
    dated = [(session_datetime(r.info), i, r) for i, r in enumerate(results)]
    undated = [r.session for d, _, r in dated if d is None]
    if undated:
        messages.append(f"no recording date in {', '.join(undated)}: placed after the dated sessions, in the order given")
    # sessions with a date first (by date), then those without, in the order given
    dated.sort(key=lambda x: (x[0] is None, x[0].timestamp() if x[0] else 0.0, x[1]))
    points = [SessionPoint(r.session, r.source, d) for d, _, r in dated]
    out = ProgressResult(patient, affected, points, messages=messages)
    first: dict[tuple[str, str, str], dict[str, Any]] = {}
    for point, (_, _, r) in zip(points, dated):
        for row in session_rows(r, affected):
            key = (row["task"], row["side"], row["quantity"])
            base = first.setdefault(key, row)
            change = row["value"] - base["value"]
            # LSI rows carry their standard error in 'sd' with n = 1
            sdc = Z95 * math.hypot(_se(base["sd"], base["n"]), _se(row["sd"], row["n"]))
            if row["unit"] != base["unit"]:  # e.g. %MVC then %peak (no MVC trial): no change in any unit
                messages.append(f"{point.session}: {row['task']} {quantity_words(row['quantity'])} {row['side']} is in "
                                f"{row['unit']}, the first session's in {base['unit']}: no change computed")
                change = sdc = math.nan
            exceeds = "" if base is row or not math.isfinite(sdc) else ("yes" if abs(change) > sdc else "no")
            out.rows.append({
                "patient": patient, "session": point.session, "date": point.date.isoformat() if point.date else "",
                **row, "change": change, "sdc95": sdc if base is not row else math.nan, "exceeds_sdc": exceeds,
            })
    out.summary = _summary(out)
    return out


def quantity_words(quantity: str) -> str:
    """How a progress quantity is named for people."""
    if quantity in (GM_ACTIVATION, LSI):
        return {"GM activation": "GM activation", "GM LSI": "GM limb symmetry index"}[quantity]
    return plain_name(quantity)


def _summary(p: ProgressResult) -> list[str]:
    """One line per followed quantity: first -> last value, change and whether it is beyond the SDC."""
    if len(p.sessions) < 2:
        return [f"One session ({p.sessions[0].session}): no change to report yet"]
    lines = []
    keys = list(dict.fromkeys((r["task"], r["side"], r["quantity"]) for r in p.rows))
    for task, side, quantity in keys:
        s = p.series(task, quantity, side)
        if len(s) < 2:
            continue
        a, b = s[0], s[-1]
        if a["unit"] != b["unit"]:
            lines.append(f"{task.replace('_', ' ')}: {quantity_words(quantity)} {side} not comparable "
                         f"({a['unit']} in the first session, {b['unit']} in the last)")
            continue
        who = f", {side}{' (affected)' if side and side == p.affected_side else ''}" if side else ""
        verdict = {"yes": "beyond", "no": "within"}.get(b["exceeds_sdc"])
        sdc = f"{verdict} the smallest detectable change ({b['sdc95']:.2g} {b['unit']})" if verdict else "variability unknown (one trial per session)"
        lines.append(f"{task.replace('_', ' ')}{who}: {quantity_words(quantity)} {a['value']:.3g} -> {b['value']:.3g} {b['unit']} "
                     f"({b['change']:+.3g}, {sdc})")
    return lines

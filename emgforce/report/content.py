"""The text of a session report, once for the HTML page and the PDF: header facts,
processing settings, the left/right table and the appendix rows, in clinician units."""

from __future__ import annotations

__all__ = [
    "APPENDIX_COLUMNS",
    "appendix_rows",
    "fmt",
    "header_facts",
    "session_datetime",
    "settings_rows",
    "symmetry_rows",
    "when",
]

import math
from datetime import datetime
from typing import Any

from emgforce import __version__
from emgforce.report.labels import clinician_value, plain_name
from emgforce.tasks.results import SessionResult, TrialResult


def fmt(value: float, digits: int = 3) -> str:
    """A number with ``digits`` significant digits; empty for NaN/inf."""
    return "" if not math.isfinite(value) else f"{value:.{digits}g}"


def session_datetime(info: dict[str, Any]) -> datetime | None:
    """When the session was recorded (``info["start_time"]``, ISO-8601), or None."""
    text = info.get("start_time")
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def when(info: dict[str, Any]) -> str:
    """Session date and time as a person writes it (UTC), or ``"not recorded"``."""
    dt = session_datetime(info)
    return "not recorded" if dt is None else dt.strftime("%Y-%m-%d %H:%M UTC" if dt.utcoffset() is not None else "%Y-%m-%d %H:%M")


def header_facts(result: SessionResult) -> list[tuple[str, str]]:
    """``(label, value)`` pairs of the report header: who, when, what, and with which software."""
    info = result.info
    subject = result.subject
    analysed = info.get("emgforce_version") or "unknown"
    version = analysed if analysed == __version__ else f"{analysed} (analysis), {__version__} (report)"
    return [
        ("Patient", str(subject.get("id") or "not recorded")),
        ("Session date and time", when(info)),
        ("Protocol", str(info.get("protocol") or "not recorded")),
        ("Affected side", str(subject.get("affected_side") or "not given")),
        ("Side with lower GM activation (detected)", result.detected_weak_side or "undetermined"),
        ("Body mass", f"{subject['body_mass_kg']:g} kg" if subject.get("body_mass_kg") else "not recorded"),
        ("Recording", f"{result.session} ({result.source})"),
        ("Device", str(info.get("device") or "not recorded")),
        ("EMG normalization", result.normalization_requested),
        ("emgforce version", version),
    ]


def settings_rows(result: SessionResult) -> list[tuple[str, str]]:
    """Every processing setting of the analysis as ``(name, value)``."""
    rows = [(k, "" if v is None else str(v)) for k, v in result.settings.items()]
    for channel, ref in result.reference.items():
        value, unit = clinician_value(float(ref.get("value", math.nan) or math.nan), str(ref.get("unit", "")))
        rows.append((f"reference {channel}", f"{fmt(value)} {unit} ({ref.get('method', '')})".strip()))
    for channel, norm in result.normalization.items():
        if norm != result.normalization_requested:
            rows.append((f"normalization {channel}", f"{norm} (fallback)"))
    return rows


def _quantity_words(quantity: str) -> str:
    head, _, code = quantity.rpartition(" ")
    return f"{head} {plain_name(code)}".strip() if head else plain_name(code)


def symmetry_rows(result: SessionResult) -> list[dict[str, str]]:
    """The left/right table: task, quantity (plain), left, right, unit, SI and LSI."""
    rows = []
    for s in result.symmetry:
        left, unit = clinician_value(s.left, s.unit)
        right, _ = clinician_value(s.right, s.unit)
        rows.append({
            "task": s.task.replace("_", " "),
            "quantity": _quantity_words(s.quantity),
            "left": fmt(left),
            "right": fmt(right),
            "unit": unit,
            "SI %": fmt(s.si_pct),
            "LSI %": fmt(s.lsi_pct),
        })
    return rows


#: columns of :func:`appendix_rows`
APPENDIX_COLUMNS = ("quantity", "code name", "channel / side", "rep", "value", "unit")


def appendix_rows(trial: TrialResult, *, per_rep: bool = True) -> list[tuple[str, ...]]:
    """Every metric of a trial: plain name, code name, channel or side, rep (1-based), value and unit
    (clinician units; the code name's unit is SI, as in ``report.json``); ``per_rep=False`` leaves
    out the per-repetition values."""
    rows = []
    for m in trial.metrics:
        if m.rep is not None and not per_rep:
            continue
        value, unit = clinician_value(m.value, m.unit)
        rows.append((plain_name(m.name), m.name, m.muscle or m.side or "", "" if m.rep is None else str(m.rep + 1), fmt(value, 4), unit))
    return rows

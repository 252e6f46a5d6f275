"""JSON and tidy-CSV writers of analysis results (schema in docs/report.md)."""

from __future__ import annotations

__all__ = ["read_json", "read_tidy_csv", "write_json", "write_tidy_csv"]

import csv
import json
import math
from pathlib import Path
from typing import Any, Iterable, Mapping

from emgforce.errors import ReportError
from emgforce.naming import parse_emg_channel_name
from emgforce.tasks.results import (
    SCHEMA_VERSION,
    TIDY_COLUMNS,
    Message,
    Metric,
    Phase,
    SessionResult,
    TrialResult,
)
from emgforce.tasks.symmetry import SymmetryResult


def write_json(result: SessionResult, path: str | Path) -> Path:
    """Write the full result as JSON (NaN written as null); returns the path."""
    path = Path(path)
    path.write_text(json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return path


def _num(value: Any) -> float:
    return math.nan if value is None else float(value)


def _phase(d: dict[str, Any]) -> Phase:
    return Phase(*(_num(d[k]) for k in ("start_s", "hold_start_s", "hold_stop_s", "stop_s")))


def read_json(path: str | Path) -> SessionResult:
    """Read a ``report.json`` back as a :class:`SessionResult` (null -> NaN; no traces).

    Raises
    ------
    ReportError
        The file is not JSON or not an emgforce session report.
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"cannot read {path} as a report: {exc}") from exc
    missing = {"schema_version", "session", "subject", "trials", "symmetry", "settings"} - set(doc if isinstance(doc, dict) else ())
    if missing:
        raise ReportError(f"{path} is not an emgforce report.json (missing {sorted(missing)})")
    major = str(doc["schema_version"]).split(".")[0]
    if major == "1":  # 1.x spelled the normalization keys the British way
        doc = _schema_1_to_2(doc)
    elif major != SCHEMA_VERSION.split(".")[0]:
        raise ReportError(f"{path} has report schema {doc['schema_version']}; this emgforce reads 1.x and {SCHEMA_VERSION}")
    trials = []
    for t in doc["trials"]:
        stance = t.get("stance")
        trials.append(TrialResult(
            label=t["label"], task=t["task"], side=t["side"], index=t["index"], start_s=_num(t["start_s"]),
            stop_s=_num(t["stop_s"]), segmentation=t["segmentation"], normalization=t["normalization"],
            reps=[_phase(r) for r in t["reps"]],
            stance=None if stance is None else _phase(stance),
            balance_losses=[(_num(b["start_s"]), _num(b["stop_s"])) for b in t["balance_losses"]],
            metrics=[Metric(m["name"], _num(m["value"]), m["unit"], m["side"], m["muscle"], m["rep"]) for m in t["metrics"]],
            messages=[Message(**m) for m in t["messages"]],
        ))
    sym_keys = ("task", "quantity", "unit", "left", "right", "affected_side", "si_pct", "lsi_pct")
    symmetry = [SymmetryResult(**{k: (_num(s[k]) if k in ("left", "right", "si_pct", "lsi_pct") else s[k]) for k in sym_keys})
                for s in doc["symmetry"]]
    return SessionResult(
        source=doc.get("source", str(path)), session=doc["session"], subject=doc["subject"],
        normalization_requested=doc.get("normalization_requested", ""), normalization=doc.get("normalization", {}),
        reference=doc.get("reference", {}), settings=doc["settings"], trials=trials, symmetry=symmetry,
        summary=doc.get("summary", []), messages=[Message(**m) for m in doc.get("messages", [])],
        detected_weak_side=doc.get("detected_weak_side"), info=doc.get("info", {}), channels=doc.get("channels", {}),
    )


def _cell(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return ""  # empty cell = not available; the JSON/messages say why
    return value


def write_tidy_csv(rows: Iterable[Mapping[str, Any]], path: str | Path, columns: tuple[str, ...] = TIDY_COLUMNS) -> Path:
    """Write tidy rows (one per trial x side x metric) as CSV with a header; returns the path.

    Values are written with ``repr`` precision; non-finite values are empty cells.
    """
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="raise")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(row.get(k, "")) for k in columns})
    return path


def read_tidy_csv(path: str | Path) -> list[dict[str, Any]]:
    """Read a tidy CSV back: ``value`` as float (NaN for empty), ``rep`` as int or None."""
    out = []
    with Path(path).open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            row = dict(row)
            if "value" in row:
                row["value"] = float(row["value"]) if row["value"] != "" else math.nan
            if "rep" in row:
                row["rep"] = int(row["rep"]) if row["rep"] != "" else None
            out.append(row)
    return out


def _schema_1_to_2(doc: dict) -> dict:
    """A 1.x report document with the 2.0 key names (``normalisation*`` -> ``normalization*``)."""
    renamed = {"normalisation": "normalization", "normalisation_requested": "normalization_requested"}
    doc = {renamed.get(k, k): v for k, v in doc.items()}
    doc["trials"] = [{renamed.get(k, k): v for k, v in t.items()} for t in doc["trials"]]
    # 1.x analysed only emgforce's own channel names (GM_L ...): their tags follow from the names
    doc["channels"] = {name: dict(zip(("muscle", "side"), parse_emg_channel_name(name) or (None, None)))
                       for name in doc.get("normalization", {})}
    return doc

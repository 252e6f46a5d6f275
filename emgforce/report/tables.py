"""JSON and tidy-CSV writers of analysis results (schema in docs/report.md)."""

from __future__ import annotations

__all__ = ["read_tidy_csv", "write_json", "write_tidy_csv"]

import csv
import json
import math
from pathlib import Path
from typing import Any, Iterable, Mapping

from emgforce.tasks.results import TIDY_COLUMNS, SessionResult


def write_json(result: SessionResult, path: str | Path) -> Path:
    """Write the full result as JSON (NaN written as null); returns the path."""
    path = Path(path)
    path.write_text(json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return path


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

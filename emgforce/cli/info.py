"""``emgforce info FILE.h5``: what a recording holds (``--json`` for machines)."""

from __future__ import annotations

__all__ = ["register", "run", "summary"]

import argparse
import json
import math
from pathlib import Path
from typing import Any


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "info",
        help="summarise a recording file",
        description="Print the streams (rate, channels with muscle and side, samples, duration, gaps), "
        "events and trials, subject and end reason of an emgforce HDF5 recording.",
    )
    p.add_argument("file", type=Path, help="recording (.h5) written by emgforce")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=run)


def summary(rec) -> dict[str, Any]:
    """The facts ``info`` prints, as a JSON-ready dict."""
    streams = {}
    for s in rec.streams.values():
        streams[s.name] = {
            "fs_hz": s.fs_hz,
            "actual_fs_hz": s.actual_fs_hz,
            "dtype": s.dtype,
            "n_samples": s.n_samples,
            "n_missing": s.n_missing,
            "n_gaps": len(s.gaps),
            "duration_s": s.duration_s,
            "clock_rows": len(s.clock),
            "host_clock_rate_hz": _host_rate(s.clock),
            "channels": [
                {"name": c.name, "kind": c.kind, "unit": c.unit, "muscle": c.muscle, "side": c.side}
                for c in s.channels
            ],
            "plate": None if s.plate is None else {k: _jsonable(v) for k, v in s.plate.items()},
        }
    header = rec.header()
    return {
        **{k: v for k, v in header.items() if k not in ("trials", "n_events")},
        "streams": streams,
        "n_events": header["n_events"],
        "events": [{"label": e.label, "kind": e.kind, "time_s": e.time_s} for e in rec.events],
        "trials": header["trials"],
        "metadata": _jsonable(rec.metadata),
    }


def _host_rate(clock) -> float | None:
    """Samples per second of host time: the slope of a line through the clock rows (needs >= 1 s)."""
    import numpy as np

    if len(clock) < 2 or clock[-1, 1] - clock[0, 1] < 1.0:
        return None
    slope = np.polyfit(clock[:, 0], clock[:, 1], 1)[0]  # host seconds per sample
    return float(1.0 / slope) if slope > 0 else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return _jsonable(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _text(info: dict[str, Any]) -> str:
    subj = info["subject"]
    lines = [
        f"{info['path']}  (emgforce format {info['format_version']})",
        f"  started   {info['start_time'] or 'unknown'}   device {info['device'] or 'unknown'}",
        f"  duration  {info['duration_s']:.3f} s   "
        + ("closed: " + str(info["end_reason"]) if info["complete"] else "NOT CLOSED by its writer (still recording or killed)"),
        f"  subject   {subj['id']}"
        + (f", {subj['body_mass_kg']:g} kg" if subj["body_mass_kg"] is not None else "")
        + (f", {subj['height_m']:g} m" if subj["height_m"] is not None else "")
        + (f", affected side {subj['affected_side']}" if subj["affected_side"] else ""),
        "",
        "streams:",
    ]
    for name, s in info["streams"].items():
        gaps = f"{s['n_missing']} samples missing in {s['n_gaps']} gaps" if s["n_gaps"] else "no gaps"
        lines.append(
            f"  {name}: {len(s['channels'])} ch @ {s['fs_hz']:g} Hz ({s['dtype']}), "
            f"{s['n_samples']} samples, {s['duration_s']:.3f} s, {gaps}"
        )
        if s["host_clock_rate_hz"] is not None:
            lines.append(f"    host clock: {s['host_clock_rate_hz']:.3f} samples/s over {s['clock_rows']} blocks")
        for c in s["channels"]:
            where = " ".join(x for x in (c["muscle"], c["side"]) if x)
            lines.append(f"    {c['name']:<12} {c['kind']:<7} {c['unit']:<5} {where}".rstrip())
        if s["plate"] is not None:
            plate = s["plate"]
            lines.append(f"    plate: {plate.get('name', '')} type {plate.get('type', '?')}".rstrip())
    lines.append("")
    lines.append(f"events: {info['n_events']}")
    if info["trials"]:
        lines.append("trials:")
        for t in info["trials"]:
            flag = "" if t["complete"] else "  (no stop event)"
            lines.append(f"  {t['label']:<26} #{t['index']}  {t['start_s']:9.3f} - {t['stop_s']:9.3f} s{flag}")
    else:
        lines.append("trials: none")
    marks = {}
    for e in info["events"]:
        if e["kind"] == "mark":
            marks[e["label"]] = marks.get(e["label"], 0) + 1
    if marks:
        lines.append("marks: " + ", ".join(f"{k} x{v}" for k, v in sorted(marks.items())))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from emgforce.io import read_recording

    info = summary(read_recording(args.file, load_data=False))  # the summary needs no samples
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        print(_text(info))
    return 0

"""Stage-1 report of a recording: what was recorded (``report.md`` + ``summary.json``).

Per stream: sample counts (grid, received, lost), duration, gaps, and per
channel mean, RMS, minimum and maximum in physical units over the received
samples; the subject; the trials found in the events table. No analysis: this
is the check that a session was recorded completely.
"""

from __future__ import annotations

__all__ = ["REPORT_MD", "SUMMARY_JSON", "summarize", "write_summary"]

import json
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np

from emgforce.io import Recording, StreamData

log = logging.getLogger(__name__)

REPORT_MD = "report.md"
SUMMARY_JSON = "summary.json"


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _stream_summary(stream: StreamData) -> dict[str, Any]:
    received = stream.received
    n = received.shape[0]
    channels = []
    for i, ch in enumerate(stream.channels):
        x = received[:, i]
        stats = {"mean": math.nan, "rms": math.nan, "min": math.nan, "max": math.nan}
        if n:
            stats = {
                "mean": float(np.mean(x)),
                "rms": float(np.sqrt(np.mean(np.square(x)))),
                "min": float(np.min(x)),
                "max": float(np.max(x)),
            }
        channels.append(
            {
                "name": ch.name,
                "kind": ch.kind,
                "unit": ch.unit,
                "muscle": ch.muscle,
                "side": ch.side,
                **{k: _finite(v) for k, v in stats.items()},
            }
        )
    return {
        "name": stream.name,
        "fs_hz": float(stream.fs_hz),
        "n_samples": stream.n_samples,
        "n_received": int(n),
        "n_missing": stream.n_missing,
        "duration_s": stream.duration_s,
        "gaps": [{"sample_index": int(a), "n_missing": int(b), "time_s": a / stream.fs_hz} for a, b in stream.gaps],
        "channels": channels,
    }


def summarize(recording: Recording) -> dict[str, Any]:
    """The stage-1 summary of a recording as a JSON-ready dict."""
    header = recording.header()
    return {
        **{k: v for k, v in header.items() if k not in ("trials", "n_events")},
        "streams": [_stream_summary(s) for s in recording.streams.values()],
        "trials": header["trials"],
        "n_events": header["n_events"],
    }


def _fmt(value: float | None, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:.{digits}g}"


def _markdown(summary: dict[str, Any]) -> str:
    sub = summary["subject"]
    lines = [
        "# Recording summary",
        "",
        f"- file: `{summary['path']}`",
        f"- start (UTC): {summary['start_time']}; device: {summary['device'] or 'n/a'}",
        f"- duration: {summary['duration_s']:.2f} s; closed cleanly: {'yes' if summary['complete'] else 'NO'}"
        + (f" ({summary['end_reason']})" if summary["end_reason"] else ""),
        f"- subject: {sub['id']}, body mass {_fmt(sub['body_mass_kg'])} kg, affected side {sub['affected_side'] or 'none'}",
        "",
        "## Streams",
        "",
        "| stream | fs (Hz) | samples | received | lost | duration (s) | gaps |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in summary["streams"]:
        lines.append(
            f"| {s['name']} | {s['fs_hz']:g} | {s['n_samples']} | {s['n_received']} | {s['n_missing']} "
            f"| {s['duration_s']:.3f} | {len(s['gaps'])} |"
        )
    for s in summary["streams"]:
        lines += [
            "",
            f"### {s['name']}: channels",
            "",
            "| channel | unit | mean | RMS | min | max |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for c in s["channels"]:
            lines.append(
                f"| {c['name']} | {c['unit']} | {_fmt(c['mean'])} | {_fmt(c['rms'])} | {_fmt(c['min'])} | {_fmt(c['max'])} |"
            )
        if s["gaps"]:
            lines += ["", "Gaps (lost samples):", ""]
            lines += [f"- sample {g['sample_index']} ({g['time_s']:.3f} s): {g['n_missing']} samples" for g in s["gaps"]]
    lines += ["", "## Trials", ""]
    if summary["trials"]:
        lines += ["| # | trial | start (s) | stop (s) | duration (s) | complete |", "|---:|---|---:|---:|---:|---|"]
        for i, t in enumerate(summary["trials"], 1):
            lines.append(
                f"| {i} | {t['label']} | {t['start_s']:.3f} | {t['stop_s']:.3f} | {t['duration_s']:.3f} "
                f"| {'yes' if t['complete'] else 'no'} |"
            )
    else:
        lines.append("No trials (no start/stop events).")
    return "\n".join(lines) + "\n"


def write_summary(recording: Recording, outdir: str | Path) -> Path:
    """Write ``report.md`` and ``summary.json`` into ``outdir`` (created if needed).

    Returns
    -------
    Path
        The path of ``report.md``.
    """
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    summary = summarize(recording)
    (out / SUMMARY_JSON).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    path = out / REPORT_MD
    path.write_text(_markdown(summary), encoding="utf-8")
    log.info("wrote %s and %s", path, out / SUMMARY_JSON)
    return path

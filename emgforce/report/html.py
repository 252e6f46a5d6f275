"""A self-contained HTML page of a session analysis that shows the PNG figures."""

from __future__ import annotations

__all__ = ["write_html"]

import html
import math
from pathlib import Path

from emgforce.tasks.results import SessionResult

_STYLE = """
body { font-family: sans-serif; margin: 2em; max-width: 70em; }
table { border-collapse: collapse; font-size: 0.85em; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
td.num { text-align: right; }
.warning { color: #a15c00; } .error { color: #b00020; } .info { color: #555; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.5em 0; }
"""


def _num(v: float) -> str:
    return "" if not math.isfinite(v) else f"{v:.4g}"


def write_html(result: SessionResult, figures: dict[str, Path], path: str | Path) -> Path:
    """Write ``report.html`` next to the figures (linked by relative file name)."""
    path = Path(path)
    e = html.escape
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>emgforce report: {e(result.session)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Session {e(result.session)}</h1>",
        f"<p>Source: <code>{e(result.source)}</code>; subject <b>{e(str(result.subject.get('id', '')))}</b>, "
        f"affected side: {e(str(result.subject.get('affected_side') or 'not given'))}; "
        f"side detected as weaker: {e(result.detected_weak_side or 'undetermined')}; "
        f"normalisation requested: {e(result.normalisation_requested)}.</p>",
        "<h2>Summary</h2><ul>",
        *[f"<li>{e(s)}</li>" for s in result.summary],
        "</ul>",
    ]
    msgs = result.all_messages()
    if msgs:
        parts.append("<h2>Messages</h2><ul>")
        parts += [
            f"<li class='{e(m.level)}'>{e(m.level)}{' [' + e(m.trial) + ']' if m.trial else ''}: {e(m.text)}</li>"
            for m in msgs
        ]
        parts.append("</ul>")
    if result.symmetry:
        parts.append("<h2>Symmetry</h2><table><tr><th>task</th><th>quantity</th><th>left</th><th>right</th>"
                     "<th>unit</th><th>SI (Robinson) %</th><th>LSI %</th></tr>")
        for s in result.symmetry:
            parts.append(
                f"<tr><td>{e(s.task)}</td><td>{e(s.quantity)}</td><td class='num'>{_num(s.left)}</td>"
                f"<td class='num'>{_num(s.right)}</td><td>{e(s.unit)}</td><td class='num'>{_num(s.si_pct)}</td>"
                f"<td class='num'>{_num(s.lsi_pct)}</td></tr>"
            )
        parts.append("</table>")
    parts.append("<h2>Figures</h2>")
    for name, fig in figures.items():
        parts.append(f"<h3>{e(name.replace('_', ' '))}</h3><img src='{e(fig.name)}' alt='{e(name)}'>")
    parts.append("<h2>Trials</h2>")
    for t in result.trials:
        parts.append(
            f"<h3>{e(t.label)} #{t.index} ({t.start_s:.2f}-{t.stop_s:.2f} s, segmentation: {e(t.segmentation)})</h3>"
            "<table><tr><th>metric</th><th>muscle</th><th>side</th><th>rep</th><th>value</th><th>unit</th></tr>"
        )
        for m in t.metrics:
            parts.append(
                f"<tr><td>{e(m.name)}</td><td>{e(m.muscle or '')}</td><td>{e(m.side or '')}</td>"
                f"<td>{'' if m.rep is None else m.rep}</td><td class='num'>{_num(m.value)}</td><td>{e(m.unit)}</td></tr>"
            )
        parts.append("</table>")
    parts.append("<p>Column definitions and formulas: docs/report.md of emgforce.</p></body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path

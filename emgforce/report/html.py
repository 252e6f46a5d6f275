"""One self-contained HTML page: figures and logo embedded as base64 PNG ``data:`` URIs,
so the file alone, mailed or archived, shows everything."""

from __future__ import annotations

__all__ = ["write_html"]

import base64
import html
from collections.abc import Iterable, Sequence
from pathlib import Path

from emgforce.report.content import (
    APPENDIX_COLUMNS,
    appendix_rows,
    header_facts,
    settings_rows,
    symmetry_rows,
)
from emgforce.report.template import ReportTemplate
from emgforce.tasks.results import SessionResult

STYLE = """
body { font-family: sans-serif; margin: 2em; max-width: 70em; color: #222; }
header { display: flex; align-items: center; gap: 1.5em; border-bottom: 2px solid #0072B2; }
header img.logo { max-height: 4em; border: none; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
td.num { text-align: right; }
table.facts th { background: #f4f4f4; }
.warning { color: #a15c00; } .error { color: #b00020; } .info { color: #555; }
.yes { color: #00734d; font-weight: bold; } .no { color: #555; }
figure { margin: 1em 0; } figcaption { font-size: 0.85em; color: #555; }
img { max-width: 100%; border: 1px solid #ddd; }
footer { border-top: 1px solid #ccc; margin-top: 2em; font-size: 0.85em; color: #555; }
"""

e = html.escape


def data_uri(png: bytes) -> str:
    """A PNG as a ``data:`` URI."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def table(columns: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[str] = (), css: str = "") -> str:
    """An HTML table; cells of ``numeric`` columns are right-aligned."""
    num = {columns.index(c) for c in numeric if c in columns}
    out = [f"<table class='{css}'><tr>" + "".join(f"<th>{e(c)}</th>" for c in columns) + "</tr>"]
    for row in rows:
        out.append("<tr>" + "".join(f"<td{' class=num' if i in num else ''}>{e(str(v))}</td>" for i, v in enumerate(row)) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def page_head(title: str, template: ReportTemplate) -> list[str]:
    """Start of a page with the lab's header (logo, lab name, title)."""
    logo = template.logo_data_uri()
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{e(title)}</title><style>{STYLE}</style></head><body><header>",
    ]
    if logo:
        parts.append(f"<img class='logo' src='{logo}' alt='logo'>")
    parts.append(f"<div>{'<b>' + e(template.lab_name) + '</b><br>' if template.lab_name else ''}<h1>{e(title)}</h1></div></header>")
    return parts


def page_foot(template: ReportTemplate) -> str:
    return f"<footer>{e(template.footer)}</footer></body></html>" if template.footer else "</body></html>"


def figure(name: str, caption: str, png: bytes) -> str:
    return f"<figure id='fig-{e(name)}'><img src='{data_uri(png)}' alt='{e(name)}'><figcaption>{e(caption)}</figcaption></figure>"


def write_html(result: SessionResult, figures: dict[str, bytes], path: str | Path, template: ReportTemplate | None = None) -> Path:
    """Write ``report.html`` with every figure embedded; returns the path.

    Parameters
    ----------
    result : SessionResult
    figures : dict
        Figure name -> PNG bytes, in report order.
    path : path
    template : ReportTemplate, optional
        Lab name, logo, title, footer and the sections shown.
    """
    template = template or ReportTemplate()
    path = Path(path)
    subject = result.subject.get("id") or result.session
    parts = page_head(f"{template.title}: {subject}", template)
    sections = template.sections
    if "header" in sections:
        parts.append(table(("", ""), header_facts(result), css="facts"))
    if "summary" in sections:
        parts += ["<h2>Summary</h2><ul>", *[f"<li>{e(s)}</li>" for s in result.summary], "</ul>"]
    if "symmetry" in sections and result.symmetry:
        rows = symmetry_rows(result)
        cols = tuple(rows[0])
        parts.append("<h2>Left and right</h2>")
        parts.append(table(cols, [r.values() for r in rows], numeric=("left", "right", "SI %", "LSI %")))
        parts.append(f"<p class='info'>{e(result.settings.get('si_formula', ''))}; {e(result.settings.get('lsi_formula', ''))}</p>")
    if "figures" in sections and figures:
        parts.append("<h2>Figures</h2>")
        parts += [figure(name, name.replace("_", " "), png) for name, png in figures.items()]
    msgs = result.all_messages()
    if "messages" in sections and msgs:
        parts.append("<h2>Messages</h2><ul>")
        parts += [
            f"<li class='{e(m.level)}'>{e(m.level)}{' [' + e(m.trial) + ']' if m.trial else ''}: {e(m.text)}</li>"
            for m in msgs
        ]
        parts.append("</ul>")
    if "settings" in sections:
        parts.append("<h2>Processing settings</h2>")
        parts.append(table(("setting", "value"), settings_rows(result)))
    if "appendix" in sections:
        parts.append("<h2>Appendix: all metrics per trial</h2>"
                     "<p class='info'>Values in clinician units; the code name is the column <code>metric</code> of "
                     "tidy.csv and report.json, where the same value is in SI units.</p>")
        for t in result.trials:
            parts.append(f"<h3>{e(t.label)} #{t.index} ({t.start_s:.2f}-{t.stop_s:.2f} s, segmentation: {e(t.segmentation)})</h3>")
            parts.append(table(APPENDIX_COLUMNS, appendix_rows(t), numeric=("rep", "value")))
    parts.append(page_foot(template))
    path.write_text("\n".join(parts), encoding="utf-8")
    return path

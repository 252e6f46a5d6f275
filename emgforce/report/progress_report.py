"""Write a patient's progress: ``progress.csv`` (tidy), ``progress.html`` (self-contained)
and ``progress.pdf``, with one figure per task and one for the sway."""

from __future__ import annotations

__all__ = ["progress_figures", "write_progress"]

import html
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np

from emgforce.naming import SIDES
from emgforce.report.content import fmt
from emgforce.report.labels import side_color
from emgforce.report.progress import (
    GM_ACTIVATION,
    LSI,
    PROGRESS_COLUMNS,
    SWAY_METRICS,
    ProgressResult,
    quantity_words,
)
from emgforce.report.tables import write_tidy_csv
from emgforce.report.template import ReportTemplate

log = logging.getLogger(__name__)
e = html.escape


def _x(p: ProgressResult) -> tuple[list[str], dict[str, int]]:
    """Tick labels (date, else session name) and the x position of each session."""
    labels = [pt.date.strftime("%Y-%m-%d") if pt.date else pt.session for pt in p.sessions]
    return labels, {pt.session: i for i, pt in enumerate(p.sessions)}


def _panel(ax: Any, p: ProgressResult, task: str, quantity: str, sides: tuple[str, ...]) -> None:
    labels, pos = _x(p)
    for side in sides:
        s = p.series(task, quantity, side)
        if not s:
            continue
        x = np.array([pos[r["session"]] for r in s], dtype=float)
        y = np.array([r["value"] for r in s])
        sd = np.array([r["sd"] for r in s])
        color = side_color(side or None)
        who = f"{side}{' (affected)' if side == p.affected_side else ''}" if side else "affected / unaffected"
        ax.plot(x, y, "o-", color=color, label=who, lw=1.5, ms=5)
        ok = np.isfinite(sd)
        if ok.any():
            ax.errorbar(x[ok], y[ok], yerr=sd[ok], fmt="none", ecolor=color, elinewidth=0.8, capsize=3)
        unit = s[0]["unit"]
        ax.set_ylabel(f"{quantity_words(quantity)} [{unit}]", fontsize=8)
    ax.set_xticks(range(len(labels)), labels, fontsize=7, rotation=20)
    ax.set_xlim(-0.3, len(labels) - 0.7)
    if ax.lines:
        ax.legend(fontsize=7, loc="best")
    ax.set_xlabel("session date")


def progress_figures(p: ProgressResult) -> list[tuple[str, Any]]:
    """``(name, figure)``: per task GM activation per side and LSI over sessions; stance sway per side."""
    from emgforce.report.figures import pyplot

    plt = pyplot()
    figs = []
    tasks = list(dict.fromkeys(r["task"] for r in p.rows if r["quantity"] == GM_ACTIVATION))
    for task in tasks:
        fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 3.8))
        _panel(ax0, p, task, GM_ACTIVATION, SIDES)
        ax0.set_title("gluteus medius activation per side (mean +/- SD)", fontsize=9)
        _panel(ax1, p, task, LSI, ("",))
        ax1.axhline(100.0, color="0.6", lw=0.8, ls="--", zorder=0)
        ax1.set_title("limb symmetry index (affected / unaffected, +/- SE; 100 % = symmetric)", fontsize=9)
        fig.suptitle(f"{task.replace('_', ' ')}: progress of {p.patient}", fontsize=10)
        fig.tight_layout()
        figs.append((f"progress_{task}", fig))
    if any(r["quantity"] in SWAY_METRICS for r in p.rows):
        fig, axes = plt.subplots(1, len(SWAY_METRICS), figsize=(4 * len(SWAY_METRICS), 3.8), squeeze=False)
        for ax, name in zip(axes[0], SWAY_METRICS):
            _panel(ax, p, "stance", name, SIDES)
        fig.suptitle(f"single-leg stance sway per stance side: progress of {p.patient}", fontsize=10)
        fig.tight_layout()
        figs.append(("progress_sway", fig))
    return figs


def _table_rows(p: ProgressResult) -> list[list[str]]:
    rows = []
    for r in p.rows:
        side = f"{r['side']}{' (affected)' if r['side'] and r['side'] == p.affected_side else ''}"
        rows.append([r["task"].replace("_", " "), side, quantity_words(r["quantity"]), r["date"][:10] or r["session"],
                     fmt(r["value"]), r["unit"], fmt(r["sd"]), f"{r['change']:+.3g}" if math.isfinite(r["change"]) else "",
                     fmt(r["sdc95"]), r["exceeds_sdc"]])
    return rows


_COLUMNS = ("task", "side", "quantity", "session", "value", "unit", "SD (LSI: SE)", "change since first", "SDC95", "beyond SDC")


def write_progress(p: ProgressResult, outdir: str | Path, *, template: ReportTemplate | None = None) -> dict[str, Path]:
    """Write ``progress.csv``, ``progress.html`` (figures embedded) and ``progress.pdf`` into ``outdir``.

    Returns
    -------
    dict
        Artefact name -> path.
    """
    from emgforce._extras import require

    require("matplotlib", "the progress report (figures, HTML, PDF)")
    from emgforce.report.html import figure, page_foot, page_head, table
    from emgforce.report.pdf import PdfReport, text_table

    template = template or ReportTemplate()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"csv": write_tidy_csv(p.tidy(), out / "progress.csv", PROGRESS_COLUMNS)}
    title = f"Progress: {template.title}"
    sessions = [f"{i + 1}. {pt.session}: {pt.date.strftime('%Y-%m-%d %H:%M') if pt.date else 'date not recorded'} ({pt.source})"
                for i, pt in enumerate(p.sessions)]
    method = ("Change: value minus the first session's. SDC95 (smallest detectable change) = 1.96 x sqrt(SE_first^2 + SE_now^2), "
              "SE = SD / sqrt(n) of the repetitions (or trials) within a session: a change beyond it is larger than the "
              "rep-to-rep variability explains. Day-to-day electrode placement adds variability not in it.")
    pngs: dict[str, bytes] = {}
    with PdfReport(out / "progress.pdf", template, p.patient, title) as pdf:
        head = [f"Patient: {p.patient}", f"Affected side: {p.affected_side or 'not given'}", "", "Sessions (by date):", *sessions,
                "", "Summary:", *[f"- {s}" for s in p.summary], "", method, *[f"Note: {m}" for m in p.messages]]
        pdf.add_text(title, head, logo=True)
        for name, fig in progress_figures(p):
            pngs[name] = pdf.add_figure(fig, name.replace("_", " "))
        pdf.add_text("Values per session", text_table(_COLUMNS, _table_rows(p), max_width=30), monospace=True)
    paths["pdf"] = pdf.path
    parts = page_head(f"{title}: {p.patient}", template)
    parts.append(table(("", ""), [("Patient", p.patient), ("Affected side", p.affected_side or "not given"),
                                  ("Sessions", str(len(p.sessions)))], css="facts"))
    parts += ["<h2>Sessions</h2><ol>", *[f"<li>{e(s.split('. ', 1)[1])}</li>" for s in sessions], "</ol>"]
    parts += ["<h2>Summary</h2><ul>", *[f"<li>{e(s)}</li>" for s in p.summary], "</ul>", f"<p class='info'>{e(method)}</p>"]
    if p.messages:
        parts += ["<ul>", *[f"<li class='warning'>{e(m)}</li>" for m in p.messages], "</ul>"]
    parts.append("<h2>Figures</h2>")
    parts += [figure(name, name.replace("_", " "), png) for name, png in pngs.items()]
    parts.append("<h2>Values per session</h2>")
    parts.append(table(_COLUMNS, _table_rows(p), numeric=("value", "SD (LSI: SE)", "change since first", "SDC95")))
    parts.append(page_foot(template))
    paths["html"] = out / "progress.html"
    paths["html"].write_text("\n".join(parts), encoding="utf-8")
    log.info("progress of %s (%d sessions) written to %s", p.patient, len(p.sessions), out)
    return paths

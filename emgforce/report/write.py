"""Write the full report of one session: JSON, tidy CSV, PNG figures, one self-contained
HTML page and a PDF beside it."""

from __future__ import annotations

__all__ = ["write_report"]

import logging
from pathlib import Path

from emgforce._extras import warn_missing
from emgforce.report.tables import write_json, write_tidy_csv
from emgforce.report.template import ReportTemplate
from emgforce.tasks.results import SessionResult

log = logging.getLogger(__name__)


def write_report(
    result: SessionResult, outdir: str | Path, *, figures: bool = True, template: ReportTemplate | None = None
) -> dict[str, Path]:
    """Write ``report.json``, ``tidy.csv`` and (with ``figures``) PNGs, ``report.html`` and ``report.pdf``.

    The HTML page embeds its figures (it is complete on its own); the PNG files
    beside it are the same figures for slides and papers.

    Parameters
    ----------
    result : SessionResult
    outdir : path
        Created if needed.
    figures : bool
        False writes only the JSON and the CSV (no matplotlib needed).
    template : ReportTemplate, optional
        Lab name, logo, title, footer, sections and figures
        (:func:`emgforce.report.template.load_template`).

    Returns
    -------
    dict
        Artefact name -> path.
    """
    template = template or ReportTemplate()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": write_json(result, out / "report.json"), "csv": write_tidy_csv(result.tidy(), out / "tidy.csv")}
    figures = figures and warn_missing("matplotlib", "the figures, report.html and report.pdf", log)
    if figures:
        from emgforce.report.figures import session_figures
        from emgforce.report.html import write_html
        from emgforce.report.pdf import PdfReport, session_pdf_pages, session_pdf_tail

        pngs: dict[str, bytes] = {}
        subject = result.subject.get("id") or result.session
        groups = template.figures if "figures" in template.sections else ()
        with PdfReport(out / "report.pdf", template, subject, template.title) as pdf:
            for title, lines, mono in session_pdf_pages(result, template):
                pdf.add_text(title, lines, monospace=mono, logo=title == template.title)
            for name, fig in session_figures(result, groups):
                pngs[name] = pdf.add_figure(fig, name.replace("_", " "))
                paths[name] = out / f"{name}.png"
                paths[name].write_bytes(pngs[name])
            for title, lines, mono in session_pdf_tail(result, template):
                pdf.add_text(title, lines, monospace=mono)
        paths["pdf"] = pdf.path
        paths["html"] = write_html(result, pngs, out / "report.html", template)
    log.info("report of %s written to %s", result.session, out)
    return paths

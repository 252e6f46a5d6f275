"""Write the full report of one session: JSON, tidy CSV, PNG figures and an HTML page."""

from __future__ import annotations

__all__ = ["write_report"]

import logging
from pathlib import Path

from emgforce._extras import warn_missing
from emgforce.report.tables import write_json, write_tidy_csv
from emgforce.tasks.results import SessionResult

log = logging.getLogger(__name__)


def write_report(result: SessionResult, outdir: str | Path, *, figures: bool = True) -> dict[str, Path]:
    """Write ``report.json``, ``tidy.csv`` and (with ``figures``) PNGs and ``report.html``.

    Returns
    -------
    dict
        Artefact name -> path.
    """
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": write_json(result, out / "report.json"), "csv": write_tidy_csv(result.tidy(), out / "tidy.csv")}
    figures = figures and warn_missing("matplotlib", "the figures and report.html", log)
    if figures:
        from emgforce.report.figures import write_figures
        from emgforce.report.html import write_html

        figs = write_figures(result, out)
        paths.update(figs)
        paths["html"] = write_html(result, figs, out / "report.html")
    log.info("report of %s written to %s", result.session, out)
    return paths

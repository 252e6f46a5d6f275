"""PDF reports with matplotlib's PDF backend (no extra dependency): A4 text pages and one
page per figure. Fonts are embedded as TrueType (``pdf.fonttype`` 42), so the text can be
searched and copied."""

from __future__ import annotations

__all__ = ["A4_IN", "PdfReport", "session_pdf_pages", "session_pdf_tail", "text_table"]

import io
import textwrap
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from emgforce import __version__
from emgforce.report.content import (
    APPENDIX_COLUMNS,
    appendix_rows,
    header_facts,
    settings_rows,
    symmetry_rows,
)
from emgforce.report.figures import DPI, pyplot
from emgforce.report.template import ReportTemplate
from emgforce.tasks.results import SessionResult

A4_IN = (8.27, 11.69)
_LINES_PER_PAGE = 70
_WRAP = 110
_STRIP_IN = 0.3  # footer strip under a figure page


def text_table(columns: Sequence[str], rows: Iterable[Sequence[str]], max_width: int = 42) -> list[str]:
    """Rows as fixed-width text lines (cells cut to ``max_width`` characters)."""
    rows = [[str(c)[:max_width] for c in r] for r in rows]
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    return [line(columns), line(["-" * w for w in widths]), *[line(r) for r in rows]]


class PdfReport:
    """A multi-page PDF: text pages (paginated) and figure pages, each with a running footer.

    Use as a context manager; :attr:`pages` lists each page's title in order.
    """

    def __init__(self, path: str | Path, template: ReportTemplate, subject: str, title: str) -> None:
        self.path = Path(path)
        self.template = template
        self.subject = subject
        self.title = title
        self.pages: list[str] = []
        self._stack = ExitStack()

    def __enter__(self) -> PdfReport:
        import matplotlib
        from matplotlib.backends.backend_pdf import PdfPages

        self._stack.enter_context(matplotlib.rc_context({"pdf.fonttype": 42}))
        self._pdf = self._stack.enter_context(PdfPages(self.path, metadata={
            "Title": self.title, "Subject": str(self.subject), "Author": self.template.lab_name or "",
            "Creator": f"emgforce {__version__}",
        }))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def _footer(self, fig: Any) -> None:
        left = " - ".join(s for s in (self.template.lab_name, self.title, str(self.subject)) if s)
        fig.text(0.04, 0.015, left, fontsize=6.5, color="0.4")
        fig.text(0.96, 0.015, f"page {len(self.pages)}", fontsize=6.5, color="0.4", ha="right")
        if self.template.footer:
            fig.text(0.5, 0.03, self.template.footer, fontsize=6.5, color="0.4", ha="center")

    def add_text(self, title: str, lines: list[str], *, monospace: bool = False, logo: bool = False) -> None:
        """Text pages headed ``title`` (``title (continued)`` on following pages)."""
        plt = pyplot()
        wrapped = [w for ln in lines for w in (textwrap.wrap(ln, _WRAP, subsequent_indent="  ") if not monospace else [ln]) or [""]]
        chunks = [wrapped[i : i + _LINES_PER_PAGE] for i in range(0, max(len(wrapped), 1), _LINES_PER_PAGE)]
        for k, chunk in enumerate(chunks):
            fig = plt.figure(figsize=A4_IN)
            heading = title if k == 0 else f"{title} (continued)"
            self.pages.append(heading)
            top = 0.95
            if logo and k == 0 and self.template.logo is not None and self.template.logo.suffix.lower() == ".png":
                import matplotlib.image as mpimg

                ax = fig.add_axes((0.04, 0.9, 0.2, 0.07))
                ax.imshow(mpimg.imread(self.template.logo))
                ax.set_axis_off()
                top = 0.88
            if logo and k == 0 and self.template.lab_name:
                fig.text(0.27 if self.template.logo else 0.04, 0.94, self.template.lab_name, fontsize=10, weight="bold")
            fig.text(0.04, top, heading, fontsize=13, weight="bold", va="top")
            fig.text(0.04, top - 0.03, "\n".join(chunk), fontsize=7.5, va="top", family="monospace" if monospace else None,
                     linespacing=1.35)
            self._footer(fig)
            self._pdf.savefig(fig)
            plt.close(fig)

    def add_figure(self, fig: Any, title: str) -> bytes:
        """One page holding ``fig`` (its own size plus a strip for the footer); closes the figure.

        Returns
        -------
        bytes
            The figure as PNG (without the footer), for the HTML page and the PNG file.
        """
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI)
        self.pages.append(title)
        _add_bottom_strip(fig, _STRIP_IN)
        self._footer(fig)
        self._pdf.savefig(fig)
        pyplot().close(fig)
        return buf.getvalue()


def _add_bottom_strip(fig: Any, inches: float) -> None:
    """Make ``fig`` taller by ``inches`` at the bottom, keeping every axes and text where it was
    relative to the top: room for the page footer without overlapping axis labels."""
    w, h = fig.get_size_inches()
    scale, shift = h / (h + inches), inches / (h + inches)
    fig.set_size_inches(w, h + inches)
    for ax in fig.axes:
        x0, y0, width, height = ax.get_position().bounds
        ax.set_position((x0, shift + y0 * scale, width, height * scale))
    for text in [*fig.texts, *([fig._suptitle] if fig._suptitle is not None else [])]:
        x, y = text.get_position()
        text.set_position((x, shift + y * scale))


def session_pdf_pages(result: SessionResult, template: ReportTemplate) -> list[tuple[str, list[str], bool]]:
    """The text pages of a session report before the figures: ``(title, lines, monospace)``."""
    sections = template.sections
    pages = []
    first: list[str] = []
    if "header" in sections:
        first += [f"{k}: {v}" for k, v in header_facts(result)] + [""]
    if "summary" in sections:
        first += ["Summary", *[f"- {s}" for s in result.summary]]
    if first:
        pages.append((template.title, first, False))
    if "symmetry" in sections and result.symmetry:
        rows = symmetry_rows(result)
        lines = text_table(tuple(rows[0]), [r.values() for r in rows])
        lines += ["", result.settings.get("si_formula", ""), result.settings.get("lsi_formula", "")]
        pages.append(("Left and right", lines, True))
    return pages


def session_pdf_tail(result: SessionResult, template: ReportTemplate) -> list[tuple[str, list[str], bool]]:
    """The text pages after the figures: messages, settings, appendix."""
    sections = template.sections
    pages = []
    msgs = result.all_messages()
    if "messages" in sections and msgs:
        pages.append(("Messages", [f"{m.level}{' [' + m.trial + ']' if m.trial else ''}: {m.text}" for m in msgs], False))
    if "settings" in sections:
        pages.append(("Processing settings", text_table(("setting", "value"), settings_rows(result), max_width=90), True))
    if "appendix" in sections:
        lines = ["Values in clinician units; the code name is the 'metric' column of tidy.csv and report.json (SI units).",
                 "Per-repetition values: report.html and tidy.csv.", ""]
        for t in result.trials:
            keep = [i for i, c in enumerate(APPENDIX_COLUMNS) if c != "rep"]
            rows = [[r[i] for i in keep] for r in appendix_rows(t, per_rep=False)]
            columns = [APPENDIX_COLUMNS[i] for i in keep]
            lines += [f"{t.label} #{t.index} ({t.start_s:.2f}-{t.stop_s:.2f} s)"] + text_table(columns, rows) + [""]
        pages.append(("Appendix: all metrics per trial", lines, True))
    return pages

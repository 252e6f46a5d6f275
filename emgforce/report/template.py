"""Report templates a lab adjusts without touching code (a small TOML file).

Example ``lab.toml``::

    lab_name = "Hip and Pelvis Lab, City Hospital"
    title = "Gluteus medius assessment"
    logo = "logo.png"              # PNG or SVG; relative to this file
    footer = "Questions: hiplab@example.org"
    sections = ["header", "summary", "symmetry", "figures", "messages", "settings", "appendix"]
    figures = ["rep_curves", "activation_bars", "stabilograms"]

Every key is optional; the defaults give the full report. Pass the file as
``--template lab.toml`` to ``emgforce analyze``, ``batch``, ``demo`` and
``progress``, or as ``template=`` to :func:`emgforce.report.write.write_report`.
"""

from __future__ import annotations

__all__ = ["SECTIONS", "ReportTemplate", "load_template"]

import base64
from dataclasses import dataclass, fields
from pathlib import Path

from emgforce._tables import loads_toml
from emgforce.errors import ReportError
from emgforce.report.figures import FIGURE_GROUPS

#: report sections, in the order they appear
SECTIONS = ("header", "summary", "symmetry", "figures", "messages", "settings", "appendix")
_LOGO_TYPES = {".png": "image/png", ".svg": "image/svg+xml"}


@dataclass(frozen=True)
class ReportTemplate:
    """What a lab can change in the reports (see the module docstring)."""

    lab_name: str = ""
    title: str = "Gluteus medius sEMG and force-plate report"
    logo: Path | None = None
    footer: str = ""
    sections: tuple[str, ...] = SECTIONS
    figures: tuple[str, ...] = FIGURE_GROUPS

    def __post_init__(self) -> None:
        # accept lists and str paths from Python callers as the TOML reader does
        object.__setattr__(self, "sections", tuple(self.sections))
        object.__setattr__(self, "figures", tuple(self.figures))
        if self.logo is not None:
            object.__setattr__(self, "logo", Path(self.logo))
        for key, allowed in (("sections", SECTIONS), ("figures", FIGURE_GROUPS)):
            unknown = [s for s in getattr(self, key) if s not in allowed]
            if unknown:
                raise ReportError(f"unknown {key} {unknown} in the report template; choose from {list(allowed)}")
        if self.logo is not None:
            if self.logo.suffix.lower() not in _LOGO_TYPES:
                raise ReportError(f"the logo must be a PNG or SVG file, got {self.logo}")
            if not self.logo.is_file():
                raise ReportError(f"the logo {self.logo} of the report template does not exist")

    def logo_data_uri(self) -> str | None:
        """The logo as a ``data:`` URI (embedded: the report stays one file), or None."""
        if self.logo is None:
            return None
        mime = _LOGO_TYPES[self.logo.suffix.lower()]
        return f"data:{mime};base64,{base64.b64encode(self.logo.read_bytes()).decode('ascii')}"


def _toml_loads(text: str) -> dict:
    try:
        return loads_toml(text)
    except ValueError as exc:  # TOMLDecodeError
        raise ReportError(f"the report template is not valid TOML: {exc}") from exc


def load_template(path: str | Path | None) -> ReportTemplate:
    """Read a TOML report template; None gives the default template.

    Raises
    ------
    ReportError
        The file is missing, not TOML, has unknown keys, sections or figures,
        or names a logo that does not exist.
    """
    if path is None:
        return ReportTemplate()
    path = Path(path)
    if not path.is_file():
        raise ReportError(f"report template {path} does not exist")
    doc = _toml_loads(path.read_text(encoding="utf-8"))
    known = {f.name for f in fields(ReportTemplate)}
    unknown = sorted(set(doc) - known)
    if unknown:
        raise ReportError(f"unknown keys {unknown} in report template {path}; known: {sorted(known)}")
    for key in ("sections", "figures"):
        if key in doc:
            if not isinstance(doc[key], list) or not all(isinstance(s, str) for s in doc[key]):
                raise ReportError(f"'{key}' in report template {path} must be a list of names")
            doc[key] = tuple(doc[key])
    for key in ("lab_name", "title", "footer", "logo"):
        if key in doc and not isinstance(doc[key], str):
            raise ReportError(f"'{key}' in report template {path} must be a string")
    if "logo" in doc:
        doc["logo"] = (path.parent / doc["logo"]).resolve()
    return ReportTemplate(**doc)

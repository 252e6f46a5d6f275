"""The small settings files users write (channel, column and trial maps, templates, guided sets).

One reader for JSON and TOML, so every such file takes either and Python 3.10
(no ``tomllib``) reads TOML through ``tomli``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["loads_toml", "read_table_file"]


def loads_toml(text: str) -> dict[str, Any]:
    """Parse TOML text; raises ValueError (``TOMLDecodeError``) when it is not valid TOML."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10: tomli is a core dependency there
        import tomli as tomllib
    return tomllib.loads(text)


def read_table_file(path: str | Path, text: str | None = None) -> Any:
    """Parse ``path`` as TOML (``.toml``) or JSON (any other suffix); ValueError on bad syntax.

    ``text``, when given, is the file's content already read.
    """
    path = Path(path)
    if text is None:
        text = path.read_text(encoding="utf-8")
    return loads_toml(text) if path.suffix.lower() == ".toml" else json.loads(text)

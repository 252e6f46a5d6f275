"""Optional dependencies: which extra brings which module, and how their absence is reported.

A command that cannot work without an extra raises
:class:`~emgforce.errors.MissingExtraError` (the CLI prints it as one line);
a part that is only nice to have (the report's figures) is skipped with a
logged warning.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from types import ModuleType

from emgforce.errors import MissingExtraError

__all__ = ["EXTRA_OF", "has_module", "require", "warn_missing"]

#: top-level module -> the extra of pyproject.toml that installs it
EXTRA_OF = {
    "matplotlib": "report",
    "ezc3d": "c3d",
    "pyqtgraph": "display",
    "PySide6": "display",
    "pylsl": "lsl",
    "dask": "batch",
    "distributed": "batch",
    "serial": "serial",
    "nidaqmx": "nidaq",
    "uldaq": "mcc",
    "labjack": "labjack",
}


def has_module(name: str) -> bool:
    """Whether ``name`` can be imported here (looked up, not imported)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a parent package missing, or a broken __spec__
        return False


def require(name: str, purpose: str) -> ModuleType:
    """Import ``name``, or raise :class:`MissingExtraError` naming its extra when it is not installed.

    Only the absence of ``name`` itself (or its top-level package) becomes
    MissingExtraError; an ImportError raised from inside an installed module
    is a real bug and propagates.
    """
    top = name.partition(".")[0]
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name not in (name, top):
            raise
        raise MissingExtraError(EXTRA_OF[top], top, purpose) from exc


def warn_missing(name: str, purpose: str, logger: logging.Logger) -> bool:
    """Log that ``purpose`` is skipped because ``name`` is missing; returns whether it is installed."""
    if has_module(name):
        return True
    top = name.partition(".")[0]
    logger.warning('%s skipped: %s is not installed (pip install "emgforce[%s]")', purpose, top, EXTRA_OF[top])
    return False

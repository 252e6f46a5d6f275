"""Parameter descriptions shared by many docstrings, written once (after MNE's ``fill_doc``).

A docstring line holding only ``%(name)s`` is replaced by the entry ``name`` of
:data:`PARAMS`, indented as the placeholder. :func:`fill_doc` does it when the
module is imported (``help()``, IDEs); the documentation site does the same
through a Griffe extension (``docs/_hooks/griffe_fill_doc.py``), since it reads
the sources without importing them.

Examples
--------
>>> @fill_doc
... def f(cop_m, fs):
...     '''Sway of something.
...
...     Parameters
...     ----------
...     %(cop_m)s
...     %(fs_cop)s
...     '''
>>> print(f.__doc__.split("----------")[1].rstrip())
<BLANKLINE>
    cop_m : ndarray, shape (n, 2)
        COP, x = ML and y = AP, m; finite (a continuous loaded segment).
    fs : float
        Sampling rate of ``cop_m``, Hz.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

__all__ = ["PARAMS", "expand", "fill_doc"]

#: name -> numpydoc parameter entry (first line unindented, description indented 4 spaces)
PARAMS: dict[str, str] = {
    "cop_m": "cop_m : ndarray, shape (n, 2)\n    COP, x = ML and y = AP, m; finite (a continuous loaded segment).",
    "fs_cop": "fs : float\n    Sampling rate of ``cop_m``, Hz.",
    "fs": "fs : float\n    Sampling rate in Hz.",
    "workers": ("workers : int, optional\n    Threads for a long signal (cut in time into overlapping pieces; same result "
                "to rounding):\n    a count, -1 for all CPUs, None for the default "
                "(:func:`emgforce.signal.set_workers`, else\n    ``EMGFORCE_WORKERS``, else all CPUs)."),
}

_PLACEHOLDER = re.compile(r"^(?P<indent>[ \t]*)%\((?P<name>\w+)\)s[ \t]*$", re.M)
T = TypeVar("T")


def expand(doc: str) -> str:
    """``doc`` with every placeholder line replaced by its entry (KeyError for an unknown name)."""

    def replace(m: re.Match) -> str:
        text = PARAMS[m["name"]]
        return "\n".join(m["indent"] + line if line else line for line in text.splitlines())

    return _PLACEHOLDER.sub(replace, doc)


def fill_doc(obj: T) -> T:
    """Decorator: expand the placeholders of ``obj.__doc__`` (a function or a class)."""
    doc: Any = getattr(obj, "__doc__", None)
    if doc:
        obj.__doc__ = expand(doc)
    return obj

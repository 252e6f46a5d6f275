"""Every public module says what it exports (``__all__``).

Public modules are those of the installed emgforce and emgforce.drivers whose
dotted name has no part starting with ``_``. Their ``__all__`` lists only names
that exist, each once. (Helpers shared between the modules of
one package may stay out of ``__all__`` without a leading underscore.)
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import emgforce
import emgforce.drivers


def _public_modules() -> list[str]:
    names = []
    for pkg in (emgforce, emgforce.drivers):
        names.append(pkg.__name__)
        names += [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")]
    return sorted({n for n in names if not any(p.startswith("_") for p in n.split("."))})


@pytest.mark.parametrize("name", _public_modules())
def test_all_is_there_and_names_existing_objects(name):
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    exported = set(module.__all__)
    assert len(exported) == len(module.__all__), f"{name}.__all__ repeats a name"
    assert not [n for n in exported if not hasattr(module, n)], f"{name}.__all__ names missing objects"

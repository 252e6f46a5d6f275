"""The examples in the docstrings (``>>>``) run, for every module of emgforce and emgforce.drivers.

Modules are found in the installed package (so ``drivers/`` is ``emgforce.drivers``);
only those whose source holds an example are collected.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil

import pytest

import emgforce
import emgforce.drivers


def _modules_with_examples() -> list[str]:
    names = []
    for pkg in (emgforce, emgforce.drivers):
        infos = [pkg.__name__] + [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")]
        for name in infos:
            if name.endswith("__main__"):
                continue  # importing it runs the command line
            spec = importlib.util.find_spec(name)
            if spec and spec.origin and spec.origin.endswith(".py"):
                with open(spec.origin, encoding="utf-8") as f:
                    if ">>> " in f.read():
                        names.append(name)
    return sorted(set(names))


MODULES = _modules_with_examples()


def test_some_modules_have_examples():
    assert {"emgforce.drivers.sim", "emgforce._deprecation"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    tests = [t for t in doctest.DocTestFinder().find(module, name) if t.examples]
    assert tests, f"{name} has '>>> ' in its source but no doctest was found"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    for t in tests:
        runner.run(t, out=report.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, "".join(report)

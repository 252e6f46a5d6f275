"""The import graph keeps the rules of the house (docs/architecture.md).

Every import statement of every module of emgforce and drivers (installed as
emgforce.drivers), lazy ones inside functions included, is read with ``ast``;
each module belongs to a *room*, the second component of its dotted name
(``emgforce.tasks.stance`` -> ``tasks``; ``emgforce.errors`` -> ``errors``).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ((ROOT / "emgforce", "emgforce"), (ROOT / "drivers", "emgforce.drivers"))

#: analysis rooms and what io, the contract and the leaves must never import
ANALYSIS = {"signal", "forceplate", "tasks", "report", "batch"}
ABOVE_IO = ANALYSIS | {"drivers", "record", "live", "cli", "__main__"}
#: small shared helpers any room may use (they import nothing of ours but each other)
SHARED = {"errors", "constants", "naming", "_numbers", "_deprecation", "_docs", "_extras", "_workers", "_runs", "streams", "plates",
          "__init__"}
#: leaves of the analysis: numpy/scipy/numba and the shared helpers only
LEAVES = {"signal", "forceplate"}


def _modules(sources=SOURCES):
    for base, prefix in sources:
        for path in sorted(base.rglob("*.py")):
            parts = list(path.relative_to(base).with_suffix("").parts)
            is_pkg = parts[-1] == "__init__"
            if is_pkg:
                parts = parts[:-1]
            yield ".".join([prefix, *parts]), path, is_pkg


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def import_edges(sources=SOURCES) -> list[tuple[str, str, str]]:
    """``(importing module, imported module, room of the imported module)`` for every import of ours."""
    mods = list(_modules(sources))
    known = {name for name, _, _ in mods}
    edges = []
    for name, path, is_pkg in mods:
        package = name if is_pkg else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                # ``from pkg import sub`` imports the submodule ``pkg.sub`` when there is one
                subs = [f"{mod}.{a.name}" for a in node.names if f"{mod}.{a.name}" in known]
                targets = subs or [mod]
            else:
                continue
            edges += [(name, t, _room(t)) for t in targets if t == "emgforce" or t.startswith("emgforce.")]
    return edges


def room_graph(edges) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for src, _, dst in edges:
        if _room(src) != dst:
            graph[_room(src)].add(dst)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one room (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(set(graph) | {w for ws in graph.values() for w in ws}):
        if v not in index:
            visit(v)
    return cycles


def _violations(edges, rooms: set[str], forbidden: set[str]) -> list[str]:
    return sorted(f"{src} imports {dst}" for src, dst, room in edges if _room(src) in rooms and room in forbidden)


@pytest.fixture(scope="module")
def edges():
    return import_edges()


def test_the_graph_is_read(edges):
    """The reader sees the imports we know are there (lazy ones too)."""
    pairs = {(src, dst) for src, dst, _ in edges}
    assert ("emgforce.tasks.analyze", "emgforce.tasks.base") in pairs
    assert ("emgforce.tasks.analyze", "emgforce.io.load") in pairs  # inside load_session
    assert any(src == "emgforce.drivers.replay" and room == "io" for src, _, room in edges)  # drivers/ is mapped


def test_no_cycle_between_rooms(edges):
    assert find_cycles(room_graph(edges)) == []


def test_io_imports_neither_analysis_nor_drivers(edges):
    assert _violations(edges, {"io"}, ABOVE_IO) == []


def test_the_contract_imports_nothing_of_ours_but_errors(edges):
    assert _violations(edges, {"streams", "plates", "errors"}, ABOVE_IO | {"io", "naming", "constants"}) == []


@pytest.mark.parametrize("leaf", sorted(LEAVES))
def test_signal_and_forceplate_are_leaves(edges, leaf):
    others = {room for _, _, room in edges} | {_room(src) for src, _, _ in edges}
    assert _violations(edges, {leaf}, others - SHARED - {leaf}) == []


def test_the_checks_catch_what_they_look_for(tmp_path):
    """A made-up package with a cycle between two rooms and an io -> tasks import is caught."""
    pkg = tmp_path / "emgforce"
    for rel, text in {
        "__init__.py": "",
        "io/__init__.py": "",
        "io/reader.py": "def f():\n    from emgforce.tasks import analyze\n",
        "tasks/__init__.py": "",
        "tasks/analyze.py": "from ..io import reader\n",
        "signal/__init__.py": "from emgforce import errors\n",
        "errors.py": "",
    }.items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text(text)
    fake = import_edges(((pkg, "emgforce"),))
    assert find_cycles(room_graph(fake)) == [["io", "tasks"]]
    assert _violations(fake, {"io"}, ABOVE_IO) == ["emgforce.io.reader imports emgforce.tasks.analyze"]
    assert _violations(fake, {"signal"}, {"io", "tasks"}) == []

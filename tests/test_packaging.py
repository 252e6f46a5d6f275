"""The installed layout: drivers/ ships as emgforce.drivers, and every package is listed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


from emgforce._tables import loads_toml


ROOT = Path(__file__).resolve().parents[1]


def _declared_packages() -> set[str]:
    cfg = loads_toml((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return set(cfg["packages"])


def _packages_on_disk() -> set[str]:
    found = set()
    for top, name in ((ROOT / "emgforce", "emgforce"), (ROOT / "drivers", "emgforce.drivers")):
        for init in top.rglob("__init__.py"):
            rel = init.parent.relative_to(top).parts
            found.add(".".join((name, *rel)))
    return found


def test_every_package_on_disk_is_declared():
    assert _packages_on_disk() == _declared_packages()


def test_no_top_level_drivers_module(tmp_path, monkeypatch):
    # from a neutral directory, so a folder named drivers/ in the checkout cannot answer
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(ROOT))])
    assert importlib.util.find_spec("drivers") is None
    assert importlib.util.find_spec("emgforce.drivers") is not None


def test_entry_points_name_the_namespaced_modules():
    eps = loads_toml((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["emgforce.drivers"]
    assert eps and all(v.startswith("emgforce.drivers.") for v in eps.values())

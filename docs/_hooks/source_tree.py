"""MkDocs hook: let mkdocstrings see the package laid out as installed.

``drivers/`` sits at the top of the repository but installs as ``emgforce.drivers``
(setuptools ``package-dir``). Griffe reads sources statically, so before the
build this hook copies the sources, in the installed layout, into a fresh
``.docs-src/<pid>/`` (git-ignored) and points the link ``.docs-src/current``
(the handler's ``paths`` in ``mkdocs.yml``) at it; a concurrent build never sees
a half-copied tree. Griffe tries a module name as a path relative to the working
directory first, so the build runs from that tree and returns afterwards. All of
this happens at start-up: mkdocstrings creates its handler in its own
``on_config``, before a hook's ``on_config`` runs.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / ".docs-src"
_CWD: str | None = None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def on_startup(command, dirty):
    BASE.mkdir(exist_ok=True)
    for old in BASE.iterdir():  # trees of builds that have ended
        if old.name.isdigit() and not _alive(int(old.name)):
            shutil.rmtree(old, ignore_errors=True)
        elif old.is_dir() and not old.is_symlink() and not old.name.isdigit():
            shutil.rmtree(old, ignore_errors=True)
    tree = BASE / str(os.getpid())
    shutil.rmtree(tree, ignore_errors=True)
    # copies, not links: griffe resolves links and would find the package without its drivers
    skip = shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc")
    shutil.copytree(ROOT / "emgforce", tree / "emgforce", ignore=skip)
    shutil.copytree(ROOT / "drivers", tree / "emgforce" / "drivers", ignore=skip)
    link = BASE / f".current-{os.getpid()}"
    link.symlink_to(tree.name)
    os.replace(link, BASE / "current")
    global _CWD
    _CWD = os.getcwd()
    os.chdir(tree)


def on_config(config):
    # snippets resolve against the working directory: keep them on the repository
    config.mdx_configs.setdefault("pymdownx.snippets", {})["base_path"] = [str(ROOT)]
    return config


def on_shutdown():
    if _CWD is not None:
        os.chdir(_CWD)

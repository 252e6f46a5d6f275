"""MkDocs hook: let mkdocstrings see the package laid out as installed.

``drivers/`` sits at the top of the repository but installs as ``emgforce.drivers``
(setuptools ``package-dir``). Griffe reads sources statically, so before the
build this hook copies the sources into ``.docs-src/<pid>/`` (git-ignored; one
tree per build, so concurrent builds never see a half-copied tree) in the
installed layout. Griffe tries a module name as a path relative to the working
directory first, so the build runs from that tree and returns afterwards.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TREE = ROOT / ".docs-src" / str(os.getpid())


def on_config(config):
    # copies, not links: griffe resolves links and would find the package without its drivers
    shutil.rmtree(TREE, ignore_errors=True)
    skip = shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc")
    shutil.copytree(ROOT / "emgforce", TREE / "emgforce", ignore=skip)
    shutil.copytree(ROOT / "drivers", TREE / "emgforce" / "drivers", ignore=skip)
    # snippets resolve against the working directory: keep them on the repository
    config.mdx_configs.setdefault("pymdownx.snippets", {})["base_path"] = [str(ROOT)]
    global _CWD
    _CWD = os.getcwd()
    os.chdir(TREE)
    return config


_CWD: str | None = None


def on_shutdown():
    if _CWD is not None:
        os.chdir(_CWD)
    shutil.rmtree(TREE, ignore_errors=True)

"""The documentation site builds with warnings as errors (what CI publishes)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_docs_build_strict(tmp_path):
    site = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"),
         "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "WARNING" not in proc.stderr, proc.stderr[-4000:]
    for page in ("getting-started", "protocol", "format", "drivers", "c3d", "examples", "benchmarks",
                 "troubleshooting", "architecture"):
        assert (site / page / "index.html").is_file(), page
    # the API reference is generated from the docstrings
    expected = {
        "signal": "emgforce.signal.emg_envelope",
        "forceplate": "emgforce.forceplate.center_of_pressure",
        "io": "emgforce.io.c3d.read_c3d",
        "drivers": "emgforce.drivers.base.Device",
        "record": "emgforce.record.Recorder",
        "live": "emgforce.live.pipeline.LivePipeline",
        "tasks": "emgforce.tasks.analyze_session",
    }
    for page, symbol in expected.items():
        html = (site / "api" / page / "index.html").read_text(encoding="utf-8")
        assert f'id="{symbol}"' in html, f"{symbol} missing from the {page} API page"
    # the benchmark page includes benchmarks/README.md itself
    readme_heading = (ROOT / "benchmarks" / "README.md").read_text(encoding="utf-8").splitlines()[0].lstrip("# ")
    assert readme_heading in (site / "benchmarks" / "index.html").read_text(encoding="utf-8")
    # numpydoc's Sphinx roles render as cross-references (docs/_hooks/sphinx_roles.py), never as raw text
    api = "".join(p.read_text(encoding="utf-8") for p in (site / "api").rglob("*.html"))
    assert not re.search(r":(func|class|meth|mod|attr|data|exc|obj):<code>", api)
    assert 'href="../io/#emgforce.io.c3d.read_c3d"' in (site / "api" / "tasks" / "index.html").read_text(encoding="utf-8")

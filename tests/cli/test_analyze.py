"""``emgforce analyze``: one session (HDF5 or C3D) to a report folder."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from emgforce.cli import main
from tests.tasks.simsession import short_session, write_session


@pytest.fixture(scope="module")
def session_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("sessions") / "s1.h5"
    return write_session(short_session(seed=8, weak_side="left"), path)


def test_analyze_writes_report(session_file, tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["analyze", str(session_file), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "GM activation in single-leg stance" in printed and "affected side (left)" in printed
    assert f"report written to {out}" in printed
    for name in ("report.json", "tidy.csv", "report.html", "envelopes.png", "activation_bars.png"):
        assert (out / name).is_file(), name
    doc = json.loads((out / "report.json").read_text())
    assert doc["source"] == str(session_file) and doc["session"] == "s1"
    assert doc["detected_weak_side"] == "left"
    bridge = next(t for t in doc["trials"] if t["label"] == "bridge")
    assert len(bridge["reps"]) == 2


def test_analyze_default_outdir_and_options(session_file, capsys):
    assert main(["analyze", str(session_file), "--normalization", "none", "--no-figures"]) == 0
    out = session_file.with_name("s1-report")
    assert sorted(p.name for p in out.iterdir()) == ["report.json", "tidy.csv"]
    with (out / "tidy.csv").open() as fh:
        units = {r["unit"] for r in csv.DictReader(fh) if r["metric"] == "emg_mean"}
    assert units == {"V"}


def test_analyze_missing_file(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "nope.h5")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_analyze_c3d_static_trial(shared_data, tmp_path, capsys):
    """The BTK static trial: two loaded plates (one foot each) and an unloaded third."""
    out = tmp_path / "c3d"
    assert main(["analyze", str(shared_data / "btk" / "FunctionalStatic.c3d"), "-o", str(out), "--task", "stance_double"]) == 0
    with (out / "tidy.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    split = {r["metric"]: float(r["value"]) for r in rows if r["metric"].startswith("load_pct")}
    assert len(split) == 2 and sum(split.values()) == pytest.approx(100.0)
    assert "stabilogram_stance_double_0.png" in {p.name for p in out.iterdir()}


def test_help_stays_light():
    code = (
        "import sys; from emgforce.cli import build_parser; build_parser().format_help(); "
        "print(sorted(m for m in ('matplotlib', 'dask', 'distributed', 'h5py') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_analyze_ends_its_compile_helper(session_file, tmp_path, monkeypatch, capsys):
    """A helper still compiling when the analysis is done is ended with it (no stray process)."""
    from emgforce.cli import _precompile

    helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    monkeypatch.setattr(_precompile, "start", lambda: helper)
    assert main(["analyze", str(session_file), "--no-figures", "-o", str(tmp_path / "rep")]) == 0
    assert helper.poll() is not None

"""Every script in examples/ runs, in a subprocess, with arguments for a short run;
results are checked against the simulator's ground truth, not against our own output."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from emgforce.drivers.sim import Protocol, simulate
from emgforce.io import read_recording

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SEED = 3


def run_example(script: str, *args: str, cwd: Path, timeout: float = 240, env: dict | None = None):
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    assert proc.returncode == 0, f"{script} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def truth():
    """The session the record example simulates (same protocol, seed and weak side)."""
    return simulate(Protocol.short(), seed=SEED, weak_side="left").truth


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    folder = tmp_path_factory.mktemp("examples")
    path = folder / "session.h5"
    proc = run_example("record_simulated_session.py", str(path), "--short", "--seed", str(SEED), cwd=folder)
    return path, proc.stdout


def test_every_example_is_tested():
    tested = {"record_simulated_session.py", "analyze_and_plot.py", "batch_folder.py", "custom_pipeline.py",
              "lsl_live_display.py"}  # each has a test below
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_record_simulated_session(session, truth, tmp_path):
    path, out = session
    rec = read_recording(path)
    expected = [t.label for t in Protocol.short().schedule()]
    assert [t.label for t in rec.trials()] == expected
    for trial, scheduled in zip(rec.trials(), Protocol.short().schedule()):
        assert trial.start_s == pytest.approx(scheduled.start_s, abs=1e-6)
    assert rec.emg.channel_names == truth.channel_names
    assert rec.emg.n_missing == 0 and rec.force.n_missing == 0
    assert rec.subject.affected_side == "left"
    assert "0 gaps" in out and "stance_left" in out
    # a capped run stops at exactly that much data
    short = tmp_path / "five.h5"
    run_example("record_simulated_session.py", str(short), "--seconds", "5", "--short", cwd=tmp_path)
    rec5 = read_recording(short)
    assert rec5.emg.n_samples == 5 * 2000 and rec5.force.n_samples == 5 * 1000


def _gm_table(stdout: str) -> dict[str, dict[str, float]]:
    table = {}
    for line in stdout.splitlines():
        cells = re.findall(r"(GM_[LR])\s+([-\d.]+) %MVC", line)
        if cells:
            table[line.split()[0]] = {name: float(v) for name, v in cells}
    return table


def test_analyze_and_plot(session, truth, tmp_path):
    path, _ = session
    out = tmp_path / "report"
    proc = run_example("analyze_and_plot.py", str(path), "--out", str(out), "--no-figures", cwd=tmp_path)
    assert (out / "report.json").is_file() and (out / "tidy.csv").is_file()
    import matplotlib.image as mpimg

    img = mpimg.imread(out / "overview.png")
    assert img.shape[0] > 300 and img.shape[1] > 600 and img[..., :3].std() > 0.05
    table = _gm_table(proc.stdout)
    # the simulated weak side (left) works less in its single-leg tasks, as the truth says
    for task in ("stance", "squat", "single_leg_bridge"):
        left = truth.trial(f"{task}_left").mean_pct_mvc[0]
        right = truth.trial(f"{task}_right").mean_pct_mvc[1]
        assert left < right
        assert table[f"{task}_left"]["GM_L"] < table[f"{task}_right"]["GM_R"]
    assert "affected side (left)" in proc.stdout


def test_analyze_and_plot_c3d_without_events(shared_data, tmp_path):
    """A static Vicon trial: one task for the whole file, COP panels of the two loaded plates."""
    import json

    out = tmp_path / "static"
    proc = run_example("analyze_and_plot.py", str(shared_data / "btk/FunctionalStatic.c3d"), "--task", "stance_double",
                       "--out", str(out), "--no-figures", cwd=tmp_path)
    assert "1 trials" in proc.stdout
    report = json.loads((out / "report.json").read_text())
    assert report["subject"]["body_mass_kg"] == 60.0  # PROCESSING:Bodymass of the file
    assert [t["label"] for t in report["trials"]] == ["stance_double"]
    assert (out / "overview.png").stat().st_size > 10_000


def test_batch_folder(session, tmp_path):
    path, _ = session
    for name in ("a/one.h5", "b/two.h5"):
        (tmp_path / "in" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "in" / name).write_bytes(path.read_bytes())
    (tmp_path / "in" / "broken.h5").write_text("not an HDF5 file")
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "batch_folder.py"), str(tmp_path / "in"), "--out", str(tmp_path / "out"),
         "--jobs", "1", "--no-figures"],
        capture_output=True, text=True, timeout=240, cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr  # one file failed, and says so
    assert "2 of 3 sessions analysed" in proc.stdout
    assert "failed:" in proc.stdout and "broken.h5" in proc.stdout
    rows = [line for line in proc.stdout.splitlines() if line.startswith(("a/one.h5", "b/two.h5"))]
    assert len(rows) == 2
    assert rows[0].split()[1:] == rows[1].split()[1:]  # the same recording gives the same numbers
    assert (tmp_path / "out" / "tidy.csv").is_file()


def test_custom_pipeline(session, truth, tmp_path):
    path, _ = session
    proc = run_example("custom_pipeline.py", str(path), cwd=tmp_path)
    blocks = re.findall(r"(stance_(left|right)) \(GM_[LR]\), lift at ([\d.]+) s.*?\n\s+GM mean\s+([\d.]+) %MVC",
                        proc.stdout)
    assert len(blocks) == 2
    for label, side, lift_s, mean in blocks:
        trial = truth.trial(label)
        true_lift = min(e.time_s for e in truth.events if e.label == "lift" and trial.start_s <= e.time_s <= trial.stop_s)
        assert abs(float(lift_s) - true_lift) < 0.5
        j = truth.channel_names.index("GM_L" if side == "left" else "GM_R")
        i0, i1 = int(float(lift_s) * truth.emg_fs_hz), int(trial.stop_s * truth.emg_fs_hz)
        true_mean = truth.activation_pct_mvc[i0:i1, j].mean()
        assert float(mean) == pytest.approx(true_mean, rel=0.3)
    assert proc.stdout.count("sway: mean velocity") == 2


def test_lsl_live_display_headless(tmp_path, truth):
    shot, rec_path = tmp_path / "live.png", tmp_path / "lsl.h5"
    proc = run_example(
        "lsl_live_display.py", "--demo-outlet", "--seconds", "3", "--screenshot", str(shot), "--record", str(rec_path),
        cwd=tmp_path, env={"QT_QPA_PLATFORM": "offscreen"},
    )
    assert "frames drawn" in proc.stdout
    import matplotlib.image as mpimg

    img = mpimg.imread(shot)
    assert img.shape[0] > 200 and img.shape[1] > 200
    assert np.unique(img[..., :3].reshape(-1, 3), axis=0).shape[0] > 10  # something was drawn
    rec = read_recording(rec_path)
    assert rec.emg.channel_names == truth.channel_names  # labels travelled through LSL
    assert rec.emg.channels[0].muscle == "gluteus_medius"
    # nothing lost; the only gap may be the lead-in before the outlet's first sample after the start time
    gaps = rec.emg.gaps
    assert rec.emg.n_samples > 1.0 * rec.emg.fs_hz and (len(gaps) == 0 or (len(gaps) == 1 and gaps[0][0] == 0))
    assert rec.metadata["lsl_lost_samples"] == 0

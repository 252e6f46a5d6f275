"""``emgforce demo``: the README's main command, checked with plain h5py and numpy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from emgforce.drivers.sim import Protocol
from emgforce.cli import main
from emgforce.io import Subject, read_recording
from emgforce.report.summary import summarize, write_summary

EMG_NAMES = ["GM_L", "GM_R", "TFL_L", "TFL_R", "GMAX_L", "GMAX_R"]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """Run the installed console script as a user would (short protocol)."""
    out = tmp_path_factory.mktemp("demo") / "session-out"
    exe = Path(sys.executable).with_name("emgforce")
    proc = subprocess.run(
        [str(exe), "demo", str(out), "--short", "--seed", "3"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    return out, proc


def _read_str_attr(value) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in np.atleast_1d(value)]


def test_demo_writes_recording_and_reports(demo_dir):
    out, proc = demo_dir
    assert proc.returncode == 0, proc.stderr
    for name in ("session.h5", "report.md", "summary.json", "ground_truth.json"):
        assert (out / name).is_file()
        assert str(out / name) in proc.stdout  # the command says where its files are
    assert "100%" in proc.stderr  # the progress bar ran to the end

    duration = Protocol.short().duration_s
    with h5py.File(out / "session.h5", "r") as f:
        emg = f["streams/emg/data"]
        force = f["streams/force/data"]
        assert emg.shape == (round(duration * 2000), 6) and force.shape == (round(duration * 1000), 6)
        assert emg.attrs["fs_hz"] == 2000.0 and force.attrs["fs_hz"] == 1000.0
        assert _read_str_attr(emg.attrs["channel_names"]) == EMG_NAMES
        assert _read_str_attr(force.attrs["channel_names"]) == ["Fx", "Fy", "Fz", "Mx", "My", "Mz"]
        events = f["events"][()]
        labels = [(e["label"].decode(), e["kind"].decode()) for e in events]
        emg_data, force_data = emg[()], force[()]
    for label in ("mvc_left", "stance_right", "single_leg_bridge_right"):
        assert (label, "start") in labels and (label, "stop") in labels
    # Fz in double-leg stance is the subject's weight (70 kg * g), from the raw file
    fz = force_data[:, 2]
    assert np.median(fz[fz > 600]) == pytest.approx(70 * 9.80665, rel=0.03)

    summary = json.loads((out / "summary.json").read_text())
    streams = {s["name"]: s for s in summary["streams"]}
    assert streams["emg"]["n_samples"] == len(emg_data) and streams["emg"]["n_missing"] == 0
    assert streams["force"]["duration_s"] == pytest.approx(duration)
    rms = np.sqrt(np.mean(emg_data**2, axis=0))
    np.testing.assert_allclose([c["rms"] for c in streams["emg"]["channels"]], rms, rtol=1e-9)
    assert [c["unit"] for c in streams["force"]["channels"]] == ["N"] * 3 + ["N*m"] * 3
    assert [t["label"] for t in summary["trials"]] == [t.label for t in Protocol.short().schedule()]
    assert summary["subject"] == {
        "id": "sim-3", "body_mass_kg": 70.0, "affected_side": "left", "height_m": None, "notes": ""
    }

    report = (out / "report.md").read_text()
    assert "single_leg_bridge_left" in report and "GMAX_R" in report

    truth = json.loads((out / "ground_truth.json").read_text())
    assert truth["weak_side"] == "left" and len(truth["trials"]) == len(summary["trials"])

    # the task analysis, as `emgforce analyze` writes it
    assert str(out / "analysis" / "report.html") in proc.stdout
    for name in ("report.html", "report.json", "tidy.csv"):
        assert (out / "analysis" / name).is_file()
    assert "single_leg_bridge_right" in (out / "analysis" / "tidy.csv").read_text()


def test_demo_refuses_to_overwrite_unless_asked(tmp_path, capsys):
    args = ["demo", str(tmp_path), "--short", "--no-progress", "--no-analysis", "--weak-side", "right", "--seed", "1"]
    assert main(args) == 0
    first = (tmp_path / "session.h5").stat().st_mtime_ns
    capsys.readouterr()
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "exists" in err and "--overwrite" in err
    assert "simulating" not in err  # refused before any work
    assert (tmp_path / "session.h5").stat().st_mtime_ns == first  # nothing lost
    assert main(args + ["--overwrite"]) == 0
    rec = read_recording(tmp_path / "session.h5")
    assert rec.subject.affected_side == "right"
    assert len(rec.trials()) == len(Protocol.short().steps)


def test_summary_reports_gaps_of_a_recording_with_lost_blocks(tmp_path):
    """Record through the writer with dropped blocks; the stage-1 report lists the exact gaps."""
    from emgforce.drivers.sim import SimulatedDevice, Step
    from emgforce.io import RecordingWriter

    proto = Protocol((Step("stance_double", duration_s=3.0),), lead_in_s=1.0, tail_s=1.0)
    dev = SimulatedDevice(proto, seed=2, drop_blocks=(7, 8, 30))
    path = tmp_path / "gappy.h5"
    with dev, RecordingWriter(path, dev.describe().streams, Subject("s1", 70.0)) as writer:
        dev.start()
        while not dev.finished:
            for block in dev.read():
                writer.append(block)
            for marker in dev.read_markers():
                writer.add_marker(marker)
    report = write_summary(read_recording(path), tmp_path / "out")
    summary = json.loads((report.parent / "summary.json").read_text())
    emg = {s["name"]: s for s in summary["streams"]}["emg"]
    assert [(g["sample_index"], g["n_missing"]) for g in emg["gaps"]] == [(700, 200), (3000, 100)]
    assert emg["n_received"] == 5 * 2000 - 300 and emg["n_samples"] == 5 * 2000
    with h5py.File(path, "r") as f:  # the received rows only, as stored
        stored = f["streams/emg/data"][()]
    np.testing.assert_allclose([c["rms"] for c in emg["channels"]], np.sqrt(np.mean(stored**2, axis=0)), rtol=1e-9)
    assert "3000" in report.read_text()
    assert summarize(read_recording(path))["trials"][0]["label"] == "stance_double"

"""``emgforce info``: the human summary and the JSON agree with what was written."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from emgforce.streams import Block
from emgforce.cli import main
from emgforce.io import RecordingWriter

from ._helpers import emg_info, force_info, plate_dict


@pytest.fixture
def session(tmp_path, subject):
    path = tmp_path / "session.h5"
    with RecordingWriter(path, [emg_info(), force_info(plate_dict())], subject, device="sim") as w:
        w.append(Block("emg", np.zeros((1000, 4), np.float32), 0))
        w.append(Block("emg", np.zeros((1000, 4), np.float32), 1100))  # 100 lost
        # force blocks arrive 0.1 % slower than nominal on the host clock
        for k in range(0, 1050, 50):
            w.append(Block("force", np.zeros((50, 6)), k, host_time=100.0 + k / 1000.0 * 1.001))
        for label, kind, t in [("bridge", "start", 0.1), ("rep", "mark", 0.2), ("bridge", "stop", 0.9),
                               ("stance_left", "start", 0.95)]:
            w.add_event(label, kind, t)
        w.set_attr("note", "x")
    return path


def test_text_summary(session, capsys):
    assert main(["info", str(session)]) == 0
    out = capsys.readouterr().out
    assert "emg: 4 ch @ 2000 Hz (float32), 2100 samples, 1.050 s, 100 samples missing in 1 gaps" in out
    assert "force: 6 ch @ 1000 Hz (float64), 1050 samples, 1.050 s, no gaps" in out
    assert "GM_L" in out and "gluteus_medius left" in out and "TFL_R" in out
    assert "plate: plate 1 type C3D_TYPE4" in out
    assert "host clock: 999.001 samples/s over 21 blocks" in out
    assert "P07, 71.5 kg, 1.78 m, affected side right" in out
    assert "closed: completed" in out and "device sim" in out
    assert "bridge" in out and "stance_left" in out and "(no stop event)" in out
    assert "marks: rep x1" in out and "events: 4" in out


def test_json_summary(session, capsys):
    assert main(["info", str(session), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    emg = info["streams"]["emg"]
    assert emg["n_samples"] == 2100 and emg["n_missing"] == 100 and emg["n_gaps"] == 1 and emg["fs_hz"] == 2000.0
    assert emg["channels"][1] == {"name": "GM_R", "kind": "emg", "unit": "V", "muscle": "gluteus_medius", "side": "right",
                                  "recognised": "tagged in the file"}
    assert info["streams"]["force"]["plate"]["corners_m"][0] == [0.2, 0.3, 0.0]
    assert info["streams"]["force"]["host_clock_rate_hz"] == pytest.approx(1000.0 / 1.001, rel=1e-9)
    assert emg["host_clock_rate_hz"] is None  # two blocks, no host time span
    assert info["subject"]["body_mass_kg"] == 71.5 and info["end_reason"] == "completed" and info["complete"]
    assert [(t["label"], t["start_s"], t["stop_s"], t["complete"]) for t in info["trials"]] == [
        ("bridge", 0.1, 0.9, True), ("stance_left", 0.95, 1.05, False)]
    assert info["metadata"] == {"note": "x"} and info["duration_s"] == 1.05 and info["n_events"] == 4


def test_bad_file_exits_1_with_a_message(tmp_path, capsys):
    bad = tmp_path / "notes.h5"
    bad.write_text("not hdf5")
    assert main(["info", str(bad)]) == 1
    assert "not an HDF5 file" in capsys.readouterr().err
    assert main(["info", str(tmp_path / "missing.h5")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_help_and_import_do_not_load_h5py():
    code = (
        "import sys, emgforce.io, emgforce.cli.info\n"
        "from emgforce.io import Recording, RecordingWriter, read_recording\n"
        "assert 'h5py' not in sys.modules, 'h5py imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    out = subprocess.run([sys.executable, "-m", "emgforce", "info", "--help"], capture_output=True, text=True, check=True)
    assert "--json" in out.stdout


def test_verbose_flag_works_before_and_after_the_command():
    from emgforce.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["info", "f.h5"]).verbose == 0
    assert parser.parse_args(["-v", "info", "f.h5"]).verbose == 1
    assert parser.parse_args(["info", "f.h5", "-vv"]).verbose == 2

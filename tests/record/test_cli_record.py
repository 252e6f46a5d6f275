"""``emgforce record`` and ``emgforce devices``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from emgforce.cli import main
from emgforce.io import read_recording

ROOT = Path(__file__).resolve().parents[2]


def test_record_sim_then_replay_it(tmp_path, capsys):
    out = tmp_path / "a.h5"
    rc = main(["record", "--device", "sim", "--protocol", "short", "--fast", "--duration", "3", "-o", "seed=5",
               "--json", str(out)])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["reason"] == "duration reached" and summary["streams"]["emg"]["samples_written"] == 6000
    rec = read_recording(out)
    assert rec.streams["emg"].n_samples == 6000 and rec.streams["force"].n_samples == 3000
    assert rec.device == "sim" and rec.subject.id == "anonymous"

    copy = tmp_path / "b.h5"
    assert main(["record", "--device", "replay", "--source", str(out), "--fast", "--subject", "P7", str(copy)]) == 0
    again = read_recording(copy)
    np.testing.assert_array_equal(again.streams["emg"].data, rec.streams["emg"].data)
    assert again.subject.id == "P7" and again.end_reason.startswith("source finished")
    # refusing to overwrite is an error with a message, not a traceback
    assert main(["record", "--device", "sim", "--fast", "--duration", "1", str(out)]) == 1
    assert "exists" in capsys.readouterr().err


def test_bad_option_and_unknown_device(tmp_path, capsys):
    assert main(["record", "--device", "sim", "-o", "no-equals-sign", str(tmp_path / "x.h5")]) == 1
    assert "-o expects KEY=VALUE" in capsys.readouterr().err
    assert main(["record", "--device", "nosuch", str(tmp_path / "y.h5")]) == 2
    assert "no driver named 'nosuch'" in capsys.readouterr().err


def test_sigint_closes_the_file_cleanly(tmp_path):
    out = tmp_path / "int.h5"
    proc = subprocess.Popen([sys.executable, "-m", "emgforce", "record", "--device", "sim", "--protocol", "short",
                             "--flush", "0.2", str(out)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            time.sleep(0.2)
            try:
                if read_recording(out).streams["emg"].n_samples >= 2000:
                    break
            except Exception:  # noqa: BLE001 - not created or not flushed yet
                continue
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert "interrupted by SIGINT" in stdout
    rec = read_recording(out)
    assert rec.complete and rec.end_reason == "interrupted by SIGINT"
    assert rec.streams["emg"].n_samples >= 2000


def test_devices_lists_every_driver_with_a_reason(capsys):
    assert main(["devices", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert {"sim", "replay", "lsl", "serial", "trigno", "nidaq", "mcc", "labjack"} <= set(rows)
    assert rows["sim"]["usable"] and rows["replay"]["usable"] and rows["lsl"]["usable"]
    # the vendor runtimes are absent on this machine: each says what is missing
    assert not rows["nidaq"]["usable"] and "NI-DAQmx" in rows["nidaq"]["reason"]
    assert not rows["mcc"]["usable"] and "libuldaq" in rows["mcc"]["reason"]
    assert not rows["labjack"]["usable"] and "LJM" in rows["labjack"]["reason"]
    assert main(["devices"]) == 0
    text = capsys.readouterr().out
    assert "sim" in text and "not usable" in text


def test_status_line_reports_rate_buffer_and_gaps():
    from emgforce.cli.record import _status_line
    from emgforce.record import RecorderStatus

    before = RecorderStatus(1.0, {"emg": 2000}, {"emg": 2000.0}, 0.0, 0, 0, True)
    now = RecorderStatus(1.5, {"emg": 2500}, {"emg": 1666.7}, 0.25, 3, 40, True)
    line = _status_line(now, before)
    assert "emg    1000 Hz" in line  # 500 samples in the last 0.5 s
    assert "buffer  25 %" in line and "gaps 3" in line and "dropped 40" in line
    assert "emg    1667 Hz" in _status_line(now)  # no previous snapshot: the session average


@pytest.mark.parametrize("device", ["nidaq", "mcc", "labjack"])
def test_missing_vendor_runtime_is_a_clear_error_and_no_file(tmp_path, capsys, device):
    out = tmp_path / f"{device}.h5"
    assert main(["record", "--device", device, "--duration", "1", str(out)]) == 1
    err = capsys.readouterr().err
    assert "not usable here" in err or "not installed" in err
    assert "install" in err and not out.exists()

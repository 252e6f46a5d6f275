"""Faults that need a separate process: SIGKILL and SIGTERM of the recording process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from emgforce.io import read_recording
from tests.record._devices import STREAMS, expected

ROOT = Path(__file__).resolve().parents[2]

RECORD = """
import json, sys
from tests.record._devices import RampDevice
from emgforce.record import Recorder
args = json.loads(sys.argv[1])
dev = RampDevice(realtime=args.pop("realtime"), block_s=0.02)
s = Recorder(dev, args.pop("path"), flush_s=args.pop("flush_s")).run(args.pop("duration_s"))
print(json.dumps({"reason": s.reason, "error": s.error}), flush=True)
"""


def _spawn(**args):
    return subprocess.Popen([sys.executable, "-c", RECORD, json.dumps(args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_samples(path, n, proc, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        if path.exists():
            try:
                rec = read_recording(path)
            except Exception:  # noqa: BLE001 - the writer may be between creation and the first flush
                rec = None
            if rec is not None and rec.streams["emg"].n_samples >= n:
                return rec
        time.sleep(0.1)
    raise AssertionError(f"the recorder did not write {n} samples within {timeout} s")


def _check_exact(rec):
    for name in STREAMS:
        s = rec.streams[name]
        idx = s.received_indices
        np.testing.assert_array_equal(s.data[idx], expected(name, idx))


def test_sigkill_keeps_everything_up_to_the_last_flush(tmp_path):
    path = tmp_path / "killed.h5"
    proc = _spawn(path=str(path), realtime=True, flush_s=0.2, duration_s=None)
    try:
        seen = _wait_for_samples(path, 2000, proc)  # >= 1 s of EMG visible to a live reader
        n_seen = seen.streams["emg"].n_samples
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    rec = read_recording(path)
    assert not rec.complete and rec.end_reason is None  # never closed
    assert rec.streams["emg"].n_samples >= n_seen  # nothing that had been flushed was lost
    assert len(rec.streams["emg"].gaps) == 0
    _check_exact(rec)


def test_sigterm_stops_cleanly(tmp_path):
    path = tmp_path / "term.h5"
    proc = _spawn(path=str(path), realtime=True, flush_s=0.2, duration_s=None)
    try:
        _wait_for_samples(path, 1000, proc)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert json.loads(out)["reason"] == "interrupted by SIGTERM"
    rec = read_recording(path)
    assert rec.complete and rec.end_reason == "interrupted by SIGTERM"
    _check_exact(rec)


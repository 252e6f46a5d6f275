"""A recording in progress is never destroyed: our own lock, --overwrite applied only after the new device runs."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys

import numpy as np
import pytest

from emgforce.errors import RecordingExistsError, RecordingLockedError
from emgforce.io import read_recording, write_recording
from emgforce.record import Recorder
from emgforce.io._lock import RecordingLock, lock_path
from tests.record._devices import STREAMS, RampDevice, expected
from tests.record.test_faults_process import ROOT, _spawn, _wait_for_samples


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_overwrite_of_a_live_recording_is_refused_by_a_second_recorder_process(tmp_path):
    live = tmp_path / "live.h5"
    first = _spawn(path=str(live), realtime=True, flush_s=0.1, duration_s=None)
    try:
        _wait_for_samples(live, 2000, first)
        second = subprocess.run(
            [sys.executable, "-m", "emgforce", "record", "--device", "sim", "--fast", "--duration", "1",
             "--overwrite", str(live)], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "being recorded by another process" in lines[0], second.stderr
        assert "Traceback" not in second.stderr
        other = tmp_path / "other.h5"
        Recorder(RampDevice(), other).run(duration_s=0.1)
        with pytest.raises(RecordingLockedError):  # a conversion onto the live file is refused too
            write_recording(read_recording(other), live, overwrite=True)
        first.send_signal(signal.SIGTERM)
        out, err = first.communicate(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err
    rec = read_recording(live)
    assert rec.complete and rec.end_reason.startswith("interrupted")
    for name in STREAMS:  # the first session is whole: every sample is the closed-form value
        s = rec.streams[name]
        assert s.n_samples > 0 and not s.gaps.size
        np.testing.assert_array_equal(s.data, expected(name, np.arange(s.n_samples)))
    assert not lock_path(live).exists()


def test_the_lock_is_exclusive_in_one_process_and_free_again_after_release(tmp_path):
    path = tmp_path / "x.h5"
    held = RecordingLock(path)
    with pytest.raises(RecordingLockedError, match="being recorded"):
        RecordingLock(path)
    held.release()
    RecordingLock(path).release()


class _DeadOnStart(RampDevice):
    def start(self):
        raise OSError("no such device (test)")


def test_overwrite_keeps_the_old_file_when_the_new_device_fails_to_start(tmp_path):
    path = tmp_path / "old.h5"
    Recorder(RampDevice(), path).run(duration_s=0.2)
    before = _digest(path)
    with pytest.raises(OSError, match="no such device"):
        Recorder(_DeadOnStart(), path, overwrite=True).run(duration_s=0.2)
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.h5"]  # no temporary file, no lock left


def test_overwrite_replaces_the_file_once_the_new_session_runs(tmp_path):
    path = tmp_path / "old.h5"
    Recorder(RampDevice(), path).run(duration_s=0.2)
    with pytest.raises(RecordingExistsError):
        Recorder(RampDevice(), path).run(duration_s=0.5)
    summary = Recorder(RampDevice(), path, overwrite=True).run(duration_s=0.5)
    assert summary.ok
    rec = read_recording(path)
    assert rec.complete and rec.streams["emg"].n_samples == 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.h5"]

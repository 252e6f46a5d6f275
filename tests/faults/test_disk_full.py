"""A full disk ends the session cleanly: no crash, everything flushed stays readable, nothing invented."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time

import numpy as np

from emgforce.io import RecordingWriter, read_recording
from emgforce.record import Recorder
from tests.record._devices import STREAMS, RampDevice, expected
from tests.record.test_faults_process import ROOT

RECORD = """
import json, sys
from tests.record._devices import RampDevice
from emgforce.record import Recorder
a = json.loads(sys.argv[1])
s = Recorder(RampDevice(realtime=a["realtime"], block_s=0.02), a["path"], flush_s=0.05,
             min_free_bytes=0).run(a["duration_s"])
print(json.dumps({"reason": s.reason, "error": s.error,
                  "dropped": {k: v.dropped_samples for k, v in s.streams.items()},
                  "written": {k: v.samples_written for k, v in s.streams.items()}}), flush=True)
"""


def _check_nothing_invented(path, summary=None):
    rec = read_recording(path)
    assert rec.complete and rec.end_reason.startswith("disk full")
    for name in STREAMS:
        s = rec.streams[name]
        idx = s.received_indices
        assert len(idx) > 0
        # every stored row is the sample the device sent (no zero rows from failed chunk writes)
        np.testing.assert_array_equal(s.data[idx], expected(name, idx))
        if summary is not None:
            assert len(idx) == summary["written"][name]
            assert s.n_missing == summary["dropped"][name]  # what the recorder lost is a counted trailing gap
    info = subprocess.run([sys.executable, "-m", "emgforce", "info", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert info.returncode == 0 and "closed: disk full" in info.stdout, info.stderr
    return rec


def _record(path, realtime, duration_s):
    return subprocess.Popen([sys.executable, "-c", RECORD, json.dumps(
        {"path": str(path), "realtime": realtime, "duration_s": duration_s})], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_recorder_filling_the_disk_itself_at_full_speed(small_fs):
    proc = _record(small_fs / "fast.h5", realtime=False, duration_s=1000.0)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err  # no SIGSEGV, no traceback
    summary = json.loads(out)
    assert summary["error"] is None and summary["reason"].startswith("disk full")
    _check_nothing_invented(small_fs / "fast.h5", summary)
    assert sorted(p.name for p in small_fs.iterdir()) == ["fast.h5"]  # reserve and lock gone


def test_another_program_filling_the_disk_under_a_paced_recording(small_fs):
    path = small_fs / "paced.h5"
    proc = _record(path, realtime=True, duration_s=1000.0)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (path.exists() and path.stat().st_size > 200_000):
            time.sleep(0.05)
        # take every byte left, as a large copy would (the recorder keeps writing meanwhile, so a
        # size read first may already be too much); then it stops (the reserve stays ours)
        fd = os.open(small_fs / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, bytes(65536))
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        finally:
            os.close(fd)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    summary = json.loads(out)
    assert summary["error"] is None and summary["reason"].startswith("disk full")
    _check_nothing_invented(path, summary)


class _FailingFlushWriter(RecordingWriter):
    """Fault injection without root: the n-th flush writes part of the data, then fails as HDF5 does on ENOSPC."""

    fail_at = 4

    def flush(self):
        self.flushes = getattr(self, "flushes", 0) + 1
        if self.flushes == self.fail_at:
            for state in self._streams.values():
                state.write_buffer()  # half-done: rows exist in the dataset, the file flush never happened
            raise RuntimeError("Unable to synchronously flush file (file write failed: errno = 28, "
                               "error message = 'No space left on device')")
        super().flush()


def test_fault_injected_disk_full_cuts_back_to_the_last_flush(tmp_path):
    path = tmp_path / "injected.h5"
    device = RampDevice(block_s=0.02)
    s = Recorder(device, path, flush_s=1e-3, writer_factory=_FailingFlushWriter,
                 min_free_bytes=0).run(duration_s=5.0)
    assert s.error is None and s.reason.startswith("disk full")
    rec = _check_nothing_invented(path, {"written": {k: v.samples_written for k, v in s.streams.items()},
                                         "dropped": {k: v.dropped_samples for k, v in s.streams.items()}})
    # every sample the device delivered is either stored or inside a gap: none vanished from the timeline
    assert {k: rec.streams[k].n_samples for k in STREAMS} == device.delivered


def test_a_session_cut_by_a_full_disk_still_analyses(tmp_path, monkeypatch):
    from emgforce.drivers import get_driver
    from emgforce.drivers.sim import Protocol

    monkeypatch.setattr(_FailingFlushWriter, "fail_at", 40)
    path = tmp_path / "sim.h5"
    s = Recorder(get_driver("sim")(realtime=False, protocol=Protocol.short()), path, flush_s=5e-4,
                 writer_factory=_FailingFlushWriter, min_free_bytes=0).run()
    assert s.reason.startswith("disk full")
    done = subprocess.run([sys.executable, "-m", "emgforce", "analyze", str(path), "--no-figures"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "sim-report" / "report.json").is_file()

"""Recorder: file content checked sample by sample against a closed-form device."""

from __future__ import annotations

import threading
import time

import h5py
import numpy as np
import pytest

from emgforce.errors import RecordingExistsError
from emgforce.io import RecordingWriter, Subject, read_recording
from emgforce.record import Recorder
from tests.record._devices import STREAMS, RampDevice, expected


def _check_stream(rec, name):
    s = rec.streams[name]
    idx = s.received_indices
    np.testing.assert_array_equal(s.data[idx], expected(name, idx))
    assert np.isnan(s.data[~s.received_mask]).all()
    return s


def test_duration_exact_data_exact_and_summary(tmp_path):
    path = tmp_path / "s.h5"
    dev = RampDevice(block_s=0.03)
    summary = Recorder(dev, path, Subject("P01", body_mass_kg=70.0)).run(duration_s=1.0)
    rec = read_recording(path)
    for name, (fs, _) in STREAMS.items():
        s = _check_stream(rec, name)
        assert s.n_samples == int(fs * 1.0)  # cut at the exact sample
        assert len(s.gaps) == 0
        assert summary.streams[name].samples_written == int(fs)
    assert rec.complete and rec.end_reason == "duration reached"
    assert rec.subject.id == "P01" and rec.device == "ramp"
    assert rec.metadata["device"]["serial_number"] == "RAMP-1"
    assert summary.reason == "duration reached" and summary.ok
    assert summary.file_size_bytes == path.stat().st_size > 0
    assert dev.closed_calls >= 1 and not dev.started
    assert "emg: 2000 samples" in summary.format()


def test_dropped_packets_give_exact_gap_table(tmp_path):
    path = tmp_path / "gaps.h5"
    drop = {3, 4, 10, 19}
    summary = Recorder(RampDevice(block_s=0.05, drop=drop), path).run(duration_s=1.0)
    rec = read_recording(path)
    for name, (fs, _) in STREAMS.items():
        n = int(round(0.05 * fs))
        s = _check_stream(rec, name)
        # drops 3-4 merge into one hole; 19 is the last block: a trailing gap up to the duration
        assert s.n_samples == int(fs)
        assert s.gaps.tolist() == [[3 * n, 2 * n], [10 * n, n], [19 * n, n]]
        assert summary.streams[name].gap_count == 3
        assert summary.streams[name].gap_samples == 4 * n
        assert summary.streams[name].dropped_samples == 0


def test_device_disconnect_closes_cleanly_with_reason(tmp_path):
    path = tmp_path / "dc.h5"
    dev = RampDevice(block_s=0.05, disconnect_after_blocks=7)
    summary = Recorder(dev, path).run()
    rec = read_recording(path)
    assert rec.complete
    assert "disconnected" in rec.end_reason and "cable pulled" in rec.end_reason
    for name, (fs, _) in STREAMS.items():
        s = _check_stream(rec, name)
        assert s.n_samples == dev.delivered[name] == 7 * int(round(0.05 * fs))
    assert "disconnected" in summary.reason and summary.ok


def test_markers_from_device_and_user_are_written(tmp_path):
    path = tmp_path / "m.h5"
    dev = RampDevice(block_s=0.05, realtime=True, markers_at_block={2: ("stance_left", "start"), 8: ("stance_left", "stop")})
    rec_ = Recorder(dev, path)
    rec_.start(duration_s=0.6)
    time.sleep(0.2)
    user = rec_.add_marker("lift", "mark")
    rec_.wait()
    rec = read_recording(path)
    labels = [(e.label, e.kind) for e in rec.events]
    assert labels.count(("stance_left", "start")) == 1 and ("lift", "mark") in labels
    starts = [e.time_s for e in rec.events if e.kind == "start"]
    assert starts == [pytest.approx(0.1)]
    assert [e.time_s for e in rec.events if e.label == "lift"] == [pytest.approx(user.time_s)]
    trials = rec.trials("stance_left")
    assert len(trials) == 1 and trials[0].start_s == pytest.approx(0.1) and trials[0].stop_s == pytest.approx(0.4)


def test_on_block_tee_sees_every_recorded_block(tmp_path):
    seen = []
    Recorder(RampDevice(), tmp_path / "t.h5", on_block=seen.append).run(duration_s=0.5)
    assert sum(b.n_samples for b in seen if b.stream == "emg") == 1000
    assert sum(b.n_samples for b in seen if b.stream == "force") == 500


def test_on_marker_gets_each_device_marker_once_after_its_data(tmp_path):
    path = tmp_path / "om.h5"
    reached: dict[str, float] = {}
    seen = []

    def on_block(block):
        fs = STREAMS[block.stream][0]
        reached[block.stream] = (block.first_index + block.n_samples) / fs

    def on_marker(marker):
        seen.append((marker, dict(reached), threading.current_thread().name))

    dev = RampDevice(block_s=0.05, realtime=True,
                     markers_at_block={2: ("stance_left", "start"), 5: ("rep", "mark"), 8: ("stance_left", "stop")})
    rec_ = Recorder(dev, path, on_block=on_block, on_marker=on_marker)
    rec_.start(duration_s=0.6)
    time.sleep(0.2)
    rec_.add_marker("lift", "mark")  # the user's: written, not handed back
    rec_.wait()
    assert [(m.label, m.kind, m.time_s) for m, _, _ in seen] == [
        ("stance_left", "start", pytest.approx(0.1)), ("rep", "mark", pytest.approx(0.25)),
        ("stance_left", "stop", pytest.approx(0.4))]
    for marker, data, thread in seen:  # from the reader thread, after the data its time falls in
        assert thread == "emgforce-reader"
        assert all(t >= marker.time_s for t in data.values()) and data.keys() == STREAMS.keys()
    events = [(e.label, e.kind) for e in read_recording(path).events]
    assert sorted(events) == sorted([("stance_left", "start"), ("rep", "mark"), ("stance_left", "stop"), ("lift", "mark")])


def test_a_failing_on_marker_does_not_stop_the_recording(tmp_path, caplog):
    path = tmp_path / "fail.h5"

    def on_marker(marker):
        raise RuntimeError("display bug (test)")

    dev = RampDevice(block_s=0.05, markers_at_block={2: ("stance_left", "start"), 8: ("stance_left", "stop")})
    summary = Recorder(dev, path, on_marker=on_marker).run(duration_s=0.6)
    rec = read_recording(path)
    assert summary.reason == "duration reached" and rec.emg.n_samples == 1200
    assert [(e.label, e.kind) for e in rec.events] == [("stance_left", "start"), ("stance_left", "stop")]
    assert "on_marker callback failed" in caplog.text


def test_stop_from_another_thread(tmp_path):
    path = tmp_path / "stop.h5"
    r = Recorder(RampDevice(realtime=True), path, flush_s=0.1)
    r.start()
    threading.Timer(0.4, r.stop).start()
    summary = r.wait(timeout=10)
    assert summary is not None and summary.reason == "stopped by user"
    assert read_recording(path).end_reason == "stopped by user"
    st = r.status()
    assert not st.running and st.samples["emg"] == summary.streams["emg"].samples_written > 0


def test_existing_file_refused_before_device_opens(tmp_path):
    path = tmp_path / "x.h5"
    path.write_bytes(b"keep me")
    dev = RampDevice()
    with pytest.raises(RecordingExistsError):
        Recorder(dev, path).run(duration_s=0.1)
    assert path.read_bytes() == b"keep me"
    Recorder(RampDevice(), path, overwrite=True).run(duration_s=0.1)
    assert read_recording(path).streams["emg"].n_samples == 200


class _SlowWriter(RecordingWriter):
    """A writer on a slow disk: every append takes ``delay_s``."""

    delay_s = 0.02

    def append(self, block):
        time.sleep(self.delay_s)
        super().append(block)


def test_slow_disk_bounded_queue_counted_overruns(tmp_path, caplog):
    path = tmp_path / "slow.h5"
    dev = RampDevice(block_s=0.01, realtime=True)  # 2 blocks per 10 ms, the disk takes 20 ms per block
    r = Recorder(dev, path, queue_blocks=8, writer_factory=_SlowWriter)
    summary = r.run(duration_s=1.0)
    assert summary.queue_high_water_blocks <= 8 and summary.queue_high_water_bytes <= r._queue.max_bytes
    rec = read_recording(path)
    total_dropped = 0
    for name, (fs, _) in STREAMS.items():
        s = _check_stream(rec, name)
        st = summary.streams[name]
        assert st.dropped_samples > 0 and st.overrun_blocks > 0
        # every dropped sample is a recorded gap, and the stream spans the whole duration
        assert s.n_missing == st.dropped_samples
        assert s.n_samples == int(fs * 1.0)
        total_dropped += st.dropped_samples
    assert rec.metadata.get("recorder_dropped_samples", {}).get("emg", None) == summary.streams["emg"].dropped_samples
    assert total_dropped > 0
    # the block after each hole reports it: the writer never sees an unexplained index jump
    assert not [r for r in caplog.records if "but its index advanced" in r.getMessage()]


class _DiskFullWriter(RecordingWriter):
    """The disk fills up after ``ok_appends`` appends: h5py's OSError with errno ENOSPC."""

    ok_appends = 30

    def append(self, block):
        self.ok_appends -= 1
        if self.ok_appends < 0:
            raise OSError(28, "No space left on device")
        super().append(block)


def test_disk_full_clear_error_file_readable(tmp_path):
    path = tmp_path / "full.h5"
    summary = Recorder(RampDevice(block_s=0.02, realtime=True), path, flush_s=0.05,
                       writer_factory=_DiskFullWriter).run(duration_s=5.0)
    # a full disk is a clean end (the file is closed and says why), not a crash
    assert summary.ok and summary.reason.startswith("disk full")
    rec = read_recording(path)
    assert rec.end_reason.startswith("disk full")
    for name in STREAMS:
        s = _check_stream(rec, name)
        assert 0 < len(s.received_indices) < 5 * STREAMS[name][0]
        assert s.n_missing == summary.streams[name].dropped_samples  # the rest is a counted trailing gap
    with h5py.File(path, "r") as f:  # plain h5py agrees
        assert f["streams/emg/data"].shape[0] == len(rec.streams["emg"].received_indices)


def test_disk_nearly_full_stops_cleanly_before_hdf5_fails(tmp_path, monkeypatch):
    import shutil as _shutil

    import emgforce.record.recorder as recorder_module

    real = _shutil.disk_usage
    calls = {"n": 0}

    def shrinking_disk(path):
        calls["n"] += 1
        usage = real(path)
        free = 10 * 2**20 if calls["n"] > 3 else usage.free  # the 4th check finds the disk nearly full
        return type(usage)(usage.total, usage.total - free, free)

    monkeypatch.setattr(recorder_module.shutil, "disk_usage", shrinking_disk)
    path = tmp_path / "nearly.h5"
    summary = Recorder(RampDevice(realtime=True, block_s=0.02), path, flush_s=0.1).run(duration_s=30.0)
    assert summary.reason.startswith("disk nearly full") and summary.ok
    rec = read_recording(path)
    assert rec.complete and rec.end_reason.startswith("disk nearly full")
    for name in STREAMS:
        s = _check_stream(rec, name)
        assert 0 < s.n_samples < 30 * STREAMS[name][0]


def test_disk_nearly_full_checked_by_bytes_when_recording_flat_out(tmp_path, monkeypatch):
    """A 20 MiB disk holding only our file (free = 20 MiB - file size), filled as fast as possible."""
    import emgforce.record.recorder as recorder_module

    path = tmp_path / "flat.h5"
    disk = 20 * 2**20
    real = recorder_module.shutil.disk_usage

    def small_disk(p):
        used = path.stat().st_size if path.exists() else 0
        return type(real(p))(disk, used, disk - used)

    monkeypatch.setattr(recorder_module.shutil, "disk_usage", small_disk)
    reserve = 4 * 2**20
    summary = Recorder(RampDevice(block_s=0.05), path, min_free_bytes=reserve, flush_s=10.0).run(duration_s=1000.0)
    assert summary.reason.startswith("disk nearly full") and summary.ok
    size = path.stat().st_size
    assert disk - reserve - 2**20 < size < disk  # stopped close to the reserve, never past the disk
    rec = read_recording(path)
    assert rec.complete
    _check_stream(rec, "emg")


def test_memory_does_not_grow_with_session_length(tmp_path):
    """A source ten times faster than the disk, 20 s vs 200 s of data: the traced peak stays put."""
    import tracemalloc

    class _Writer(RecordingWriter):
        def append(self, block):
            time.sleep(0.001)
            super().append(block)

    def session(seconds):
        rec = Recorder(RampDevice(), tmp_path / f"{seconds}.h5", backpressure=False, queue_blocks=8,
                       writer_factory=_Writer)
        tracemalloc.start()
        try:
            summary = rec.run(duration_s=seconds)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        return summary, peak

    session(2)  # imports and first-use caches
    short, peak_short = session(20)
    long, peak_long = session(200)
    for summary, seconds in ((short, 20), (long, 200)):
        emg = summary.streams["emg"]
        assert emg.dropped_samples > emg.samples_written  # the queue really was the bottleneck
        assert emg.samples_written + emg.gap_samples == seconds * 2000  # and every loss is accounted for
    # holding on to what it dropped would cost the long session several MB more than the short one
    assert peak_long - peak_short < 2**20

"""LSL inlet driver against real pylsl outlets over loopback."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timezone

import numpy as np
import pylsl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.drivers._gaps import GapJudge
from emgforce.drivers.lsl import LSLDevice, LSLSource, marker_from_text
from emgforce.errors import DeviceDisconnectedError, DeviceError
from emgforce.io import read_recording
from emgforce.record import Recorder
from tests.drivers._reading import read_samples


def _outlet(n_ch=3, fs=1000.0, labels=("GM_L", "GM_R", "Fz"), type_="EMG", fmt="float32"):
    name = f"emgforce-test-{uuid.uuid4().hex[:8]}"
    info = pylsl.StreamInfo(name, type_, n_ch, fs, fmt, name)
    info.set_channel_labels(list(labels))
    info.set_channel_units((["V", "V", "N"] * n_ch)[:n_ch])
    return name, pylsl.StreamOutlet(info)


def _wait_for_consumer(outlet):
    deadline = time.monotonic() + 5
    while not outlet.have_consumers() and time.monotonic() < deadline:
        time.sleep(0.01)
    # a chunk pushed without time stamps is stamped back from the push: keep it after the start
    time.sleep(0.05)


def _streaming(name, outlet):
    """An LSL device started on ``outlet`` that has delivered its first 10 samples."""
    dev = LSLDevice(name, None, resolve_timeout_s=5)
    dev.open()
    dev.start()
    _wait_for_consumer(outlet)
    outlet.push_chunk(np.ones((10, 3), np.float32))
    assert sum(b.n_samples for b in read_samples(dev, 10, read_timeout=0.2)) == 10
    return dev


def test_lsl_data_timestamps_offsets_and_loss():
    name, outlet = _outlet()
    dev = LSLDevice(name, "EMG", chunk_samples=64, resolve_timeout_s=5, confirm_s=0.1)
    dev.open()
    info = dev.describe()
    s = info.streams[0]
    assert s.fs_hz == 1000.0 and s.dtype == "float32"
    assert s.channel_names == ("GM_L", "GM_R", "Fz")
    assert s.channels[0].muscle == "gluteus_medius" and s.channels[0].side == "left"
    assert s.channels[2].unit == "N"
    dev.start()
    _wait_for_consumer(outlet)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((500, 3)).astype(np.float32)
    t0 = pylsl.local_clock() + 0.05
    ts = t0 + np.arange(500) / 1000.0
    keep = np.r_[0:200, 230:500]  # 30 samples never sent: a loss the time stamps reveal
    for k in range(0, len(keep), 50):
        idx = keep[k : k + 50]
        outlet.push_chunk(x[idx], ts[idx].tolist())
    blocks = read_samples(dev, len(keep), read_timeout=0.2)
    got = np.concatenate([b.data for b in blocks])
    np.testing.assert_array_equal(got, x[keep])
    offsets = dev.clock_offsets
    assert offsets.shape[1] == 2 and len(offsets) >= 1
    offset = offsets[-1, 1]
    assert abs(offset) < 0.05  # same machine: the two clocks agree closely
    # every block sits where its time stamp puts it on the session time line; the hole is exact
    first = int(round((ts[0] + offset - dev.origin) * 1000.0))
    for b in blocks:
        k = int(round((b.device_time - offset - t0) * 1000.0))
        assert abs(b.device_time - offset - ts[k]) < 1e-9
        assert b.first_index == first + k
        np.testing.assert_array_equal(b.data[0], x[k])
    assert sum(b.missing for b in blocks[1:]) == 30 and blocks[0].missing == first
    attrs = dev.session_attrs()
    assert attrs["lsl_lost_samples"] == 30
    assert attrs["lsl_clock_offset_s"]["n"] == len(offsets) and attrs["lsl_clock_offset_s"]["last"] == offset
    dev.stop()
    dev.close()


def test_thirty_ms_delivery_jitter_adds_no_samples():
    # an outlet that stamps its chunks when it sends them, each up to 30 ms late
    name, outlet = _outlet()
    dev = LSLDevice(name, None, resolve_timeout_s=5)
    dev.open()
    dev.start()
    _wait_for_consumer(outlet)
    rng = np.random.default_rng(3)
    n = 3000
    x = np.arange(3 * n, dtype=np.float32).reshape(n, 3)
    t0 = pylsl.local_clock() + 0.05
    for k in range(0, n, 20):
        late = rng.uniform(0.0, 0.030)
        outlet.push_chunk(x[k : k + 20], (t0 + np.arange(k, k + 20) / 1000.0 + late).tolist())
    blocks = read_samples(dev, n, read_timeout=0.05)
    np.testing.assert_array_equal(np.concatenate([b.data for b in blocks]), x)
    assert sum(b.missing for b in blocks[1:]) == 0 and dev.lost_samples == 0
    idx = np.concatenate([np.arange(b.first_index, b.first_index + b.n_samples) for b in blocks])
    np.testing.assert_array_equal(np.diff(idx), 1)
    dev.close()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 0.030), min_size=120, max_size=120), st.integers(1, 400), st.integers(100, 1000),
       st.sampled_from([250.0, 1000.0, 2000.0]))
def test_gap_judge_counts_real_losses_and_never_jitter(jitter, lost, at, fs):
    # chunks of 20 samples, each late by its own delivery jitter up to 30 ms, every third one on time,
    # and one real loss longer than the tolerance (shorter ones are taken as jitter, by design)
    lost = max(lost, int(0.01 * fs) + 2)
    jitter = [0.0 if c % 3 == 0 else j for c, j in enumerate(jitter)]
    n = 20 * len(jitter)
    keep = np.r_[0:at, at + lost : n + lost]
    stamps = keep / fs + np.repeat(jitter, 20)
    judge = GapJudge(fs, tolerance_s=0.01, confirm_s=0.3)
    segments = []
    for k in range(0, n, 20):
        segments += judge.push(keep[k : k + 20, None], stamps[k : k + 20])
    assert judge.lost == lost
    chunk_late = dict(zip(keep, np.repeat(jitter, 20)))
    for s in segments:
        # each sample lands on its own index; samples right before the loss that were late by as much as
        # the loss cannot be told from samples after it, and may come after the gap
        index = np.arange(s.first_index, s.first_index + len(s.data))
        for value, i in zip(s.data[:, 0], index):
            assert value == i or (value < at and i == value + lost and chunk_late[value] >= (lost - 0.5) / fs)
    assert sum(len(s.data) for s in segments) + judge.held_samples == n


def test_gap_judge_releases_a_quiet_source_without_a_gap():
    now = [0.0]
    judge = GapJudge(1000.0, confirm_s=0.5, clock=lambda: now[0])
    out = judge.push(np.zeros((100, 1)), np.arange(100) / 1000.0)
    out += judge.push(np.zeros((20, 1)), 0.1 + np.arange(20) / 1000.0 + 0.025)  # a late last chunk
    assert judge.held_samples == 20
    now[0] = 1.0  # then nothing for a second
    out += judge.push(np.zeros((0, 1)), np.empty(0))
    assert judge.lost == 0 and [s.missing for s in out] == [0, 0] and out[-1].first_index == 100


def test_read_honours_timeout_when_the_outlet_goes_quiet():
    name, outlet = _outlet()
    dev = _streaming(name, outlet)
    # the outlet stays open but sends nothing: read returns empty instead of waiting for data
    for _ in range(3):
        assert dev.read(timeout=0.05) == []
    dev.close()


def test_lsl_lost_outlet_raises_disconnected():
    name, outlet = _outlet()
    dev = _streaming(name, outlet)
    del outlet
    with pytest.raises(DeviceDisconnectedError):
        for _ in range(100):
            dev.read(timeout=0.1)
    dev.close()


def test_lsl_nothing_to_resolve_says_so():
    dev = LSLDevice(f"absent-{uuid.uuid4().hex}", None, resolve_timeout_s=0.3)
    with pytest.raises(DeviceError, match="no LSL stream"):
        dev.open()


@pytest.mark.parametrize(
    "text, kind, label",
    [
        ("start mvc_left", "start", "mvc_left"),
        ("STOP mvc_left", "stop", "mvc_left"),
        ("stance_right:start", "start", "stance_right"),
        ("stance_right_end", "stop", "stance_right"),
        ("bridge  stop", "stop", "bridge"),
        ("subject coughed", "mark", "subject coughed"),
        ("start", "mark", "start"),
        ("42", "mark", "42"),
    ],
)
def test_marker_vocabulary(text, kind, label):
    m = marker_from_text(text, 2.5)
    assert (m.kind, m.label, m.time_s) == (kind, label, 2.5)


def test_two_outlets_and_a_marker_stream_recorded_into_one_session(tmp_path):
    emg_name, emg_out = _outlet(3, 1000.0, ("GM_L", "GM_R", "TFL_L"), "EMG")
    force_name, force_out = _outlet(6, 500.0, ("Fx", "Fy", "Fz", "Mx", "My", "Mz"), "Force", "double64")
    mk_name = f"emgforce-markers-{uuid.uuid4().hex[:8]}"
    mk_out = pylsl.StreamOutlet(pylsl.StreamInfo(mk_name, "Markers", 1, pylsl.IRREGULAR_RATE, "string", mk_name))
    stop = threading.Event()
    sent_markers = []
    started = threading.Event()  # markers are sent once the recording runs (an outlet has no history)
    t_send0 = pylsl.local_clock()

    def send():
        # each outlet sends its own sample counter, stamped on the LSL clock; from before the recording starts
        k = {1000.0: 0, 500.0: 0}
        script = [(0.3, "start mvc_left"), (0.6, "subject coughed"), (0.9, "mvc_left stop")]
        while not stop.is_set():
            now = pylsl.local_clock()
            for out, fs, n_ch in ((emg_out, 1000.0, 3), (force_out, 500.0, 6)):
                n = int((now - t_send0) * fs) - k[fs]
                if n > 0:
                    idx = np.arange(k[fs], k[fs] + n)
                    out.push_chunk(np.repeat(idx[:, None], n_ch, axis=1).astype(np.float64),
                                   (t_send0 + idx / fs).tolist())
                    k[fs] += n
            while script and started.is_set() and now - started.t >= script[0][0]:
                _, text = script.pop(0)
                mk_out.push_sample([text], now)
                sent_markers.append((text, now))
            time.sleep(0.005)

    sender = threading.Thread(target=send)
    sender.start()
    try:
        time.sleep(0.3)  # the outlets run before the recording starts
        dev = LSLDevice(sources=[LSLSource(name=emg_name, stream="emg"),
                                 {"name": force_name, "stream": "force", "kind": "force"}],
                        markers={"name": mk_name}, resolve_timeout_s=5)
        path = tmp_path / "multi.h5"
        rec_ = Recorder(dev, path)
        rec_.start(duration_s=1.5)
        started.t = pylsl.local_clock()
        started.set()
        summary = rec_.wait(timeout=30)
    finally:
        stop.set()
        sender.join()
    assert summary is not None and summary.reason == "duration reached"
    rec = read_recording(path)
    # the file's start time on the LSL clock, from the wall clock: independent of the driver's own origin
    wall_minus_lsl = datetime.now(timezone.utc).timestamp() - pylsl.local_clock()
    origin = rec.start_time.timestamp() - wall_minus_lsl
    for name, fs in (("emg", 1000.0), ("force", 500.0)):
        s = rec.streams[name]
        assert s.fs_hz == fs and s.n_samples == int(1.5 * fs)
        got = s.received_indices
        counter = s.received[:, 0]
        # every sample present, none lost, none predating the start
        np.testing.assert_array_equal(np.diff(counter), 1)
        assert len(s.gaps) <= 1 and (not len(s.gaps) or s.gaps[0][0] == 0)
        stamp = t_send0 + counter / fs  # when the sender says each sample was taken
        assert (stamp >= origin - 0.5 / fs - 2e-3).all()
        # each sample in place: its row's time equals its time stamp within a sample (+ clock-mapping error)
        np.testing.assert_allclose(got / fs, stamp - origin, atol=1.0 / fs + 2e-3)
        np.testing.assert_array_equal(s.received, np.repeat(counter[:, None], s.n_channels, axis=1))
    assert rec.streams["force"].channels[2].kind == "force"
    assert rec.metadata["lsl_lost_samples"] == 0
    assert set(rec.metadata["lsl_clock_offset_s"]["streams"]) == {"emg", "force", "markers"}
    events = sorted(rec.events, key=lambda e: e.time_s)
    expected = [("mvc_left", "start"), ("subject coughed", "mark"), ("mvc_left", "stop")]
    assert [(e.label, e.kind) for e in events] == expected
    for e, (_, t) in zip(events, sent_markers):
        assert e.time_s == pytest.approx(t - origin, abs=2e-3)
    assert [(t.label, round(t.start_s, 3)) for t in rec.trials()] == [("mvc_left", round(events[0].time_s, 3))]

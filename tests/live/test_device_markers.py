"""Trials driven by the device's own markers: active trial, reps, MVC reference, written once."""

from __future__ import annotations

import math
import time

import pytest

from emgforce.streams import Marker
from emgforce.drivers.sim import Protocol, SimulatedDevice, simulate
from emgforce.live.pipeline import LivePipeline
from emgforce.live.session import LiveSession
from emgforce.live.trials import TrialController
from emgforce.signal import StreamEnvelope, mvc_reference
from tests.live.conftest import run, steps

DURATION_S = 40.0  # the short protocol's MVCs end at 13 s, stance_left runs 29-37 s


@pytest.fixture(scope="module")
def truth():
    """The session the simulated device plays (its default seed 0)."""
    return simulate(Protocol.short(), seed=0)


def first_index(t_s: float, fs_hz: float) -> int:
    return math.ceil(t_s * fs_hz - 1e-6)


def independent_reference(emg, info, markers) -> dict[str, float]:
    """Per side: largest 1 s moving mean of the causal envelope of the whole signal over the MVC trials."""
    fs = info.fs_hz
    env = StreamEnvelope(fs, emg.shape[1]).process(emg)
    starts = {m.label: m.time_s for m in markers if m.kind == "start"}
    out = {}
    for side in ("left", "right"):
        stop = next(m.time_s for m in markers if m.kind == "stop" and m.label == f"mvc_{side}")
        seg = env[first_index(starts[f"mvc_{side}"], fs):first_index(stop, fs)]
        ref = mvc_reference(seg, fs)
        out.update({c.name: float(r) for c, r in zip(info.channels, ref) if c.side == side})
    return out


def run_session(record_path=None):
    """A fast LiveSession over DURATION_S of the short protocol; the active trial seen before each read."""
    session = LiveSession(SimulatedDevice(Protocol.short(), realtime=False), record_path=record_path, window_s=10.0)
    seen: list[tuple[float, object]] = []
    feed = session.pipeline.feed

    def observed_feed(blocks):  # markers up to the current time have been handled when new data arrives
        seen.append((session.pipeline.session_time_s, session.controller.active))
        feed(blocks)

    session.pipeline.feed = observed_feed
    session.start(DURATION_S)
    end = time.monotonic() + 120
    while session.running:
        assert time.monotonic() < end, "session did not end"
        time.sleep(0.01)
    session.stop()
    assert session.error is None
    return session, seen


def check_session(session, seen, truth):
    markers = [m for m in truth.markers if m.time_s <= DURATION_S]
    # every device marker reached the display once, in order, and none was emitted back
    assert session.controller.device_markers == markers
    assert session.controller.markers == []
    expected = independent_reference(truth.emg, truth.emg_info, truth.markers)
    assert set(session.pipeline.mvc_reference) == {c.name for c in truth.emg_info.channels}
    for name, value in expected.items():
        assert session.pipeline.mvc_reference[name] == pytest.approx(value, rel=1e-9)
    assert session.pipeline.frame().emg_unit == "%MVC"
    inside = [active for t, active in seen if 29.0 < t < 37.0]
    assert inside and all(a is not None and (a.task, a.side, a.source) == ("stance", "left", "device") for a in inside)
    assert all(a is None or a.label != "stance_left" for t, a in seen if 38.0 < t < 39.0)


def test_device_markers_drive_the_display_without_recording(truth):
    session, seen = run_session()
    check_session(session, seen, truth)


def test_device_markers_drive_the_display_and_are_recorded_once(truth, tmp_path):
    from emgforce.io import read_recording
    from emgforce.live import reference_from_recording

    out = tmp_path / "sim.h5"
    session, seen = run_session(out)
    check_session(session, seen, truth)
    rec = read_recording(out)
    events = [(e.label, e.kind, e.time_s) for e in rec.events]
    assert events == [(m.label, m.kind, m.time_s) for m in truth.markers if m.time_s <= DURATION_S]
    from_file = reference_from_recording(out)
    assert from_file.keys() == session.pipeline.mvc_reference.keys()
    for name, value in from_file.items():
        assert session.pipeline.mvc_reference[name] == pytest.approx(value, rel=1e-9)


# -- TrialController alone, on the closed-form scripted device ------------------------------

def make(scripted_device, schedule):
    dev = scripted_device(steps(schedule), with_force=False)
    pipe = LivePipeline(dev.describe(), window_s=10.0)
    emitted: list[Marker] = []
    return dev, pipe, TrialController(pipe, emitted.append), emitted


def test_device_mvc_takes_exactly_the_samples_between_its_markers(scripted_device):
    # the MVC burst (5x) lies in 1.0-3.0 s; the markers arrive after later data was processed
    dev, pipe, ctl, emitted = make(scripted_device, [(0.0, (1e-4,) * 4), (1.0, (5e-4,) * 4), (3.0, (1e-4,) * 4)])
    run(dev, pipe, 1.5)
    ctl.device_marker(Marker("mvc_left", "start", 1.0))
    assert (ctl.active.task, ctl.active.side, ctl.active.source) == ("mvc", "left", "device")
    run(dev, pipe, 2.5)
    ref = ctl.device_marker(Marker("mvc_left", "stop", 3.0))
    assert ctl.active is None and emitted == []
    # independent: the whole signal through a fresh causal envelope, samples 1.0 <= t < 3.0 s
    fs = dev.describe().streams[0].fs_hz
    n = int(round(pipe.session_time_s * fs))
    whole = dev._emg(0, n, fs)
    env = StreamEnvelope(fs, 4).process(whole)[int(1.0 * fs):int(3.0 * fs)]
    expected = mvc_reference(env, fs)
    names = [c.name for c in dev.describe().streams[0].channels]
    assert set(ref) == {"GM_L", "TFL_L"}
    for name in ref:
        assert ref[name] == pytest.approx(float(expected[names.index(name)]), rel=1e-12)
    assert pipe.mvc_reference == ref


def test_device_reps_stops_and_user_trials_stay_apart(scripted_device):
    dev, pipe, ctl, emitted = make(scripted_device, [(0.0, (1e-4,) * 4)])
    run(dev, pipe, 0.5)
    ctl.start_trial("stance", "right")  # a user trial: emitted
    ctl.device_marker(Marker("single_leg_bridge_right", "start", 0.5))  # the device takes over
    assert [(m.label, m.kind) for m in emitted] == [("stance_right", "start"), ("stance_right", "stop")]
    assert (ctl.active.task, ctl.active.side) == ("single_leg_bridge", "right")
    for t in (0.6, 0.7):
        ctl.device_marker(Marker("rep", "mark", t))
    assert ctl.rep_count == 2
    assert ctl.device_marker(Marker("stance_left", "stop", 0.8)) is None  # not the running trial
    assert ctl.active is not None
    ctl.stop_trial()  # the user ends the device's trial: shown ended, nothing written for it
    assert ctl.active is None and len(emitted) == 2
    assert ctl.device_marker(Marker("single_leg_bridge_right", "stop", 0.9)) is None
    assert len(ctl.device_markers) == 5 and len(ctl.markers) == 2

"""Guided sets: the script format, and a set run live on the simulator, counted as the offline analysis counts."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from emgforce.drivers.sim import Protocol, SimulatedDevice, Step, simulate
from emgforce.errors import GuidedSetError
from emgforce.live.guided import GuidedProtocol, GuidedSet, SetSpec
from emgforce.live.session import LiveSession
from emgforce.signal import StreamEnvelope, mvc_reference

SLB = (1.0, 3.0, 1.0, 5.0)  # lift 1 s, hold 3 s, lower 1 s, rest 5 s
REPS = 10
TARGET = (35.0, 65.0)  # wide enough for the 6 Hz envelope of 47 %MVC holds to stay in


def test_a_toml_and_a_json_script_give_the_same_protocol(tmp_path):
    toml = tmp_path / "set.toml"
    toml.write_text(
        'lead_in_s = 4\n\n[[set]]\ntask = "single_leg_bridge"\nside = "left"\nreps = 10\nhold_s = 3\n'
        'rest_s = 5\ntarget = [40, 60]\n\n[[set]]\ntask = "bridge"\nreps = 8\n'
    )
    js = tmp_path / "set.json"
    js.write_text(json.dumps({"lead_in_s": 4, "set": [
        {"task": "single_leg_bridge", "side": "left", "reps": 10, "hold_s": 3, "rest_s": 5, "target": [40, 60]},
        {"task": "bridge", "reps": 8}]}))
    a, b = GuidedProtocol.load(toml), GuidedProtocol.load(js)
    assert a == b
    assert a.sets[0] == SetSpec("single_leg_bridge", "left", 10, 3.0, 5.0, (40.0, 60.0))
    assert a.sets[1].side is None and a.sets[1].reps == 8 and a.lead_in_s == 4.0


@pytest.mark.parametrize("item, match", [
    ({"task": "single_leg_bridge"}, "needs a side"),
    ({"task": "bridge", "side": "left"}, "has no side"),
    ({"task": "jump"}, "unknown task"),
    ({"task": "stance", "side": "left"}, "no repetitions"),
    ({"task": "bridge", "reps": 0}, "reps"),
    ({"task": "bridge", "hold": 3}, "only"),
    ({"task": "bridge", "target": [60, 40]}, "low < high"),
])
def test_a_bad_set_is_refused_with_a_specific_error(item, match):
    with pytest.raises(GuidedSetError, match=match):
        GuidedProtocol.from_dict({"set": [item]})


def test_an_unreadable_script_is_refused(tmp_path):
    bad = tmp_path / "set.toml"
    bad.write_text("[[set]\n")
    with pytest.raises(GuidedSetError, match="set.toml"):
        GuidedProtocol.load(bad)
    with pytest.raises(GuidedSetError, match=".toml or .json"):
        GuidedProtocol.load(tmp_path / "set.yaml")


def sim_protocol() -> Protocol:
    """The subject: an MVC on the left, then ten single-leg bridges on the left, as the set asks."""
    return Protocol((Step("mvc", "left", duration_s=5.0, rest_after_s=3.0),
                     Step("single_leg_bridge", "left", reps=REPS, rep_phases_s=SLB, rest_after_s=1.0)),
                    lead_in_s=1.0, tail_s=4.0)


@pytest.fixture(scope="module")
def guided_run(tmp_path_factory):
    protocol = sim_protocol()
    truth = simulate(protocol, weak_side=None)
    mvc, slb = protocol.schedule()
    # the MVC reference, computed apart: causal envelope of the whole signal over the MVC trial
    fs = truth.emg_info.fs_hz
    env = StreamEnvelope(fs, truth.emg.shape[1]).process(truth.emg)
    ref = mvc_reference(env[int(mvc.start_s * fs):int(mvc.stop_s * fs)], fs)
    reference = {c.name: float(r) for c, r in zip(truth.emg_info.channels, ref) if c.side == "left"}

    out = tmp_path_factory.mktemp("guided") / "guided.h5"
    device = SimulatedDevice(protocol, realtime=False, markers=False, weak_side=None)
    session = LiveSession(device, record_path=out, subject="S01", window_s=30.0, mvc_reference=reference)
    guided = GuidedSet(session.pipeline, session.controller,
                       GuidedProtocol((SetSpec("single_leg_bridge", "left", REPS, 3.0, 5.0, TARGET),),
                                      lead_in_s=slb.start_s),
                       target=(10.0, 20.0))
    statuses = []
    feed = session.pipeline.feed

    def feed_and_update(blocks):  # the display's refresh, once per 50 ms block, deterministic
        feed(blocks)
        statuses.append((session.pipeline.session_time_s, guided.update()))

    session.pipeline.feed = feed_and_update
    session.start(protocol.duration_s)
    deadline = time.monotonic() + 180
    try:
        while session.running:
            assert time.monotonic() < deadline, "guided session did not end"
            time.sleep(0.01)
    finally:
        session.stop()
    assert session.summary is not None and session.summary.ok
    return truth, slb, guided, statuses, out


def test_the_live_count_of_a_guided_set_is_the_offline_count(guided_run):
    from emgforce.io import read_recording
    from emgforce.signal import emg_envelope
    from emgforce.tasks import analyze_session
    from emgforce.tasks.segment import detect_plateaus

    truth, slb, guided, statuses, out = guided_run
    live = guided.results[0]
    assert len(live) == REPS
    rec = read_recording(out)
    (trial,) = rec.trials(task="single_leg_bridge")
    assert trial.side == "left" and slb.start_s <= trial.start_s <= slb.start_s + 0.05  # first update after the lead-in
    # offline, ignoring the events the live set wrote: the analysis finds the same number of reps
    result = analyze_session(out, segmentation="signals")
    (tr,) = [t for t in result.trials if t.task == "single_leg_bridge"]
    assert tr.metric("rep_count").value == REPS
    # and the same detector on the offline (zero-phase) GM_L envelope finds them at the same times
    emg = rec.stream("emg")
    names = [c.name for c in emg.channels]
    fs = emg.fs_hz
    env = emg_envelope(emg.data[:, [names.index("GM_L")]], fs)[:, 0]
    sl = slice(int(np.ceil(trial.start_s * fs)), int(np.ceil(trial.stop_s * fs)))
    offline = detect_plateaus(env[sl], fs, t0_s=trial.start_s, smooth_hz=2.0, min_contrast=0.0)
    assert len(offline) == REPS
    # live levels come from the set so far, offline from the whole trial: the ramp shape the
    # detector picks (linear or raised cosine) can differ on a noisy envelope, moving an edge by
    # 0.165 x the ramp and noise (0.24 s seen on these 1 s ramps); the counts agree exactly
    for a, b in zip(live, offline):
        assert a.phase.start_s == pytest.approx(b.start_s, abs=0.3)
        assert a.phase.stop_s == pytest.approx(b.stop_s, abs=0.3)
    # the subject's true reps (the simulator's script)
    true_starts = [m.time_s for m in truth.truth.events if m.label == "rep" and m.kind == "start"]
    assert len(true_starts) == REPS
    for r, t0 in zip(live, true_starts):
        assert r.phase.start_s == pytest.approx(t0, abs=0.3)


def test_reps_and_time_in_band_are_events_in_the_recording(guided_run):
    from emgforce.io import read_recording

    truth, slb, guided, statuses, out = guided_run
    rec = read_recording(out)
    ev = [(e.label, e.kind, e.time_s) for e in rec.events]
    rep_starts = [t for label, kind, t in ev if (label, kind) == ("rep", "start")]
    rep_stops = [t for label, kind, t in ev if (label, kind) == ("rep", "stop")]
    assert len(rep_starts) == len(rep_stops) == REPS
    band_starts = [t for label, kind, t in ev if (label, kind) == ("in_band", "start")]
    band_stops = [t for label, kind, t in ev if (label, kind) == ("in_band", "stop")]
    emg = rec.stream("emg")
    names = [c.name for c in emg.channels]
    fs = emg.fs_hz
    gm = names.index("GM_L")
    pct = 100.0 * StreamEnvelope(fs, 1).process(emg.data[:, [gm]])[:, 0] / guided.pipeline.mvc_reference["GM_L"]
    for r, (a, b) in zip(guided.results[0], zip(rep_starts, rep_stops)):
        inside = sum(s1 - s0 for s0, s1 in zip(band_starts, band_stops) if a <= s0 < b)
        assert inside == pytest.approx(r.time_in_band_s, abs=1e-6)
        # recomputed from the file: the causal envelope of the recorded GM_L in %MVC, samples in the band
        i0, i1 = int(np.ceil(a * fs)), int(np.ceil(b * fs))
        expected = np.count_nonzero((pct[i0:i1] >= TARGET[0]) & (pct[i0:i1] <= TARGET[1])) / fs
        assert r.time_in_band_s == pytest.approx(expected, abs=2.0 / fs)
        # the subject's drive (47 %MVC holds of 3 s) is in the band ~3.3 s a rep; the envelope's own
        # fluctuation (10-20 % of its mean) takes it out of the band part of that time
        drive = truth.truth.activation_pct_mvc[i0:i1, names.index("GM_L")]
        assert 1.0 < r.time_in_band_s <= np.count_nonzero((drive >= TARGET[0]) & (drive <= TARGET[1])) / fs + 0.3


def test_the_instructions_follow_the_set(guided_run):
    truth, slb, guided, statuses, out = guided_run
    phases = [s.phase for _, s in statuses]
    # get ready, then work / lower / rest cycles, then done (the only set)
    assert phases[0] == "ready" and phases[-1] == "done"
    ready = [s for t, s in statuses if s.phase == "ready"]
    assert all(s.countdown_s <= slb.start_s + 1e-9 for s in ready)
    works = [s for _, s in statuses if s.phase == "work"]
    assert works and all("lift and hold 3 s" in s.instruction and 0 <= s.countdown_s <= 3.0 for s in works)
    assert {"work", "lower", "rest"} <= set(phases)
    rests = [s for _, s in statuses if s.phase == "rest"]
    assert all(0 < s.countdown_s <= 5.0 for s in rests)
    counts = [s.reps for _, s in statuses if s.phase in ("work", "lower", "rest")]
    assert counts == sorted(counts) and counts[-1] >= REPS - 1
    assert statuses[-1][1].reps == REPS and statuses[-1][1].last_time_in_band_s > 2.0


def test_a_guided_set_drives_both_views(app, scripted_device):
    """Closed-form reps: GM_L 1 mV for the MVC, then 0.1 mV rest and three 4 s plateaus at 0.5 mV
    (50 %MVC) 7 s apart. The set's band replaces the window's, the views show its instruction and count."""
    from emgforce.live.pipeline import LivePipeline
    from emgforce.live.trials import TrialController
    from emgforce.live.window import LiveWindow
    from tests.live.conftest import run, steps

    rest, work = (0.1e-3, 0.1e-3, 0.1e-3, 0.1e-3), (0.5e-3, 0.1e-3, 0.1e-3, 0.1e-3)
    schedule = [(0.0, (1e-3,) * 4), (3.0, rest)]
    for k in range(3):
        schedule += [(7.0 + 7 * k, work), (11.0 + 7 * k, rest)]
    dev = scripted_device(steps(schedule), with_force=False)
    pipe = LivePipeline(dev.describe(), window_s=10.0)
    ctl = TrialController(pipe)
    window = LiveWindow(pipe, ctl, window_s=10.0, target=(40, 60))
    patient = window.open_patient_view(fullscreen=False)
    run(dev, pipe, 0.5)
    ctl.start_trial("mvc", "left")
    run(dev, pipe, 2.0)
    ctl.stop_trial()
    run(dev, pipe, 2.5)  # 5 s
    window.guided = GuidedSet(pipe, ctl, GuidedProtocol((SetSpec("single_leg_bridge", "left", 3, 2.0, 1.0, (30.0, 60.0)),),
                                                        lead_in_s=1.0))
    seen, targets = [], []
    while pipe.session_time_s < 30.0:
        run(dev, pipe, 0.1)
        window.refresh()
        seen.append((pipe.session_time_s, patient.state, window.rep_label.text()))
        targets.append((pipe.session_time_s, window.target))
    # the set's band during the set, the default band once all sets are done
    assert all(target == (30.0, 60.0) for t, target in targets if 6.5 < t < 20.0)
    assert targets[-1][1] == (40.0, 60.0)
    assert [len(r) for r in window.guided.results] == [3]
    starts = [r.phase.start_s for r in window.guided.results[0]]
    assert starts == pytest.approx([7.0, 14.0, 21.0], abs=0.1)  # steps: the rise is the step itself
    holding = [(t, s) for t, s, _ in seen if 8.0 < t < 10.0]
    assert all(s.instruction == "single-leg bridge, left: lift and hold 2 s" or s.instruction.startswith("well held")
               for _, s in holding)
    assert any(s.instruction.startswith("well held") for _, s in holding)  # 2 s in the band: hold done
    assert all(abs(s.values_pct["left"] - 50.0) < 0.5 for t, s in holding if t > 8.5)  # settled envelope
    assert any(label == "reps: 1" for t, _, label in seen if 12.5 < t < 14.0)
    final = seen[-1][1]
    assert final.instruction.startswith("well done") and final.reps == 3
    assert ctl.active is None  # the set's trial stopped after its last rep
    window.close()

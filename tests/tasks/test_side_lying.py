"""Side-lying hip abduction: the task added as one module, checked against the simulator's ground truth.

Also the registry it proves: every task of the trial vocabulary has its analysis,
and a task registered from outside is used for its trials.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from emgforce.drivers.sim import Protocol, Step, simulate
from emgforce.naming import TASKS
from emgforce.tasks import analyze_session, base, get_task, registered_tasks
from emgforce.tasks.base import Task
from emgforce.tasks.results import Metric
from emgforce.tasks.side_lying import SideLyingAbduction
from tests.tasks.simsession import to_recording, truth_mean

PROTOCOL = Protocol(
    (
        Step("mvc", "left", duration_s=5.0, rest_after_s=2.0),
        Step("mvc", "right", duration_s=5.0, rest_after_s=2.0),
        Step("side_lying_abduction", "left", reps=3, rest_after_s=2.0),
        Step("side_lying_abduction", "right", reps=3),
    ),
    lead_in_s=1.0,
    tail_s=1.0,
)


@pytest.fixture(scope="module")
def sess():
    return simulate(PROTOCOL, seed=2, weak_side="left")


@pytest.fixture(scope="module")
def auto(sess):
    """Trial markers only: the repetitions are found on the working GM's envelope."""
    return analyze_session(to_recording(sess), keep_traces=False)


def test_every_vocabulary_task_has_its_analysis():
    keys = [t.key for t in registered_tasks()]
    assert len(keys) == len(set(keys))
    assert set(keys) == set(TASKS)
    assert isinstance(get_task("side_lying_abduction"), SideLyingAbduction)
    assert type(get_task("no_such_task")).__name__ == "WholeTrial"


@pytest.mark.parametrize("side", ["left", "right"])
def test_reps_found_without_events_match_the_truth(sess, auto, side):
    label = f"side_lying_abduction_{side}"
    tr = next(t for t in auto.trials if t.label == label)
    truth = sess.truth.trial(label)
    starts = [e.time_s for e in sess.truth.events_between(truth.start_s, truth.stop_s, "rep") if e.kind == "start"]
    holds = [e.time_s for e in sess.truth.events_between(truth.start_s, truth.stop_s, "hold")]
    assert tr.segmentation.startswith("automatic (GM envelope")
    assert len(tr.reps) == len(starts) == 3
    # the envelope lags and smooths the activation ramps: within 0.35 s of the scripted times
    np.testing.assert_allclose([r.start_s for r in tr.reps], starts, atol=0.35)
    np.testing.assert_allclose([(r.hold_start_s, r.hold_stop_s) for r in tr.reps], np.reshape(holds, (-1, 2)), atol=0.35)
    assert not [m for m in tr.messages if m.level != "info"]


@pytest.mark.parametrize("side", ["left", "right"])
def test_hold_activation_is_the_true_activation(sess, auto, side):
    label = f"side_lying_abduction_{side}"
    tr = next(t for t in auto.trials if t.label == label)
    channel = "GM_L" if side == "left" else "GM_R"
    for i, rep in enumerate(tr.reps):
        measured = tr.metric("rep_emg_mean", muscle=channel, rep=i)
        assert measured.unit == "%MVC"
        expected = truth_mean(sess.truth, channel, rep.hold_start_s, rep.hold_stop_s)
        assert measured.value == pytest.approx(expected, rel=0.12)
    # the simulator's GM works hard in this task: 81 %MVC on the strong side, 0.6 x that on the weak (left)
    assert expected == pytest.approx(81.0 * (0.6 if side == "left" else 1.0), rel=0.1)
    assert tr.metric("hold_mean_s").value == pytest.approx(2.0, abs=0.4)
    # lying on a mat beside the plate: nothing is measured on the plate
    assert not [m for m in tr.metrics if m.name.startswith(("load_pct", "sway_"))]


def test_sides_compared_and_weak_side_found(auto):
    sym = next(s for s in auto.symmetry if s.task == "side_lying_abduction")
    assert sym.left < sym.right and abs(sym.si_pct) >= 15  # the simulated weak side is the left
    assert any(line.startswith("GM activation in side-lying hip abduction: left") for line in auto.summary)
    assert auto.detected_weak_side == "left"


@dataclass
class _Counting(Task):
    """A task from outside emgforce: its trials get its measure, nothing else."""

    key: str = "step_down"

    def measure(self, ctx, tr, traces):
        tr.metrics.append(Metric("trial_length_s", tr.stop_s - tr.start_s, "s"))


def test_a_registered_task_analyses_its_trials(sess, monkeypatch):
    monkeypatch.setitem(base._REGISTRY, "step_down", _Counting())
    rec = to_recording(sess)
    rec.events[:] = [e for e in rec.events if not e.label.startswith("side_lying")]
    rec.events += [type(rec.events[0])("step_down", "start", 20.0), type(rec.events[0])("step_down", "stop", 26.5)]
    rec.events.sort(key=lambda e: e.time_s)
    res = analyze_session(rec, keep_traces=False)
    (tr,) = [t for t in res.trials if t.task == "step_down"]
    assert [(m.name, m.value) for m in tr.metrics] == [("trial_length_s", 6.5)]
    assert not any("outside the protocol" in m.text for m in res.messages)

"""The protocol found from the signals on the full default protocol (3 MVCs per side, 8-rep bridges)."""

import pytest

from emgforce.drivers.sim import Protocol, simulate
from emgforce.tasks.analyze import find_trials
from tests.tasks.simsession import to_recording


@pytest.mark.parametrize(("seed", "weak"), [(1, "right"), (2, None)])
def test_default_protocol_found_in_order(seed, weak):
    sess = simulate(Protocol.default(), seed=seed, weak_side=weak)
    rec = to_recording(sess, body_mass=False)
    truth = rec.trials()
    rec.events = []
    rec._trials = None
    found, _ = find_trials(rec)
    assert [a.label for a in found] == [t.label for t in truth]
    for a, t in zip(found, truth):
        # each found window covers the trial's activity: it starts at most 10 s early (the pause's posture
        # is the next trial's) and ends within 1 s of the operator's stop
        assert t.start_s - 10.5 <= a.start_s and abs(a.stop_s - t.stop_s) <= 1.0, (a, t)
        assert a.source == "auto" and 0.0 <= a.confidence <= 1.0


def test_without_plates_only_mvcs_are_found(sim_short):
    rec = to_recording(sim_short, streams=("emg",))
    rec.events = []
    rec._trials = None
    found, _ = find_trials(rec)
    assert [a.label for a in found] == ["mvc_left", "mvc_right"]

"""Trials from other software's event vocabularies, trial tables and mapping files."""

import pytest

from emgforce.io import Event, Recording, StreamData, Subject
from emgforce.io.trial_events import (
    load_trials_file,
    parse_event_label,
    read_trial_table,
    recognize_trials,
    write_trial_table,
)
from emgforce.streams import ChannelInfo
import numpy as np

# (label, C3D context, expected canonical trial label, boundary)
LABELS = [
    ("SLS L", None, "stance_left", None),
    ("single leg stance left", None, "stance_left", None),
    ("Single-leg stance R start", None, "stance_right", "start"),
    ("SLS_R_end", None, "stance_right", "stop"),
    ("SLS", "Left", "stance_left", None),
    ("Trendelenburg R", None, "stance_right", None),
    ("Bridge", None, "bridge", None),
    ("Supine bridge begin", None, "bridge", "start"),
    ("Double leg bridge end", None, "bridge", "stop"),
    ("SL bridge R", None, "single_leg_bridge_right", None),
    ("Single leg bridge left on", None, "single_leg_bridge_left", "start"),
    ("SLB L off", None, "single_leg_bridge_left", "stop"),
    ("Bridge", "Right", "single_leg_bridge_right", None),
    ("MVC L GMed", None, "mvc_left", None),
    ("MVIC right", None, "mvc_right", None),
    ("MVC GMED R trial 2", None, "mvc_right", None),
    ("Squat L", None, "squat_left", None),
    ("single leg squat right stop", None, "squat_right", "stop"),
    ("Quiet stance", None, "stance_double", None),
    ("Double leg stance start", None, "stance_double", "start"),
    ("Static", None, "stance_double", None),
    ("Rest", None, "rest", None),
    ("baseline start", None, "rest", "start"),
    ("stance_left", None, "stance_left", None),
    ("Stance", "Left", "stance_left", None),
    ("Unipodal D", None, "stance_right", None),
]
NOT_TRIALS = [("Foot Strike", "Left"), ("Foot Off", "Right"), ("Event", "General"), ("start", None), ("Trial 1", None),
              ("MVC", None), ("SLS", None)]


@pytest.mark.parametrize(("label", "context", "trial", "boundary"), LABELS)
def test_event_vocabulary(label, context, trial, boundary):
    m = parse_event_label(label, context)
    assert (m.label, m.boundary) == (trial, boundary), m.reason


@pytest.mark.parametrize(("label", "context"), NOT_TRIALS)
def test_labels_that_name_no_trial(label, context):
    assert parse_event_label(label, context).label is None


def _rec(events, duration_s=100.0):
    emg = StreamData("emg", 100.0, (ChannelInfo("EMG1"),), np.zeros((int(duration_s * 100), 1)))
    return Recording({"emg": emg}, Subject("s"), events)


def test_start_stop_pairs_single_events_and_pairs_of_the_same_label():
    rec = _rec([
        Event("SLS L start", "mark", 1.0), Event("SLS L end", "mark", 9.0),
        Event("Bridge", "mark", 10.0), Event("Bridge", "mark", 20.0),   # same label twice: start and stop
        Event("Left Foot Strike", "mark", 12.0),                           # not a trial: kept as it is
        Event("SL bridge R", "mark", 25.0),                                # runs to the next task event
        Event("MVC L GMed", "start", 40.0), Event("MVC L GMed", "stop", 45.0),
        Event("lift", "mark", 3.0),
        Event("Quiet stance", "mark", 60.0),                               # the last: runs to the end
    ])
    notes = recognize_trials(rec)
    got = [(t.label, t.start_s, t.stop_s) for t in rec.trials()]
    assert got == [("stance_left", 1.0, 9.0), ("bridge", 10.0, 20.0), ("single_leg_bridge_right", 25.0, 40.0),
                   ("mvc_left", 40.0, 45.0), ("stance_double", 60.0, 100.0)]
    labels = {e.label for e in rec.events}
    assert {"Left Foot Strike", "lift", "SLS L start", "Bridge"} <= labels  # marks kept, for info and the report
    assert "MVC L GMed" not in labels  # its start/stop events were replaced by canonical ones
    assert any("runs to the end" in n for n in notes)
    assert rec.metadata["trial_recognition"] == notes


def test_events_that_map_to_nothing_are_listed_with_how_to_map_them():
    rec = _rec([Event("Trial A", "mark", 1.0), Event("Trial B", "mark", 5.0), Event("Trial A", "mark", 9.0)])
    notes = recognize_trials(rec)
    assert not rec.trials()
    assert len(notes) == 1
    assert "'Trial A' x2, 'Trial B'" in notes[0] and "--trials" in notes[0] and "stance_left" in notes[0]


def test_mapping_file_overrides_the_vocabulary(tmp_path):
    (tmp_path / "map.json").write_text('{"Trial A": "stance_left", "Trial B": "single leg bridge right"}')
    mapping = load_trials_file(tmp_path / "map.json")
    assert mapping == {"Trial A": "stance_left", "Trial B": "single_leg_bridge_right"}
    rec = _rec([Event("Trial A", "mark", 1.0), Event("Trial A", "mark", 4.0), Event("Trial B", "mark", 5.0)])
    recognize_trials(rec, mapping)
    assert [(t.label, t.start_s, t.stop_s) for t in rec.trials()] == [
        ("stance_left", 1.0, 4.0), ("single_leg_bridge_right", 5.0, 100.0)]
    (tmp_path / "bad.json").write_text('{"Trial A": "flying"}')
    with pytest.raises(ValueError, match="not a trial label"):
        load_trials_file(tmp_path / "bad.json")


def test_trial_table_round_trip_and_replaces_event_trials(tmp_path):
    table = read_trial_table("label,start,stop,task,side\nSLS left,1,9,,\nwhatever,10,20,single_leg_bridge,R\n"
                             "x,21,30,bridge,\n")
    assert [(t.label, t.start_s, t.stop_s) for t in table] == [
        ("stance_left", 1.0, 9.0), ("single_leg_bridge_right", 10.0, 20.0), ("bridge", 21.0, 30.0)]
    path = write_trial_table(table, tmp_path / "trials.csv")
    again = load_trials_file(path)
    assert [(t.label, t.start_s, t.stop_s) for t in again] == [(t.label, t.start_s, t.stop_s) for t in table]
    rec = _rec([Event("stance_right", "start", 50.0), Event("stance_right", "stop", 60.0), Event("lift", "mark", 3.0)])
    recognize_trials(rec, again)
    assert [t.label for t in rec.trials()] == ["stance_left", "single_leg_bridge_right", "bridge"]
    assert any(e.label == "lift" for e in rec.events)


@pytest.mark.parametrize(("text", "match"), [
    ("label,start\nSLS L,1\n", "header"),
    ("label,start,stop\nTrial 1,1,2\n", "cannot tell the task"),
    ("label,start,stop\nSLS L,5,2\n", "after start"),
    ("label,start,stop\nSLS L,a,2\n", "numbers"),
    ("task,side,start,stop\nstance,,1,2\n", "needs a side"),
    ("task,start,stop\nplank,1,2\n", "unknown task"),
])
def test_bad_trial_tables_say_which_line(text, match):
    with pytest.raises(ValueError, match=match):
        read_trial_table(text)


def test_own_trial_events_keep_free_text_marks_as_marks():
    rec = _rec([Event("stance_left", "start", 1.0), Event("standing up again", "mark", 3.0),
                Event("stance_left", "stop", 9.0)])
    assert recognize_trials(rec) == []
    assert [(t.label, t.start_s, t.stop_s) for t in rec.trials()] == [("stance_left", 1.0, 9.0)]

"""Recordings without trial events: the protocol found from the signals, written as an editable
table, read back by analyze --trials (criteria of issue 11 against the simulator's truth)."""

from __future__ import annotations

import csv

import pytest

from emgforce.cli import main
from emgforce.io.load import open_recording
from emgforce.tasks.analyze import analyze_session
from tests.io.foreign import foreign_c3d
from tests.tasks.simsession import short_session, to_recording, truth_mean

pytest.importorskip("ezc3d")


@pytest.fixture(scope="module")
def sess():
    return short_session(seed=5, weak_side="right")


@pytest.fixture(scope="module")
def c3d(sess, tmp_path_factory):
    """A Noraxon-style C3D without any event, no body mass, empty POINT:UNITS."""
    return foreign_c3d(to_recording(sess), tmp_path_factory.mktemp("seg") / "noevents.c3d", labels="noraxon",
                       events=False)


@pytest.fixture(scope="module")
def result(c3d):
    return analyze_session(open_recording(c3d), keep_traces=False)


def test_every_trial_found_and_marked_auto(result, sess):
    truth = [t.label for t in to_recording(sess).trials()]
    assert [t.label for t in result.trials] == truth
    assert all(t.source == "auto" and 0.0 <= t.confidence <= 1.0 for t in result.trials)
    assert any("found from the signals" in m.text for m in result.messages)


def test_analysis_of_auto_trials_meets_the_issue_criteria(result, sess):
    assert result.detected_weak_side == "right"
    for tr in result.trials:
        if tr.task in ("squat", "bridge", "single_leg_bridge"):
            truth = sess.truth.events_between(tr.start_s, tr.stop_s, "rep")
            assert len(tr.reps) == len([e for e in truth if e.kind == "start"]) == 2, tr.label
        if tr.task == "stance":
            lift = [e.time_s for e in sess.truth.events_between(tr.start_s, tr.stop_s, "lift")][0]
            assert abs(tr.stance.start_s - lift) <= 0.05
            touchdowns = sess.truth.events_between(tr.start_s, tr.stop_s, "touchdown")
            assert len(tr.balance_losses) == len(touchdowns)
        if tr.task in ("stance", "squat", "single_leg_bridge"):
            ch = "RT GLUT. MED." if tr.side == "right" else "LT GLUT. MED."
            w = [(r.start_s, r.stop_s) for r in tr.reps] or [(tr.stance.start_s, tr.stance.stop_s)]
            d = [b - a for a, b in w]
            true = sum(truth_mean(sess.truth, "GM_" + tr.side[0].upper(), a, b) * x for (a, b), x in zip(w, d)) / sum(d)
            got = tr.metric("emg_mean", muscle=ch).value
            assert abs(got - true) <= max(3.0, 0.1 * true), (tr.label, got, true)


def test_segment_writes_a_table_that_analyze_reads_back(c3d, tmp_path, capsys, sess):
    out = tmp_path / "trials.csv"
    assert main(["segment", str(c3d), "-o", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert [r["label"] for r in rows] == [t.label for t in to_recording(sess).trials()]
    assert {r["source"] for r in rows} == {"auto"} and all(r["confidence"] for r in rows)
    # the user corrects a row (a later start for the first MVC), and the analysis uses the table
    rows[0]["start"] = f"{float(rows[0]['start']) + 0.5:.3f}"
    with out.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    rec = open_recording(c3d, trials=out)
    assert [(t.label, round(t.start_s, 3)) for t in rec.trials()][0] == ("mvc_left", float(rows[0]["start"]))
    res = analyze_session(rec, keep_traces=False)
    assert [t.source for t in res.trials] == ["table"] * len(rows)
    assert main(["segment", str(c3d), "-o", str(out)]) == 1  # no overwrite without the flag
    assert "exists" in capsys.readouterr().err


def test_analyze_cli_with_a_trial_table(c3d, tmp_path):
    out = tmp_path / "t.csv"
    out.write_text("label,start,stop\nMVC L,1,6\nMVC R,8,13\nSLS L,29,37\n")
    assert main(["analyze", str(c3d), "--trials", str(out), "-o", str(tmp_path / "rep"), "--no-figures"]) == 0
    assert (tmp_path / "rep" / "report.json").is_file()

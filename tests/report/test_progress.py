"""Progress across sessions: three simulated sessions of one patient whose weak (right) gluteus
medius recovers; the command orders them by date and reports the trend's direction and size."""

from __future__ import annotations

import base64
import csv
import random
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from emgforce.drivers.sim import Protocol, _script, simulate
from emgforce.drivers.sim.protocol import Step

from emgforce.cli import main
from emgforce.errors import ReportError
from emgforce.io import write_recording
from emgforce.report.progress import GM_ACTIVATION, LSI, PROGRESS_COLUMNS, progress
from emgforce.report.template import load_template
from emgforce.report.write import write_report
from emgforce.tasks.analyze import analyze_session
from tests.tasks.simsession import to_recording, truth_mean

#: the weak side's GM works at this fraction of the usual %MVC, session by session (recovery)
WEAK_GM_FACTORS = (0.5, 0.7, 0.9)
FIRST_DAY = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
BRIDGE = (1.0, 2.0, 1.0, 1.0)


def _protocol() -> Protocol:
    steps = (
        Step("mvc", "left", duration_s=5.0, rest_after_s=2.0),
        Step("mvc", "right", duration_s=5.0, rest_after_s=2.0),
        Step("stance", "left", duration_s=8.0, rest_after_s=2.0),
        Step("single_leg_bridge", "left", reps=3, rest_after_s=2.0, rep_phases_s=BRIDGE),
        Step("single_leg_bridge", "right", reps=3, rest_after_s=2.0, rep_phases_s=BRIDGE),
    )
    return Protocol(steps, lead_in_s=1.0, tail_s=1.0, name="progress-test")


def _hold_truth(sess, label: str, channel: str) -> float:
    """True mean %MVC of a channel over the holds of a trial (the simulator's activation)."""
    trial = next(t for t in sess.truth.trials if t.label == label)
    ev = [e for e in sess.truth.events if e.label == "hold" and trial.start_s <= e.time_s <= trial.stop_s]
    starts = [e.time_s for e in ev if e.kind == "start"]
    stops = [e.time_s for e in ev if e.kind == "stop"]
    return float(np.mean([truth_mean(sess.truth, channel, a, b) for a, b in zip(starts, stops)]))


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    """Three sessions two weeks apart written to HDF5, with their true right-side SLB activation."""
    folder = tmp_path_factory.mktemp("patient")
    out = []
    mp = pytest.MonkeyPatch()
    try:
        for k, factor in enumerate(WEAK_GM_FACTORS):
            mp.setattr(_script, "WEAK_GM_FACTOR", factor)
            sess = simulate(_protocol(), seed=40 + k, weak_side="right")
            rec = to_recording(sess)
            rec.start_time = FIRST_DAY + timedelta(days=14 * k)
            path = write_recording(rec, folder / f"visit-{'abc'[k]}.h5")
            out.append((path, _hold_truth(sess, "single_leg_bridge_right", "GM_R"), _hold_truth(sess, "single_leg_bridge_left", "GM_L")))
    finally:
        mp.undo()
    return out


@pytest.fixture(scope="module")
def cli_run(sessions, tmp_path_factory):
    out = tmp_path_factory.mktemp("progress")
    paths = [str(p) for p, _, _ in sessions]
    random.Random(3).shuffle(paths)  # any order in, date order out
    assert paths != sorted(paths)
    assert main(["progress", *paths, "-o", str(out)]) == 0
    with (out / "progress.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    return out, rows


def _series(rows, task, quantity, side):
    return [r for r in rows if r["task"] == task and r["quantity"] == quantity and r["side"] == side]


def test_trend_direction_and_size(sessions, cli_run):
    _, rows = cli_run
    assert tuple(rows[0]) == PROGRESS_COLUMNS
    right = _series(rows, "single_leg_bridge", GM_ACTIVATION, "right")
    assert [r["session"] for r in right] == ["visit-a", "visit-b", "visit-c"]  # by date
    assert [r["date"][:10] for r in right] == ["2026-01-05", "2026-01-19", "2026-02-02"]
    values = [float(r["value"]) for r in right]
    truth = [t for _, t, _ in sessions]
    assert values[0] < values[1] < values[2]  # improving, session by session
    expected = truth[2] - truth[0]  # about 47 %MVC x 0.4
    assert expected > 15
    assert float(right[2]["change"]) == pytest.approx(expected, rel=0.2)
    assert float(right[2]["change"]) == pytest.approx(values[2] - values[0])
    assert right[2]["exceeds_sdc"] == "yes" and 0 < float(right[2]["sdc95"]) < expected / 2
    assert right[0]["exceeds_sdc"] == "" and right[0]["sdc95"] == ""  # the first session is the baseline
    # the strong side did not change (apart from noise): much less than the weak side's change
    left = _series(rows, "single_leg_bridge", GM_ACTIVATION, "left")
    assert abs(float(left[2]["change"])) < 0.25 * expected
    assert abs(sessions[2][2] - sessions[0][2]) < 1.0  # truly unchanged ...
    assert left[2]["exceeds_sdc"] == "no"  # ... and the measured change is within its variability
    # limb symmetry index (affected right / unaffected left) rises towards 100 %
    lsi = [float(r["value"]) for r in _series(rows, "single_leg_bridge", LSI, "")]
    assert lsi[0] < lsi[1] < lsi[2] and lsi[2] == pytest.approx(values[2] / float(left[2]["value"]) * 100.0)
    # sway of the stance leg is followed in clinician units
    area = _series(rows, "stance", "sway_area_prediction_ellipse95_m2", "left")
    assert len(area) == 3 and {r["unit"] for r in area} == {"cm^2"} and all(0.1 < float(r["value"]) < 50 for r in area)
    assert _series(rows, "stance", "sway_mean_velocity_m_s", "left")[0]["unit"] == "mm/s"


def test_progress_pages_are_complete(cli_run):
    pypdf = pytest.importorskip("pypdf")
    out, _ = cli_run
    html = (out / "progress.html").read_text()
    imgs = [chunk.split("'", 1)[0] for chunk in html.split("<img src='")[1:]]
    alts = [chunk.split("alt='", 1)[1].split("'", 1)[0] for chunk in html.split("<img src='")[1:]]
    assert alts == ["progress_stance", "progress_single_leg_bridge", "progress_sway"]
    for uri in imgs:
        assert base64.b64decode(uri.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "single leg bridge, right (affected): GM activation" in html and "beyond the smallest detectable change" in html
    pages = [p.extract_text() for p in pypdf.PdfReader(out / "progress.pdf").pages]
    assert len(pages) == 5
    assert pages[0].startswith("Progress") and "visit-a: 2026-01-05" in pages[0]
    slb = pages[2]
    assert "single leg bridge" in slb and "session date" in slb and "right (affected)" in slb and "limb symmetry index" in slb
    assert "2026-01-19" in slb and "GM activation [%MVC]" in slb
    assert "COP 95 % prediction ellipse area [cm^2]" in pages[3] and "COP mean velocity [mm/s]" in pages[3]
    assert pages[4].startswith("Values per session") and "SDC95" in pages[4]


def test_api_takes_saved_reports_and_results(sessions, cli_run, tmp_path):
    _, rows = cli_run
    first = analyze_session(sessions[0][0], keep_traces=False)
    write_report(first, tmp_path / "a", figures=False)
    second = analyze_session(sessions[1][0], keep_traces=False)
    p = progress([sessions[2][0], second, tmp_path / "a" / "report.json"])
    assert [s.session for s in p.sessions] == ["visit-a", "visit-b", "visit-c"] and p.affected_side == "right"
    got = [(r["session"], r["task"], r["side"], r["quantity"], r["value"]) for r in p.tidy()]
    want = [(r["session"], r["task"], r["side"], r["quantity"], float(r["value"])) for r in rows]
    assert [g[:4] for g in got] == [w[:4] for w in want]
    assert np.allclose([g[4] for g in got], [w[4] for w in want], rtol=1e-9, equal_nan=True)
    df = pytest.importorskip("pandas") and p.to_dataframe()
    assert list(df.columns) == list(PROGRESS_COLUMNS) and len(df) == len(rows)


def test_refuses_sessions_of_different_patients(sessions):
    a = analyze_session(sessions[0][0], keep_traces=False)
    b = analyze_session(sessions[1][0], keep_traces=False)
    b.subject = dict(b.subject, id="someone-else")
    with pytest.raises(ReportError, match="different patients"):
        progress([a, b])
    with pytest.raises(ReportError, match="at least one session"):
        progress([])
    one = progress([a])
    assert one.summary == ["One session (visit-a): no change to report yet"]


def test_batch_and_progress_use_the_lab_template(sessions, tmp_path):
    from emgforce.batch import run_batch

    (tmp_path / "lab.toml").write_text('lab_name = "Hip Lab"\nsections = ["header", "summary"]\n')
    template = load_template(tmp_path / "lab.toml")
    res = run_batch([sessions[0][0]], tmp_path / "out", jobs=1, progress=False, figures=template)
    assert not res.failures
    html = (tmp_path / "out" / "visit-a" / "report.html").read_text()
    assert "Hip Lab" in html and "<h2>Summary</h2>" in html and "Appendix" not in html and "<img" not in html
    out = tmp_path / "progress"
    assert main(["progress", str(sessions[0][0]), str(sessions[1][0]), "-o", str(out),
                 "--template", str(tmp_path / "lab.toml")]) == 0
    assert "Hip Lab" in (out / "progress.html").read_text()


def test_no_change_across_units_and_undated_sessions_last(sessions):
    """A session without MVC trial falls back to %peak: its change from a %MVC session is not
    computed (never a silent wrong number); sessions without a date go last, in the order given."""
    import math

    a = analyze_session(sessions[0][0], keep_traces=False)
    b = analyze_session(sessions[1][0], keep_traces=False, normalization="peak_task")
    c = analyze_session(sessions[2][0], keep_traces=False)
    c.info = dict(c.info, start_time=None)
    p = progress([c, b, a])
    assert [s.session for s in p.sessions] == ["visit-a", "visit-b", "visit-c"]
    assert any("no recording date in visit-c" in m for m in p.messages)
    right = p.series("single_leg_bridge", GM_ACTIVATION, "right")
    assert [r["unit"] for r in right] == ["%MVC", "%peak", "%MVC"]
    assert math.isnan(right[1]["change"]) and right[1]["exceeds_sdc"] == ""
    assert any("visit-b" in m and "%peak" in m and "no change computed" in m for m in p.messages)
    assert right[2]["change"] == pytest.approx(right[2]["value"] - right[0]["value"]) and right[2]["exceeds_sdc"] == "yes"
    # no LSI from %peak values: each side is on its own channel's scale
    assert [r["session"] for r in p.series("single_leg_bridge", LSI)] == ["visit-a", "visit-c"]

"""Labels read from a file never become paths: figures stay inside the report folder."""

from __future__ import annotations

import dataclasses
import os

from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce._paths import safe_filename


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=300))
def test_safe_filename_never_leaves_its_folder_and_keeps_labels_apart(label):
    name = safe_filename(label)
    assert name and len(name) <= 100
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith(".")
    assert os.path.basename(os.path.normpath(os.path.join("out", name))) == name
    assert name == label or name != safe_filename(label + "_")  # changed names carry a hash of the label


def test_safe_filename_keeps_ordinary_labels():
    for label in ("stance_left_0", "single_leg_bridge_right_2", "mvc_left_0"):
        assert safe_filename(label) == label


def test_report_of_trials_with_hostile_labels_stays_in_its_folder(tmp_path):
    from emgforce.report.write import write_report
    from emgforce.tasks.analyze import analyze_session
    from tests.tasks.simsession import short_session, write_session

    path = write_session(short_session(seed=3), tmp_path / "s.h5")
    result = analyze_session(path, keep_traces=True)
    hostile = {"stance_left": "a/../../../x", "squat_left": "b/c", "bridge": ".."}
    result.trials = [dataclasses.replace(t, label=hostile.get(t.label, t.label)) for t in result.trials]
    for traces in result.traces.values():  # the figures look their traces up by label
        for old, new in hostile.items():
            if isinstance(traces, dict) and old in traces:
                traces[new] = traces.pop(old)
    out = tmp_path / "deep" / "report"
    paths = write_report(result, out)
    written = {p.resolve() for p in paths.values()}
    assert all(out.resolve() in p.parents for p in written)
    assert {p.name for p in out.iterdir()} >= {p.name for p in written}
    assert not (tmp_path / "x").exists() and not list(tmp_path.glob("stabilogram_*"))
    assert any(p.name.startswith("stabilogram_a_.._.._.._x_0-") for p in written)  # still drawn, under a safe name

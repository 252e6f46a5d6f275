"""Report writers: JSON (strict, schema), tidy CSV read back, PNG figures, HTML page."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

from emgforce.report.figures import ellipse_outline
from emgforce.report.tables import read_tidy_csv, write_tidy_csv
from emgforce.report.write import write_report
from emgforce.tasks.analyze import analyze_session
from emgforce.tasks.results import SCHEMA_VERSION, TIDY_COLUMNS
from tests.tasks.simsession import short_session, to_recording

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def result():
    return analyze_session(to_recording(short_session(seed=6, weak_side="right")))


@pytest.fixture(scope="module")
def outdir(result, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    paths = write_report(result, out)
    return out, paths


def test_json_is_strict_and_complete(result, outdir):
    out, _ = outdir
    text = (out / "report.json").read_text()
    doc = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert doc["schema_version"] == SCHEMA_VERSION
    for key in ("source", "session", "subject", "normalization_requested", "normalization", "reference",
                "settings", "detected_weak_side", "summary", "messages", "trials", "symmetry"):
        assert key in doc
    assert doc["detected_weak_side"] == "right"
    assert [t["label"] for t in doc["trials"]] == [t.label for t in result.trials]
    for tj, tr in zip(doc["trials"], result.trials):
        assert len(tj["metrics"]) == len(tr.metrics)
        for mj, m in zip(tj["metrics"], tr.metrics):
            assert mj["name"] == m.name and mj["unit"] == m.unit
            assert (mj["value"] is None and not math.isfinite(m.value)) or mj["value"] == m.value
        assert len(tj["reps"]) == len(tr.reps)
        for rj, r in zip(tj["reps"], tr.reps):
            assert rj["hold_s"] == pytest.approx(r.hold_s)
    s0 = doc["symmetry"][0]
    assert {"task", "quantity", "unit", "left", "right", "affected_side", "si_pct", "lsi_pct", "relative_difference_pct"} <= set(s0)
    assert "Robinson" in doc["settings"]["si_formula"]


def test_tidy_csv_reads_back(result, outdir):
    out, _ = outdir
    with (out / "tidy.csv").open(newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        body = list(reader)
    assert tuple(header) == TIDY_COLUMNS
    rows = result.tidy()
    assert len(body) == len(rows)
    back = read_tidy_csv(out / "tidy.csv")
    for b, r in zip(back, rows):
        assert b["metric"] == r["metric"] and b["trial"] == r["trial"] and b["unit"] == r["unit"]
        if math.isfinite(r["value"]):
            assert b["value"] == r["value"]  # repr round trip is exact
        else:
            assert math.isnan(b["value"])
        assert b["rep"] == (None if r["rep"] == "" else r["rep"])


def test_csv_nan_is_empty_cell(tmp_path):
    p = write_tidy_csv([{"trial": "t", "metric": "m", "value": math.nan, "unit": "s"}], tmp_path / "x.csv")
    line = p.read_text().splitlines()[1]
    assert line.split(",")[TIDY_COLUMNS.index("value")] == ""


def _png(path):
    import matplotlib.image as mpimg

    assert path.read_bytes()[:8] == PNG_MAGIC
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100
    assert float(np.std(img[..., :3])) > 0.01  # something was drawn
    return img


def test_figures_written(result, outdir):
    out, paths = outdir
    expected = {"envelopes", "activation_bars", "stabilogram_stance_left_0",
                "reps_bridge_0", "reps_single_leg_bridge_left_0", "reps_squat_right_0"}
    assert expected <= set(paths)
    for name in expected:
        _png(paths[name])


def test_html_shows_every_figure(result, outdir):
    out, paths = outdir
    html = (out / "report.html").read_text()
    pngs = [p for k, p in paths.items() if p.suffix == ".png"]
    for p in pngs:  # embedded (test_clinical_report decodes them), the PNG file beside it for slides
        assert f"alt='{p.stem}'" in html and p.exists()
    for line in result.summary:
        assert line.replace("'", "&#x27;") in html


def test_ellipse_drawn_is_the_reported_prediction_ellipse(result):
    cop = result.traces["cop"]["stance_left"]  # the strong side: no balance loss
    ell = cop["ellipse"]
    a, b = ell["semi_axes_m"]
    area = next(t for t in result.trials if t.label == "stance_left").metric("sway_area_prediction_ellipse95_m2").value
    assert math.pi * a * b == pytest.approx(area, rel=1e-9)
    # a 95 % prediction ellipse holds about 95 % of the COP samples
    xy = np.asarray(cop["cop_m"])
    ca, sa = math.cos(ell["angle_rad"]), math.sin(ell["angle_rad"])
    u = (xy[:, 0] * ca + xy[:, 1] * sa) / a
    v = (-xy[:, 0] * sa + xy[:, 1] * ca) / b
    assert np.mean(u**2 + v**2 <= 1.0) == pytest.approx(0.95, abs=0.05)
    pts = ellipse_outline(np.zeros(2), (a, b), ell["angle_rad"])
    assert np.allclose(((pts[:, 0] * ca + pts[:, 1] * sa) / a) ** 2 + ((-pts[:, 0] * sa + pts[:, 1] * ca) / b) ** 2, 1.0)


def test_short_stance_still_gets_a_path_only_stabilogram(result, outdir):
    """The weak (right) side loses balance: its longest clean stretch is under the 5 s sway
    minimum, so no descriptors and no ellipse, but the COP path is still drawn and labelled."""
    _, paths = outdir
    tr = next(t for t in result.trials if t.label == "stance_right")
    assert tr.balance_losses and not [m for m in tr.metrics if m.name.startswith("sway_")]
    cop = result.traces["cop"]["stance_right"]
    assert cop["ellipse"] is None and "too short for sway descriptors" in cop["note"]
    a, b = (float(v) for v in cop["window"].removesuffix(" s").split("-"))
    assert 0 < b - a < 5.0
    assert np.allclose(np.mean(cop["cop_m"], axis=0), 0.0, atol=2e-3)  # about its mean (within a decimation step)
    _png(paths["stabilogram_stance_right_0"])


def test_without_figures(result, tmp_path):
    paths = write_report(result, tmp_path / "r", figures=False)
    assert set(paths) == {"json", "csv"}
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["report.json", "tidy.csv"]


@pytest.mark.parametrize("streams", [("emg",), ("force",)])
def test_partial_sessions_still_report(streams, tmp_path):
    sess = short_session(seed=6, weak_side="right")
    res = analyze_session(to_recording(sess, streams=streams))
    paths = write_report(res, tmp_path, figures=True)
    names = set(paths)
    assert ("envelopes" in names) == ("emg" in streams)
    assert any(n.startswith("stabilogram_") for n in names) == ("force" in streams)
    assert any(n.startswith("reps_bridge") for n in names)  # from the plate load or the GM envelope
    html = (tmp_path / "report.html").read_text()
    assert ("no force stream" in html) == ("force" not in streams)
    json.loads((tmp_path / "report.json").read_text())

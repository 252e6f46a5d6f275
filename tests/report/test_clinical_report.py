"""The clinician's report: one self-contained HTML file, a PDF beside it, figures with the
right content (axes, units, legends, side colours), clinician units, templates, data frames."""

from __future__ import annotations

import base64
import io
import math
import shutil
import sys
from datetime import datetime, timezone
from html.parser import HTMLParser

import numpy as np
import pytest

from emgforce import __version__
from emgforce.errors import MissingExtraError, ReportError
from emgforce.report import curves
from emgforce.report.content import appendix_rows
from emgforce.report.figures import (
    plot_activation_bars,
    plot_rep_curves,
    plot_stabilogram,
    pyplot,
)
from emgforce.report.labels import SIDE_COLORS, clinician_value, plain_name
from emgforce.report.references import REFERENCES
from emgforce.report.tables import read_json
from emgforce.report.template import ReportTemplate, load_template
from emgforce.report.write import write_report
from emgforce.tasks.analyze import analyze_session
from emgforce.tasks.results import TIDY_COLUMNS
from tests.tasks.simsession import short_session, to_recording

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
START = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def result():
    rec = to_recording(short_session(seed=6, weak_side="right"))
    rec.start_time = START
    rec.metadata["protocol"] = "short"
    return analyze_session(rec)


@pytest.fixture(scope="module")
def report(result, tmp_path_factory):
    out = tmp_path_factory.mktemp("clinical")
    return out, write_report(result, out)


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images: list[dict[str, str]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a)
        for key in ("href", "src"):
            if key in a and not a[key].startswith("data:") and tag != "img":
                self.links.append(a[key])


def _decode_png(uri: str) -> np.ndarray:
    import matplotlib.image as mpimg

    head, _, data = uri.partition(",")
    assert head == "data:image/png;base64"
    raw = base64.b64decode(data, validate=True)
    assert raw[:8] == PNG_MAGIC
    img = mpimg.imread(io.BytesIO(raw), format="png")
    assert img.shape[0] > 100 and img.shape[1] > 100 and float(np.std(img[..., :3])) > 0.01
    return img


def test_html_alone_holds_every_figure(report, result, tmp_path):
    out, paths = report
    alone = tmp_path / "mailed"
    alone.mkdir()
    shutil.copy(out / "report.html", alone / "report.html")
    assert [p.name for p in alone.iterdir()] == ["report.html"]
    text = (alone / "report.html").read_text()
    parser = _Images()
    parser.feed(text)
    figures = {k for k, p in paths.items() if p.suffix == ".png"}
    assert figures >= {"rep_curves", "activation_bars", "stabilogram_stance_left_0", "envelopes"}
    assert {img["alt"] for img in parser.images} == figures
    for img in parser.images:
        _decode_png(img["src"])  # embedded, decodable, not blank
    assert not parser.links and "src='report" not in text and ".png'" not in text
    # header: who, when, what, which software and settings
    for fact in ("sim", "2026-03-02 09:30 UTC", "short", __version__, "right"):
        assert fact in text
    for key in result.settings:
        assert f"<td>{key}</td>" in text


def test_pdf_has_the_expected_pages(report, result):
    pypdf = pytest.importorskip("pypdf")
    out, paths = report
    pages = [p.extract_text() for p in pypdf.PdfReader(out / "report.pdf").pages]
    n_fig = sum(1 for p in paths.values() if p.suffix == ".png")
    first = pages[0]
    assert "Patient: sim" in first and f"emgforce version: {__version__}" in first
    assert "Session date and time: 2026-03-02 09:30 UTC" in first and "Protocol: short" in first
    assert all(line in first.replace("\n", " ") or line[:40] in first for line in result.summary[:2])
    assert pages[1].startswith("Left and right") and "LSI %" in pages[1]
    figure_pages = pages[2 : 2 + n_fig]
    assert sum("repetition (%)" in p and "gluteus medius [%MVC]" in p for p in figure_pages) == 1
    assert sum("ML (mm, + right)" in p and "AP (mm, + forward)" in p for p in figure_pages) == 3
    assert sum("gluteus medius mean activation [%MVC]" in p for p in figure_pages) == 1
    tail = pages[2 + n_fig :]
    assert tail[0].startswith("Messages")
    assert any(p.startswith("Processing settings") and "envelope_lowpass_hz" in p for p in tail)
    appendix = "\n".join(p for p in tail if p.startswith("Appendix"))
    assert "sway_mean_velocity_m_s" in appendix and "mm/s" in appendix and "cm^2" in appendix
    assert len(pages) == 2 + n_fig + len(tail) and len(tail) >= 3


def test_time_normalize_matches_scipy_and_closed_form():
    from scipy.interpolate import interp1d

    rng = np.random.default_rng(1)
    t = np.sort(rng.uniform(0, 10, 300))
    x = np.sin(t) + rng.normal(0, 0.1, t.size)
    got = curves.time_normalize(t, x, 2.0, 7.5)
    assert np.allclose(got, interp1d(t, x)(np.linspace(2.0, 7.5, 101)))
    ramp = curves.time_normalize(np.linspace(0, 4, 9), np.linspace(0, 4, 9), 1.0, 3.0)
    assert np.allclose(ramp, np.linspace(1.0, 3.0, 101))  # a ramp maps to a ramp: 0 % = start, 100 % = stop
    assert np.all(np.isnan(curves.time_normalize(t, x, 9.0, 12.0)))  # never extrapolated


def test_rep_curves_figure(result):
    fig = plot_rep_curves(result)
    try:
        axes = [ax for ax in fig.axes if ax.lines]
        assert all(ax.get_xlabel() == "repetition (%)" for ax in fig.axes[-3:])
        assert any(ax.get_ylabel() == "gluteus medius [%MVC]" for ax in fig.axes)
        gm_slb = next(ax for ax in axes if ax.get_title() == "single leg bridge")
        labels = [t.get_text() for t in gm_slb.get_legend().get_texts()]
        assert labels == ["left, n=2 reps", "right (affected), n=2 reps"]
        colours = [ln.get_color() for ln in gm_slb.lines]
        assert colours == [SIDE_COLORS["left"], SIDE_COLORS["right"]]
        # the drawn mean is the mean of the reps resampled independently from the trace
        env = result.traces["envelope"]
        tr = next(t for t in result.trials if t.label == "single_leg_bridge_right")
        per_rep = [np.interp(np.linspace(r.start_s, r.stop_s, 101), env["t_s"], env["channels"]["GM_R"]) for r in tr.reps]
        assert np.allclose(gm_slb.lines[1].get_ydata(), np.mean(per_rep, axis=0))
        band = gm_slb.collections[1].get_paths()[0].vertices[:, 1]
        sd = np.std(per_rep, axis=0, ddof=1)
        assert np.isclose(band.max(), np.max(np.mean(per_rep, axis=0) + sd))
    finally:
        pyplot().close(fig)


def test_activation_bars_are_mean_and_sd_of_reps(result):
    fig = plot_activation_bars(result)
    try:
        ax = fig.axes[0]
        assert ax.get_ylabel() == "gluteus medius mean activation [%MVC]"
        assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["left", "right (affected)"]
        ticks = [t.get_text() for t in ax.get_xticklabels()]
        k = ticks.index("single leg bridge")
        right_bars = [c for c in ax.containers if type(c).__name__ == "BarContainer"][1]
        tr = next(t for t in result.trials if t.label == "single_leg_bridge_right")
        reps = [m.value for m in tr.metrics if m.name == "rep_emg_mean" and m.muscle == "GM_R"]
        assert right_bars[k].get_height() == pytest.approx(np.mean(reps))
        assert right_bars[k].get_facecolor()[:3] == pytest.approx(tuple(int(SIDE_COLORS["right"][i:i + 2], 16) / 255 for i in (1, 3, 5)))
        caps = [c for c in ax.collections if c.get_segments()]
        segs = [s for c in caps for s in c.get_segments() if np.isclose(s[0][0], right_bars[k].get_x() + right_bars[k].get_width() / 2)]
        assert segs and np.ptp(segs[0][:, 1]) == pytest.approx(2 * np.std(reps, ddof=1))
        bands = [p for p in ax.collections if type(p).__name__ in ("PolyCollection", "FillBetweenPolyCollection")]
        assert len(bands) == len([t for t in ticks if t.replace(" ", "_") in REFERENCES])
    finally:
        pyplot().close(fig)


def test_stabilogram_in_mm_with_ellipse_in_cm2(result):
    tr = next(t for t in result.trials if t.label == "stance_left")
    fig = plot_stabilogram(result, tr)
    try:
        ax = fig.axes[0]
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("ML (mm, + right)", "AP (mm, + forward)")
        area_cm2 = tr.metric("sway_area_prediction_ellipse95_m2").value * 1e4
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert f"95 % prediction ellipse, {area_cm2:.2f} cm$^2$" in labels and "COP path, left" in labels
        assert ax.lines[0].get_color() == SIDE_COLORS["left"]
        assert np.allclose(ax.lines[0].get_xydata(), np.asarray(result.traces["cop"]["stance_left"]["cop_m"]) * 1000.0)
    finally:
        pyplot().close(fig)


def test_clinician_units_and_plain_names(result):
    assert clinician_value(0.0123, "m") == (pytest.approx(12.3), "mm")
    assert clinician_value(2.5e-4, "m^2") == (pytest.approx(2.5), "cm^2")
    assert clinician_value(0.011, "m/s") == (pytest.approx(11.0), "mm/s")
    assert clinician_value(30.0, "%MVC") == (30.0, "%MVC")
    assert plain_name("sway_mean_velocity_ml_m_s") == "COP mean velocity, medio-lateral"
    assert plain_name("sway_area_prediction_ellipse95_m2") == "COP 95 % prediction ellipse area"
    tr = next(t for t in result.trials if t.label == "stance_left")
    rows = {r[1]: r for r in appendix_rows(tr)}
    v = tr.metric("sway_mean_velocity_m_s").value
    assert rows["sway_mean_velocity_m_s"][4:] == (f"{v * 1000:.4g}", "mm/s")
    assert rows["sway_area_prediction_ellipse95_m2"][5] == "cm^2"
    # no code name is shown without a plain name beside it
    assert all(r[0] != r[1] for t in result.trials for r in appendix_rows(t))


def test_template_changes_lab_logo_and_sections(result, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    logo = tmp_path / "logo.png"
    pyplot().imsave(logo, np.tile(np.linspace(0, 1, 64), (32, 1)), cmap="viridis")
    (tmp_path / "lab.toml").write_text(
        'lab_name = "Hip Lab, City Hospital"\nlogo = "logo.png"\nfooter = "hiplab@example.org"\n'
        'sections = ["header", "summary", "figures"]\nfigures = ["activation_bars"]\n'
    )
    template = load_template(tmp_path / "lab.toml")
    assert template.logo == logo.resolve()
    paths = write_report(result, tmp_path / "r", template=template)
    text = paths["html"].read_text()
    assert "Hip Lab, City Hospital" in text and "hiplab@example.org" in text
    parser = _Images()
    parser.feed(text)
    assert [i["alt"] for i in parser.images] == ["logo", "activation_bars"]
    assert base64.b64decode(parser.images[0]["src"].split(",", 1)[1]) == logo.read_bytes()
    assert "Appendix" not in text and "Left and right" not in text and "Processing settings" not in text
    pages = [p.extract_text() for p in pypdf.PdfReader(paths["pdf"]).pages]
    assert len(pages) == 2 and "Hip Lab, City Hospital" in pages[0] and "hiplab@example.org" in pages[1]


@pytest.mark.parametrize("toml, match", [
    ('colour = "red"\n', "unknown keys"),
    ('sections = ["summary", "gossip"]\n', "unknown sections"),
    ('figures = ["pie_chart"]\n', "unknown figures"),
    ('logo = "missing.png"\n', "does not exist"),
    ('lab_name = \n', "not valid TOML"),
])
def test_bad_templates_are_refused(tmp_path, toml, match):
    (tmp_path / "t.toml").write_text(toml)
    with pytest.raises(ReportError, match=match):
        load_template(tmp_path / "t.toml")


def test_cli_template_error_is_one_line(tmp_path, capsys):
    from emgforce.cli import main

    (tmp_path / "t.toml").write_text('sections = ["gossip"]\n')
    (tmp_path / "s.h5").write_bytes(b"")
    assert main(["analyze", str(tmp_path / "s.h5"), "--template", str(tmp_path / "t.toml")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown sections" in err[0]


def test_to_dataframe_is_the_tidy_table(result):
    pd = pytest.importorskip("pandas")
    df = result.to_dataframe()
    rows = result.tidy()
    assert list(df.columns) == list(TIDY_COLUMNS) and len(df) == len(rows)
    assert df["value"].dtype == float and str(df["rep"].dtype) == "Int64"
    for i in (0, len(rows) // 2, len(rows) - 1):
        r = rows[i]
        assert df.loc[i, "metric"] == r["metric"] and (pd.isna(df.loc[i, "rep"]) if r["rep"] == "" else df.loc[i, "rep"] == r["rep"])
        assert (math.isnan(df.loc[i, "value"]) and math.isnan(r["value"])) or df.loc[i, "value"] == r["value"]
    gm = df[(df.metric == "rep_emg_mean") & (df.muscle == "GM_R") & (df.trial == "single_leg_bridge_right")]
    assert gm["rep"].tolist() == [0, 1]


def test_to_dataframe_without_pandas_names_the_extra(result, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MissingExtraError, match=r"to_dataframe\(\) needs pandas.*emgforce\[dataframe\]"):
        result.to_dataframe()


def test_saved_report_reads_back_identically(report, result):
    out, _ = report
    back = read_json(out / "report.json")
    assert back.to_dict() == result.to_dict()
    assert back.info["start_time"] == START.isoformat() and back.info["emgforce_version"] == __version__


def test_default_template_is_the_full_report():
    t = ReportTemplate()
    assert t.sections[0] == "header" and "appendix" in t.sections and t.logo_data_uri() is None


def test_reference_band_is_drawn_where_verified_and_labelled():
    """A session with side-lying abduction gets the DiStefano 2009 band (81 +/- 42 %MVIC) over that
    task; tasks without a verified reference get none (the Ekstrom 2007 figures are unverified)."""
    from emgforce.drivers.sim import Protocol, simulate
    from emgforce.drivers.sim.protocol import Step

    steps = [Step("mvc", s, duration_s=5.0, rest_after_s=2.0) for s in ("left", "right")]
    steps += [Step("bridge", reps=2, rest_after_s=2.0, rep_phases_s=(1.0, 2.0, 1.0, 1.0))]
    steps += [Step("side_lying_abduction", s, reps=2, rest_after_s=2.0) for s in ("left", "right")]
    res = analyze_session(to_recording(simulate(Protocol(tuple(steps), lead_in_s=1.0, tail_s=1.0), seed=2, weak_side=None)))
    fig = plot_activation_bars(res)
    try:
        ax = fig.axes[0]
        ticks = [t.get_text() for t in ax.get_xticklabels()]
        assert ticks == ["bridge", "side lying abduction"]
        bars = [c for c in ax.containers if type(c).__name__ == "BarContainer"]
        assert [b[1].get_height() for b in bars] == [pytest.approx(81.0, rel=0.15)] * 2  # the simulator's level
        bands = [c for c in ax.collections if type(c).__name__ in ("PolyCollection", "FillBetweenPolyCollection")]
        assert len(bands) == 1
        y = bands[0].get_paths()[0].vertices[:, 1]
        assert (y.min(), y.max()) == (pytest.approx(81.0 - 42.0), pytest.approx(81.0 + 42.0))
        x = bands[0].get_paths()[0].vertices[:, 0]
        assert 0.5 < x.min() < x.max() < 1.5  # over its own task only
        caption = " ".join(t.get_text() for t in fig.texts).replace("\n", " ")
        assert "DiStefano et al. 2009" in caption and "healthy adults" in caption and "81 +/- 42 %MVIC" in caption
        assert "reference: mean +/- SD (sources below)" in [t.get_text() for t in ax.get_legend().get_texts()]
    finally:
        pyplot().close(fig)
    assert set(REFERENCES) == {"side_lying_abduction"}  # the (check) values of domain.md stay unverified

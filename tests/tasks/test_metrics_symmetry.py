"""Metric and symmetry definitions against closed forms and published formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from emgforce.errors import AnalysisError
from emgforce.tasks.metrics import activation_metrics, coefficient_of_variation, load_split
from emgforce.tasks.symmetry import compare_sides, limb_symmetry_index, robinson_si, summary_line


def test_activation_metrics_closed_form():
    fs = 1000.0
    t = np.arange(0, 2.0, 1 / fs)
    env = 50.0 + 30.0 * np.sin(2 * np.pi * 1.0 * t)  # 2 full periods
    m = activation_metrics(env, fs, threshold=50.0)
    assert m["mean"] == pytest.approx(50.0, abs=0.05)
    assert m["peak"] == pytest.approx(80.0, abs=1e-3)
    assert m["iemg"] == pytest.approx(integrate.trapezoid(env, t))
    assert m["iemg"] == pytest.approx(100.0, rel=1e-3)  # integral of the mean over 2 s
    assert m["time_above_s"] == pytest.approx(1.0, abs=2 / fs)
    assert m["time_above_pct"] == pytest.approx(50.0, abs=0.1)
    assert "time_above_s" not in activation_metrics(env, fs, None)
    with pytest.raises(AnalysisError):
        activation_metrics(np.array([]), fs, None)
    with pytest.raises(AnalysisError):
        activation_metrics(env, 0.0, None)


def test_cv():
    assert coefficient_of_variation([2.0, 4.0, 6.0]) == pytest.approx(np.std([2, 4, 6], ddof=1) / 4 * 100)
    assert math.isnan(coefficient_of_variation([1.0]))
    assert math.isnan(coefficient_of_variation([1.0, -1.0]))


def test_load_split():
    split = load_split({"left": np.full(10, 300.0), "right": np.full(10, 100.0)})
    assert split == {"left": 75.0, "right": 25.0}
    with pytest.raises(AnalysisError):
        load_split({"left": np.ones(3)})
    with pytest.raises(AnalysisError, match="no load"):
        load_split({"a": np.zeros(3), "b": np.zeros(3)})


def test_robinson_and_lsi_published_form():
    # Robinson et al. 1987: SI = (X_R - X_L) / (0.5 (X_R + X_L)) x 100 with R unaffected
    assert robinson_si(affected=14.0, unaffected=27.0) == pytest.approx((27 - 14) / 20.5 * 100)
    assert limb_symmetry_index(affected=14.0, unaffected=27.0) == pytest.approx(14 / 27 * 100)
    assert math.isnan(robinson_si(0.0, 0.0))
    assert math.isnan(limb_symmetry_index(1.0, 0.0))
    assert math.isnan(robinson_si(math.nan, 1.0))


@settings(max_examples=50, deadline=None)
@given(a=st.floats(0.01, 1e3), u=st.floats(0.01, 1e3))
def test_symmetry_invariants(a, u):
    si = robinson_si(a, u)
    assert -200.0 < si < 200.0
    assert robinson_si(u, a) == pytest.approx(-si, abs=1e-9)
    assert robinson_si(a, a) == 0.0 and limb_symmetry_index(a, a) == 100.0
    # SI and LSI describe the same ratio: SI = 200 (1 - L) / (1 + L) with L = LSI / 100
    lsi = limb_symmetry_index(a, u) / 100.0
    assert si == pytest.approx(200.0 * (1 - lsi) / (1 + lsi), rel=1e-9, abs=1e-9)


def test_compare_sides_and_summary_line():
    r = compare_sides("stance", "GM emg_mean", "%MVC", left=14.0, right=27.0, affected_side="left")
    assert r.lsi_pct == pytest.approx(14 / 27 * 100)
    line = summary_line(r, "GM activation in single-leg stance")
    assert line == "GM activation in single-leg stance: left 14 %MVC, right 27 %MVC, affected side (left) 48 % lower"
    r2 = compare_sides("stance", "GM emg_mean", "%MVC", left=27.0, right=14.0, affected_side="right")
    assert r2.si_pct == pytest.approx(r.si_pct)
    r3 = compare_sides("stance", "GM emg_mean", "%MVC", left=30.0, right=20.0, affected_side="left")
    assert "affected side (left) 50 % higher" in summary_line(r3, "x")
    r4 = compare_sides("stance", "GM emg_mean", "%MVC", left=30.0, right=20.0, affected_side=None)
    assert "right 33 % lower (no affected side given)" in summary_line(r4, "x")
    assert "not comparable" in summary_line(compare_sides("s", "q", "", math.nan, 1.0, None), "x")
    with pytest.raises(ValueError):
        compare_sides("s", "q", "", 1.0, 1.0, "middle")

"""The ``quijoux2021`` convention against the numbers of its reference code on real COP.

Expected values: ``data/quijoux2021_expected.json``, produced by the reference code of
Quijoux et al. (2021) (commit and procedure in its ``provenance``) on the Duarte data sets
and the BTK C3D plates; only the numbers are kept here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.errors import ForcePlateError
from emgforce.forceplate import Plate, center_of_pressure, forces_from_raw, sway_descriptors
from emgforce.forceplate.flags import trend_r2
from emgforce.forceplate.swarii import swarii
from emgforce.forceplate.sway_dynamics import principal_sway_direction, sway_density, velocity_peaks
from tests.forceplate.test_realdata import duarte_cop_cm, load_c3d

EXPECTED = json.loads((Path(__file__).parent / "data" / "quijoux2021_expected.json").read_text())
L, A = 1e-2, 1e-4  # the reference works in cm: cm -> m, cm^2 -> m^2


def _names() -> dict[str, tuple[str, float]]:
    """Reference name -> (our name, factor from the reference's unit to ours)."""
    m = {}
    for ax, sfx in (("ML", "_ml"), ("AP", "_ap")):
        m |= {f"mean_value_{ax}": (f"mean_value{sfx}_m", L), f"mean_distance_{ax}": (f"mean_distance{sfx}_m", L),
              f"maximal_distance_{ax}": (f"maximal_distance{sfx}_m", L), f"rms_{ax}": (f"rms_distance{sfx}_m", L),
              f"range_{ax}": (f"range{sfx}_m", L), f"mean_velocity_{ax}": (f"mean_velocity{sfx}_m_s", L),
              f"phase_plane_parameter_{ax}": (f"phase_plane_parameter{sfx}_m", L),
              f"zero_crossing_SPD_{ax}": (f"velocity_zero_crossings{sfx}", 1),
              f"peak_velocity_pos_SPD_{ax}": (f"peak_velocity_positive{sfx}_m_s", L),
              f"peak_velocity_neg_SPD_{ax}": (f"peak_velocity_negative{sfx}_m_s", L),
              f"peak_velocity_all_SPD_{ax}": (f"peak_velocity_all{sfx}_m_s", L),
              f"mean_frequency_{ax}": (f"mean_frequency{sfx}_hz", 1)}
        p = f"_Power_Spectrum_Density_{ax}"
        m |= {f"total_power{p}": (f"total_power{sfx}_m2_hz", A), f"power_frequency_50{p}": (f"f50{sfx}_hz", 1),
              f"power_frequency_95{p}": (f"f95{sfx}_hz", 1), f"frequency_mode{p}": (f"frequency_mode{sfx}_hz", 1),
              f"centroid_frequency{p}": (f"centroidal_frequency{sfx}_hz", 1),
              f"frequency_dispersion{p}": (f"frequency_dispersion{sfx}", 1),
              f"energy_content_below_05{p}": (f"energy_below_0p5{sfx}_m2_hz", A),
              f"energy_content_05_2{p}": (f"energy_0p5_2{sfx}_m2_hz", A),
              f"energy_content_above_2{p}": (f"energy_above_2{sfx}_m2_hz", A),
              f"frequency_quotient{p}": (f"frequency_quotient{sfx}", 1)}
        d = f"_Diffusion_{ax}"
        m |= {f"short_time_diffusion{d}": (f"short_time_diffusion{sfx}_m2", A),
              f"long_time_diffusion{d}": (f"long_time_diffusion{sfx}_m2", A),
              f"critical_time{d}": (f"critical_time{sfx}_s", 1),
              f"critical_displacement{d}": (f"critical_displacement{sfx}_m2", A),
              f"short_time_scaling{d}": (f"short_time_scaling{sfx}", 1),
              f"long_time_scaling{d}": (f"long_time_scaling{sfx}", 1)}
    return m | {
        "mean_distance_Radius": ("mean_distance_m", L), "maximal_distance_Radius": ("maximal_distance_m", L),
        "rms_Radius": ("rms_distance_m", L), "range_ML_AND_AP": ("range_m", L),
        "range_ratio_ML_AND_AP": ("range_ratio", 1), "planar_deviation_ML_AND_AP": ("planar_deviation_m", L),
        "coefficient_sway_direction_ML_AND_AP": ("coefficient_sway_direction", 1),
        "confidence_ellipse_area_ML_AND_AP": ("area_prediction_ellipse95_m2", A),
        "principal_sway_direction_ML_AND_AP": ("principal_sway_direction_deg", 1),
        "mean_velocity_ML_AND_AP": ("mean_velocity_m_s", L),
        "sway_area_per_second_ML_AND_AP": ("sway_area_per_second_m2_s", A),
        "LFS_ML_AND_AP": ("length_over_area_1_m", 1 / L), "fractal_dimension_ML_AND_AP": ("fractal_dimension_ce", 1),
        "mean_peak_Sway_Density": ("sway_density_mean_peak_s", 1),
        "mean_distance_peak_Sway_Density": ("sway_density_peak_distance_m", L),
        "mean_frequency_ML_AND_AP": ("mean_frequency_hz", 1),
    }


NAMES = _names()


def real_cop(shared_data, trial):
    """The COP (m) and rate that the provenance of each trial describes."""
    if trial.startswith("FunctionalStatic"):
        pl = load_c3d(shared_data / "btk" / "FunctionalStatic.c3d")[int(trial[-1]) - 1]
        plate = Plate.from_c3d(pl["type"], pl["corners"], pl["origin"])
        res = center_of_pressure(forces_from_raw(pl["analog"], plate), plate, fz_threshold_n=20.0)
        assert res.valid.all()
        return res.cop_m, 1080.0
    cop = duarte_cop_cm(shared_data, trial.split("_")[0]) / 100.0
    return (cop[:3000] if trial.endswith("first30s") else cop), 100.0


def test_expected_values_cover_the_72_descriptors():
    full = EXPECTED["trials"]["BDS00010"]["values_cm"]
    assert len(full) == 72 and set(full) == set(NAMES)
    assert "c66a0e4759708c4a4e63c28850d9b5243b197aa2" in EXPECTED["provenance"]["reference_code"]


@pytest.mark.realdata
@pytest.mark.parametrize("trial", sorted(EXPECTED["trials"]))
def test_every_descriptor_equals_the_reference_code(shared_data, trial):
    ref = EXPECTED["trials"][trial]
    cop, fs = real_cop(shared_data, trial)
    res = sway_descriptors(cop, fs, convention="quijoux2021")
    assert res.convention == "quijoux2021" and res.fs_hz == 25.0
    assert res.n_samples == ref["n_resampled"]
    assert set(res.keys()) == {ours for ours, _ in NAMES.values()}
    for name, value in ref["values_cm"].items():
        ours, factor = NAMES[name]
        assert res[ours] == pytest.approx(value * factor, rel=1e-6), (name, ours)
    # what the reference could not compute (diffusion of a 5.5 s trial) is NaN, with a reason and a flag
    missing = {NAMES[n][0] for n in NAMES if n not in ref["values_cm"]}
    assert bool(missing) == bool(ref["errors"])
    for k in missing:
        assert np.isnan(res[k]) and "too short" in res.reasons[k] and "too_short" in res.flags[k]


@pytest.mark.realdata
def test_short_trial_spectrum_is_computed_but_flagged(shared_data):
    cop, fs = real_cop(shared_data, "FunctionalStatic_PF1")  # 5.5 s: the 10 s Welch segment does not fit
    res = sway_descriptors(cop, fs, convention="quijoux2021")
    assert np.isfinite(res["f50_ml_hz"]) and res.flags["f50_ml_hz"] == ("too_short",)
    assert "mean_velocity_m_s" not in res.flags
    full = sway_descriptors(real_cop(shared_data, "PDS13CF1")[0], 100.0, convention="quijoux2021")
    assert "f50_ml_hz" not in full.flags


@pytest.mark.realdata
def test_negative_diffusion_slope_on_real_30s_cop_is_flagged(shared_data):
    """Issue 15: a real 30 s COP gives a negative long-term diffusion coefficient; it now says so."""
    cop, fs = real_cop(shared_data, "BDS00010_first30s")
    res = sway_descriptors(cop, fs)
    assert res["diffusion_long_ap_m2_s"] < 0
    assert res.flags["diffusion_long_ap_m2_s"] == ("negative_slope",)
    assert all(res[k] >= 0 for k in res.keys() if k.startswith("diffusion_") and k not in res.flags)


def test_drift_is_flagged_non_stationary():
    rng = np.random.default_rng(1)
    sway = np.cumsum(rng.normal(size=(3000, 2)), axis=0) * 1e-5
    sway -= np.linspace(0, 1, 3000)[:, None] * (sway[-1] - sway[0])  # a random walk with no net drift
    assert (trend_r2(sway) < 0.5).all()
    assert not any("non_stationary" in f for f in sway_descriptors(sway, 100.0).flags.values())
    lean = sway + np.linspace(0, 0.05, 3000)[:, None] * [0, 1]  # 5 cm forward lean over 30 s
    for convention in ("emgforce", "quijoux2021"):
        res = sway_descriptors(lean, 100.0, convention=convention)
        assert all("non_stationary" in res.flags[k] for k in res.keys())
    t = np.arange(100.0)
    assert trend_r2(np.c_[t, -2 * t + 3]) == pytest.approx([1, 1])


@pytest.mark.realdata
def test_short_trial_flags_in_the_default_convention(shared_data):
    cop, fs = real_cop(shared_data, "BDS00010")
    res = sway_descriptors(cop[:1000], fs)  # 10 s: Welch segments of 5 s cannot resolve 0.15 Hz
    assert np.isfinite(res["f50_ml_hz"]) and "too_short" in res.flags["f50_ml_hz"]
    assert np.isnan(res["diffusion_long_m2_s"]) and "too_short" in res.flags["diffusion_long_m2_s"]
    assert "mean_velocity_m_s" not in res.flags
    assert "f50_ml_hz" not in sway_descriptors(cop[:2000], fs).flags  # 20 s is enough
    tiny = sway_descriptors(cop[:5], fs)  # too short even for the low-pass: all NaN, all flagged
    assert all(np.isnan(v) and tiny.flags[k] == ("too_short",) for k, v in tiny.values.items())


def test_unusable_segments_give_nan_with_reasons():
    from emgforce.forceplate.quijoux2021 import QUIJOUX2021_KEYS

    assert len(QUIJOUX2021_KEYS) == 72 and set(QUIJOUX2021_KEYS) == {ours for ours, _ in NAMES.values()}
    masked = np.zeros((3000, 2))
    masked[100] = np.nan
    short = np.random.default_rng(0).normal(size=(30, 2)) * 1e-3
    for cop, why, flag in ((masked, "NaN", None), (short, "too short", "too_short")):
        res = sway_descriptors(cop, 100.0, convention="quijoux2021")
        assert set(res.keys()) == set(QUIJOUX2021_KEYS)
        assert all(np.isnan(v) for v in res.values.values())
        assert all(why in res.reasons[k] for k in QUIJOUX2021_KEYS)
        assert all((flag in res.flags.get(k, ())) == (flag is not None) for k in QUIJOUX2021_KEYS)


@pytest.mark.realdata
@pytest.mark.parametrize("shift_m", [(0.5, -0.3), (-2.0, 1.0)])
def test_moving_the_plate_origin_changes_only_the_mean_value(shared_data, shift_m):
    cop, fs = real_cop(shared_data, "BDS00010_first30s")
    a = sway_descriptors(cop, fs, convention="quijoux2021")
    b = sway_descriptors(cop + shift_m, fs, convention="quijoux2021")
    for k in a.keys():
        if k.startswith("mean_value"):
            assert b[k] - a[k] == pytest.approx(shift_m[k.endswith("_ap_m")], rel=1e-9)
        elif not np.isnan(a[k]):
            assert b[k] == pytest.approx(a[k], rel=1e-7, abs=1e-15), k


def test_unknown_convention_is_refused():
    with pytest.raises(ForcePlateError, match="convention"):
        sway_descriptors(np.zeros((100, 2)), 100.0, convention="prieto")


def test_velocity_peaks_of_a_sinusoid():
    fs, f, a = 100.0, 0.5, 0.02
    t = np.arange(0, 10, 1 / fs) + 0.5 / fs  # never exactly zero
    v = a * np.sin(2 * np.pi * f * t)
    res = velocity_peaks(v)
    assert res.zero_crossings == 9  # 10 s of a 0.5 Hz sine: 9 sign changes
    assert res.peak_positive_m_s == pytest.approx(a, rel=1e-3)
    assert res.peak_negative_m_s == pytest.approx(a, rel=1e-3)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-1, 1), min_size=3, max_size=60).filter(lambda v: any(v)))
def test_velocity_zero_crossings_count_sign_changes(v):
    s = np.sign([x for x in v if x != 0])
    assert velocity_peaks(np.array(v)).zero_crossings == int((s[1:] != s[:-1]).sum())


@pytest.mark.parametrize("angle", [0.0, 30.0, 60.0, 90.0])
def test_principal_sway_direction_of_a_tilted_ellipse(angle):
    rng = np.random.default_rng(2)
    z = rng.normal(size=(20000, 2)) * [3.0, 1.0]  # long axis first
    th = np.radians(angle)
    ml_ap = z @ np.array([[np.sin(th), np.cos(th)], [-np.cos(th), np.sin(th)]])  # long axis angle from AP
    assert principal_sway_direction(ml_ap) == pytest.approx(angle, abs=1.0)


def test_sway_density_of_a_still_then_moving_cop():
    fs = 25.0
    still = np.zeros((50, 2))
    moving = np.c_[np.arange(1, 51) * 0.01, np.zeros(50)]  # 1 cm per sample: leaves a 3 mm radius at once
    dens = sway_density(np.r_[still, moving], fs)
    # before smoothing: 49 other still samples around each still one (1.96 s), 0 when moving
    assert dens[10:40].mean() == pytest.approx(49 / fs, rel=0.05)
    assert dens[-30:-10].mean() == pytest.approx(0.0, abs=0.02)


@settings(max_examples=20, deadline=None)
@given(st.floats(-1, 1), st.floats(-1, 1), st.sampled_from([100.0, 200.0, 1080.0]))
def test_swarii_of_a_constant_is_that_constant(x, y, fs):
    t = np.arange(int(2 * fs)) / fs
    out = swarii(t, np.tile([x, y], (t.size, 1)))
    assert abs(out.shape[0] - t[-1] * 25) <= 1  # one sample per 40 ms while below the last time
    np.testing.assert_allclose(out, np.tile([x, y], (out.shape[0], 1)), atol=1e-15)


def test_swarii_of_a_line_is_the_line_inside():
    """A symmetric weighted average of a straight line is the line (away from the ends)."""
    fs = 100.0
    t = np.arange(500) / fs
    out = swarii(t, np.c_[2 * t, -t + 1])
    grid = np.arange(out.shape[0]) * 0.04
    np.testing.assert_allclose(out[2:-2], np.c_[2 * grid, -grid + 1][2:-2], atol=1e-12)


def test_swarii_refuses_a_gap():
    t = np.r_[np.arange(0, 1, 0.01), np.arange(2, 3, 0.01)]
    with pytest.raises(ForcePlateError, match="gap"):
        swarii(t, np.zeros((t.size, 2)))

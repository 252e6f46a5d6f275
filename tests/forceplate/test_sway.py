"""Sway descriptors against closed forms and plain-numpy write-outs of the published formulas."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal, stats

from emgforce.errors import ForcePlateError
from emgforce.forceplate import (
    confidence_circle_area,
    confidence_ellipse_area,
    fractal_dimension,
    frequency_descriptors,
    mean_distance,
    time_domain_mean_frequency,
    mean_velocity,
    path_length,
    prediction_ellipse_area,
    preprocess_cop,
    rms_distance,
    spectral_mean_frequency,
    sway_area_per_second,
    sway_descriptors,
    sway_range,
)

FS = 100.0


def circle(radius=0.01, freq=0.5, cycles=10, fs=FS):
    n = int(round(cycles / freq * fs))
    theta = 2 * np.pi * freq * np.arange(n) / fs
    return np.column_stack([radius * np.cos(theta), radius * np.sin(theta)]), theta[1] - theta[0]


def test_cop_on_a_circle():
    r = 0.01
    cop, dtheta = circle(r)
    n = cop.shape[0]
    md, rms = mean_distance(cop), rms_distance(cop)
    assert md.resultant == pytest.approx(r, rel=1e-9)
    assert rms.resultant == pytest.approx(r, rel=1e-9)
    assert md.ml == pytest.approx(2 * r / np.pi, rel=1e-3)  # mean |cos| = 2/pi
    assert rms.ml == pytest.approx(r / np.sqrt(2), rel=1e-9)
    chord = 2 * r * np.sin(dtheta / 2)
    assert path_length(cop).resultant == pytest.approx((n - 1) * chord, rel=1e-9)
    assert mean_velocity(cop, FS).resultant == pytest.approx((n - 1) * chord / (n / FS), rel=1e-9)
    rng_ = sway_range(cop)
    assert rng_.resultant == pytest.approx(2 * r, rel=1e-6)
    assert rng_.ml == pytest.approx(2 * r, rel=1e-6)
    # radius is constant: s_RD = 0 so the confidence circle is the circle itself
    assert confidence_circle_area(cop) == pytest.approx(np.pi * r**2, rel=1e-6)
    # each step sweeps a triangle of area r^2 sin(dtheta) / 2
    assert sway_area_per_second(cop, FS) == pytest.approx((n - 1) * r**2 * np.sin(dtheta) / 2 / (n / FS), rel=1e-9)
    # Prieto's MFREQ: the COP runs round a circle of radius MDIST at 0.5 Hz (chord vs arc)
    assert time_domain_mean_frequency(cop, FS).resultant == pytest.approx(0.5 * (n - 1) / n * chord / (r * dtheta), rel=1e-9)


def test_white_noise_with_known_covariance():
    rng = np.random.default_rng(0)
    n = 200_000
    cov = np.array([[4.0, 1.2], [1.2, 1.0]]) * 1e-6
    cop = rng.multivariate_normal([0.1, -0.2], cov, n)
    sd = np.sqrt(np.diag(cov))
    assert rms_distance(cop).ml == pytest.approx(sd[0], rel=0.01)
    assert rms_distance(cop).ap == pytest.approx(sd[1], rel=0.01)
    assert mean_distance(cop).ml == pytest.approx(sd[0] * np.sqrt(2 / np.pi), rel=0.01)
    det = np.linalg.det(cov)
    chi = stats.chi2.ppf(0.95, 2)
    assert prediction_ellipse_area(cop) == pytest.approx(np.pi * chi * np.sqrt(det), rel=0.01)
    assert prediction_ellipse_area(cop, method="chi2") == pytest.approx(np.pi * chi * np.sqrt(det), rel=0.01)
    # the prediction ellipse holds 95 % of the samples; the confidence ellipse of the mean holds the mean
    c = cop - cop.mean(axis=0)
    s_inv = np.linalg.inv(np.cov(c.T))
    d2 = np.einsum("ij,jk,ik->i", c, s_inv, c)
    k_pred = prediction_ellipse_area(cop) / (np.pi * np.sqrt(np.linalg.det(np.cov(c.T))))
    assert (d2 <= k_pred).mean() == pytest.approx(0.95, abs=0.003)
    conf = confidence_ellipse_area(cop)
    assert conf == pytest.approx(prediction_ellipse_area(cop) / (n + 1), rel=1e-9)
    prieto = confidence_ellipse_area(cop, method="prieto")
    assert prieto == pytest.approx(2 * np.pi * stats.f.ppf(0.95, 2, n - 2) * np.sqrt(np.linalg.det(np.cov(c.T))))
    assert prieto == pytest.approx(prediction_ellipse_area(cop), rel=0.01)


def test_confidence_ellipse_of_the_mean_covers_the_true_mean():
    rng = np.random.default_rng(1)
    cov = np.array([[2.0, -0.5], [-0.5, 1.0]])
    hits = 0
    trials = 400
    for _ in range(trials):
        x = rng.multivariate_normal([0, 0], cov, 30)
        m = x.mean(axis=0)
        s = np.cov(x.T)
        k = confidence_ellipse_area(x) / (np.pi * np.sqrt(np.linalg.det(s)))
        hits += m @ np.linalg.inv(s) @ m <= k
    assert hits / trials == pytest.approx(0.95, abs=0.03)


def test_sinusoidal_sway_of_known_frequency():
    f0, fs = 0.4, 50.0
    t = np.arange(int(100 * fs)) / fs  # 40 whole cycles
    ap = 0.005 * np.sin(2 * np.pi * f0 * t)
    cop = np.column_stack([np.zeros_like(ap) + 1e-3 * np.sin(2 * np.pi * 1.3 * t), ap])
    spec = frequency_descriptors(ap, fs)
    df = fs / (t.size // 2)
    for key in ("f50_hz", "f80_hz", "f95_hz", "centroidal_frequency_hz"):
        assert spec[key] == pytest.approx(f0, abs=2 * df)
    assert spec["frequency_dispersion"] < 0.1
    assert spec["total_power_m2"] == pytest.approx(0.005**2 / 2, rel=0.05)  # variance of a sinusoid
    assert spectral_mean_frequency(cop, fs).ap == pytest.approx(f0, abs=2 * df)
    assert spectral_mean_frequency(cop, fs).ml == pytest.approx(1.3, abs=2 * df)
    # Prieto's time-domain MFREQ_AP = MVELO / (4 sqrt2 MDIST) gives pi f / (2 sqrt 2) for a sinusoid
    assert time_domain_mean_frequency(cop, fs).ap == pytest.approx(np.pi * f0 / (2 * np.sqrt(2)), rel=1e-3)


def test_power_frequencies_against_a_numpy_write_out():
    rng = np.random.default_rng(2)
    x = np.cumsum(rng.normal(size=3000)) * 1e-4
    fs = 50.0
    f, g = signal.welch(x, fs, "hann", nperseg=1500, noverlap=750, nfft=1500, detrend="constant")
    sel = (f >= 0.15) & (f <= 5.0)
    f, g = f[sel], g[sel]
    cum = np.cumsum(g) / g.sum()
    m0, m1, m2 = (np.sum(f**k * g) for k in range(3))
    out = frequency_descriptors(x, fs)
    assert out["f50_hz"] == f[np.argmax(cum >= 0.5)]
    assert out["f95_hz"] == f[np.argmax(cum >= 0.95)]
    assert out["centroidal_frequency_hz"] == pytest.approx(np.sqrt(m2 / m0), rel=1e-12)
    assert out["frequency_dispersion"] == pytest.approx(np.sqrt(1 - m1**2 / (m0 * m2)), rel=1e-12)


def test_fractal_dimension_write_out():
    rng = np.random.default_rng(3)
    cop = np.cumsum(rng.normal(size=(2000, 2)), axis=0) * 1e-4
    n = cop.shape[0]
    c = cop - cop.mean(axis=0)
    rd = np.hypot(*c.T)
    d_cc = 2 * (rd.mean() + 1.645 * np.sqrt((rd**2).mean() - rd.mean() ** 2))
    totex = np.hypot(*np.diff(cop, axis=0).T).sum()
    assert fractal_dimension(cop, "circle") == pytest.approx(np.log(n) / np.log(n * d_cc / totex), rel=1e-4)
    s = np.cov(c.T)
    axes = 2 * np.sqrt(2 * stats.f.ppf(0.95, 2, n - 2) * np.linalg.eigvalsh(s))  # major, minor diameters
    d_ce = np.sqrt(axes[0] * axes[1])
    assert fractal_dimension(cop, "ellipse") == pytest.approx(np.log(n) / np.log(n * d_ce / totex), rel=1e-9)
    # a straight back-and-forth line is near 1, a dense random walk near 2
    assert 1.0 < fractal_dimension(cop) < 2.0


def test_sway_descriptors_names_units_and_preprocessing():
    rng = np.random.default_rng(4)
    fs = 200.0
    cop = np.cumsum(rng.normal(size=(int(40 * fs), 2)), axis=0) * 2e-5
    res = sway_descriptors(cop, fs)
    assert not res.reasons or all("cross" in v for v in res.reasons.values())
    for name in ("mean_distance_ml_m", "rms_distance_ap_m", "range_m", "path_length_m", "mean_velocity_ml_m_s",
                 "area_confidence_circle95_m2", "area_prediction_ellipse95_m2", "area_confidence_ellipse95_m2",
                 "sway_area_per_second_m2_s", "mean_frequency_hz", "mean_frequency_psd_hz", "f50_ml_hz",
                 "f80_ap_hz", "f95_hz", "centroidal_frequency_ml_hz", "frequency_dispersion_ap",
                 "total_power_m2", "fractal_dimension_cc", "fractal_dimension_ce", "diffusion_short_m2_s",
                 "diffusion_long_ap_m2_s", "critical_time_ml_s", "hurst_short", "sample_entropy_ml",
                 "sample_entropy"):
        assert name in res and np.isfinite(res[name]) or name in res.reasons
    assert res.lowpass_hz == 10.0 and res.fs_hz == fs and res.duration_s == pytest.approx(40.0)
    filtered, _ = preprocess_cop(cop, fs)
    sos = signal.butter(2, 10.0, fs=fs, output="sos")
    np.testing.assert_allclose(filtered, signal.sosfiltfilt(sos, cop, axis=0))
    assert res["mean_velocity_m_s"] == pytest.approx(mean_velocity(filtered, fs).resultant, rel=1e-12)
    raw = sway_descriptors(cop, fs, lowpass_hz=None)
    assert raw["mean_velocity_m_s"] == pytest.approx(mean_velocity(cop, fs).resultant, rel=1e-12)
    down = sway_descriptors(cop, fs, resample_hz=50.0)
    assert down.fs_hz == 50.0 and down.n_samples == cop.shape[0] // 4


def test_bad_segments_give_nan_with_reasons():
    fs = 100.0
    rng = np.random.default_rng(5)
    cop = np.cumsum(rng.normal(size=(600, 2)), axis=0) * 1e-4  # 6 s: too short for diffusion to 10 s
    res = sway_descriptors(cop, fs)
    assert np.isnan(res["diffusion_long_m2_s"])
    assert "stabilogram_diffusion" in res.reasons["diffusion_long_m2_s"] and "too short" in res.reasons["diffusion_long_m2_s"]
    assert np.isfinite(res["mean_velocity_m_s"]) and "mean_velocity_m_s" not in res.reasons
    masked = cop.copy()
    masked[100:110] = np.nan
    bad = sway_descriptors(masked, fs)
    assert all(np.isnan(v) for v in bad.values.values())
    assert set(bad.reasons) == set(bad.values) and "10 of 600 samples" in bad.reasons["mean_velocity_m_s"]
    with pytest.raises(ForcePlateError, match="NaN"):
        prediction_ellipse_area(masked)
    with pytest.raises(ForcePlateError, match="shape"):
        sway_descriptors(cop[:, :1], fs)
    with pytest.raises(ForcePlateError, match="too short"):
        prediction_ellipse_area(cop[:3])
    tiny = sway_descriptors(cop[:40], fs, lowpass_hz=None)
    assert "frequency_descriptors" in tiny.reasons["f50_ml_hz"]
    short = sway_descriptors(cop[:9], fs)
    assert set(short.reasons) == set(short.values) and "low-pass: segment too short" in short.reasons["range_m"]
    still = sway_descriptors(np.ones((500, 2)) * 0.1, fs, lowpass_hz=None)
    assert "does not move" in still.reasons["mean_frequency_hz"]
    assert "does not move" in still.reasons["f50_ml_hz"]
    assert "does not move" in still.reasons["sample_entropy_ml"]


@settings(max_examples=20, deadline=None)
@given(angle=st.floats(-np.pi, np.pi), dx=st.floats(-1, 1), dy=st.floats(-1, 1), seed=st.integers(0, 1000))
def test_planar_descriptors_ignore_where_the_plate_is_and_how_it_is_turned(angle, dx, dy, seed):
    rng = np.random.default_rng(seed)
    cop = np.cumsum(rng.normal(size=(1500, 2)), axis=0) * 1e-4
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = cop @ rot.T + [dx, dy]
    a = sway_descriptors(cop, 50.0, short_term_s=(0.0, 1.0), long_term_s=(2.5, 10.0))
    b = sway_descriptors(moved, 50.0)
    for name in ("mean_distance_m", "rms_distance_m", "range_m", "path_length_m", "mean_velocity_m_s",
                 "area_confidence_circle95_m2", "area_prediction_ellipse95_m2", "area_confidence_ellipse95_m2",
                 "sway_area_per_second_m2_s", "mean_frequency_hz", "fractal_dimension_cc", "fractal_dimension_ce",
                 "diffusion_short_m2_s", "diffusion_long_m2_s", "sample_entropy"):
        assert b[name] == pytest.approx(a[name], rel=1e-6, abs=1e-15), name


def test_coverage_probability_outside_zero_one_is_refused_not_nan():
    cop = np.cumsum(np.random.default_rng(6).normal(size=(1500, 2)), axis=0) * 1e-4
    for p in (0.0, 1.0, 1.5, -0.2, float("nan")):
        for area in (confidence_circle_area, prediction_ellipse_area, confidence_ellipse_area):
            with pytest.raises(ForcePlateError, match="probability"):
                area(cop, p)
        with pytest.raises(ForcePlateError, match="probability"):
            sway_descriptors(cop, 50.0, probability=p)
    with pytest.raises(ForcePlateError, match="lowpass_hz"):
        sway_descriptors(cop, 50.0, lowpass_hz="ten")
    with pytest.raises(ForcePlateError, match="fs_hz"):
        mean_velocity(cop, "fast")


def test_resampling_an_offset_cop_adds_no_edge_artefacts():
    # A COP 0.3 m / -0.2 m from the plate origin swaying as a 0.5 Hz sine of 5 mm amplitude:
    # after 10 Hz low-pass and 1 kHz -> 100 Hz resampling the range must stay the sine's 10 mm.
    from emgforce.forceplate import preprocess_cop

    fs = 1000.0
    t = np.arange(20_000) / fs
    sway = 0.005 * np.sin(2 * np.pi * 0.5 * t)
    cop = np.column_stack([0.3 + sway, -0.2 + sway])
    out, fs_out = preprocess_cop(cop, fs, lowpass_hz=10.0, resample_hz=100.0)
    assert fs_out == 100.0 and out.shape == (2000, 2)
    np.testing.assert_allclose(np.ptp(out, axis=0), [0.010, 0.010], rtol=0.01)

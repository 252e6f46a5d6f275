"""Sample entropy against the O(N^2) definition; stabilogram diffusion against Brownian motion."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.errors import ForcePlateError
from emgforce.forceplate import mean_square_displacement, sample_entropy, stabilogram_diffusion


def sampen_naive(x, m, r):
    """Richman & Moorman (2000) by brute force: all pairs i < j of the n - m templates."""
    n = len(x)
    tm = np.array([x[i:i + m] for i in range(n - m)])
    tm1 = np.array([x[i:i + m + 1] for i in range(n - m)])
    b = a = 0
    for i in range(n - m - 1):
        b += np.sum(np.max(np.abs(tm[i + 1:] - tm[i]), axis=1) <= r)
        a += np.sum(np.max(np.abs(tm1[i + 1:] - tm1[i]), axis=1) <= r)
    return -np.log(a / b)


@pytest.mark.parametrize("m", [1, 2, 3])
@pytest.mark.parametrize("kind", ["noise", "walk", "sine", "quantised"])
def test_sample_entropy_equals_the_all_pairs_definition(m, kind):
    rng = np.random.default_rng(m)
    n = 800
    x = {
        "noise": rng.normal(size=n),
        "walk": np.cumsum(rng.normal(size=n)),
        "sine": np.sin(np.arange(n) * 0.3) + 0.1 * rng.normal(size=n),
        "quantised": rng.integers(0, 5, n).astype(float),  # many ties at exactly r
    }[kind]
    r = 0.2 * np.std(x)
    assert sample_entropy(x, m, 0.2) == pytest.approx(sampen_naive(x, m, r), rel=1e-12)
    assert sample_entropy(x, m, 1.0, r_relative=False) == pytest.approx(sampen_naive(x, m, 1.0), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(0, 4), min_size=6, max_size=80),
    m=st.integers(1, 4),
    r=st.sampled_from([0.5, 1.0, 2.0]),
    scale=st.sampled_from([1.0, 0.1, 1e-3]),
)
def test_pair_counts_equal_the_definition_with_ties(values, m, r, scale):
    """Exact ties at r (quantised data, decimal scales) count as matches, as ``|a - b| <= r`` says."""
    from emgforce.forceplate._kernels import sample_entropy_counts

    x = np.asarray(values, dtype=float) * scale
    tol = r * scale
    n = x.size  # >= 6 >= m + 2
    tm1 = np.array([x[i:i + m + 1] for i in range(n - m)])
    a = b = 0
    for i in range(n - m - 1):
        d = np.abs(tm1[i + 1:] - tm1[i])
        match = d[:, :m].max(axis=1) <= tol
        b += int(match.sum())
        a += int((match & (d[:, m] <= tol)).sum())
    assert sample_entropy_counts(x, m, tol) == (a, b)


def test_sample_entropy_of_white_noise_closed_form():
    # for i.i.d. data SampEn = -ln P(|x_{i+m} - x_{j+m}| <= r); for N(0,1), |diff| ~ N(0, 2)
    from scipy import stats

    x = np.random.default_rng(0).normal(size=20000)
    r = 0.2 * np.std(x)
    p = stats.norm.cdf(r / np.sqrt(2)) - stats.norm.cdf(-r / np.sqrt(2))
    assert sample_entropy(x, 2, 0.2) == pytest.approx(-np.log(p), rel=0.03)


@settings(max_examples=25, deadline=None)
@given(scale=st.floats(1e-3, 1e3), shift=st.floats(-1e3, 1e3), seed=st.integers(0, 10_000))
def test_sample_entropy_is_invariant_to_affine_maps(scale, shift, seed):
    x = np.random.default_rng(seed).normal(size=300)
    assert sample_entropy(scale * x + shift) == pytest.approx(sample_entropy(x), rel=1e-9)
    assert sample_entropy(-x) == pytest.approx(sample_entropy(x), rel=1e-12)


def test_sample_entropy_bad_input():
    with pytest.raises(ForcePlateError, match="NaN"):
        sample_entropy(np.array([1.0, 2.0, np.nan, 1.0, 3.0]))
    with pytest.raises(ForcePlateError, match="too short"):
        sample_entropy(np.arange(3.0))
    with pytest.raises(ForcePlateError, match="undefined"):
        sample_entropy(np.random.default_rng(0).normal(size=20), 2, 0.01)
    with pytest.raises(ForcePlateError, match="does not move"):
        sample_entropy(np.ones(100))


def test_mean_square_displacement_equals_direct_sums():
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.normal(size=(1500, 2)), axis=0)
    msd = mean_square_displacement(x, 300)
    for k in (0, 1, 7, 150, 300):
        d = x[k:] - x[: len(x) - k]
        assert msd[k] == pytest.approx(np.mean((d**2).sum(axis=1)), rel=1e-9, abs=1e-12)


def test_diffusion_of_brownian_motion():
    fs = 100.0
    sigma = 1e-4
    rng = np.random.default_rng(2)
    cop = np.cumsum(rng.normal(0, sigma, (60_000, 2)), axis=0)  # 600 s of Brownian motion
    d_true = sigma**2 * fs / 2  # <dx^2> = sigma^2 fs dt = 2 D dt
    res = stabilogram_diffusion(cop, fs)
    for key in ("diffusion_short_ml_m2_s", "diffusion_short_ap_m2_s", "diffusion_long_ml_m2_s"):
        assert res.values[key] == pytest.approx(d_true, rel=0.15)
    assert res.values["diffusion_short_m2_s"] == pytest.approx(2 * d_true, rel=0.15)  # planar D = Dx + Dy
    assert res.values["hurst_short_ml"] == pytest.approx(0.5, abs=0.05)
    np.testing.assert_allclose(res.msd_m2, res.msd_ml_m2 + res.msd_ap_m2)


def test_diffusion_critical_point_of_a_bounded_process():
    # Ornstein-Uhlenbeck: diffuses at short lags, saturates at long lags -> the fits cross
    fs, tau, sigma = 100.0, 0.5, 1e-3
    n = 30_000
    rng = np.random.default_rng(3)
    a = np.exp(-1 / (fs * tau))
    x = np.zeros((n, 2))
    noise = rng.normal(0, sigma, (n, 2))
    for i in range(1, n):
        x[i] = a * x[i - 1] + noise[i]
    res = stabilogram_diffusion(x, fs)
    v = res.values
    assert v["diffusion_short_m2_s"] > 5 * abs(v["diffusion_long_m2_s"])
    assert 0.05 < v["critical_time_s"] < 2.5
    assert v["hurst_long"] < 0.2 < v["hurst_short"]
    # the critical point lies on both fitted lines: check against a numpy polyfit of the returned MSD
    t = res.lags_s
    s = (t > 0) & (t <= 1.0)
    lo = (t >= 2.5) & (t <= 10.0)
    ps, pl = np.polyfit(t[s], res.msd_m2[s], 1), np.polyfit(t[lo], res.msd_m2[lo], 1)
    tc = (pl[1] - ps[1]) / (ps[0] - pl[0])
    assert v["critical_time_s"] == pytest.approx(tc, rel=1e-9)
    assert v["critical_msd_m2"] == pytest.approx(np.polyval(ps, tc), rel=1e-9)


def test_mean_square_displacement_refuses_nan_and_impossible_lags():
    x = np.random.default_rng(4).normal(size=(100, 2))
    for lag in (100, -1, 2.5):
        with pytest.raises(ForcePlateError, match="max_lag"):
            mean_square_displacement(x, lag)
    x[10, 1] = np.nan
    with pytest.raises(ForcePlateError, match="NaN"):
        mean_square_displacement(x, 10)


def test_diffusion_too_short():
    with pytest.raises(ForcePlateError, match="too short"):
        stabilogram_diffusion(np.random.default_rng(0).normal(size=(800, 2)), 100.0)

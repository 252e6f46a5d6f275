"""Median/mean frequency and the fatigue slope against closed forms."""

import numpy as np
import pytest
import scipy.signal as ss

from emgforce.errors import SignalError
from emgforce.signal import mean_frequency, median_frequency, spectral_fatigue

FS = 2000.0


def test_tone_on_a_bin_has_its_own_median_and_mean_frequency():
    t = np.arange(int(2 * FS)) / FS
    f0 = 125.0  # bin 16 of a 256-point segment at 2 kHz: leakage is symmetric
    x = np.stack([np.sin(2 * np.pi * f0 * t), 3 * np.sin(2 * np.pi * 2 * f0 * t)], axis=1)
    np.testing.assert_allclose(median_frequency(x, FS), [f0, 2 * f0], rtol=1e-3)
    np.testing.assert_allclose(mean_frequency(x, FS), [f0, 2 * f0], rtol=1e-3)


def test_white_noise_in_a_band_has_its_centre():
    x = np.random.default_rng(2).standard_normal((int(60 * FS), 2))
    band = (50.0, 350.0)
    np.testing.assert_allclose(median_frequency(x, FS, band_hz=band), 200.0, atol=4.0)
    np.testing.assert_allclose(mean_frequency(x, FS, band_hz=band), 200.0, atol=4.0)
    # matches the definition computed directly from scipy's Welch PSD
    f, p = ss.welch(x[:, 0], fs=FS, nperseg=256)
    keep = (f >= band[0]) & (f <= band[1])
    mnf = np.trapezoid(f[keep] * p[keep], f[keep]) / np.trapezoid(p[keep], f[keep])
    assert mean_frequency(x[:, 0], FS, band_hz=band) == pytest.approx(mnf, rel=1e-12)


def test_falling_frequency_gives_negative_slope_in_percent_per_second():
    dur = 10.0
    t = np.arange(int(dur * FS)) / FS
    f_start, rate = 120.0, -4.0  # Hz, Hz/s: -3.33 %/s of the initial value
    x = np.sin(2 * np.pi * (f_start * t + 0.5 * rate * t ** 2))[:, None]
    res = spectral_fatigue(x, FS, epoch_s=0.5)
    assert res.times_s.shape == (20,) and res.mdf_hz.shape == (20, 1)
    np.testing.assert_allclose(res.times_s[:2], [0.25, 0.75])
    np.testing.assert_allclose(res.mdf_hz[:, 0], f_start + rate * res.times_s, atol=1.5)
    assert res.mdf_initial_hz[0] == pytest.approx(f_start, abs=1.0)
    assert res.mdf_slope_pct_s[0] == pytest.approx(100 * rate / f_start, rel=0.03)
    assert res.mnf_slope_pct_s[0] == pytest.approx(100 * rate / f_start, rel=0.03)


def test_fatigue_errors_and_single_epoch():
    with pytest.raises(SignalError, match="epoch"):
        spectral_fatigue(np.zeros((100, 1)), FS, epoch_s=0.5)
    one = spectral_fatigue(np.random.default_rng(0).standard_normal((1200, 1)), FS, epoch_s=0.5)
    assert one.mdf_hz.shape == (1, 1) and np.isnan(one.mdf_slope_pct_s[0])


def test_nan_raises_instead_of_a_nan_frequency():
    x = np.random.default_rng(1).standard_normal((4000, 2))
    x[10, 0] = np.nan
    with pytest.raises(SignalError, match="NaN"):
        median_frequency(x, FS)
    with pytest.raises(SignalError, match="NaN"):
        spectral_fatigue(x, FS)

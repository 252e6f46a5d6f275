"""Mains hum detection: synthetic lines in white and EMG-like noise."""

import numpy as np
import pytest
from scipy import signal as ss

from emgforce.signal.mains import detect_mains_hum


def _emg_like(n, fs, seed):
    """Gaussian noise band-passed 20-450 Hz (the sEMG band), 3 channels."""
    sos = ss.butter(4, [20, 450], btype="band", fs=fs, output="sos")
    return ss.sosfiltfilt(sos, np.random.default_rng(seed).normal(size=(n, 3)), axis=0)


@pytest.mark.parametrize("f0", [50.0, 60.0])
@pytest.mark.parametrize("fs", [1000.0, 2000.0, 2148.1])
def test_hum_found_in_the_channels_that_carry_it(f0, fs):
    x = _emg_like(int(20 * fs), fs, 1)
    t = np.arange(x.shape[0]) / fs
    x[:, 1] += 0.2 * x[:, 1].std() * np.sin(2 * np.pi * f0 * t + 0.3)
    hum = detect_mains_hum(x, fs)
    assert hum.f0_hz == f0 and hum.channels == (1,)


@pytest.mark.parametrize("seed", range(5))
def test_no_false_hum(seed):
    assert detect_mains_hum(_emg_like(40000, 2000.0, seed), 2000.0).f0_hz is None


def test_too_short_or_too_slow():
    assert detect_mains_hum(np.zeros((500, 1)), 2000.0).f0_hz is None
    assert detect_mains_hum(np.random.default_rng(0).normal(size=(5000, 1)), 100.0).f0_hz is None

"""MVC reference and %MVC."""

import numpy as np
import pytest

from emgforce.errors import SignalError
from emgforce.signal import mvc_reference, percent_mvc

FS = 1000.0


def naive_reference(trials, w):
    best = None
    for e in trials:
        means = np.array([e[i:i + w].mean(axis=0) for i in range(e.shape[0] - w + 1)])
        peak = means.max(axis=0)
        best = peak if best is None else np.maximum(best, peak)
    return best


def test_reference_is_max_of_one_second_moving_mean_over_trials():
    rng = np.random.default_rng(4)
    trials = [np.abs(rng.standard_normal((n, 3))) * s for n, s in ((2500, 1.0), (1800, 1.3), (3000, 0.9))]
    ref = mvc_reference(trials, FS)
    np.testing.assert_allclose(ref, naive_reference(trials, 1000), rtol=1e-12)
    # a short spike does not set the reference, a 1 s plateau does
    e = np.full((4000, 1), 1.0)
    e[100:110] = 50.0
    e[2000:3000] = 3.0
    assert mvc_reference(e, FS) == pytest.approx(3.0)
    assert mvc_reference(e[:, 0], FS, window_s=0.005) == pytest.approx(50.0)


def test_percent_mvc_is_never_clipped():
    env = np.array([[0.5, 1.0], [2.0, 3.0], [4.0, 0.0]])
    ref = np.array([2.0, 1.0])
    got = percent_mvc(env, ref)
    np.testing.assert_allclose(got, [[25.0, 100.0], [100.0, 300.0], [200.0, 0.0]])
    np.testing.assert_allclose(percent_mvc(env.T, ref, axis=1), got.T)


def test_normalization_errors():
    with pytest.raises(SignalError, match="shorter"):
        mvc_reference(np.ones((500, 2)), FS)
    with pytest.raises(SignalError, match="positive"):
        mvc_reference(np.zeros((2000, 2)), FS)
    with pytest.raises(SignalError, match="NaN"):
        mvc_reference(np.full((2000, 1), np.nan), FS)
    with pytest.raises(SignalError, match="channel"):
        mvc_reference([np.ones((2000, 2)), np.ones((2000, 3))], FS)
    with pytest.raises(SignalError):
        percent_mvc(np.ones((10, 2)), [1.0, 0.0])
    with pytest.raises(SignalError):
        percent_mvc(np.ones((10, 2)), [1.0, 2.0, 3.0])

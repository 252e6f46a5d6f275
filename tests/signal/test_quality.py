"""Quality flags and the non-finite policy of the offline pipeline."""

import logging

import numpy as np
import pytest
import scipy.signal as ss

from emgforce.errors import SignalError
from emgforce.signal import check_quality, emg_envelope

FS = 2000.0


@pytest.fixture()
def x():
    return np.random.default_rng(5).standard_normal((4000, 4))


def test_counts_nan_inf_and_saturation(x):
    x = x.copy()
    x[[3, 9, 10], 0] = np.nan
    x[7, 2] = -np.inf
    x[100:120, 3] = 2.5  # a clipped plateau at the channel maximum
    x[:, 3] = np.minimum(x[:, 3], 2.5)
    rep = check_quality(x, channel_names=["GM_L", "GM_R", "TFL_L", "TFL_R"])
    np.testing.assert_array_equal(rep.n_nan, [3, 0, 0, 0])
    np.testing.assert_array_equal(rep.n_inf, [0, 0, 1, 0])
    assert rep.n_saturated[3] >= 20 and rep.n_saturated[1] == 0
    np.testing.assert_array_equal(rep.ok, [False, True, False, False])
    assert "GM_L: NaN 3" in rep.summary() and "GM_R" not in rep.summary()
    lim = check_quality(x, limits=2.0)
    np.testing.assert_array_equal(lim.n_saturated[1], np.sum(np.abs(x[:, 1]) >= 2.0))
    assert check_quality(np.random.default_rng(0).standard_normal((1000, 2))).ok.all()
    with pytest.raises(SignalError, match="low < high"):
        check_quality(x, limits=(2.0, -2.0))


def test_nan_raises_by_default_naming_the_channel(x):
    x = x.copy()
    x[50, 2] = np.nan
    with pytest.raises(SignalError, match=r"\{2: 1\}"):
        emg_envelope(x, FS)


@pytest.mark.parametrize("policy", ["zero", "hold", "interpolate"])
def test_policies_repair_locally_and_log(x, policy, caplog):
    x = x.copy()
    x[1000:1010, 1] = np.nan
    repaired = x.copy()
    if policy == "zero":
        repaired[1000:1010, 1] = np.nanmean(x[:, 1])  # 0 after DC removal
    elif policy == "hold":
        repaired[1000:1010, 1] = x[999, 1]
    else:
        repaired[1000:1010, 1] = np.linspace(x[999, 1], x[1010, 1], 12)[1:-1]
    pre = ss.butter(2, (20, 450), btype="bandpass", fs=FS, output="sos")
    lp = ss.butter(2, 6.0, fs=FS, output="sos")
    ref = ss.sosfiltfilt(lp, np.abs(ss.sosfiltfilt(pre, repaired - repaired.mean(axis=0), axis=0)), axis=0)
    with caplog.at_level(logging.WARNING):
        got = emg_envelope(x, FS, nonfinite=policy)
    assert "non-finite" in caplog.text
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)

"""Filter design and application against scipy.signal."""

import numpy as np
import pytest
import scipy.signal as ss
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.errors import SignalError
from emgforce.signal import butter_sos, filter_causal, filter_zero_phase, notch_sos

FS = 2000.0


def rel_err(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


@pytest.mark.parametrize("order,cut,btype", [(2, (20, 450), "band"), (4, 6.0, "low"), (3, 10.0, "high"),
                                             (2, (45, 55), "bandstop")])
def test_butter_matches_scipy_design(order, cut, btype):
    kind = {"band": "bandpass", "low": "lowpass", "high": "highpass", "bandstop": "bandstop"}[btype]
    np.testing.assert_array_equal(butter_sos(order, cut, FS, btype),
                                  ss.butter(order, cut, btype=kind, fs=FS, output="sos"))


@pytest.mark.parametrize("cut,btype", [(1000.0, "low"), (1200.0, "high"), ((20, 1000), "band"),
                                       (0.0, "low"), ((450, 20), "band"), (-5.0, "high"), ((20,), "band")])
def test_butter_rejects_cutoffs_outside_nyquist(cut, btype):
    with pytest.raises(SignalError):
        butter_sos(2, cut, FS, btype)


def test_butter_rejects_bad_order_and_fs():
    with pytest.raises(SignalError):
        butter_sos(0, 6.0, FS, "low")
    with pytest.raises(SignalError):
        butter_sos(2, 6.0, 0.0, "low")
    with pytest.raises(SignalError):
        butter_sos(2, 6.0, FS, "weird")


def test_notch_removes_mains_and_harmonics():
    sos = notch_sos(50.0, FS, q=30.0, harmonics=3)
    assert sos.shape == (3, 6)
    t = np.arange(int(10 * FS)) / FS
    mid = slice(int(4 * FS), int(6 * FS))  # the narrow notch rings ~1 s at the edges
    for f in (50.0, 100.0, 150.0):
        y = filter_zero_phase(np.sin(2 * np.pi * f * t), sos)
        assert np.max(np.abs(y[mid])) < 1e-3
    # a tone between the notches passes (|H|^2 close to 1 at 75 Hz)
    y = filter_zero_phase(np.sin(2 * np.pi * 75.0 * t), sos)
    assert 0.95 < np.max(np.abs(y[mid])) < 1.01
    b, a = ss.iirnotch(100.0, 30.0, fs=FS)
    np.testing.assert_allclose(sos[1], ss.tf2sos(b, a)[0])


def test_notch_rejects_harmonic_above_nyquist():
    with pytest.raises(SignalError, match="Nyquist"):
        notch_sos(60.0, 250.0, harmonics=3)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(40, 400), shape=st.lists(st.integers(1, 5), min_size=0, max_size=2),
       axis_pos=st.integers(0, 2), dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**31))
def test_sosfilt_and_sosfiltfilt_equal_scipy_any_axis(n, shape, axis_pos, dtype, seed):
    rng = np.random.default_rng(seed)
    full = list(shape)
    axis = min(axis_pos, len(full))
    full.insert(axis, n)
    x = (rng.standard_normal(full) * 3 + 1).astype(dtype)
    sos = ss.butter(2, (20, 450), btype="bandpass", fs=FS, output="sos")
    ref = ss.sosfilt(sos, x.astype(np.float64), axis=axis)
    got = filter_causal(x, sos, axis=axis)
    assert got.dtype == dtype and got.shape == x.shape
    tol = 1e-10 if dtype == np.float64 else 1e-6
    assert rel_err(got, ref) < tol
    if n > 3 * (2 * 2 + 1):
        ref = ss.sosfiltfilt(sos, x.astype(np.float64), axis=axis)
        got = filter_zero_phase(x, sos, axis=axis)
        assert got.dtype == dtype and rel_err(got, ref) < tol


def test_sosfiltfilt_padding_rule_with_zero_coefficients():
    # a first-order section has b2 == a2 == 0: scipy shortens the padding by one tap
    sos = ss.butter(3, 30.0, fs=FS, output="sos")
    assert (sos[:, 5] == 0).sum() == 1
    x = np.random.default_rng(0).standard_normal((500, 4))
    np.testing.assert_allclose(filter_zero_phase(x, sos), ss.sosfiltfilt(sos, x, axis=0), rtol=0, atol=1e-12)
    # just longer than that padding works; scipy's length rule is kept
    pad = 3 * (2 * 2 + 1 - 1)
    x = np.random.default_rng(1).standard_normal(pad + 1)
    np.testing.assert_allclose(filter_zero_phase(x, sos), ss.sosfiltfilt(sos, x), rtol=0, atol=1e-12)
    with pytest.raises(SignalError, match="padding"):
        filter_zero_phase(x[:pad], sos)


def test_sosfilt_zi_in_and_out_like_scipy():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 300))
    sos = ss.butter(4, 40.0, fs=FS, output="sos")
    zi = rng.standard_normal((2, 3, 2))
    y, zf = filter_causal(x, sos, axis=1, zi=zi)
    yr, zr = ss.sosfilt(sos, x, axis=1, zi=zi)
    assert rel_err(y, yr) < 1e-10 and rel_err(zf, zr) < 1e-10
    # continuing from zf equals filtering the concatenation
    y2, _ = filter_causal(x, sos, axis=1, zi=zf)
    full = ss.sosfilt(sos, np.concatenate([x, x], axis=1), axis=1, zi=zi)[0]
    assert rel_err(np.concatenate([y, y2], axis=1), full) < 1e-10
    with pytest.raises(SignalError, match="zi"):
        filter_causal(x, sos, axis=1, zi=np.zeros((2, 2, 3)))


def test_filters_reject_bad_input():
    sos = ss.butter(2, 6.0, fs=FS, output="sos")
    with pytest.raises(SignalError):
        filter_causal(np.ones(10) + 1j, sos)
    with pytest.raises(SignalError):
        filter_causal(np.ones(10), sos[:, :5])
    with pytest.raises(SignalError):
        filter_causal(np.ones((10, 2)), sos, axis=2)
    with pytest.raises(SignalError, match="q"):
        notch_sos(50.0, FS, q="thirty")


def test_nan_is_refused_not_spread_over_the_output():
    # scipy returns NaN from the bad sample on (sosfilt) or everywhere (sosfiltfilt)
    sos = ss.butter(2, 6.0, fs=FS, output="sos")
    x = np.random.default_rng(2).standard_normal((300, 3))
    x[120, 2] = np.nan
    assert np.isnan(ss.sosfiltfilt(sos, x, axis=0)[:, 2]).all()
    with pytest.raises(SignalError, match=r"\{2: 1\}"):
        filter_zero_phase(x, sos)
    with pytest.raises(SignalError, match=r"\{2: 1\}"):
        filter_causal(x, sos)
    x[120, 2] = np.inf
    with pytest.raises(SignalError, match="NaN/inf"):
        filter_causal(x.T, sos, axis=1, zi=np.zeros((1, 3, 2)))


def test_old_names_are_deprecated_aliases():
    import emgforce.signal as sig

    sos = butter_sos(2, 10.0, 100.0, btype="low")
    x = np.sin(np.arange(200) / 5.0)
    for old, new in ((sig.sosfilt, filter_causal), (sig.sosfiltfilt, filter_zero_phase)):
        with pytest.warns(DeprecationWarning, match=f"use emgforce.signal.{new.__name__}"):
            np.testing.assert_array_equal(old(x, sos), new(x, sos))

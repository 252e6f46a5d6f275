"""Envelope over windows with padding, and one-sweep channel statistics, equal to the whole signal's."""

import numpy as np
import pytest
import scipy.signal as ss
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.errors import SignalError
from emgforce.signal import check_quality, emg_envelope
from emgforce.signal.mains import MainsHumSweep, detect_mains_hum
from emgforce.signal.quality import apply_policy
from emgforce.signal.sweep import ChannelSweep, sweep_channels
from emgforce.signal.windowed import WindowedEnvelope, envelope_padding

FS = 2000.0
N = 60_000
GAPS = ((0, 40), (9_000, 600), (20_150, 30), (41_000, 2_500), (N - 70, 70))  # whole rows lost


def _signal():
    rng = np.random.default_rng(7)
    t = np.arange(N) / FS
    x = rng.standard_normal((N, 3)) * (1 + 3 * (np.sin(2 * np.pi * 0.3 * t) > 0))[:, None] * 1e-4 + 2e-3
    x[:, 2] += 5e-5 * np.sin(2 * np.pi * 50 * t)
    for a, n in GAPS:
        x[a:a + n] = np.nan
    x[30_000:30_020, 1] = np.inf  # one channel only
    return x


X = _signal()


@pytest.fixture(scope="module")
def scipy_envelope():
    """The chain from scipy calls over the whole signal, its gaps interpolated by np.interp."""
    y = X.copy()
    t = np.arange(N)
    for c in range(y.shape[1]):
        bad = ~np.isfinite(y[:, c])
        y[bad, c] = np.interp(t[bad], t[~bad], y[~bad, c])
    pre = np.vstack([ss.butter(2, (20.0, 450.0), btype="bandpass", fs=FS, output="sos"),
                     ss.tf2sos(*ss.iirnotch(50.0, 30.0, fs=FS))])
    lp = ss.butter(4, 6.0, fs=FS, output="sos")
    return ss.sosfiltfilt(lp, np.abs(ss.sosfiltfilt(pre, y - y.mean(axis=0), axis=0)), axis=0)


def _windowed(**kw):
    mean = sweep_channels(X, chunk_rows=4096 * 3).mean_interpolated()
    return WindowedEnvelope(X, FS, mean=mean, notch_hz=50.0, lowpass_order=4, nonfinite="interpolate", **kw)


def test_padding_is_the_settling_of_both_filters():
    assert envelope_padding(FS) < envelope_padding(FS, notch_hz=50.0)  # the narrow notch rings longest
    assert _windowed().padding == envelope_padding(FS, notch_hz=50.0, lowpass_order=4) > 10_000


@settings(max_examples=30, deadline=None)
@given(start=st.integers(0, N - 1), length=st.integers(1, 30_000))
def test_any_window_equals_the_whole_signal_envelope(scipy_envelope, start, length):
    """Windows anywhere: touching either end, around or inside gaps, shorter than the padding."""
    stop = min(N, start + length)
    got = _windowed()(start, stop)
    ref = scipy_envelope[start:stop]
    assert got.shape == ref.shape
    assert np.abs(got - ref).max() <= 1e-9 * np.abs(scipy_envelope).max()


@pytest.mark.parametrize("start, stop", [(0, 10), (N - 10, N), (9_100, 9_500), (41_500, 42_000), (8_000, 12_000),
                                         (0, N)])
def test_windows_at_ends_and_in_gaps_equal_emg_envelope(start, stop):
    whole = emg_envelope(X, FS, notch_hz=50.0, lowpass_order=4, nonfinite="interpolate")
    got = _windowed()(start, stop)
    assert np.abs(got - whole[start:stop]).max() <= 1e-12 * np.abs(whole).max()


def test_raw_rows_read_by_the_caller_are_used_and_left_alone():
    w = _windowed()
    a, b = w.padded(20_000, 21_000)
    raw = X[a:b].copy()
    np.testing.assert_array_equal(w(20_000, 21_000, raw=raw), w(20_000, 21_000))
    np.testing.assert_array_equal(raw, X[a:b])
    with pytest.raises(SignalError, match="padded window"):
        w(20_000, 21_000, raw=raw[1:])


def test_refusals():
    with pytest.raises(SignalError, match="no finite sample"):
        WindowedEnvelope(X, FS, mean=[0.0, np.nan, 0.0], nonfinite="interpolate")
    with pytest.raises(SignalError, match="edge padding"):
        WindowedEnvelope(X[:10], FS, mean=[0.0] * 3)
    with pytest.raises(SignalError, match="nonfinite"):
        WindowedEnvelope(X, FS, mean=[0.0] * 3, nonfinite="zero")


def test_a_channel_lost_from_the_window_to_the_end_takes_the_last_value_before():
    x = X[:, :1].copy()
    x[50_000:] = np.nan
    mean = sweep_channels(x).mean_interpolated()
    w = WindowedEnvelope(x, FS, mean=mean, nonfinite="interpolate")
    whole = emg_envelope(x, FS, nonfinite="interpolate")
    assert np.abs(w(52_000, 53_000) - whole[52_000:53_000]).max() <= 1e-12 * np.abs(whole).max()


def _clipped():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5_000, 4))
    x[:, 3] = 1.5  # flat
    x[100:104, 0] = 9.0  # plateau at the maximum
    x[4_094:4_099, 0] = 9.0  # across a chunk edge
    x[4_998:, 0] = 9.0  # 2 at the end: too short
    x[700:703, 1] = -7.0  # at the minimum
    x[2_000:2_002, 1] = -7.0  # too short
    x[10, 2] = np.nan
    x[11:14, 2] = np.inf
    x[3_000:3_010] = np.nan
    return x


@settings(max_examples=25, deadline=None)
@given(chunk=st.integers(1, 6_000))
def test_sweep_statistics_equal_the_whole_signal_ones(chunk):
    x = _clipped()
    sweep = ChannelSweep(4, channel_names="abcd")
    for a in range(0, x.shape[0], chunk):
        sweep.add(x[a:a + chunk])
    got, ref = sweep.quality(), check_quality(x, channel_names="abcd")
    for field in ("n_samples", "n_nan", "n_inf", "n_saturated", "flat", "channel_names"):
        np.testing.assert_array_equal(getattr(got, field), getattr(ref, field))
    assert sweep.rows_nonfinite == int((~np.isfinite(x)).any(axis=1).sum())
    np.testing.assert_allclose(sweep.mean_interpolated(), apply_policy(x, "interpolate").mean(axis=0), rtol=1e-13)


def test_sweep_mean_of_a_channel_without_finite_samples_is_nan():
    sweep = ChannelSweep(2)
    sweep.add(np.array([[1.0, np.nan], [2.0, np.nan]]))
    mean = sweep.mean_interpolated()
    assert mean[0] == 1.5 and np.isnan(mean[1])


@settings(max_examples=10, deadline=None)
@given(chunk=st.integers(500, 40_000))
def test_mains_hum_sweep_equals_detect_mains_hum(chunk):
    sweep = MainsHumSweep(FS)
    for a in range(0, N, chunk):
        sweep.add(X[a:a + chunk])
    got, ref = sweep.result(), detect_mains_hum(X, FS)
    assert (got.f0_hz, got.channels) == (ref.f0_hz, ref.channels) == (50.0, (2,))
    assert got.excess_db == pytest.approx(ref.excess_db, rel=1e-12)  # welch's median bias factor cancels


def test_mains_hum_sweep_of_a_short_signal():
    sweep = MainsHumSweep(FS)
    sweep.add(X[9_600:14_000])
    assert sweep.result() == detect_mains_hum(X[9_600:14_000], FS)

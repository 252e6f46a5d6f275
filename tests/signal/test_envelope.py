"""Envelopes and the fused pipeline against scipy chains and closed forms."""

import numpy as np
import pytest
import scipy.signal as ss
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.constants import BANDPASS_HZ, ENVELOPE_LOWPASS_HZ
from emgforce.errors import SignalError
from emgforce.signal import (EnvelopeParams, emg_envelope, linear_envelope, moving_average_rectified, moving_rms,
                             rectify, tkeo)

FS = 2000.0


def rel_err(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


@pytest.fixture(scope="module")
def raw():
    rng = np.random.default_rng(11)
    n = int(3 * FS)
    t = np.arange(n) / FS
    burst = 1.0 + 4.0 * ((t > 1.0) & (t < 2.0))
    x = rng.standard_normal((n, 5)) * burst[:, None] + np.array([0.5, -2.0, 0.0, 10.0, 1e-3])
    x[:, 2] += 0.8 * np.sin(2 * np.pi * 50.0 * t)
    return x


def scipy_chain(x, notch=None, harmonics=1, lp_hz=ENVELOPE_LOWPASS_HZ):
    sos = [ss.butter(2, BANDPASS_HZ, btype="bandpass", fs=FS, output="sos")]
    if notch:
        for k in range(1, harmonics + 1):
            sos.append(ss.tf2sos(*ss.iirnotch(k * notch, 30.0, fs=FS)))
    pre = np.vstack(sos)
    lp = ss.butter(2, lp_hz, fs=FS, output="sos")
    y = ss.sosfiltfilt(pre, x - x.mean(axis=0), axis=0)
    return ss.sosfiltfilt(lp, np.abs(y), axis=0), pre, lp


def test_default_pipeline_equals_scipy_sosfiltfilt_chain(raw):
    ref, _, _ = scipy_chain(raw)
    got = emg_envelope(raw, FS)
    assert got.shape == raw.shape and rel_err(got, ref) < 1e-10


def test_notch_with_harmonics_and_overrides_equal_scipy(raw):
    ref, _, _ = scipy_chain(raw, notch=50.0, harmonics=2, lp_hz=3.0)
    got = emg_envelope(raw, FS, notch_hz=50.0, notch_harmonics=2, lowpass_hz=3.0)
    assert rel_err(got, ref) < 1e-10
    same = emg_envelope(raw, FS, params=EnvelopeParams(notch_hz=50.0, notch_harmonics=2, lowpass_hz=3.0))
    np.testing.assert_array_equal(got, same)


def test_causal_pipeline_equals_scipy_sosfilt_with_steady_state_start(raw):
    _, pre, lp = scipy_chain(raw)
    y, _ = ss.sosfilt(pre, raw, axis=0, zi=ss.sosfilt_zi(pre)[:, :, None] * raw[0])
    r = np.abs(y)
    ref, _ = ss.sosfilt(lp, r, axis=0, zi=ss.sosfilt_zi(lp)[:, :, None] * r[0])
    got = emg_envelope(raw, FS, zero_phase=False)
    assert rel_err(got, ref) < 1e-10


def test_pipeline_axis_and_float32(raw):
    ref, _, _ = scipy_chain(raw)
    got = emg_envelope(raw.T.astype(np.float32), FS, axis=1)
    assert got.dtype == np.float32 and got.shape == raw.T.shape
    assert rel_err(got.T, ref) < 1e-5
    one = emg_envelope(raw[:, 0], FS)
    assert one.shape == (raw.shape[0],) and rel_err(one, ref[:, 0]) < 1e-10


def test_rms_and_mav_pipelines_equal_numpy_windows(raw):
    pre = ss.butter(2, BANDPASS_HZ, btype="bandpass", fs=FS, output="sos")
    y = ss.sosfiltfilt(pre, raw - raw.mean(axis=0), axis=0)
    w = int(round(0.1 * FS)) // 2 * 2 + 1
    h = w // 2
    n = y.shape[0]
    ref_ms = np.empty_like(y)
    ref_mav = np.empty_like(y)
    for i in range(n):
        seg = y[max(0, i - h):min(n, i + h + 1)]
        ref_ms[i] = (seg ** 2).mean(axis=0)
        ref_mav[i] = np.abs(seg).mean(axis=0)
    assert rel_err(emg_envelope(raw, FS, method="rms"), np.sqrt(ref_ms)) < 1e-10
    assert rel_err(emg_envelope(raw, FS, method="mav"), ref_mav) < 1e-10


def test_moving_rms_of_sine_is_amplitude_over_root_two():
    f, a = 50.0, 3.0
    t = np.arange(int(2 * FS)) / FS
    x = a * np.sin(2 * np.pi * f * t)
    # 0.1 s = 5 periods: the centred window holds 201 samples = 5 periods + one sample, so
    # mean square lies in [100, 101] * A^2 / 201
    centred = moving_rms(x, FS, window_s=0.1)[300:-300]
    assert np.all(centred >= a * np.sqrt(100 / 201) * (1 - 1e-12))
    assert np.all(centred <= a * np.sqrt(101 / 201) * (1 + 1e-12))
    trailing = moving_rms(x, FS, window_s=0.1, centred=False)
    np.testing.assert_allclose(trailing[200:], a / np.sqrt(2), rtol=1e-10)
    # MAV of a sine sampled N = 40 times a period: A * 2 cot(pi / N) / N (-> 2A/pi as N grows)
    mav = moving_average_rectified(x, FS, window_s=0.1, centred=False)
    n_per = FS / f
    np.testing.assert_allclose(mav[200:], a * 2 / np.tan(np.pi / n_per) / n_per, rtol=1e-10)


def test_trailing_windows_shrink_at_start():
    x = np.arange(1.0, 11.0)
    got = moving_average_rectified(x, 10.0, window_s=0.3, centred=False)
    ref = [np.mean(x[max(0, i - 2):i + 1]) for i in range(10)]
    np.testing.assert_allclose(got, ref, rtol=1e-12)


def test_linear_envelope_of_am_carrier():
    fc, fm, m = 200.0, 1.0, 0.5
    t = np.arange(int(6 * FS)) / FS
    amp = 1.0 + m * np.sin(2 * np.pi * fm * t)
    x = amp * np.sin(2 * np.pi * fc * t)
    env = linear_envelope(x, FS, cutoff_hz=6.0)
    # mean of |sin| sampled N = 10 times a period (phase 0) is 2 cot(pi / N) / N; the 6 Hz
    # zero-phase low-pass passes the 1 Hz modulation with |H|^2 = 1 / (1 + (1/6)^4) and no lag
    n_per = FS / fc
    mid = slice(int(1 * FS), int(5 * FS))
    np.testing.assert_allclose(env[mid], 2 / np.tan(np.pi / n_per) / n_per * amp[mid], atol=1e-3)
    ref = ss.sosfiltfilt(ss.butter(2, 6.0, fs=FS, output="sos"), np.abs(x))
    assert rel_err(env, ref) < 1e-10


def test_rectify_and_tkeo():
    x = np.array([-1.5, 2.0, -3.0], dtype=np.float32)
    r = rectify(x)
    assert r.dtype == np.float32 and np.array_equal(r, [1.5, 2.0, 3.0])
    # TKEO of A sin(W n + p) is A^2 sin^2(W), constant
    a, w = 2.0, 2 * np.pi * 60.0 / FS
    s = a * np.sin(w * np.arange(500) + 0.3)
    np.testing.assert_allclose(tkeo(s), a ** 2 * np.sin(w) ** 2, rtol=1e-9, atol=1e-12)
    two = np.stack([s, 2 * s], axis=1)
    np.testing.assert_allclose(tkeo(two.T, axis=1)[1], 4 * a ** 2 * np.sin(w) ** 2, rtol=1e-9)
    with pytest.raises(SignalError):
        tkeo([1.0, 2.0])


def test_pipeline_parameter_errors(raw):
    with pytest.raises(SignalError, match="unknown envelope parameter"):
        emg_envelope(raw, FS, lowpass=3.0)
    with pytest.raises(SignalError, match="Nyquist"):
        emg_envelope(raw, 800.0)
    with pytest.raises(SignalError, match="even"):
        emg_envelope(raw, FS, bandpass_order=3)
    with pytest.raises(SignalError, match="method"):
        emg_envelope(raw, FS, method="hilbert")
    with pytest.raises(SignalError, match="padding"):
        emg_envelope(raw[:15], FS)  # band-pass padding is 15 samples
    with pytest.raises(SignalError, match="fs"):
        emg_envelope(raw, float("nan"))


@settings(max_examples=25, deadline=None)
@given(fs=st.sampled_from([500.0, 1000.0, 1111.0, 2000.0, 4096.0]), lo=st.floats(5.0, 40.0),
       hi_frac=st.floats(0.3, 0.9), order=st.sampled_from([2, 4, 6]), lp_hz=st.floats(1.0, 20.0),
       lp_order=st.integers(1, 4), notch=st.sampled_from([None, 50.0, 60.0]), n_ch=st.integers(1, 9),
       seed=st.integers(0, 2**31))
def test_any_valid_parameters_equal_the_scipy_chain(fs, lo, hi_frac, order, lp_hz, lp_order, notch, n_ch, seed):
    hi = max(lo + 5.0, hi_frac * fs / 2)
    x = np.random.default_rng(seed).standard_normal((int(fs), n_ch)) + 2.0
    sos = [ss.butter(order // 2, (lo, hi), btype="bandpass", fs=fs, output="sos")]
    if notch:
        sos.append(ss.tf2sos(*ss.iirnotch(notch, 30.0, fs=fs)))
    pre = np.vstack(sos)
    lp = ss.butter(lp_order, lp_hz, fs=fs, output="sos")
    ref = ss.sosfiltfilt(lp, np.abs(ss.sosfiltfilt(pre, x - x.mean(axis=0), axis=0)), axis=0)
    got = emg_envelope(x, fs, bandpass_hz=(lo, hi), bandpass_order=order, notch_hz=notch, lowpass_hz=lp_hz,
                       lowpass_order=lp_order)
    assert rel_err(got, ref) < 1e-10


def test_causal_linear_envelope_starts_in_steady_state_of_first_sample():
    x = np.random.default_rng(9).standard_normal((3000, 2)) + 4.0
    lp = ss.butter(2, 6.0, fs=FS, output="sos")
    r = np.abs(x)
    ref, _ = ss.sosfilt(lp, r, axis=0, zi=ss.sosfilt_zi(lp)[:, :, None] * r[0])
    assert rel_err(linear_envelope(x, FS, zero_phase=False), ref) < 1e-10

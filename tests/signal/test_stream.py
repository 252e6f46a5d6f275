"""Streaming classes: any block partition equals the causal offline result."""

import numpy as np
import pytest
import scipy.signal as ss
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.errors import SignalError
from emgforce.signal import StreamEnvelope, StreamFilter, emg_envelope

FS = 2000.0


def split_points(draw_sizes, n):
    edges = np.cumsum([0] + list(draw_sizes))
    return [int(e) for e in edges if 0 < e < n]


@settings(max_examples=40, deadline=None)
@given(
    n_channels=st.one_of(st.just(16), st.integers(1, 64)),  # 16: the state in registers
    n=st.integers(1, 600),
    sizes=st.lists(st.integers(0, 250), min_size=0, max_size=12),
    dtype=st.sampled_from([np.float32, np.float64]),
    method=st.sampled_from(["lowpass", "rms", "mav"]),
    notch=st.booleans(),
    seed=st.integers(0, 2**31),
)
def test_any_block_partition_equals_causal_offline(n_channels, n, sizes, dtype, method, notch, seed):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((n, n_channels)) * 50 + rng.normal(0, 100, n_channels)).astype(dtype)
    kw = dict(method=method, notch_hz=50.0 if notch else None, window_s=0.01)
    offline = emg_envelope(x, FS, zero_phase=False, **kw)
    stream = StreamEnvelope(FS, n_channels, dtype=dtype, **kw)
    parts = np.split(x, split_points(sizes, n))
    online = np.concatenate([stream.process(p) for p in parts])
    assert online.dtype == dtype and offline.dtype == dtype
    np.testing.assert_array_equal(online, offline)  # same kernel, same arithmetic: bit-identical
    # and the offline causal chain is scipy's (computed in float64)
    if method == "lowpass":
        pre = ss.butter(2, (20, 450), btype="bandpass", fs=FS, output="sos")
        if notch:
            pre = np.vstack([pre, ss.tf2sos(*ss.iirnotch(50.0, 30.0, fs=FS))])
        lp = ss.butter(2, 6.0, fs=FS, output="sos")
        x64 = x.astype(np.float64)
        y, _ = ss.sosfilt(pre, x64, axis=0, zi=ss.sosfilt_zi(pre)[:, :, None] * x64[0])
        r = np.abs(y)
        ref, _ = ss.sosfilt(lp, r, axis=0, zi=ss.sosfilt_zi(lp)[:, :, None] * r[0])
        tol = 1e-10 if dtype == np.float64 else 1e-6
        np.testing.assert_allclose(online, ref, rtol=tol, atol=tol * np.abs(ref).max())


@settings(max_examples=25, deadline=None)
@given(n_channels=st.integers(1, 64), n=st.integers(1, 400),
       sizes=st.lists(st.integers(0, 150), max_size=8), initial=st.sampled_from(["steady", "zero"]),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**31))
def test_stream_filter_equals_scipy_sosfilt(n_channels, n, sizes, initial, dtype, seed):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((n, n_channels)) + 3).astype(dtype)
    sos = ss.butter(4, (10, 300), btype="bandpass", fs=FS, output="sos")
    f = StreamFilter(sos, n_channels, dtype=dtype, initial=initial)
    got = np.concatenate([f.process(p) for p in np.split(x, split_points(sizes, n))])
    x64 = x.astype(np.float64)
    zi = ss.sosfilt_zi(sos)[:, :, None] * (x64[0] if initial == "steady" else np.zeros(n_channels))
    ref, _ = ss.sosfilt(sos, x64, axis=0, zi=zi)
    assert got.dtype == dtype
    tol = 1e-10 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(got, ref, rtol=tol, atol=tol * np.abs(ref).max())


def test_reset_starts_a_new_signal():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 4))
    s = StreamEnvelope(FS, 4)
    first = s.process(x)
    s.process(rng.standard_normal((100, 4)))
    s.reset()
    np.testing.assert_array_equal(s.process(x), first)
    f = StreamFilter(ss.butter(2, 30.0, fs=FS, output="sos"), 4)
    a = f.process(x)
    f.reset()
    np.testing.assert_array_equal(f.process(x), a)


def test_nan_raises_and_keeps_state():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((200, 3))
    s = StreamEnvelope(FS, 3)
    a = s.process(x[:100])
    bad = x[100:].copy()
    bad[5, 1] = np.nan
    with pytest.raises(SignalError, match=r"\{1: 1\}"):
        s.process(bad)
    b = s.process(x[100:])  # state untouched by the refused block
    np.testing.assert_array_equal(np.concatenate([a, b]), emg_envelope(x, FS, zero_phase=False))


@pytest.mark.parametrize("policy", ["zero", "hold"])
def test_nonfinite_policies_stream_equals_offline_and_count(policy):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((400, 3))
    x[10:15, 0] = np.nan
    x[300, 2] = np.inf
    s = StreamEnvelope(FS, 3, nonfinite=policy)
    online = np.concatenate([s.process(x[:120]), s.process(x[120:])])
    np.testing.assert_array_equal(s.nonfinite_counts, [5, 0, 1])
    assert np.all(np.isfinite(online))
    repaired = x.copy()
    if policy == "zero":
        repaired[~np.isfinite(repaired)] = 0.0
    else:
        repaired[10:15, 0] = x[9, 0]
        repaired[300, 2] = x[299, 2]
    np.testing.assert_array_equal(online, emg_envelope(repaired, FS, zero_phase=False))
    np.testing.assert_array_equal(online, emg_envelope(x, FS, zero_phase=False, nonfinite=policy))
    with pytest.raises(SignalError, match="interpolate"):
        StreamEnvelope(FS, 3, nonfinite="interpolate")


def test_delay_matches_group_delay_of_the_lowpass():
    s = StreamEnvelope(FS, 2, bandpass_hz=None)
    # 2nd-order Butterworth at DC: sqrt(2) / (2 pi fc)
    assert s.delay_s == pytest.approx(np.sqrt(2) / (2 * np.pi * 6.0), rel=1e-3)
    rms = StreamEnvelope(FS, 2, bandpass_hz=None, method="rms", window_s=0.1)
    assert rms.delay_s == pytest.approx(199 / 2 / FS)
    full = StreamEnvelope(FS, 2)
    assert s.delay_s < full.delay_s < s.delay_s + 0.005


def test_stream_input_errors():
    s = StreamEnvelope(FS, 3)
    with pytest.raises(SignalError, match="channels"):
        s.process(np.zeros((10, 4)))
    with pytest.raises(SignalError, match="shape"):
        s.process(np.zeros(10))
    with pytest.raises(SignalError):
        StreamEnvelope(FS, 0)
    with pytest.raises(SignalError):
        StreamEnvelope(FS, 2, dtype=np.int16)
    assert s.process(np.zeros((0, 3))).shape == (0, 3)
    with pytest.raises(SignalError, match="real"):
        s.process(np.ones((5, 3)) + 1j)  # would silently drop the imaginary part
    with pytest.raises(SignalError, match="window_s"):
        StreamEnvelope(FS, 3, method="rms", window_s="long")


def test_minute_long_block_equals_single_samples_and_ragged_blocks():
    """Block sizes from 1 sample to a whole minute give the same envelope, bit for bit."""
    rng = np.random.default_rng(12)
    x = rng.standard_normal((int(60 * FS), 2)) * [1.0, 30.0] + [0.5, -7.0]
    whole = StreamEnvelope(FS, 2).process(x)  # one 60 s block
    ones = StreamEnvelope(FS, 2)
    head = np.concatenate([ones.process(x[i:i + 1]) for i in range(2000)])  # first second, 1 sample each
    rest = ones.process(x[2000:])
    np.testing.assert_array_equal(np.concatenate([head, rest]), whole)
    ragged = StreamEnvelope(FS, 2)
    cuts = np.cumsum(rng.integers(1, 5000, 60))
    cuts = cuts[cuts < len(x)]
    np.testing.assert_array_equal(np.concatenate([ragged.process(p) for p in np.split(x, cuts)]), whole)
    np.testing.assert_array_equal(whole, emg_envelope(x, FS, zero_phase=False))

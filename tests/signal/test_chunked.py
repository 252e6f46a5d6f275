"""Out-of-core zero-phase envelope: chunk by chunk over h5py datasets, equal to the in-memory one."""

import h5py
import numpy as np
import pytest
import scipy.signal as ss

from emgforce.errors import SignalError
from emgforce.signal import emg_envelope, emg_envelope_chunked

FS = 2000.0


def emg(n, n_ch, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / FS
    return rng.standard_normal((n, n_ch)) * (1 + 2 * (np.sin(2 * np.pi * 0.4 * t) > 0))[:, None] + 0.3


def test_chunked_equals_in_memory_to_the_bit():
    """16 channels (the channel-parallel kernels) in 4096-sample chunks: the same numbers."""
    x = emg(30_011, 16)
    got = emg_envelope_chunked(x, FS, chunk_s=0.001, notch_hz=50.0, lowpass_order=4)
    np.testing.assert_array_equal(got, emg_envelope(x, FS, notch_hz=50.0, lowpass_order=4))


def test_chunked_over_h5py_datasets_equals_scipy_chain(tmp_path):
    x = emg(50_000, 2, seed=1).astype(np.float32)
    with h5py.File(tmp_path / "s.h5", "w") as f:
        src = f.create_dataset("emg", data=x, chunks=(4096, 2))
        out = f.create_dataset("env", shape=x.shape, dtype="f8")
        assert emg_envelope_chunked(src, FS, out, chunk_s=3.0) is out
        got = out[()]
    pre = ss.butter(2, (20.0, 450.0), btype="bandpass", fs=FS, output="sos")
    lp = ss.butter(2, 6.0, fs=FS, output="sos")
    x64 = x.astype(np.float64)
    ref = ss.sosfiltfilt(lp, np.abs(ss.sosfiltfilt(pre, x64 - x64.mean(axis=0), axis=0)), axis=0)
    assert np.abs(got - ref).max() <= 1e-12 * np.abs(ref).max()


def test_chunked_without_band_pass_and_dc_removal():
    x = emg(20_000, 3, seed=2)
    got = emg_envelope_chunked(x, FS, chunk_s=1.0, bandpass_hz=None, remove_dc=False)
    ref = ss.sosfiltfilt(ss.butter(2, 6.0, fs=FS, output="sos"), np.abs(x), axis=0)
    assert np.abs(got - ref).max() <= 1e-12 * np.abs(ref).max()


def test_chunked_refuses_what_needs_the_whole_signal():
    x = emg(10_000, 2)
    x[5000, 1] = np.nan
    with pytest.raises(SignalError, match="NaN|non-finite|finite"):
        emg_envelope_chunked(x, FS)
    with pytest.raises(SignalError, match="lowpass"):
        emg_envelope_chunked(emg(10_000, 2), FS, method="rms")
    with pytest.raises(SignalError, match="shape"):
        emg_envelope_chunked(emg(10_000, 2), FS, np.empty((10, 2)))

"""Real sEMG (pyomeca C3D) and the simulator's ground truth."""

import numpy as np
import pytest
import scipy.signal as ss

from emgforce.signal import StreamEnvelope, check_quality, detect_onsets, emg_envelope, median_frequency

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def c3d_emg(shared_data):
    import ezc3d

    c = ezc3d.c3d(str(shared_data / "pyomeca" / "markers_analogs.c3d"))
    labels = c["parameters"]["ANALOG"]["LABELS"]["value"]
    cols = [i for i, name in enumerate(labels) if ".EMG" in name]  # the 16 surface EMG channels
    fs = float(c["header"]["analogs"]["frame_rate"])
    return c["data"]["analogs"][0][cols].T.copy(), fs, [labels[i] for i in cols]


def test_real_semg_quality_flags_disconnected_channels(c3d_emg):
    x, fs, names = c3d_emg
    assert x.shape == (11600, 16) and fs == 2000.0
    rep = check_quality(x, channel_names=names)
    # five sensors of this recording are switched off (all samples exactly 0)
    assert rep.flat.sum() == 5 and np.all(np.ptp(x[:, rep.flat], axis=0) == 0)
    assert not rep.nonfinite.any() and rep.n_saturated[~rep.flat].sum() == 0


def test_real_semg_envelope_equals_scipy_pipeline(c3d_emg):
    x, fs, _ = c3d_emg
    pre = np.vstack([ss.butter(2, (20, 450), btype="bandpass", fs=fs, output="sos"),
                     ss.tf2sos(*ss.iirnotch(50.0, 30.0, fs=fs))])
    lp = ss.butter(2, 6.0, fs=fs, output="sos")
    ref = ss.sosfiltfilt(lp, np.abs(ss.sosfiltfilt(pre, x - x.mean(axis=0), axis=0)), axis=0)
    got = emg_envelope(x, fs, notch_hz=50.0)
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-10 * np.abs(ref).max())
    # the streamed causal envelope, fed 20-sample blocks, is scipy's causal chain
    s = StreamEnvelope(fs, x.shape[1], notch_hz=50.0)
    online = np.concatenate([s.process(x[i:i + 20]) for i in range(0, x.shape[0], 20)])
    y, _ = ss.sosfilt(pre, x, axis=0, zi=ss.sosfilt_zi(pre)[:, :, None] * x[0])
    r = np.abs(y)
    ref_c, _ = ss.sosfilt(lp, r, axis=0, zi=ss.sosfilt_zi(lp)[:, :, None] * r[0])
    np.testing.assert_allclose(online, ref_c, rtol=1e-10, atol=1e-10 * np.abs(ref_c).max())


def test_real_semg_spectrum_and_onsets_are_plausible(c3d_emg):
    x, fs, names = c3d_emg
    live = np.ptp(x, axis=0) > 0
    mdf = median_frequency(x[:, live], fs, band_hz=(20, 450))
    # surface EMG median frequency lies in the tens to low hundreds of Hz
    assert np.all((mdf > 30) & (mdf < 200))
    bursts = detect_onsets(x[:, live], fs, baseline=(0.0, 0.3), k=3.0)
    assert {b.channel for b in bursts} == set(range(live.sum()))  # every live muscle works in this trial
    # Hodges & Bui rule checked on a scipy-built detection envelope (band-pass, rectify, 50 Hz low-pass)
    pre = ss.butter(2, (20, 450), btype="bandpass", fs=fs, output="sos")
    xl = x[:, live]
    env = ss.sosfiltfilt(ss.butter(2, 50.0, fs=fs, output="sos"),
                         np.abs(ss.sosfiltfilt(pre, xl - xl.mean(axis=0), axis=0)), axis=0)
    base = env[:int(0.3 * fs)]
    thr = base.mean(axis=0) + 3.0 * base.std(axis=0, ddof=1)
    hold = int(round(0.025 * fs))
    for b in bursts:
        assert b.onset >= int(0.3 * fs) and b.duration_s >= 0.05
        assert np.all(env[b.onset:b.onset + hold, b.channel] > thr[b.channel])
        assert env[b.onset - 1, b.channel] <= thr[b.channel]
        assert np.all(env[b.offset:b.offset + hold, b.channel] <= thr[b.channel]) or b.offset + hold > len(env)

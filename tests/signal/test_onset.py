"""Onset/offset detection on signals with known bursts."""

import numpy as np
import pytest

from emgforce.errors import SignalError
from emgforce.signal import Burst, detect_onsets

FS = 2000.0
TRUE = [(1.5, 2.5), (3.2, 3.6)]  # s, channel 0; channel 1 has only the first


@pytest.fixture(scope="module")
def emg():
    rng = np.random.default_rng(21)
    n = int(4.5 * FS)
    t = np.arange(n) / FS
    gain = np.ones((n, 2))
    for k, (a, b) in enumerate(TRUE):
        gain[(t >= a) & (t < b), 0] = 8.0
        if k == 0:
            gain[(t >= a) & (t < b), 1] = 6.0
    # a 15 ms twitch on channel 1 is shorter than the 50 ms minimum burst
    gain[(t >= 4.0) & (t < 4.015), 1] = 6.0
    return rng.standard_normal((n, 2)) * gain + 3.0


@pytest.mark.parametrize("method,tol_s", [("hodges", 0.02), ("tkeo", 0.01), ("bonato", 0.03)])
def test_detects_known_bursts(emg, method, tol_s):
    bursts = detect_onsets(emg, FS, method=method, baseline=(0.0, 1.0), channel_names=["GM_L", "GM_R"])
    assert all(isinstance(b, Burst) for b in bursts)
    by_ch = {c: [b for b in bursts if b.channel == c] for c in (0, 1)}
    assert [b.label for b in by_ch[0]] == ["GM_L"] * 2
    assert len(by_ch[0]) == 2 and len(by_ch[1]) == 1
    for b, (on, off) in zip(by_ch[0], TRUE):
        assert abs(b.onset_s - on) < tol_s and abs(b.offset_s - off) < tol_s
        assert b.duration_s == pytest.approx((b.offset - b.onset) / FS)
    assert abs(by_ch[1][0].onset_s - TRUE[0][0]) < tol_s


def test_baseline_from_a_separate_rest_recording(emg):
    rest = np.random.default_rng(3).standard_normal((2000, 2)) + 3.0
    bursts = detect_onsets(emg, FS, baseline=rest)
    assert sum(b.channel == 0 for b in bursts) == 2


def test_quiet_signal_has_no_bursts():
    x = np.random.default_rng(8).standard_normal((int(5 * FS), 3))
    for method in ("hodges", "tkeo", "bonato"):
        assert detect_onsets(x, FS, method=method) == []


def test_onset_errors(emg):
    with pytest.raises(SignalError, match="method"):
        detect_onsets(emg, FS, method="energy")
    with pytest.raises(SignalError, match="baseline"):
        detect_onsets(emg, FS, baseline=(4.0, 9.0))
    with pytest.raises(SignalError, match="flat"):
        detect_onsets(np.ones((4000, 1)), FS, method="bonato", params=None, baseline=(0.0, 0.5))
    with pytest.raises(SignalError, match="names"):
        detect_onsets(emg, FS, channel_names=["a"])


def test_nan_is_refused_not_propagated(emg):
    x = emg.copy()
    x[100, 1] = np.nan
    for method in ("hodges", "tkeo", "bonato"):
        with pytest.raises(SignalError, match="NaN"):
            detect_onsets(x, FS, method=method, baseline=[0.0, 1.0])


def test_short_pauses_do_not_split_a_contraction():
    rng = np.random.default_rng(5)
    t = np.arange(int(4.0 * FS)) / FS
    gain = np.where(((t >= 1.0) & (t < 1.8)) | ((t >= 1.95) & (t < 2.8)), 8.0, 1.0)  # a 150 ms dip
    x = rng.standard_normal(t.size) * gain
    (one,) = detect_onsets(x, FS)  # default min_gap_s 0.3 s
    assert abs(one.onset_s - 1.0) < 0.02 and abs(one.offset_s - 2.8) < 0.02
    two = detect_onsets(x, FS, min_gap_s=0.0)
    assert len(two) == 2 and abs(two[1].onset_s - 1.95) < 0.02
    with pytest.raises(SignalError, match="min_gap_s"):
        detect_onsets(x, FS, min_gap_s=-1.0)

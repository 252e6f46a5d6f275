"""Audio feedback rendered to a buffer: the pitch read back with an FFT, the chime only on entering the band."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from emgforce.live.audio import AudioFeedback, pitch_hz

FS = 44100.0


def peak_hz(x: np.ndarray, fs: float = FS) -> float:
    """Frequency of the largest FFT bin, refined by parabolic interpolation of the log magnitude."""
    spec = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    k = int(np.argmax(spec[1:-1])) + 1
    a, b, c = np.log(spec[k - 1:k + 2])
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * fs / x.size


@pytest.mark.parametrize("pct, hz", [(0.0, 220.0), (50.0, 440.0), (100.0, 880.0), (150.0, 880.0), (np.nan, 220.0)])
def test_the_tone_pitch_follows_percent_mvc(pct, hz):
    audio = AudioFeedback("tone", fs=FS)
    audio.set_level(pct)
    audio.render(512)  # the glide from the previous pitch
    x = np.concatenate([audio.render(1024) for _ in range(43)])  # ~1 s in callback-sized blocks
    assert peak_hz(x) == pytest.approx(hz, abs=0.5)
    assert np.abs(x).max() == pytest.approx(0.2, rel=1e-3)


def test_the_tone_glides_without_clicks():
    audio = AudioFeedback("tone", fs=FS)
    audio.set_level(0.0)
    a = audio.render(1000)
    audio.set_level(100.0)
    b = audio.render(1000)
    c = audio.render(1000)
    x = np.concatenate([a, b, c])
    # no jump larger than one sample's step of the highest pitch at full volume
    assert np.abs(np.diff(x)).max() <= 0.2 * 2 * np.pi * 880.0 / FS * 1.01
    assert peak_hz(c, FS) == pytest.approx(880.0, rel=0.02)  # only 1000 samples: coarse


def test_the_chime_sounds_once_on_entering_the_band():
    audio = AudioFeedback("chime", fs=FS, target=(40, 60))
    audio.set_level(20.0)
    assert not audio.render(4096).any()  # below the band: silence
    audio.set_level(50.0)
    x = np.concatenate([audio.render(1024) for _ in range(int(0.4 * FS / 1024) + 2)])
    assert x[:int(0.1 * FS)].std() > 0.01
    assert peak_hz(x[:int(0.3 * FS)]) == pytest.approx(1320.0, abs=2.0)
    assert np.abs(x[:2000]).max() > 5 * np.abs(x[int(0.35 * FS):int(0.4 * FS)]).max()  # it decays
    assert not x[int(0.4 * FS) + 1:].any()  # and ends
    audio.set_level(55.0)  # still inside: no new chime
    assert not audio.render(4096).any()
    audio.set_level(70.0)
    audio.set_level(45.0)  # out and in again: a new one
    assert audio.render(4096).any()


@given(st.floats(-50, 300), st.floats(-50, 300))
def test_pitch_is_monotonic_and_bounded(a, b):
    lo, hi = sorted((a, b))
    assert 220.0 <= pitch_hz(lo) <= pitch_hz(hi) <= 880.0


def test_audio_is_off_unless_asked_and_bad_settings_are_refused():
    from emgforce.cli import build_parser

    args = build_parser().parse_args(["live"])
    assert args.audio is None
    with pytest.raises(ValueError, match="mode"):
        AudioFeedback("beep")
    with pytest.raises(ValueError, match="low_hz"):
        AudioFeedback("tone", low_hz=900.0, high_hz=880.0)

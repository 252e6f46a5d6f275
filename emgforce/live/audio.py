"""Audio feedback (optional, off by default): a tone whose pitch follows %MVC, or a chime in the band.

Synthesis is plain numpy (:class:`AudioFeedback.render` fills any buffer, which
is how it is tested); playing it needs the ``audio`` extra
(``pip install 'emgforce[audio]'``: :mod:`sounddevice`, which brings PortAudio
on Windows and macOS; on Linux install ``libportaudio2``).

* ``"tone"``: a continuous sine whose pitch rises exponentially (equal steps in
  musical pitch) from ``low_hz`` at 0 %MVC to ``high_hz`` at ``top_pct``;
  the frequency glides across each buffer so nothing clicks.
* ``"chime"``: silent, except for a short bell (a decaying sine and its octave)
  each time the level enters the target band.
"""

from __future__ import annotations

import logging
import math
import threading

import numpy as np

from emgforce.errors import DisplayError

log = logging.getLogger(__name__)

__all__ = ["AudioFeedback", "MODES", "pitch_hz"]

MODES = ("tone", "chime")


def pitch_hz(pct: float, *, low_hz: float = 220.0, high_hz: float = 880.0, top_pct: float = 100.0) -> float:
    """Tone frequency for ``pct`` %MVC: ``low_hz * (high_hz / low_hz) ** (pct / top_pct)``, clipped to the range.

    NaN (no reference yet) gives ``low_hz``.
    """
    x = 0.0 if not math.isfinite(pct) else min(max(pct / top_pct, 0.0), 1.0)
    return low_hz * (high_hz / low_hz) ** x


class AudioFeedback:
    """Sound for the working muscle's %MVC; :meth:`set_level` from the display, :meth:`render` from audio.

    Parameters
    ----------
    mode : {"tone", "chime"}
    fs : float
        Audio sampling rate, Hz.
    target : (float, float)
        Target band, %MVC (the chime's trigger).
    volume : float
        Peak amplitude, 0..1.
    low_hz, high_hz, top_pct : float
        Pitch range of the tone, see :func:`pitch_hz`.
    chime_hz, chime_s : float
        Fundamental and length of the chime.
    """

    def __init__(
        self,
        mode: str = "tone",
        *,
        fs: float = 44100.0,
        target: tuple[float, float] = (40.0, 60.0),
        volume: float = 0.2,
        low_hz: float = 220.0,
        high_hz: float = 880.0,
        top_pct: float = 100.0,
        chime_hz: float = 1320.0,
        chime_s: float = 0.4,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"audio mode must be one of {MODES}, got {mode!r}")
        if not (fs > 0 and 0 < low_hz < high_hz < fs / 2 and chime_hz * 2 < fs / 2 and 0 <= volume <= 1):
            raise ValueError("need fs > 0, 0 < low_hz < high_hz < fs/2, 2 chime_hz < fs/2 and 0 <= volume <= 1")
        self.mode = mode
        self.fs = float(fs)
        self.target = (float(min(target)), float(max(target)))
        self.volume = float(volume)
        self.low_hz, self.high_hz, self.top_pct = float(low_hz), float(high_hz), float(top_pct)
        self.chime_hz, self.chime_s = float(chime_hz), float(chime_s)
        self._lock = threading.Lock()
        self._pct = float("nan")
        self._in_band = False
        self._chime_at: int | None = None  # sample of the running chime
        self._phase = 0.0
        self._freq = low_hz
        self._stream = None

    def set_level(self, pct: float) -> None:
        """The working muscle's %MVC now (NaN: none); a chime starts when it enters the band."""
        low, high = self.target
        inside = math.isfinite(pct) and low <= pct <= high
        with self._lock:
            if inside and not self._in_band and self.mode == "chime":
                self._chime_at = 0
            self._pct, self._in_band = float(pct), inside

    def render(self, n: int) -> np.ndarray:
        """The next ``n`` audio samples (float32, mono, in [-volume, volume])."""
        with self._lock:
            pct, chime_at = self._pct, self._chime_at
        if self.mode == "tone":
            f1 = pitch_hz(pct, low_hz=self.low_hz, high_hz=self.high_hz, top_pct=self.top_pct)
            freq = np.linspace(self._freq, f1, n, endpoint=False) if n else np.empty(0)
            phase = self._phase + 2 * np.pi * np.cumsum(freq) / self.fs  # phase-continuous glide
            out = self.volume * np.sin(phase - 2 * np.pi * freq / self.fs)
            if n:
                self._phase = float(phase[-1] % (2 * np.pi))
            self._freq = f1
            return out.astype(np.float32)
        out = np.zeros(n, dtype=np.float32)
        if chime_at is not None:
            length = int(self.chime_s * self.fs)
            k = np.arange(chime_at, min(chime_at + n, length))
            t = k / self.fs
            bell = np.exp(-t / (0.25 * self.chime_s)) * (np.sin(2 * np.pi * self.chime_hz * t)
                                                          + 0.5 * np.sin(4 * np.pi * self.chime_hz * t))
            out[: k.size] = self.volume / 1.5 * bell
            with self._lock:
                if self._chime_at == chime_at:  # no new chime started meanwhile
                    self._chime_at = None if chime_at + n >= length else chime_at + n
        return out

    # -- playing (needs the audio extra) ----------------------------------------------
    def start(self) -> None:
        """Open the default output device and play.

        MissingExtraError without the ``audio`` extra; DisplayError without PortAudio or a device.
        """
        from emgforce._extras import require

        try:
            sd = require("sounddevice", "audio feedback")
        except OSError as exc:  # the package is there, the PortAudio library is not
            raise DisplayError(f"audio feedback needs the PortAudio library ({exc})") from None

        def callback(outdata, frames, time_info, status) -> None:  # noqa: ARG001 - sounddevice signature
            if status:
                log.debug("audio: %s", status)
            outdata[:, 0] = self.render(frames)

        try:
            self._stream = sd.OutputStream(samplerate=self.fs, channels=1, dtype="float32", callback=callback)
            self._stream.start()
        except Exception as exc:  # noqa: BLE001 - PortAudio reports a missing device in its own types
            self._stream = None
            raise DisplayError(f"audio feedback: no output device ({exc})") from None

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None

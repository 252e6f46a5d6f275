"""Mains hum (50 or 60 Hz power-line interference) detection in raw EMG."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MAINS_HZ", "MainsHum", "MainsHumSweep", "detect_mains_hum"]

MAINS_HZ = (50.0, 60.0)
#: a line this much above its spectral neighbourhood is hum (EMG spectra are smooth at 0.25 Hz resolution)
HUM_THRESHOLD_DB = 10.0
_SEGMENTS = 4  # Welch segments transformed at once by MainsHumSweep


@dataclass(frozen=True)
class MainsHum:
    """Result of :func:`detect_mains_hum`.

    ``f0_hz`` is 50, 60 or None; ``excess_db`` the line's power over the median
    of its neighbourhood, per candidate frequency (the largest over channels);
    ``channels`` the columns where the hum at ``f0_hz`` exceeds the threshold.
    """

    f0_hz: float | None
    excess_db: dict[float, float]
    channels: tuple[int, ...]


def detect_mains_hum(x: np.ndarray, fs: float, threshold_db: float = HUM_THRESHOLD_DB) -> MainsHum:
    """Whether raw EMG carries 50 or 60 Hz hum, from a Welch spectrum at 0.25 Hz resolution.

    The spectrum is the median (not the mean) over 4 s segments, so that quiet
    stretches, where hum matters most, weigh as much as contractions. For each
    candidate the largest power within f0 +- 0.5 Hz is compared with the median
    power over f0-10 .. f0+10 Hz without f0 +- 2 Hz; the frequency whose excess
    is larger, if above ``threshold_db`` in any channel, is the hum.

    Parameters
    ----------
    x : ndarray, shape (n_samples,) or (n_samples, n_channels)
        Raw EMG (NaN rows are left out).
    fs : float
        Sampling rate, Hz (above 2 x 70 Hz).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(20000) / 2000.0
    >>> detect_mains_hum(rng.normal(size=t.size) + np.sin(2 * np.pi * 50 * t), 2000.0).f0_hz
    50.0
    >>> detect_mains_hum(rng.normal(size=t.size), 2000.0).f0_hz is None
    True
    """
    from scipy.signal import welch

    data = np.asarray(x, dtype=float)
    data = data[:, None] if data.ndim == 1 else data
    data = data[np.all(np.isfinite(data), axis=1)]
    nperseg = int(min(4.0 * fs, data.shape[0]))
    if fs <= 140.0 or nperseg < int(fs):
        return MainsHum(None, {}, ())
    f, p = welch(data, fs=fs, nperseg=nperseg, axis=0, average="median")
    return _decide(f, p, threshold_db)


def _decide(f: np.ndarray, p: np.ndarray, threshold_db: float) -> MainsHum:
    """The hum from a spectrum ``p`` (frequencies ``f`` around the candidates, x channels)."""
    excess: dict[float, np.ndarray] = {}
    for f0 in MAINS_HZ:
        line = np.max(p[np.abs(f - f0) <= 0.5], axis=0)
        around = p[(np.abs(f - f0) <= 10.0) & (np.abs(f - f0) > 2.0)]
        with np.errstate(divide="ignore", invalid="ignore"):
            excess[f0] = 10.0 * np.log10(line / np.median(around, axis=0))
    best = max(MAINS_HZ, key=lambda f0: np.nanmax(excess[f0]))
    hit = np.flatnonzero(excess[best] > threshold_db)
    return MainsHum(best if hit.size else None, {f0: float(np.nanmax(v)) for f0, v in excess.items()},
                    tuple(int(j) for j in hit))


class MainsHumSweep:
    """:func:`detect_mains_hum` of a long recording fed in chunks (time order), with the same result.

    The Welch segments (4 s, half overlapping) run over the concatenated rows without
    NaN/inf, as in :func:`detect_mains_hum`; only the spectrum around 50 and 60 Hz of
    each segment is kept for the median (~ 8 kB per segment and channel at 0.25 Hz).
    A recording with less than 4 s of such rows is passed whole to :func:`detect_mains_hum`.
    The median's bias correction (a constant) is left out: it cancels in the line's excess.
    """

    def __init__(self, fs: float, threshold_db: float = HUM_THRESHOLD_DB) -> None:
        self.fs = float(fs)
        self.threshold_db = threshold_db
        self.nperseg = int(4.0 * self.fs)
        self._held: list[np.ndarray] = []
        self._segments: list[np.ndarray] = []  # (channels, band bins, segments)
        self._f: np.ndarray | None = None  # the band's frequencies, its bins, the window and scale: on first use
        self._band = self._win = None
        self._scale = 1.0

    def add(self, chunk) -> None:
        """Feed the next rows, time-major ``(rows, channels)``."""
        data = np.asarray(chunk, dtype=float)
        data = data[:, None] if data.ndim == 1 else data
        self._held.append(data[np.all(np.isfinite(data), axis=1)])
        held = sum(len(h) for h in self._held)
        if self.fs <= 140.0 or held < self.nperseg:
            return
        buf = np.concatenate(self._held)
        step = self.nperseg - self.nperseg // 2
        n_seg = (buf.shape[0] - self.nperseg) // step + 1
        segments = np.lib.stride_tricks.sliding_window_view(buf, self.nperseg, axis=0)[::step][:n_seg]
        for first in range(0, n_seg, _SEGMENTS):  # a few segments at a time: the FFT's copies stay small
            self._segments.append(self._psd(segments[first:first + _SEGMENTS]))
        self._held = [buf[n_seg * step:]]

    def _psd(self, seg: np.ndarray) -> np.ndarray:
        """Welch's periodogram of each segment ``(segments, channels, nperseg)`` in the band kept,
        ``(channels, bins, segments)``: scipy's operations (constant detrend, Hann window,
        density scaling, one-sided doubling) on those bins only."""
        from scipy import fft
        from scipy.signal import get_window

        if self._f is None:
            f = fft.rfftfreq(self.nperseg, 1.0 / self.fs)
            self._band = np.flatnonzero(np.any([np.abs(f - f0) <= 10.0 for f0 in MAINS_HZ], axis=0))
            self._f = f[self._band]
            self._win = get_window("hann", self.nperseg)
            self._scale = 1.0 / (self.fs * (self._win * self._win).sum())
        x = self._win * (seg - seg.mean(axis=-1, keepdims=True))
        spec = fft.rfft(x, n=self.nperseg, axis=-1)[..., self._band]
        p = np.conjugate(spec) * spec
        p *= self._scale
        p *= 2  # the band holds neither DC nor Nyquist
        return np.ascontiguousarray(np.moveaxis(p.real, 0, -1))  # a copy: the complex spectrum is not kept

    def result(self) -> MainsHum:
        """What :func:`detect_mains_hum` says of all the rows fed."""
        if not self._segments:
            held = np.concatenate(self._held) if self._held else np.empty((0, 1))
            return detect_mains_hum(held, self.fs, self.threshold_db)
        # channel by channel: one channel's segments at a time, not a copy of them all
        p = np.stack([np.median(np.concatenate([s[c] for s in self._segments], axis=1), axis=1)
                      for c in range(self._segments[0].shape[0])], axis=1)
        return _decide(self._f, p, self.threshold_db)

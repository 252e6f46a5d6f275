"""Mains hum (50 or 60 Hz power-line interference) detection in raw EMG."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MAINS_HZ", "MainsHum", "detect_mains_hum"]

MAINS_HZ = (50.0, 60.0)
#: a line this much above its spectral neighbourhood is hum (EMG spectra are smooth at 0.25 Hz resolution)
HUM_THRESHOLD_DB = 10.0


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

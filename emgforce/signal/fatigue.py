"""Spectral fatigue indices: Welch median and mean frequency per epoch and their slope."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emgforce._docs import fill_doc
from emgforce.constants import FATIGUE_EPOCH_S
from emgforce.errors import SignalError
from emgforce.signal._lazy import kernels as _kernels
from emgforce.signal._lazy import scipy_signal as ss
from emgforce.signal._arrays import check_fs, check_positive, to_2d
from emgforce.signal.quality import raise_nonfinite

__all__ = ["median_frequency", "mean_frequency", "spectral_fatigue", "FatigueResult"]

_NPERSEG = 256


@dataclass(frozen=True)
class FatigueResult:
    """Per-epoch spectral indices of every channel and their linear trend.

    Attributes
    ----------
    times_s : ndarray, shape (n_epochs,)
        Centre of each epoch, s from the start of the signal.
    mdf_hz, mnf_hz : ndarray, shape (n_epochs, n_channels)
        Median and mean frequency of each epoch.
    mdf_initial_hz, mnf_initial_hz : ndarray, shape (n_channels,)
        Value of the least-squares line at time 0 (start of the hold).
    mdf_slope_pct_s, mnf_slope_pct_s : ndarray, shape (n_channels,)
        Slope of that line in percent of the initial value per second
        (negative under fatigue); NaN with fewer than 2 epochs.
    """

    times_s: np.ndarray
    mdf_hz: np.ndarray
    mnf_hz: np.ndarray
    mdf_initial_hz: np.ndarray
    mnf_initial_hz: np.ndarray
    mdf_slope_pct_s: np.ndarray
    mnf_slope_pct_s: np.ndarray


def _psd(x2: np.ndarray, fs: float, nperseg: int | None, band_hz):
    bad = _kernels.mean_and_nonfinite(x2)[1]
    if bad.any():
        raise_nonfinite(bad, x2.shape[0])
    n = x2.shape[0]
    seg = min(n, _NPERSEG) if nperseg is None else int(nperseg)
    if not 2 <= seg <= n:
        raise SignalError(f"nperseg must be between 2 and the {n} samples available, got {seg}")
    f, p = ss.welch(x2, fs=fs, nperseg=seg, axis=0)
    if band_hz is not None:
        lo, hi = map(float, band_hz)
        keep = (f >= lo) & (f <= hi)
        if keep.sum() < 2:
            raise SignalError(f"band {band_hz} Hz holds fewer than 2 spectral bins at this resolution")
        f, p = f[keep], p[keep]
    return f, p


def _mdf_mnf(f: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median (half of the trapezoid-integrated power) and mean frequency per column."""
    seg = (p[1:] + p[:-1]) * 0.5 * np.diff(f)[:, None]
    cum = np.concatenate([np.zeros((1, p.shape[1])), np.cumsum(seg, axis=0)])
    total = cum[-1]
    mnf = np.trapezoid(f[:, None] * p, f, axis=0) / np.where(total > 0, total, np.nan)
    mdf = np.array([np.interp(0.5 * total[c], cum[:, c], f) if total[c] > 0 else np.nan
                    for c in range(p.shape[1])])
    return mdf, mnf


def _welch_frequencies(x, fs, axis, nperseg, band_hz) -> tuple[np.ndarray, np.ndarray]:
    """Median and mean frequency of each channel's Welch PSD, shaped like ``x`` without its time axis."""
    fs = check_fs(fs)
    x2, layout = to_2d(x, axis, min_samples=2)
    f, p = _psd(x2, fs, nperseg, band_hz)
    shape = layout.moved_shape[1:]
    return tuple(v.reshape(shape) for v in _mdf_mnf(f, p))


@fill_doc
def median_frequency(x, fs: float, *, axis: int = 0, nperseg: int | None = None, band_hz=None) -> np.ndarray:
    """Median frequency (Hz) of the Welch PSD of each channel.

    The frequency below which half of the power lies (trapezoid integration,
    linear interpolation between bins). Welch: Hann window, ``nperseg``
    samples (default ``min(256, n)``), 50 % overlap, mean removed per segment.

    Parameters
    ----------
    x : array_like
        Band-passed EMG; ``axis`` is time.
    %(fs)s
    axis : int
        Time axis.
    nperseg : int, optional
        Welch segment length in samples.
    band_hz : (float, float), optional
        Only use PSD bins inside this band.

    Returns
    -------
    ndarray, shape (n_channels,)
        NaN for a channel without power.
    """
    return _welch_frequencies(x, fs, axis, nperseg, band_hz)[0]


@fill_doc
def mean_frequency(x, fs: float, *, axis: int = 0, nperseg: int | None = None, band_hz=None) -> np.ndarray:
    """Mean (centroid) frequency ``int f P df / int P df`` (Hz) of each channel's Welch PSD.

    Parameters
    ----------
    x : array_like
        Band-passed EMG; ``axis`` is time.
    %(fs)s
    axis : int
        Time axis.
    nperseg : int, optional
        Welch segment length in samples (default ``min(256, n)``).
    band_hz : (float, float), optional
        Only use PSD bins inside this band.

    Returns
    -------
    ndarray, shape (n_channels,)
        NaN for a channel without power.
    """
    return _welch_frequencies(x, fs, axis, nperseg, band_hz)[1]


@fill_doc
def spectral_fatigue(x, fs: float, *, epoch_s: float = FATIGUE_EPOCH_S, nperseg: int | None = None,
                     band_hz=None, axis: int = 0) -> FatigueResult:
    """Median and mean frequency per epoch of a sustained contraction, and their slopes.

    Parameters
    ----------
    x : array_like
        Band-passed EMG of one hold; ``axis`` is time.
    %(fs)s
    epoch_s : float
        Length of the consecutive, non-overlapping epochs (0.5-1 s); a final
        partial epoch is dropped.
    nperseg : int, optional
        Welch segment length inside an epoch (default ``min(256, epoch)``).
    band_hz : (float, float), optional
        Spectral band used for the indices.
    axis : int
        Time axis.

    Returns
    -------
    FatigueResult
    """
    fs = check_fs(fs)
    epoch_s = check_positive(epoch_s, "epoch_s", " (s)")
    x2, _ = to_2d(x, axis)
    n_epoch = int(round(epoch_s * fs))
    n_epochs = x2.shape[0] // n_epoch
    if n_epoch < 2 or n_epochs < 1:
        raise SignalError(f"signal of {x2.shape[0] / fs:.3f} s holds no complete {epoch_s:g} s epoch")
    mdf = np.empty((n_epochs, x2.shape[1]))
    mnf = np.empty_like(mdf)
    for e in range(n_epochs):
        f, p = _psd(x2[e * n_epoch:(e + 1) * n_epoch], fs, nperseg, band_hz)
        mdf[e], mnf[e] = _mdf_mnf(f, p)
    times = (np.arange(n_epochs) + 0.5) * n_epoch / fs
    mdf0, mdf_slope = _trend(times, mdf)
    mnf0, mnf_slope = _trend(times, mnf)
    return FatigueResult(times, mdf, mnf, mdf0, mnf0, mdf_slope, mnf_slope)


def _trend(t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Intercept at t=0 and slope in % of it per second, per column (least squares)."""
    if t.size < 2:
        nan = np.full(y.shape[1], np.nan)
        return y[0].copy(), nan
    tc = t - t.mean()
    slope = (tc[:, None] * (y - y.mean(axis=0))).sum(axis=0) / (tc ** 2).sum()
    intercept = y.mean(axis=0) - slope * t.mean()
    return intercept, 100.0 * slope / intercept

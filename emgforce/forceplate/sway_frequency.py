"""Spectral COP sway descriptors: power frequencies, centroidal frequency, dispersion, mean frequency."""

from __future__ import annotations

__all__ = ["FREQUENCY_KEYS", "PRIETO_BAND_HZ", "cop_psd", "frequency_descriptors", "spectral_mean_frequency"]

import numpy as np
from scipy import signal

from emgforce._deprecation import renamed_kwargs
from emgforce.errors import ForcePlateError
from emgforce.forceplate._validate import as_cop, as_series, check_fs, require_motion
from emgforce.forceplate.sway import Axes

#: Prieto et al. (1996) analysed 0.15-5 Hz
PRIETO_BAND_HZ = (0.15, 5.0)
#: names returned by :func:`frequency_descriptors` with its default fractions
FREQUENCY_KEYS = ("total_power_m2", "f50_hz", "f80_hz", "f95_hz", "centroidal_frequency_hz", "frequency_dispersion")


@renamed_kwargs(fs_hz="fs")
def cop_psd(x: np.ndarray, fs: float, nperseg: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Welch PSD of one COP series, m^2/Hz.

    Hann window, ``nperseg = n // 2`` by default, ``noverlap = nperseg // 2``,
    no zero-padding, constant detrend: with the default this is the estimate
    of the Duarte balance data sets (segments of n/2 overlapping by n/4).

    Parameters
    ----------
    x : ndarray, shape (n,)
        One COP series, m (at least 8 finite samples).
    fs : float
        Sampling rate, Hz.
    nperseg : int, optional
        Welch segment length (4 .. n), default ``n // 2``.

    Returns
    -------
    f_hz : ndarray
        Frequencies, Hz.
    psd_m2_hz : ndarray
        Power spectral density, m^2/Hz.
    """
    fs = check_fs(fs, "cop_psd")
    x = as_series(x, "cop_psd", 8)
    n = x.shape[0]
    seg = n // 2 if nperseg is None else int(nperseg)
    if not 4 <= seg <= n:
        raise ForcePlateError(f"PSD: nperseg must be in [4, {n}] for {n} samples, got {seg}")
    return signal.welch(x, fs, window="hann", nperseg=seg, noverlap=seg // 2, nfft=seg, detrend="constant")


@renamed_kwargs(fs_hz="fs")
def spectral_mean_frequency(cop_m: np.ndarray, fs: float, nperseg: int | None = None) -> Axes:
    """Spectral mean frequency ``integral(f P) / integral(P)`` (trapezoid), Hz.

    Per axis from the Welch PSD of :func:`cop_psd` over the whole spectrum.
    The ``resultant`` field is the two axes combined, each weighted by its
    summed PSD: the ``COPmfreq`` of the Duarte balance data sets (Santos &
    Duarte 2016; dos Santos et al. 2017), reproduced with the defaults on raw
    COP.

    Parameters
    ----------
    cop_m : ndarray, shape (n, 2)
        COP, x = ML and y = AP, m; finite.
    fs : float
        Sampling rate, Hz.
    nperseg : int, optional
        Welch segment length, see :func:`cop_psd`.

    Returns
    -------
    Axes
        Hz.

    Raises
    ------
    ForcePlateError
        Wrong shape, NaN/inf, fewer than 8 samples, or a COP that does not move.
    """
    fs = check_fs(fs, "spectral_mean_frequency")
    cop = as_cop(cop_m, "spectral_mean_frequency", 8)
    require_motion(cop, "spectral_mean_frequency")
    out, weights = [], []
    for x in cop.T:
        f, p = cop_psd(x, fs, nperseg)
        out.append(np.trapezoid(f * p, f) / np.trapezoid(p, f))
        weights.append(p.sum())
    combined = (out[0] * weights[0] + out[1] * weights[1]) / (weights[0] + weights[1])
    return Axes(float(out[0]), float(out[1]), float(combined))


@renamed_kwargs(fs_hz="fs")
def frequency_descriptors(
    x: np.ndarray,
    fs: float,
    *,
    band_hz: tuple[float, float] = PRIETO_BAND_HZ,
    fractions: tuple[float, ...] = (0.5, 0.8, 0.95),
    nperseg: int | None = None,
) -> dict[str, float]:
    """Power-spectrum descriptors of one sway series (Prieto et al. 1996).

    From the Welch PSD ``G(f)`` of :func:`cop_psd` restricted to ``band_hz``,
    with spectral moments ``mu_k = sum f^k G(f) df``:

    * ``total_power_m2``: ``mu_0``;
    * ``f50_hz``, ``f80_hz``, ``f95_hz``: the lowest frequency at which the
      cumulative power reaches that fraction of ``mu_0``;
    * ``centroidal_frequency_hz``: ``sqrt(mu_2 / mu_0)``;
    * ``frequency_dispersion``: ``sqrt(1 - mu_1^2 / (mu_0 mu_2))`` (0 for a
      pure tone, 1 for widely spread power).

    Parameters
    ----------
    x : ndarray, shape (n,)
        One series in m: ML, AP or the resultant distance from the mean.
    fs : float
        Sampling rate, Hz.
    band_hz : (float, float)
        Analysed band, Hz (Prieto et al.: 0.15-5 Hz).
    fractions : tuple of float
        Cumulative-power fractions for the power frequencies.
    nperseg : int, optional
        Welch segment length, see :func:`cop_psd`.

    Returns
    -------
    dict of str to float
        The names above (``f50_hz`` etc. follow ``fractions``).

    Raises
    ------
    ForcePlateError
        NaN/inf, a constant series, a band outside ``0 .. fs/2``, or a segment
        too short to put 3 PSD bins in the band (the message says which).
    """
    fs = check_fs(fs, "frequency_descriptors")
    s = as_series(x, "frequency_descriptors", 8)
    require_motion(s, "frequency_descriptors")
    lo, hi = band_hz
    if not 0 <= lo < hi <= fs / 2:
        raise ForcePlateError(f"frequency_descriptors: band {band_hz} Hz must lie within 0..{fs / 2} Hz")
    f, g = cop_psd(s, fs, nperseg)
    sel = (f >= lo) & (f <= hi)
    if sel.sum() < 3:
        df = f[1] - f[0]
        raise ForcePlateError(
            f"frequency_descriptors: segment too short ({s.shape[0] / fs:.2f} s): the PSD resolution "
            f"{df:.3f} Hz leaves fewer than 3 bins in {band_hz} Hz"
        )
    f, g = f[sel], g[sel]
    df = f[1] - f[0]
    mu0, mu1, mu2 = ((f**k * g).sum() * df for k in range(3))
    if not mu0 > 0:
        raise ForcePlateError(f"frequency_descriptors: no power in the {band_hz} Hz band")
    cum = np.cumsum(g) * df
    out = {"total_power_m2": float(mu0)}
    for p in fractions:  # first bin reaching the fraction; the 1e-12 absorbs cumsum rounding
        out[f"f{round(p * 100)}_hz"] = float(f[np.searchsorted(cum, p * mu0 * (1 - 1e-12))])
    out["centroidal_frequency_hz"] = float(np.sqrt(mu2 / mu0))
    out["frequency_dispersion"] = float(np.sqrt(max(1.0 - mu1**2 / (mu0 * mu2), 0.0)))
    return out

"""Sway descriptors of the COP velocity and of its local dwelling (Quijoux et al. 2021 families).

Velocity zero crossings and peaks, sway density and its peaks, principal
sway direction and the phase-plane parameter. Inputs are COP (m) or COP
velocity (m/s) series; none re-centres its input, so the caller chooses the
reference point (mean COP for emgforce, the raw-mean-centred filtered trace
for the ``quijoux2021`` convention).

References: Quijoux F. et al. (2021) Physiol Rep 9:e15067 (the set, with the
original sources of each family). Baratto L. et al. (2002) Motor Control
6:246-270 and Jacono M. et al. (2004) Motor Control 8:292-311 (sway density).
Riley M.A. et al. (phase plane, as cited by Quijoux et al.). Oliveira L.F. et
al. (1996) Physiol Meas 17:305-312 (principal sway direction).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import signal

from emgforce.errors import ForcePlateError
from emgforce.forceplate._kernels import dwell_counts
from emgforce.forceplate._validate import as_cop, as_series, check_fs, check_positive

__all__ = ["VelocityPeaks", "velocity_peaks", "sway_density", "sway_density_peaks", "principal_sway_direction", "phase_plane_parameter"]

#: Jacono et al. (2004) smooth the sway-density curve at 2.5 Hz (4th-order Butterworth, zero phase)
SWAY_DENSITY_LOWPASS_HZ = 2.5


class VelocityPeaks(NamedTuple):
    """Zero crossings and mean peak speeds of one COP velocity series."""

    zero_crossings: int
    peak_positive_m_s: float
    peak_negative_m_s: float
    peak_all_m_s: float


def velocity_peaks(v_m_s: np.ndarray) -> VelocityPeaks:
    """Zero crossings of a velocity series and the mean of its peaks between crossings.

    A crossing is a non-zero sample whose sign differs from the last non-zero
    sample's. Between two consecutive crossings the sample of largest
    ``|v|`` (the first, on ties) is a positive or negative peak after the
    sign of that stretch; the stretches before the first and after the last
    crossing are incomplete and give no peak.

    Parameters
    ----------
    v_m_s : ndarray, shape (n,)
        One velocity component, m/s.

    Returns
    -------
    VelocityPeaks
        Number of crossings; mean positive peak, mean ``|negative peak|`` and
        mean ``|peak|`` over both, m/s (NaN where there is no such peak).

    Raises
    ------
    ForcePlateError
        NaN/inf, fewer than 2 samples, or a series that is zero throughout.
    """
    v = as_series(v_m_s, "velocity_peaks", 2)
    nz = np.flatnonzero(v)
    if nz.size == 0:
        raise ForcePlateError("velocity_peaks: the velocity is zero throughout (COP does not move)")
    s = np.sign(v[nz])
    cross = nz[1:][s[1:] != s[:-1]]
    pos, neg = [], []
    for a, b in zip(cross[:-1], cross[1:], strict=True):
        k = a + int(np.argmax(np.abs(v[a:b])))
        (pos if v[b] < 0 else neg).append(k)
    pos_v, neg_v = v[np.asarray(pos, dtype=int)], np.abs(v[np.asarray(neg, dtype=int)])
    both = np.concatenate([pos_v, neg_v])

    def mean(a: np.ndarray) -> float:
        return float(a.mean()) if a.size else np.nan

    return VelocityPeaks(int(cross.size), mean(pos_v), mean(neg_v), mean(both))


def sway_density(cop_m: np.ndarray, fs: float, radius_m: float = 0.003) -> np.ndarray:
    """Sway-density curve, s (Baratto et al. 2002; Jacono et al. 2004).

    For each sample t but the last: the time the COP stays, before and after
    t without leaving, within ``radius_m`` of its position at t (number of
    such samples other than t, divided by ``fs``); then smoothed by a
    4th-order Butterworth low-pass at 2.5 Hz run forwards and backwards
    (``scipy.signal.filtfilt``, default padding).

    Parameters
    ----------
    cop_m : ndarray, shape (n, 2)
        COP, m.
    fs : float
        Sampling rate, Hz (above 5 Hz).
    radius_m : float
        Radius, m (3 mm in Quijoux et al. 2021).

    Returns
    -------
    ndarray, shape (n - 1,)
        Sway density, s.

    Raises
    ------
    ForcePlateError
        Bad COP, rate or radius, or a segment too short for the filter (16 samples).
    """
    fs = check_fs(fs, "sway_density")
    r = check_positive(radius_m, "radius_m", "sway_density")
    if not fs > 2 * SWAY_DENSITY_LOWPASS_HZ:
        raise ForcePlateError(f"sway_density: fs must exceed {2 * SWAY_DENSITY_LOWPASS_HZ} Hz, got {fs}")
    cop = as_cop(cop_m, "sway_density", 17)
    dens = dwell_counts(np.ascontiguousarray(cop), r) / fs
    b, a = signal.butter(4, SWAY_DENSITY_LOWPASS_HZ / (0.5 * fs), btype="lowpass")
    return signal.filtfilt(b, a, dens)


def sway_density_peaks(density_s: np.ndarray, cop_m: np.ndarray) -> tuple[float, float]:
    """Mean height of the sway-density peaks, s, and mean distance between successive peak positions, m.

    Peaks are strict local maxima of ``density_s``; their positions are the
    COP samples at the same indices.

    Raises
    ------
    ForcePlateError
        Fewer than two peaks (the distance is undefined).
    """
    d = as_series(density_s, "sway_density_peaks", 3)
    cop = as_cop(cop_m, "sway_density_peaks", d.shape[0])
    k = np.flatnonzero((d[1:-1] > d[:-2]) & (d[1:-1] > d[2:])) + 1
    if k.size < 2:
        raise ForcePlateError(f"sway_density_peaks: {k.size} sway-density peak(s), need 2 (segment too short?)")
    step = np.diff(cop[k], axis=0)
    return float(d[k].mean()), float(np.hypot(step[:, 0], step[:, 1]).mean())


def principal_sway_direction(cop_m: np.ndarray) -> float:
    """Angle between the principal sway axis and the AP axis, degrees in [0, 90].

    The principal axis is the eigenvector of the largest eigenvalue of the
    COP covariance (principal component analysis); 0 deg is pure AP sway,
    90 deg pure ML sway.

    Raises
    ------
    ForcePlateError
        Bad COP, or isotropic sway (no principal direction).
    """
    cop = as_cop(cop_m, "principal_sway_direction", 3)
    w, vec = np.linalg.eigh(np.cov(cop, rowvar=False))
    if not w[1] > w[0]:
        raise ForcePlateError("principal_sway_direction: the sway is isotropic (or absent); no principal direction")
    main = vec[:, 1]
    return float(np.degrees(np.arccos(min(abs(main[1]) / np.linalg.norm(main), 1.0))))


def phase_plane_parameter(x_m: np.ndarray, v_m_s: np.ndarray) -> float:
    """Phase-plane parameter ``sqrt(mean(x^2) + var(v))`` (Riley et al., after Quijoux et al. 2021).

    ``x_m`` relative to its reference point (the mean COP),
    ``v_m_s`` the velocity of the same axis; the sum mixes m^2 and m^2/s^2
    as in the original, so the value is in m only with time in s.

    Raises
    ------
    ForcePlateError
        NaN/inf or mismatched lengths.
    """
    x = as_series(x_m, "phase_plane_parameter", 2)
    v = as_series(v_m_s, "phase_plane_parameter", 2)
    if x.shape != v.shape:
        raise ForcePlateError(f"phase_plane_parameter: x and v differ in length ({x.shape[0]} vs {v.shape[0]})")
    return float(np.sqrt(np.mean(x**2) + np.var(v)))

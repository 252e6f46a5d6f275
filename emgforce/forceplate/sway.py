"""Time-domain COP sway descriptors (distances, path, velocity, areas, fractal dimension).

All functions take ``cop_m`` of shape (n_samples, 2) with column 0 = x = ML and
column 1 = y = AP, in m, and work on the COP relative to its mean (Prieto et
al. 1996). Per-axis results come as :class:`Axes` (``ml``, ``ap`` and the
planar ``resultant``).

References: Prieto T.E. et al. (1996) Measures of postural steadiness: differences between
healthy young and elderly adults. IEEE Trans Biomed Eng 43:956-966. Schubert P., Kirchner M.
(2014) Ellipse area calculations and their applicability in posturography. Gait Posture
39:518-522. Hufschmidt A. et al. (1980) Arch Psychiatr Nervenkr 228:135-150. Katz M.J.
(1988) Comput Biol Med 18:145-156.
"""

from __future__ import annotations

__all__ = [
    "Axes",
    "confidence_circle_area",
    "confidence_ellipse_area",
    "fractal_dimension",
    "mean_distance",
    "mean_frequency",
    "mean_velocity",
    "path_length",
    "prediction_ellipse_area",
    "rms_distance",
    "sway_area_per_second",
    "sway_range",
    "time_domain_mean_frequency",
]

from typing import NamedTuple

import numpy as np
from scipy import spatial, stats

from emgforce._deprecation import deprecated_alias, renamed_kwargs
from emgforce.errors import ForcePlateError
from emgforce.forceplate._validate import as_cop, check_fs, check_probability, require_motion


class Axes(NamedTuple):
    """One descriptor for the ML axis, the AP axis and the planar resultant."""

    ml: float
    ap: float
    resultant: float


def _centred(cop_m: np.ndarray, descriptor: str, min_samples: int = 3) -> np.ndarray:
    cop = as_cop(cop_m, descriptor, min_samples)
    return cop - cop.mean(axis=0)


def mean_distance(cop_m: np.ndarray) -> Axes:
    """Mean distance from the mean COP, m (MDIST, Prieto et al. 1996).

    ML/AP: mean of ``|x|``; resultant: mean of the radial distance ``RD``.

    Parameters
    ----------
    cop_m : ndarray, shape (n, 2)
        COP, x = ML and y = AP, m; finite (a continuous loaded segment).

    Returns
    -------
    Axes
        Mean distance (``ml``, ``ap``, ``resultant``), m.

    Raises
    ------
    ForcePlateError
        Not (n, 2), NaN/inf samples, or fewer than 1 sample.
    """
    c = _centred(cop_m, "mean_distance", 1)
    return Axes(*np.abs(c).mean(axis=0), float(np.hypot(c[:, 0], c[:, 1]).mean()))


def rms_distance(cop_m: np.ndarray) -> Axes:
    """RMS distance from the mean COP, m (RDIST, Prieto et al. 1996; ML/AP = population SD).

    Parameters
    ----------
    cop_m : ndarray, shape (n, 2)
        COP, x = ML and y = AP, m; finite (a continuous loaded segment).

    Returns
    -------
    Axes
        RMS distance (``ml``, ``ap``, ``resultant``), m.

    Raises
    ------
    ForcePlateError
        Not (n, 2), NaN/inf samples, or fewer than 1 sample.
    """
    c = _centred(cop_m, "rms_distance", 1)
    ms = (c**2).mean(axis=0)
    return Axes(*np.sqrt(ms), float(np.sqrt(ms.sum())))


def sway_range(cop_m: np.ndarray) -> Axes:
    """Range, m (RANGE, Prieto et al. 1996).

    ML/AP: max - min; resultant: the largest distance between any two COP
    points (found on the convex hull).

    Parameters
    ----------
    cop_m : ndarray, shape (n, 2)
        COP, x = ML and y = AP, m; finite (a continuous loaded segment).

    Returns
    -------
    Axes
        Range (``ml``, ``ap``; ``resultant`` = largest point-to-point distance), m.

    Raises
    ------
    ForcePlateError
        Not (n, 2), NaN/inf samples, or fewer than 1 sample.
    """
    cop = as_cop(cop_m, "sway_range", 1)
    ptp = np.ptp(cop, axis=0)
    try:
        pts = cop[spatial.ConvexHull(cop).vertices]
    except spatial.QhullError:  # collinear or too few points: all points are candidates
        pts = np.unique(cop, axis=0)
    d = pts[:, None, :] - pts[None, :, :]
    return Axes(float(ptp[0]), float(ptp[1]), float(np.sqrt((d**2).sum(-1).max())))


def path_length(cop_m: np.ndarray) -> Axes:
    """Total excursion (path length), m (TOTEX, Prieto et al. 1996).

    Depends on the sampling rate and low-pass filtering; report both.

    Parameters
    ----------
    cop_m : ndarray, shape (n, 2)
        COP, x = ML and y = AP, m; finite (a continuous loaded segment).

    Returns
    -------
    Axes
        Total excursion (``ml``, ``ap``, ``resultant``), m.

    Raises
    ------
    ForcePlateError
        Not (n, 2), NaN/inf samples, or fewer than 2 samples.
    """
    d = np.diff(as_cop(cop_m, "path_length", 2), axis=0)
    return Axes(*np.abs(d).sum(axis=0), float(np.hypot(d[:, 0], d[:, 1]).sum()))


@renamed_kwargs(fs_hz="fs")
def mean_velocity(cop_m: np.ndarray, fs: float) -> Axes:
    """Mean velocity, m/s: path length / duration (MVELO, Prieto et al. 1996).

    The duration is ``n / fs`` (the definition of Prieto et al. and of the
    Duarte balance data sets' ``COPvelo``).

    Parameters
    ----------
    cop_m : ndarray, shape (n, 2)
        COP, x = ML and y = AP, m; finite (a continuous loaded segment).
    fs : float
        Sampling rate of ``cop_m``, Hz.

    Returns
    -------
    Axes
        Mean velocity (``ml``, ``ap``, ``resultant``), m/s.

    Raises
    ------
    ForcePlateError
        Not (n, 2), NaN/inf samples, or fewer than 2 samples, or a bad ``fs``.
    """
    fs = check_fs(fs, "mean_velocity")
    p = path_length(cop_m)
    t = np.asarray(cop_m).shape[0] / fs
    return Axes(p.ml / t, p.ap / t, p.resultant / t)


def confidence_circle_area(cop_m: np.ndarray, probability: float = 0.95) -> float:
    """Area of the 95 % confidence circle, m^2 (AREA-CC, Prieto et al. 1996).

    ``pi (MDIST + z s_RD)^2`` with ``s_RD = sqrt(RDIST^2 - MDIST^2)`` and the
    one-sided normal quantile ``z`` (1.645 for 0.95), as in the paper.

    Parameters
    ----------
    cop_m : ndarray, shape (n, 2)
        COP, x = ML and y = AP, m; finite (a continuous loaded segment).
    probability : float
        Coverage in (0, 1), default 0.95.

    Returns
    -------
    float
        Circle area, m^2.

    Raises
    ------
    ForcePlateError
        Not (n, 2), NaN/inf samples, or fewer than 2 samples, or a probability outside (0, 1).
    """
    z = stats.norm.ppf(check_probability(probability, "confidence_circle_area"))
    c = _centred(cop_m, "confidence_circle_area", 2)
    rd = np.hypot(c[:, 0], c[:, 1])
    mdist = rd.mean()
    s_rd = np.sqrt(max((rd**2).mean() - mdist**2, 0.0))
    return float(np.pi * (mdist + z * s_rd) ** 2)


def _det_cov(c: np.ndarray) -> float:
    return float(max(np.linalg.det(np.cov(c, rowvar=False)), 0.0))


def prediction_ellipse_area(cop_m: np.ndarray, probability: float = 0.95, method: str = "f") -> float:
    """Area of the prediction ellipse expected to hold ``probability`` of the COP samples, m^2.

    ``pi * k * sqrt(det S)`` with ``S`` the sample covariance (ddof 1) and,
    for ``method="f"`` (default; Schubert & Kirchner 2014, and the
    ``COParea`` of the Duarte balance data sets, Santos & Duarte 2016)
    ``k = F(p; 2, n-2) * 2 (n-1)(n+1) / (n (n-2))``; for ``method="chi2"``
    the large-sample ``k = chi2(p; 2)`` (5.991 for 0.95).
    Not the confidence ellipse of the mean (:func:`confidence_ellipse_area`).

    Parameters
    ----------
    cop_m : ndarray, shape (n, 2)
        COP, x = ML and y = AP, m; finite (a continuous loaded segment).
    probability : float
        Coverage in (0, 1), default 0.95.
    method : {"f", "chi2"}
        Small-sample (F) or large-sample (chi-square) coverage factor.

    Returns
    -------
    float
        Prediction-ellipse area, m^2.

    Raises
    ------
    ForcePlateError
        Not (n, 2), NaN/inf samples, or fewer than 4 samples, a probability outside (0, 1)
        or an unknown method.
    """
    if method not in ("f", "chi2"):
        raise ForcePlateError(f"prediction_ellipse_area: method must be 'f' or 'chi2', got {method!r}")
    check_probability(probability, "prediction_ellipse_area")
    c = _centred(cop_m, "prediction_ellipse_area", 4)
    n = c.shape[0]
    if method == "chi2":
        k = stats.chi2.ppf(probability, 2)
    else:
        k = stats.f.ppf(probability, 2, n - 2) * 2 * (n - 1) * (n + 1) / (n * (n - 2))
    return float(np.pi * k * np.sqrt(_det_cov(c)))


def confidence_ellipse_area(cop_m: np.ndarray, probability: float = 0.95, method: str = "mean") -> float:
    """Area of a 95 % confidence ellipse, m^2.

    ``method="mean"`` (default): the confidence ellipse of the *mean* COP
    (Hotelling; Schubert & Kirchner 2014): ``pi * k * sqrt(det S)`` with
    ``k = F(p; 2, n-2) * 2 (n-1) / (n (n-2))``; it shrinks with n and says
    where the mean lies, not how far the COP sways.
    ``method="prieto"``: AREA-CE of Prieto et al. (1996),
    ``2 pi F(p; 2, n-2) sqrt(det S)``, which despite its name covers about
    ``p`` of the samples (close to :func:`prediction_ellipse_area`).

    Parameters
    ----------
    cop_m : ndarray, shape (n, 2)
        COP, x = ML and y = AP, m; finite (a continuous loaded segment).
    probability : float
        Coverage in (0, 1), default 0.95.
    method : {"mean", "prieto"}
        Confidence ellipse of the mean, or Prieto's AREA-CE.

    Returns
    -------
    float
        Confidence-ellipse area, m^2.

    Raises
    ------
    ForcePlateError
        Not (n, 2), NaN/inf samples, or fewer than 4 samples, a probability outside (0, 1)
        or an unknown method.
    """
    if method not in ("mean", "prieto"):
        raise ForcePlateError(f"confidence_ellipse_area: method must be 'mean' or 'prieto', got {method!r}")
    check_probability(probability, "confidence_ellipse_area")
    c = _centred(cop_m, "confidence_ellipse_area", 4)
    n = c.shape[0]
    f = stats.f.ppf(probability, 2, n - 2)
    k = 2 * f if method == "prieto" else f * 2 * (n - 1) / (n * (n - 2))
    return float(np.pi * k * np.sqrt(_det_cov(c)))


@renamed_kwargs(fs_hz="fs")
def sway_area_per_second(cop_m: np.ndarray, fs: float) -> float:
    """Sway area per second, m^2/s (AREA-SW, Hufschmidt et al. 1980; Prieto et al. 1996).

    Area swept by the radius from the mean COP, summed over consecutive
    samples: ``sum |x[k+1] y[k] - x[k] y[k+1]| / (2 T)``, ``T = n / fs``.

    Parameters
    ----------
    cop_m : ndarray, shape (n, 2)
        COP, x = ML and y = AP, m; finite (a continuous loaded segment).
    fs : float
        Sampling rate of ``cop_m``, Hz.

    Returns
    -------
    float
        Swept area per second, m^2/s.

    Raises
    ------
    ForcePlateError
        Not (n, 2), NaN/inf samples, or fewer than 2 samples, or a bad ``fs``.
    """
    fs = check_fs(fs, "sway_area_per_second")
    c = _centred(cop_m, "sway_area_per_second", 2)
    cross = np.abs(c[1:, 0] * c[:-1, 1] - c[:-1, 0] * c[1:, 1]).sum()
    return float(cross / (2.0 * c.shape[0] / fs))


@renamed_kwargs(fs_hz="fs")
def time_domain_mean_frequency(cop_m: np.ndarray, fs: float) -> Axes:
    """Time-domain mean frequency, Hz (MFREQ, Prieto et al. 1996).

    Resultant: ``MVELO / (2 pi MDIST)``, the rotation rate of a COP running
    the path around a circle of radius MDIST. ML/AP:
    ``MVELO_axis / (4 sqrt(2) MDIST_axis)`` as in the paper (for a pure
    sinusoid of frequency f this gives ``pi f / (2 sqrt 2)``, about 1.11 f).
    For the spectral mean frequency see
    :func:`emgforce.forceplate.spectral_mean_frequency`.

    Parameters
    ----------
    cop_m : ndarray, shape (n, 2)
        COP, x = ML and y = AP, m; finite (a continuous loaded segment).
    fs : float
        Sampling rate of ``cop_m``, Hz.

    Returns
    -------
    Axes
        Mean frequency (``ml``, ``ap``, ``resultant``), Hz.

    Raises
    ------
    ForcePlateError
        Not (n, 2), NaN/inf samples, or fewer than 2 samples, a bad ``fs``, or a COP that
        does not move.
    """
    cop = as_cop(cop_m, "time_domain_mean_frequency", 2)
    require_motion(cop, "time_domain_mean_frequency")
    v = mean_velocity(cop, fs)
    d = mean_distance(cop)
    k = 4.0 * np.sqrt(2.0)
    return Axes(v.ml / (k * d.ml), v.ap / (k * d.ap), v.resultant / (2 * np.pi * d.resultant))


# distinct quantities get distinct names: emgforce.signal.mean_frequency is an EMG spectrum's centroid
mean_frequency = deprecated_alias(time_domain_mean_frequency, "emgforce.forceplate.mean_frequency",
                                  "emgforce.forceplate.time_domain_mean_frequency")


def fractal_dimension(cop_m: np.ndarray, method: str = "circle", probability: float = 0.95) -> float:
    """Fractal dimension of the COP path (FD-CC / FD-CE, Prieto et al. 1996, after Katz 1988).

    ``FD = log(N) / log(N d / TOTEX)`` with N the number of COP samples,
    TOTEX the path length and d the diameter of the 95 % confidence circle
    (``method="circle"``) or ``sqrt(d1 d2)`` of the major and minor axes of
    Prieto's 95 % confidence ellipse (``method="ellipse"``).

    Parameters
    ----------
    cop_m : ndarray, shape (n, 2)
        COP, x = ML and y = AP, m; finite (a continuous loaded segment).
    method : {"circle", "ellipse"}
        Diameter from the confidence circle (FD-CC) or ellipse (FD-CE).
    probability : float
        Coverage in (0, 1), default 0.95.

    Returns
    -------
    float
        Dimensionless (1 for a straight path, up to 2 for a plane-filling one).

    Raises
    ------
    ForcePlateError
        Not (n, 2), NaN/inf samples, or fewer than 4 samples, a probability outside (0, 1),
        an unknown method, or a COP that does not move.
    """
    if method not in ("circle", "ellipse"):
        raise ForcePlateError(f"fractal_dimension: method must be 'circle' or 'ellipse', got {method!r}")
    cop = as_cop(cop_m, "fractal_dimension", 4)
    n = cop.shape[0]
    if method == "circle":
        d = 2.0 * np.sqrt(confidence_circle_area(cop, probability) / np.pi)
    else:  # area = pi (d1/2)(d2/2)  ->  sqrt(d1 d2) = 2 sqrt(area / pi)
        d = 2.0 * np.sqrt(confidence_ellipse_area(cop, probability, method="prieto") / np.pi)
    totex = path_length(cop).resultant
    if not (d > 0 and totex > 0):
        raise ForcePlateError("fractal_dimension: the COP does not move (zero path length or area)")
    return float(np.log(n) / np.log(n * d / totex))

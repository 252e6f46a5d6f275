"""Per-trial metric definitions over already normalised envelopes and forces.

Pure functions: numpy arrays in, floats out. Definitions (see docs/report.md):

* mean / peak activation: arithmetic mean and maximum of the normalised
  linear envelope over the window;
* iEMG: time integral of the normalised envelope (trapezoid rule), in
  ``unit * s`` (e.g. %MVC*s);
* time above threshold: total duration where the envelope is >= the
  threshold (sample count / fs), in s and in % of the window;
* rep-to-rep variability: coefficient of variation ``SD (ddof=1) / mean * 100``;
* load split: the share of the summed mean vertical force carried by each
  plate, in % (50 % = even).
"""

from __future__ import annotations

__all__ = ["activation_metrics", "coefficient_of_variation", "load_split"]

import math

import numpy as np

from emgforce.errors import AnalysisError


def _as_1d(x: np.ndarray, what: str) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.ndim != 1:
        raise AnalysisError(f"{what} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise AnalysisError(f"{what} is empty: the window holds no samples")
    return arr


def activation_metrics(envelope: np.ndarray, fs_hz: float, threshold: float | None) -> dict[str, float]:
    """Mean, peak, iEMG and time above ``threshold`` of one normalised envelope window.

    Parameters
    ----------
    envelope : ndarray, shape (n,)
        Normalised linear envelope (e.g. %MVC) of one channel over the window.
    fs_hz : float
        Sampling rate of the envelope.
    threshold : float or None
        Activation threshold in the envelope's unit; None skips the
        time-above-threshold metrics.

    Returns
    -------
    dict
        ``mean``, ``peak``, ``iemg`` (unit*s), and with a threshold
        ``time_above_s`` and ``time_above_pct`` (of the window).
    """
    env = _as_1d(envelope, "envelope")
    if not fs_hz > 0:
        raise AnalysisError(f"fs_hz must be positive, got {fs_hz}")
    out = {
        "mean": float(np.mean(env)),
        "peak": float(np.max(env)),
        "iemg": float(np.trapezoid(env, dx=1.0 / fs_hz)) if env.size > 1 else 0.0,
    }
    if threshold is not None:
        above = int(np.count_nonzero(env >= threshold))
        out["time_above_s"] = above / fs_hz
        out["time_above_pct"] = 100.0 * above / env.size
    return out


def coefficient_of_variation(values: np.ndarray | list[float]) -> float:
    """CV in percent, ``SD (ddof=1) / |mean| * 100``; NaN for fewer than 2 finite values or a zero mean."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 2:
        return math.nan
    mean = float(np.mean(v))
    if mean == 0.0:
        return math.nan
    return float(np.std(v, ddof=1) / abs(mean) * 100.0)


def load_split(fz_by_side: dict[str, np.ndarray]) -> dict[str, float]:
    """Share of the total mean vertical force carried by each plate, in percent.

    Parameters
    ----------
    fz_by_side : dict
        Side (or plate name) -> vertical force samples in N over the same window.

    Returns
    -------
    dict
        Same keys -> % of the summed mean Fz (sums to 100).
    """
    if len(fz_by_side) < 2:
        raise AnalysisError("a load split needs at least two plates")
    means = {k: float(np.mean(_as_1d(v, f"Fz of {k}"))) for k, v in fz_by_side.items()}
    total = sum(means.values())
    if not total > 0:
        raise AnalysisError(f"no load on the plates (summed mean Fz {total:.1f} N): is Fz positive upwards?")
    return {k: 100.0 * v / total for k, v in means.items()}

"""Stabilogram-diffusion analysis (Collins & De Luca 1993)."""

from __future__ import annotations

__all__ = ["DiffusionResult", "mean_square_displacement", "stabilogram_diffusion"]

from dataclasses import dataclass, field

import numpy as np

from emgforce._deprecation import renamed_kwargs
from emgforce.errors import ForcePlateError
from emgforce.forceplate._validate import as_cop, check_fs


def mean_square_displacement(x: np.ndarray, max_lag: int) -> np.ndarray:
    """``<(x[i+k] - x[i])^2>`` over i for k = 0..max_lag, via one FFT autocorrelation.

    ``x`` is (n,) or (n, d) (summed over columns). Exact up to rounding:
    ``sum (x[i+k]-x[i])^2 = sum_{i>=k} x_i^2 + sum_{i<n-k} x_i^2 - 2 sum x_i x_{i+k}``.

    Raises
    ------
    ForcePlateError
        NaN/inf samples, or ``max_lag`` not in ``0 .. n-1``.
    """
    a = np.asarray(x, dtype=float)
    if a.ndim not in (1, 2) or a.shape[0] == 0:
        raise ForcePlateError(f"mean_square_displacement: x must have shape (n,) or (n, d), n >= 1, got {a.shape}")
    if not np.isfinite(a).all():
        raise ForcePlateError("mean_square_displacement: x holds NaN/inf samples; pass a continuous segment")
    n = a.shape[0]
    if isinstance(max_lag, bool) or not isinstance(max_lag, (int, np.integer)) or not 0 <= max_lag < n:
        raise ForcePlateError(f"mean_square_displacement: max_lag must be an integer in [0, {n - 1}] for {n} samples, "
                              f"got {max_lag!r}")
    a = (a - a.mean(axis=0)).reshape(n, -1)
    nfft = 1 << int(np.ceil(np.log2(2 * n)))
    spec = np.fft.rfft(a, nfft, axis=0)
    acf = np.fft.irfft(np.abs(spec) ** 2, nfft, axis=0)[: max_lag + 1].sum(axis=1)
    sq = (a**2).sum(axis=1)
    csum = np.concatenate([[0.0], np.cumsum(sq)])
    k = np.arange(max_lag + 1)
    head = csum[n - k]  # sum_{i < n-k}
    tail = csum[n] - csum[k]  # sum_{i >= k}
    return np.maximum(head + tail - 2.0 * acf, 0.0) / (n - k)


@dataclass(frozen=True)
class DiffusionResult:
    """Output of :func:`stabilogram_diffusion`.

    ``values`` holds, for the suffixes ``_ml``, ``_ap`` and (planar) none:
    ``diffusion_short_m2_s``/``diffusion_long_m2_s`` (D = slope / 2 of the
    linear fits, ``<dr^2> = 2 D dt``), ``hurst_short``/``hurst_long`` (half
    the slope of the log-log fits), ``critical_time_s`` and
    ``critical_msd_m2`` (intersection of the two linear fits). ``reasons``
    says why a value is NaN.
    """

    lags_s: np.ndarray
    msd_ml_m2: np.ndarray
    msd_ap_m2: np.ndarray
    msd_m2: np.ndarray
    values: dict[str, float]
    reasons: dict[str, str] = field(default_factory=dict)


def _fit(t: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    slope, intercept = np.polyfit(t, y, 1)
    return float(slope), float(intercept)


@renamed_kwargs(fs_hz="fs")
def stabilogram_diffusion(
    cop_m: np.ndarray,
    fs: float,
    *,
    short_term_s: tuple[float, float] = (0.0, 1.0),
    long_term_s: tuple[float, float] = (2.5, 10.0),
) -> DiffusionResult:
    """Stabilogram-diffusion coefficients and critical point (Collins & De Luca 1993).

    The mean square COP displacement ``<dx^2>(dt)`` is computed for every lag
    up to the end of the long-term region, for ML, AP and planar
    (``<dr^2> = <dx^2> + <dy^2>``). Straight lines are fitted over lags in
    ``(short_term_s[0], short_term_s[1]]`` and ``[long_term_s[0],
    long_term_s[1]]``; ``D = slope / 2``. Scaling exponents come from the
    same regions in log-log coordinates (lag 0 excluded). The critical point
    is where the two linear fits cross.

    Parameters
    ----------
    cop_m : ndarray, shape (n, 2)
        x = ML, y = AP, m; continuous (no NaN).
    fs : float
        Sampling rate.
    short_term_s, long_term_s : (float, float)
        Fit regions in seconds of lag. The segment must be longer than
        ``long_term_s[1]`` plus one second.

    Returns
    -------
    DiffusionResult
    """
    fs = check_fs(fs, "stabilogram_diffusion")
    cop = as_cop(cop_m, "stabilogram_diffusion", 4)
    (s0, s1), (l0, l1) = short_term_s, long_term_s
    if not 0 <= s0 < s1 <= l0 < l1:
        raise ForcePlateError(f"stabilogram_diffusion: regions must satisfy 0 <= short < long, got {short_term_s}, {long_term_s}")
    n = cop.shape[0]
    max_lag = int(np.floor(l1 * fs + 1e-9))
    if n / fs < l1 + 1.0 or max_lag >= n - 1:
        raise ForcePlateError(
            f"stabilogram_diffusion: segment too short ({n / fs:.2f} s): the long-term region up to {l1} s "
            f"of lag needs at least {l1 + 1.0:.1f} s of COP"
        )
    lags = np.arange(max_lag + 1) / fs
    msd = {"_ml": mean_square_displacement(cop[:, 0], max_lag), "_ap": mean_square_displacement(cop[:, 1], max_lag)}
    msd[""] = msd["_ml"] + msd["_ap"]
    short = (lags > s0) & (lags <= s1)
    long = (lags >= l0) & (lags <= l1)
    if short.sum() < 2 or long.sum() < 2:
        raise ForcePlateError(
            f"stabilogram_diffusion: fewer than 2 lags in a fit region at {fs} Hz ({short_term_s}, {long_term_s} s)"
        )
    values: dict[str, float] = {}
    reasons: dict[str, str] = {}
    for sfx, y in msd.items():
        a_s, b_s = _fit(lags[short], y[short])
        a_l, b_l = _fit(lags[long], y[long])
        values[f"diffusion_short{sfx}_m2_s"] = a_s / 2.0
        values[f"diffusion_long{sfx}_m2_s"] = a_l / 2.0
        with np.errstate(divide="ignore"):
            logy = np.log(y)
        for name, sel in (("short", short), ("long", long)):
            ok = sel & np.isfinite(logy)
            if ok.sum() >= 2:
                values[f"hurst_{name}{sfx}"] = _fit(np.log(lags[ok]), logy[ok])[0] / 2.0
            else:
                values[f"hurst_{name}{sfx}"] = np.nan
                reasons[f"hurst_{name}{sfx}"] = "zero displacement in the fit region (COP does not move)"
        if a_s > a_l:
            tc = (b_l - b_s) / (a_s - a_l)
            values[f"critical_time{sfx}_s"] = tc
            values[f"critical_msd{sfx}_m2"] = a_s * tc + b_s
        else:
            why = "short-term slope not steeper than long-term slope: the fits do not cross"
            for key in (f"critical_time{sfx}_s", f"critical_msd{sfx}_m2"):
                values[key] = np.nan
                reasons[key] = why
    return DiffusionResult(lags, msd["_ml"], msd["_ap"], msd[""], values, reasons)

"""The ``quijoux2021`` convention: the 72 COP descriptors of Quijoux et al. (2021), their way.

Reproduces the open reference code of the review (Jythen/code_descriptors_postural_control,
MIT; checked against its commit c66a0e4 to 1e-6 relative on real COP, see
``tests/forceplate/test_quijoux2021.py``), in SI units. Its conventions,
which differ from emgforce's defaults (:func:`emgforce.forceplate.sway_descriptors`):

* preprocessing: the raw COP is centred on its mean, resampled to 25 Hz by
  SWARII (:mod:`emgforce.forceplate.swarii`, which also drops the first
  0.1 s, the first and last samples and one/two-sample spikes) and low-passed
  at 10 Hz (4th-order Butterworth, ``filtfilt``); it is **not** re-centred
  afterwards, so "distances" are from the raw mean;
* divisors: mean velocity = path / (N / fs); sway area per second divides by
  (N - 1) / fs; covariance terms divide by N;
* ellipse: ``2 pi F(0.95; 2, N-2) (N+1)(N-1)/(N(N-2)) sqrt(det)`` on the
  N-divisor moments about the raw mean (a prediction-ellipse factor, named
  "confidence ellipse" by the code);
* velocity: Savitzky-Golay derivative (window 5, order 3);
* spectrum: Welch, Hann, 10 s segments overlapping 5 s, **linear** detrend,
  ``nfft`` = N; band 0.15-5 Hz; powers are **sums of PSD bins** (no ``df``),
  so the spectral "powers" are in m^2/Hz;
* diffusion: mean square displacement per axis up to N/3 lags; the short-
  and long-term regions are the best (least RMS residual) straight-line fits
  in log-log coordinates split at 0.32-2.5 s; "diffusion" values are the
  fitted MSD at 1 s, m^2.

References: Quijoux F., Nicolaï A., Chairi I., Bargiotas I., Ricard D., Yelnik A., Oudre L.,
Bertin-Hugault F., Vidal P.-P., Vayatis N., Buffat S., Audiffren J. (2021) A review of center
of pressure (COP) variables to quantify standing balance in elderly people: algorithms and
open-access code. Physiol Rep 9:e15067.
"""

from __future__ import annotations

import numpy as np
from scipy import signal, stats

from emgforce.errors import ForcePlateError
from emgforce.forceplate._validate import as_cop, check_fs, check_positive
from emgforce.forceplate.diffusion import mean_square_displacement
from emgforce.forceplate.swarii import drop_artefacts, swarii
from emgforce.forceplate.sway import sway_range
from emgforce.forceplate.sway_dynamics import (
    phase_plane_parameter,
    principal_sway_direction,
    sway_density,
    sway_density_peaks,
    velocity_peaks,
)

__all__ = ["preprocess_quijoux2021", "quijoux2021_values"]

RESAMPLE_HZ = 25.0
LOWPASS_HZ = 10.0
#: Welch segment length of the reference, s
SEGMENT_S = 10.0
BAND_HZ = (0.15, 5.0)
SWAY_DENSITY_RADIUS_M = 0.003
#: log-log split search range of the stabilogram diffusion, s
DIFFUSION_SPLIT_S = (0.3, 2.5)
#: (name, low, high): band energies (low, high] within BAND_HZ
ENERGY_BANDS = (("energy_below_0p5", 0.0, 0.5), ("energy_0p5_2", 0.5, 2.0), ("energy_above_2", 2.0, np.inf))

_AX = ("_ml", "_ap")


def preprocess_quijoux2021(cop_m: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """Centre on the raw mean, SWARII to 25 Hz, low-pass 10 Hz: the reference's stabilogram.

    Returns
    -------
    cop_m : ndarray, shape (m, 2)
        Preprocessed COP at 25 Hz, relative to the raw mean, m.
    mean_m : ndarray, shape (2,)
        Mean of the raw COP, m.
    """
    fs = check_fs(fs, "preprocess_quijoux2021")
    raw = as_cop(cop_m, "preprocess_quijoux2021", 16)
    mean = raw.mean(axis=0)
    t, c = drop_artefacts(np.arange(raw.shape[0]) / fs, raw - mean)
    res = swarii(t, c, RESAMPLE_HZ)
    if res.shape[0] <= 15:  # filtfilt's default padding of a 4th-order filter
        raise ForcePlateError(f"quijoux2021: segment too short ({raw.shape[0] / fs:.2f} s) for the 10 Hz low-pass")
    b, a = signal.butter(4, LOWPASS_HZ / (0.5 * RESAMPLE_HZ), btype="lowpass")
    return signal.filtfilt(b, a, res, axis=0), mean


def _positional(c: np.ndarray, mean: np.ndarray) -> dict[str, float]:
    r = np.hypot(c[:, 0], c[:, 1])
    rms = np.sqrt((c**2).mean(axis=0))
    rng = sway_range(c)
    n = c.shape[0]
    cov = (c[:, 0] * c[:, 1]).mean()
    det = rms[0] ** 2 * rms[1] ** 2 - cov**2
    area = 2 * np.pi * stats.f.ppf(0.95, 2, n - 2) * np.sqrt(det) * (n + 1) * (n - 1) / (n * (n - 2))
    out = {}
    for k, sfx in enumerate(_AX):
        out[f"mean_value{sfx}_m"] = mean[k]
        out[f"mean_distance{sfx}_m"] = np.abs(c[:, k]).mean()
        out[f"maximal_distance{sfx}_m"] = np.abs(c[:, k]).max()
        out[f"rms_distance{sfx}_m"] = rms[k]
    out |= {
        "mean_distance_m": r.mean(), "maximal_distance_m": r.max(), "rms_distance_m": np.sqrt((r**2).mean()),
        "range_ml_m": rng.ml, "range_ap_m": rng.ap, "range_m": rng.resultant, "range_ratio": rng.ml / rng.ap,
        "planar_deviation_m": np.sqrt(rms[0] ** 2 + rms[1] ** 2),
        "coefficient_sway_direction": cov / (rms[0] * rms[1]),
        "area_prediction_ellipse95_m2": area,
        "principal_sway_direction_deg": principal_sway_direction(c),
    }
    return out


def _dynamic(c: np.ndarray, fs: float, area_m2: float, radius_m: float) -> dict[str, float]:
    n = c.shape[0]
    d = np.diff(c, axis=0)
    step = np.hypot(d[:, 0], d[:, 1])
    path = step.sum()
    v = signal.savgol_filter(c, window_length=5, polyorder=3, deriv=1, delta=1 / fs, axis=0)
    dist = np.abs(c).mean(axis=0)
    out = {"mean_velocity_m_s": path * fs / n,
           "sway_area_per_second_m2_s": np.abs(c[1:, 0] * c[:-1, 1] - c[1:, 1] * c[:-1, 0]).sum() / (2 * (n - 1) / fs),
           "length_over_area_1_m": path / area_m2,
           "fractal_dimension_ce": np.log(n) / (np.log(n) + np.log(np.sqrt(4 * area_m2 / np.pi)) - np.log(path)),
           "mean_frequency_hz": (fs * step).mean() / np.hypot(c[:, 0], c[:, 1]).mean() / (2 * np.pi)}
    for k, sfx in enumerate(_AX):
        out[f"mean_velocity{sfx}_m_s"] = np.abs(d[:, k]).sum() * fs / n
        out[f"phase_plane_parameter{sfx}_m"] = phase_plane_parameter(c[:, k], v[:, k])
        peaks = velocity_peaks(v[:, k])
        out[f"velocity_zero_crossings{sfx}"] = peaks.zero_crossings
        out[f"peak_velocity_positive{sfx}_m_s"] = peaks.peak_positive_m_s
        out[f"peak_velocity_negative{sfx}_m_s"] = peaks.peak_negative_m_s
        out[f"peak_velocity_all{sfx}_m_s"] = peaks.peak_all_m_s
        out[f"mean_frequency{sfx}_hz"] = (fs * np.abs(d[:, k])).mean() / dist[k] / (4 * np.sqrt(2))
    mean_peak, peak_spacing = sway_density_peaks(sway_density(c, fs, radius_m), c)
    out["sway_density_mean_peak_s"] = mean_peak
    out["sway_density_peak_distance_m"] = peak_spacing
    return out


def _spectral(c: np.ndarray, fs: float) -> dict[str, float]:
    n = c.shape[0]
    nperseg = min(int(SEGMENT_S * fs), n)
    f, p = signal.welch(c, fs=fs, detrend="linear", nperseg=nperseg, noverlap=int(0.5 * SEGMENT_S * fs),
                        nfft=n, axis=0)
    lo, hi = BAND_HZ
    sel = (f >= lo) & (f <= hi)
    f = f[sel]
    out = {}
    for k, sfx in enumerate(_AX):
        g = p[sel, k]
        m0, m1, m2 = ((f**j * g).sum() for j in range(3))
        cum = np.cumsum(g)
        out[f"total_power{sfx}_m2_hz"] = m0
        out[f"f50{sfx}_hz"] = f[cum >= 0.5 * cum[-1]][0]
        out[f"f95{sfx}_hz"] = f[cum >= 0.95 * cum[-1]][0]
        out[f"frequency_mode{sfx}_hz"] = f[np.argmax(g)]
        out[f"centroidal_frequency{sfx}_hz"] = np.sqrt(m2 / m0)
        out[f"frequency_dispersion{sfx}"] = np.sqrt(1 - m1**2 / (m0 * m2))
        for name, b0, b1 in ENERGY_BANDS:
            out[f"{name}{sfx}_m2_hz"] = g[(f > b0) & (f <= b1)].sum()
        out[f"frequency_quotient{sfx}"] = g[f > 2.0].sum() / g[f <= 2.0].sum()
    return out


def _best_fit(x: np.ndarray, y: np.ndarray, splits: range, short: bool) -> tuple[float, float]:
    """Slope and intercept of the least-RMS-residual line over ``[:i]`` (short) or ``[i-1:]`` (long).

    The last of equal minima wins, as in the reference.
    """
    best, params = np.inf, (np.nan, np.nan)
    for i in splits:
        xs, ys = (x[:i], y[:i]) if short else (x[i - 1:], y[i - 1:])
        a, b = np.polyfit(xs, ys, 1)
        rmse = np.sqrt(np.mean((ys - (a * xs + b)) ** 2))
        if rmse <= best:
            best, params = rmse, (a, b)
    return params


def _diffusion(c: np.ndarray, fs: float) -> dict[str, float]:
    n = c.shape[0]
    max_lag = int(n / 3)
    first, last = int(DIFFUSION_SPLIT_S[0] * fs) + 1, int(DIFFUSION_SPLIT_S[1] * fs)
    if max_lag <= last:
        raise ForcePlateError(f"quijoux2021 diffusion: segment too short ({n / fs:.2f} s at {fs} Hz): "
                              f"lags up to N/3 must pass {last / fs} s")
    log_t = np.log(np.arange(1, max_lag + 1) / fs)
    out = {}
    for k, sfx in enumerate(_AX):
        log_msd = np.log(mean_square_displacement(c[:, k], max_lag)[1:])
        splits = range(first, last + 1)
        short, long = _best_fit(log_t, log_msd, splits, True), _best_fit(log_t, log_msd, splits, False)
        log_tc = min((long[1] - short[1]) / (short[0] - long[0]), log_t[-1])
        out[f"short_time_diffusion{sfx}_m2"] = np.exp(short[1])
        out[f"long_time_diffusion{sfx}_m2"] = np.exp(long[1])
        out[f"critical_time{sfx}_s"] = np.exp(log_tc)
        out[f"critical_displacement{sfx}_m2"] = np.exp(short[1] + short[0] * log_tc)
        out[f"short_time_scaling{sfx}"] = short[0] / 2
        out[f"long_time_scaling{sfx}"] = long[0] / 2
    return out


def quijoux2021_values(
    cop_m: np.ndarray, fs: float, sway_density_radius_m: float = SWAY_DENSITY_RADIUS_M,
) -> tuple[dict[str, float], dict[str, str], dict[str, tuple[str, ...]], np.ndarray]:
    """The 72 descriptors under the ``quijoux2021`` convention (see the module docstring).

    Use it through :func:`emgforce.forceplate.sway_descriptors` with
    ``convention="quijoux2021"``.

    Returns
    -------
    values : dict of str to float
        SI units in the names; NaN for a family the segment cannot support.
    reasons : dict of str to str
        Why a value is NaN.
    flags : dict of str to tuple of str
        ``"too_short"`` (spectrum: Welch segment shorter than 10 s; diffusion:
        lags up to N/3 do not pass 2.5 s), ``"negative_slope"`` (a diffusion
        log-log slope below 0).
    cop_m : ndarray
        The preprocessed 25 Hz COP the values describe.

    Raises
    ------
    ForcePlateError
        Bad COP or rate, or a segment too short for the preprocessing.
    """
    radius = check_positive(sway_density_radius_m, "sway_density_radius_m", "quijoux2021")
    c, mean = preprocess_quijoux2021(cop_m, fs)
    fs = RESAMPLE_HZ
    values: dict[str, float] = {}
    reasons: dict[str, str] = {}
    flags: dict[str, tuple[str, ...]] = {}
    pos = _positional(c, mean)
    groups = (
        (_DYNAMIC_KEYS, lambda: _dynamic(c, fs, pos["area_prediction_ellipse95_m2"], radius)),
        (_SPECTRAL_KEYS, lambda: _spectral(c, fs)),
        (_DIFFUSION_KEYS, lambda: _diffusion(c, fs)),
    )
    values.update(pos)
    for keys, compute in groups:
        try:
            values.update(compute())
        except ForcePlateError as exc:
            for k in keys:
                values[k], reasons[k] = np.nan, str(exc)
                if "too short" in str(exc):
                    flags[k] = ("too_short",)
    values = {k: float(v) for k, v in values.items()}
    if c.shape[0] < SEGMENT_S * fs:
        for k in _SPECTRAL_KEYS:
            flags[k] = ("too_short",)
    for sfx in _AX:
        for scale in ("short", "long"):
            if values[f"{scale}_time_scaling{sfx}"] < 0:
                flags[f"{scale}_time_scaling{sfx}"] = ("negative_slope",)
    return values, reasons, flags, c


def _keys(names: tuple[tuple[str, str], ...], axes: tuple[str, ...] = _AX) -> tuple[str, ...]:
    return tuple(f"{base}{sfx}{unit}" for base, unit in names for sfx in axes)


_DYNAMIC_KEYS = (
    "mean_velocity_m_s", "sway_area_per_second_m2_s", "length_over_area_1_m", "fractal_dimension_ce",
    "mean_frequency_hz", "sway_density_mean_peak_s", "sway_density_peak_distance_m",
) + _keys((("mean_velocity", "_m_s"), ("phase_plane_parameter", "_m"), ("velocity_zero_crossings", ""),
           ("peak_velocity_positive", "_m_s"), ("peak_velocity_negative", "_m_s"), ("peak_velocity_all", "_m_s"),
           ("mean_frequency", "_hz")))
_SPECTRAL_KEYS = _keys((("total_power", "_m2_hz"), ("f50", "_hz"), ("f95", "_hz"), ("frequency_mode", "_hz"),
                        ("centroidal_frequency", "_hz"), ("frequency_dispersion", ""))
                       + tuple((name, "_m2_hz") for name, _, _ in ENERGY_BANDS) + (("frequency_quotient", ""),))
_DIFFUSION_KEYS = _keys((("short_time_diffusion", "_m2"), ("long_time_diffusion", "_m2"), ("critical_time", "_s"),
                         ("critical_displacement", "_m2"), ("short_time_scaling", ""), ("long_time_scaling", "")))
_POSITIONAL_KEYS = _keys((("mean_value", "_m"), ("mean_distance", "_m"), ("maximal_distance", "_m"),
                         ("rms_distance", "_m"))) + (
    "mean_distance_m", "maximal_distance_m", "rms_distance_m", "range_ml_m", "range_ap_m", "range_m", "range_ratio",
    "planar_deviation_m", "coefficient_sway_direction", "area_prediction_ellipse95_m2", "principal_sway_direction_deg",
)
#: the 72 names of the convention
QUIJOUX2021_KEYS = _POSITIONAL_KEYS + _DYNAMIC_KEYS + _SPECTRAL_KEYS + _DIFFUSION_KEYS

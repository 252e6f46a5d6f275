"""All sway descriptors of a COP segment in one call, with the preprocessing recorded."""

from __future__ import annotations

__all__ = ["AXES", "SwayResult", "preprocess_cop", "sway_descriptors"]

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from scipy import signal

from emgforce._deprecation import renamed_kwargs
from emgforce.constants import COP_LOWPASS_HZ
from emgforce.errors import ForcePlateError
from emgforce.forceplate import flags as fl
from emgforce.forceplate import sway as sw
from emgforce.forceplate._validate import check_fs, check_positive, check_probability
from emgforce.forceplate.diffusion import stabilogram_diffusion
from emgforce.forceplate.entropy import sample_entropy
from emgforce.forceplate.quijoux2021 import LOWPASS_HZ, QUIJOUX2021_KEYS, RESAMPLE_HZ, quijoux2021_values
from emgforce.forceplate.sway_frequency import (
    FREQUENCY_KEYS,
    PRIETO_BAND_HZ,
    frequency_descriptors,
    spectral_mean_frequency,
)

log = logging.getLogger(__name__)

#: sosfiltfilt's default edge padding for the one-section (2nd-order) low-pass
_LOWPASS_PADLEN = 9
#: suffixes of the per-axis descriptors: ML, AP and planar resultant
AXES = ("_ml", "_ap", "")
_DIFFUSION_KEYS = tuple(
    f"{base}{sfx}{unit}"
    for sfx in AXES
    for base, unit in (
        ("diffusion_short", "_m2_s"), ("diffusion_long", "_m2_s"), ("hurst_short", ""),
        ("hurst_long", ""), ("critical_time", "_s"), ("critical_msd", "_m2"),
    )
)


@dataclass(frozen=True)
class SwayResult:
    """Named sway descriptors of one COP segment.

    ``values`` maps names with units (``mean_velocity_ml_m_s``,
    ``area_prediction_ellipse95_m2``, ...; suffix ``_ml``/``_ap`` per axis,
    none for the planar resultant) to floats; a NaN value has an entry in
    ``reasons`` saying which descriptor failed and why. The preprocessing
    that produced the analysed COP is recorded alongside. Index the result
    like a dict: ``result["mean_velocity_m_s"]``. ``flags`` maps a
    descriptor to the quality flags of :mod:`emgforce.forceplate.flags`
    (``"too_short"``, ``"negative_slope"``, ``"non_stationary"``) that hold
    for its value; ``convention`` names the definitions used.
    """

    values: dict[str, float]
    reasons: dict[str, str]
    fs_hz: float
    lowpass_hz: float | None
    resample_hz: float | None
    n_samples: int
    flags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    convention: str = "emgforce"

    @property
    def duration_s(self) -> float:
        """Duration of the analysed segment, ``n_samples / fs_hz``."""
        return self.n_samples / self.fs_hz

    def __getitem__(self, name: str) -> float:
        return self.values[name]

    def __contains__(self, name: object) -> bool:
        return name in self.values

    def keys(self):  # noqa: ANN201 - dict view
        """Descriptor names."""
        return self.values.keys()


@renamed_kwargs(fs_hz="fs")
def preprocess_cop(
    cop_m: np.ndarray,
    fs: float,
    *,
    lowpass_hz: float | None = COP_LOWPASS_HZ,
    resample_hz: float | None = None,
) -> tuple[np.ndarray, float]:
    """Low-pass and resample a COP segment as :func:`sway_descriptors` does.

    Low-pass: 2nd-order Butterworth run forwards and backwards
    (``scipy.signal.sosfiltfilt``: zero phase, effective 4th order).
    Resampling: polyphase (``scipy.signal.resample_poly``) to exactly
    ``resample_hz``, which must be a rational multiple of ``fs``; the
    segment is extended linearly at its ends, so an offset COP (a plate
    origin far from the foot) adds no edge artefacts.

    Returns
    -------
    cop_m : ndarray, shape (m, 2)
    fs : float
        Sampling rate of the returned COP.
    """
    fs = check_fs(fs, "preprocess_cop")
    cop = np.asarray(cop_m, dtype=float)
    if lowpass_hz is not None:
        if not check_positive(lowpass_hz, "lowpass_hz", "preprocess_cop") < fs / 2:
            raise ForcePlateError(f"lowpass_hz must be in (0, {fs / 2}) Hz at fs {fs} Hz, got {lowpass_hz}")
        if cop.shape[0] <= _LOWPASS_PADLEN:
            raise ForcePlateError(f"low-pass: segment too short ({cop.shape[0]} samples, needs more than {_LOWPASS_PADLEN})")
        sos = signal.butter(2, lowpass_hz, fs=fs, output="sos")
        cop = signal.sosfiltfilt(sos, cop, axis=0, padlen=_LOWPASS_PADLEN)
    if resample_hz is not None:
        ratio = Fraction(float(resample_hz) / fs).limit_denominator(1000)
        if ratio <= 0 or abs(float(ratio) * fs - resample_hz) > 1e-9 * resample_hz:
            raise ForcePlateError(f"resample_hz {resample_hz} is not a small rational multiple of fs {fs} Hz")
        # padtype="line": the default zero padding makes a COP far from the origin ring at the edges
        cop = signal.resample_poly(cop, ratio.numerator, ratio.denominator, axis=0, padtype="line")
        fs = fs * ratio.numerator / ratio.denominator
    return cop, fs


@renamed_kwargs(fs_hz="fs")
def sway_descriptors(
    cop_m: np.ndarray,
    fs: float,
    *,
    lowpass_hz: float | None = COP_LOWPASS_HZ,
    resample_hz: float | None = None,
    probability: float = 0.95,
    band_hz: tuple[float, float] = PRIETO_BAND_HZ,
    nperseg: int | None = None,
    short_term_s: tuple[float, float] = (0.0, 1.0),
    long_term_s: tuple[float, float] = (2.5, 10.0),
    entropy_m: int = 2,
    entropy_r: float = 0.2,
    convention: str = "emgforce",
    sway_density_radius_m: float = 0.003,
) -> SwayResult:
    """Every sway descriptor of a continuous COP segment.

    Preprocessing (:func:`preprocess_cop`): optional zero-phase low-pass
    (default 10 Hz; path length and velocity depend on it, so it is recorded
    in the result) and optional resampling. Then, on the COP relative to its
    mean (Prieto et al. 1996), for ML, AP and the resultant where it applies:
    mean/RMS distance, range, path length, mean velocity
    (:mod:`emgforce.forceplate.sway`), 95 % confidence circle, 95 %
    prediction ellipse and 95 % confidence ellipse of the mean (named apart,
    Schubert & Kirchner 2014), sway area per second, time-domain mean
    frequency, spectral mean frequency, total power, f50/f80/f95, centroidal
    frequency and frequency dispersion (resultant: spectrum of the radial
    distance), fractal dimension (circle and ellipse), stabilogram diffusion
    (Collins & De Luca 1993) and sample entropy (resultant: of the radial
    distance).

    To reproduce published values computed on raw COP (e.g. the Duarte
    balance data sets), pass ``lowpass_hz=None``.

    ``convention="quijoux2021"`` instead computes the 72 descriptors of
    Quijoux et al. (2021) with that review's reference code's preprocessing
    and definitions (:mod:`emgforce.forceplate.quijoux2021`; the
    preprocessing and descriptor arguments above are then fixed by the
    convention and ignored, except ``sway_density_radius_m``).

    Flags (``result.flags``): ``"non_stationary"`` on every descriptor when
    a linear drift explains half an axis' variance, ``"negative_slope"`` on
    negative diffusion coefficients and scaling exponents, ``"too_short"``
    where the segment is too short for a descriptor (also when the value
    is NaN).

    Parameters
    ----------
    cop_m : ndarray, shape (n, 2)
        x = ML, y = AP, m (e.g. ``CopResult.cop_m`` over a loaded segment).
    fs : float
        Sampling rate.
    lowpass_hz, resample_hz : float or None
        Preprocessing; None skips the step.
    probability : float
        Coverage of the circle/ellipse areas (0.95).
    band_hz, nperseg : see :func:`frequency_descriptors`.
    short_term_s, long_term_s : see :func:`stabilogram_diffusion`.
    entropy_m, entropy_r : see :func:`sample_entropy` (r relative to SD).
    convention : {"emgforce", "quijoux2021"}
        Definitions and preprocessing.
    sway_density_radius_m : float
        Radius of the sway density (``quijoux2021`` only), m.

    Returns
    -------
    SwayResult
        NaN with a reason for descriptors the segment cannot support (too
        short, masked samples, no movement); never a silent wrong number.

    Raises
    ------
    ForcePlateError
        Wrong COP shape, bad ``fs`` or ``probability``, or impossible
        preprocessing settings.
    """
    fs0 = check_fs(fs, "sway_descriptors")
    check_probability(probability, "sway_descriptors")
    if convention not in CONVENTIONS:
        raise ForcePlateError(f"sway_descriptors: convention must be one of {CONVENTIONS}, got {convention!r}")
    raw = np.asarray(cop_m, dtype=float)
    if raw.ndim != 2 or raw.shape[1] != 2:
        raise ForcePlateError(f"sway_descriptors: COP must have shape (n_samples, 2) [x=ML, y=AP], got {raw.shape}")
    if convention == "quijoux2021":
        return _quijoux2021(raw, fs0, sway_density_radius_m)
    values: dict[str, float] = {}
    reasons: dict[str, str] = {}
    groups = _groups(probability, band_hz, nperseg, short_term_s, long_term_s, entropy_m, entropy_r)

    why = _masked(raw)
    if why is None and lowpass_hz is not None and raw.shape[0] <= _LOWPASS_PADLEN:
        why = f"low-pass: segment too short ({raw.shape[0]} samples, needs more than {_LOWPASS_PADLEN})"
    if why is not None:
        log.warning("sway_descriptors: %s", why)
        for keys, _ in groups:
            for k in keys:
                values[k], reasons[k] = np.nan, why
        flags = dict.fromkeys(values, (fl.TOO_SHORT,)) if "too short" in why else {}
        return SwayResult(values, reasons, fs0, lowpass_hz, resample_hz, raw.shape[0], flags)

    cop, fs = preprocess_cop(raw, fs0, lowpass_hz=lowpass_hz, resample_hz=resample_hz)
    flags: dict[str, tuple[str, ...]] = {}
    for keys, compute in groups:
        try:
            out = compute(cop, fs)
        except ForcePlateError as exc:
            for k in keys:
                values[k], reasons[k] = np.nan, str(exc)
            if "too short" in str(exc):  # the descriptors' wording for a segment shorter than they need
                fl.add_flag(flags, keys, fl.TOO_SHORT)
            continue
        for k in keys:
            values[k] = float(out[k])
        reasons.update(out.get("_reasons", {}))
    seg = cop.shape[0] // 2 if nperseg is None else nperseg
    if band_hz[0] > 0 and seg / fs < 1.0 / band_hz[0]:  # the spectrum cannot resolve the band's low edge
        fl.add_flag(flags, (k for k in values if k.startswith(_SPECTRAL_PREFIXES)), fl.TOO_SHORT)
    fl.add_flag(flags, (k for k in values if k.startswith(("diffusion_", "hurst_")) and values[k] < 0),
                fl.NEGATIVE_SLOPE)
    _flag_drift(raw, values, flags)
    return SwayResult(values, reasons, fs, lowpass_hz, resample_hz, cop.shape[0], flags)


#: the definitions ``sway_descriptors`` can follow
CONVENTIONS = ("emgforce", "quijoux2021")
_SPECTRAL_PREFIXES = ("mean_frequency_psd", "total_power", "f50", "f80", "f95", "centroidal_frequency",
                      "frequency_dispersion")


def _flag_drift(raw: np.ndarray, values: dict[str, float], flags: dict[str, tuple[str, ...]]) -> None:
    r2 = fl.trend_r2(raw)
    if (r2 >= fl.TREND_R2_LIMIT).any():
        log.warning("sway_descriptors: non-stationary COP, a linear drift explains %.0f %% (ML) and %.0f %% (AP) "
                    "of the variance", *(100 * r2))
        fl.add_flag(flags, values, fl.NON_STATIONARY)


def _masked(raw: np.ndarray) -> str | None:
    """Why a COP with NaN/inf samples cannot be described, or None."""
    bad = ~np.isfinite(raw).all(axis=1)
    if not bad.any():
        return None
    return (f"COP has {int(bad.sum())} of {raw.shape[0]} samples NaN/inf (masked, unloaded plate?); "
            "pass a continuous loaded segment (see CopResult.valid)")


def _quijoux2021(raw: np.ndarray, fs: float, radius_m: float) -> SwayResult:
    try:
        if (why := _masked(raw)) is not None:
            raise ForcePlateError(why)
        values, reasons, flags, cop = quijoux2021_values(raw, fs, radius_m)
    except ForcePlateError as exc:  # the whole segment is unusable: every value NaN, saying why
        log.warning("sway_descriptors: %s", exc)
        values = dict.fromkeys(QUIJOUX2021_KEYS, np.nan)
        reasons = dict.fromkeys(QUIJOUX2021_KEYS, str(exc))
        flags = dict.fromkeys(QUIJOUX2021_KEYS, (fl.TOO_SHORT,)) if "too short" in str(exc) else {}
        return SwayResult(values, reasons, RESAMPLE_HZ, LOWPASS_HZ, RESAMPLE_HZ, 0, flags, "quijoux2021")
    _flag_drift(raw, values, flags)
    return SwayResult(values, reasons, RESAMPLE_HZ, LOWPASS_HZ, RESAMPLE_HZ, cop.shape[0], flags, "quijoux2021")


def _with_axis(name: str, sfx: str) -> str:
    """Insert the axis suffix before the unit: ``f50_hz`` -> ``f50_ml_hz``."""
    for unit in ("_m2", "_hz"):
        if name.endswith(unit):
            return name[: -len(unit)] + sfx + unit
    return name + sfx


def _axes(base: str, unit: str, ax: sw.Axes) -> dict[str, float]:
    return {f"{base}{sfx}{unit}": v for sfx, v in zip(AXES, ax, strict=True)}


def _groups(probability, band_hz, nperseg, short_term_s, long_term_s, entropy_m, entropy_r):
    """(keys, compute(cop, fs) -> dict) per descriptor; a failure NaNs only its own keys."""

    def keys_of(base: str, unit: str) -> tuple[str, ...]:
        return tuple(f"{base}{sfx}{unit}" for sfx in AXES)

    def radial(cop: np.ndarray) -> np.ndarray:
        c = cop - cop.mean(axis=0)
        return np.hypot(c[:, 0], c[:, 1])

    def spectral(cop: np.ndarray, fs: float) -> dict[str, float]:
        out = {}
        for sfx, series in zip(AXES, (cop[:, 0], cop[:, 1], radial(cop)), strict=True):
            for name, v in frequency_descriptors(series, fs, band_hz=band_hz, nperseg=nperseg).items():
                out[_with_axis(name, sfx)] = v
        return out

    def diffusion(cop: np.ndarray, fs: float) -> dict:
        res = stabilogram_diffusion(cop, fs, short_term_s=short_term_s, long_term_s=long_term_s)
        return {**res.values, "_reasons": res.reasons}

    def entropy(cop: np.ndarray, fs: float) -> dict[str, float]:
        series = (cop[:, 0], cop[:, 1], radial(cop))
        return {f"sample_entropy{sfx}": sample_entropy(s, entropy_m, entropy_r) for sfx, s in zip(AXES, series, strict=True)}

    spectral_keys = tuple(_with_axis(name, sfx) for sfx in AXES for name in FREQUENCY_KEYS)
    groups: list[tuple[tuple[str, ...], Callable]] = [
        (keys_of("mean_distance", "_m"), lambda c, fs: _axes("mean_distance", "_m", sw.mean_distance(c))),
        (keys_of("rms_distance", "_m"), lambda c, fs: _axes("rms_distance", "_m", sw.rms_distance(c))),
        (keys_of("range", "_m"), lambda c, fs: _axes("range", "_m", sw.sway_range(c))),
        (keys_of("path_length", "_m"), lambda c, fs: _axes("path_length", "_m", sw.path_length(c))),
        (keys_of("mean_velocity", "_m_s"), lambda c, fs: _axes("mean_velocity", "_m_s", sw.mean_velocity(c, fs))),
        (("area_confidence_circle95_m2",),
         lambda c, fs: {"area_confidence_circle95_m2": sw.confidence_circle_area(c, probability)}),
        (("area_prediction_ellipse95_m2",),
         lambda c, fs: {"area_prediction_ellipse95_m2": sw.prediction_ellipse_area(c, probability)}),
        (("area_confidence_ellipse95_m2",),
         lambda c, fs: {"area_confidence_ellipse95_m2": sw.confidence_ellipse_area(c, probability)}),
        (("sway_area_per_second_m2_s",),
         lambda c, fs: {"sway_area_per_second_m2_s": sw.sway_area_per_second(c, fs)}),
        (keys_of("mean_frequency", "_hz"), lambda c, fs: _axes("mean_frequency", "_hz", sw.time_domain_mean_frequency(c, fs))),
        (keys_of("mean_frequency_psd", "_hz"),
         lambda c, fs: _axes("mean_frequency_psd", "_hz", spectral_mean_frequency(c, fs, nperseg))),
        (spectral_keys, spectral),
        (("fractal_dimension_cc",), lambda c, fs: {"fractal_dimension_cc": sw.fractal_dimension(c, "circle", probability)}),
        (("fractal_dimension_ce",), lambda c, fs: {"fractal_dimension_ce": sw.fractal_dimension(c, "ellipse", probability)}),
        (_DIFFUSION_KEYS, diffusion),
        (keys_of("sample_entropy", ""), entropy),
    ]
    return groups

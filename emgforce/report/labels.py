"""What a clinician reads: plain metric names, clinician units and one colour per side.

The analysis keeps SI units and code names (``sway_mean_velocity_ml_m_s`` in m/s);
reports show the same numbers in the units of the clinic (COP in mm, areas in
cm^2, velocities in mm/s) under plain names, with the code name beside them in
the appendix so a number can be traced back to ``report.json`` and ``tidy.csv``.
"""

from __future__ import annotations

__all__ = ["CLINICIAN_UNITS", "NEUTRAL_COLOR", "SIDE_COLORS", "clinician_value", "plain_name", "side_color"]

import math

#: one colour per side in every figure; Okabe & Ito (2008) colour-blind-safe palette
SIDE_COLORS = {"left": "#0072B2", "right": "#D55E00"}
#: colour of quantities that belong to no side (double-leg tasks, whole-body COP)
NEUTRAL_COLOR = "#555555"

#: SI unit -> (clinician unit, factor applied to the value)
CLINICIAN_UNITS = {
    "m": ("mm", 1e3),
    "m^2": ("cm^2", 1e4),
    "m/s": ("mm/s", 1e3),
    "m^2/s": ("cm^2/s", 1e4),
    "V": ("uV", 1e6),
}

_WORDS = {
    "emg_mean": "mean activation over the trial",
    "emg_peak": "peak activation",
    "emg_iemg": "integrated activation",
    "emg_time_above_s": "time above threshold",
    "emg_time_above_pct": "time above threshold (share of trial)",
    "rep_count": "repetitions",
    "rep_duration_mean_s": "mean repetition duration",
    "rep_duration_s": "repetition duration",
    "hold_mean_s": "mean hold duration",
    "hold_cv_pct": "hold duration variation (CV)",
    "rep_hold_s": "hold duration",
    "rep_emg_mean": "mean activation per repetition (hold; squat: whole repetition)",
    "rep_emg_peak": "peak activation in the repetition",
    "rep_emg_mean_cv_pct": "rep-to-rep variation of activation (CV)",
    "rep_onset_latency_s": "activation onset latency in the repetition",
    "rep_mdf_slope_pct_s": "median-frequency slope in the repetition (fatigue)",
    "mdf_slope_pct_s": "median-frequency slope (fatigue)",
    "lift_s": "leg lift time",
    "stance_duration_s": "single-leg stance duration",
    "balance_losses": "balance losses",
    "balance_loss_time_s": "time in balance losses",
    "time_to_stabilization_s": "time to stabilisation",
    "onset_latency_s": "activation onset latency after leg lift",
    "load_pct": "share of body weight",
    "mvc_1s_mean_max_v": "MVC amplitude (best 1 s)",
    "mvc_1s_mean_max": "MVC level (best 1 s)",
}
_SWAY_WORDS = {
    "area_confidence_circle95": "95 % confidence circle area",
    "area_confidence_ellipse95": "95 % confidence ellipse area",
    "area_prediction_ellipse95": "95 % prediction ellipse area",
    "centroidal_frequency": "centroidal frequency",
    "critical_msd": "critical mean squared displacement",
    "critical_time": "critical time (diffusion)",
    "diffusion_long": "long-term diffusion coefficient",
    "diffusion_short": "short-term diffusion coefficient",
    "f50": "50 % power frequency",
    "f80": "80 % power frequency",
    "f95": "95 % power frequency",
    "fractal_dimension_cc": "fractal dimension (circle)",
    "fractal_dimension_ce": "fractal dimension (ellipse)",
    "frequency_dispersion": "frequency dispersion",
    "hurst_long": "long-term Hurst exponent",
    "hurst_short": "short-term Hurst exponent",
    "mean_distance": "mean distance",
    "mean_frequency": "mean frequency",
    "mean_frequency_psd": "mean frequency (spectrum)",
    "mean_velocity": "mean velocity",
    "path_length": "path length",
    "range": "range",
    "rms_distance": "RMS distance",
    "sample_entropy": "sample entropy",
    "sway_area_per_second": "sway area per second",
    "total_power": "total power",
}
_AXIS_WORDS = {"ml": "medio-lateral", "ap": "antero-posterior"}
_UNIT_TAILS = ("_m2_s", "_m_s", "_m2", "_hz", "_m", "_s")


def plain_name(metric: str) -> str:
    """Plain-language name of a metric code name (``sway_mean_velocity_ml_m_s`` ->
    ``"COP mean velocity, medio-lateral"``); unknown names come back with spaces."""
    if metric in _WORDS:
        return _WORDS[metric]
    if metric.startswith("sway_"):
        base = metric[len("sway_"):]
        for tail in _UNIT_TAILS:
            if base.endswith(tail):
                base = base[: -len(tail)]
                break
        axis = ""
        for code, words in _AXIS_WORDS.items():
            if base.endswith(f"_{code}"):
                base, axis = base[: -len(code) - 1], f", {words}"
        return f"COP {_SWAY_WORDS.get(base, base.replace('_', ' '))}{axis}"
    return metric.replace("_", " ")


def clinician_value(value: float, unit: str) -> tuple[float, str]:
    """A value and its SI unit in the unit a clinician reads (m -> mm, m^2 -> cm^2, ...)."""
    target, factor = CLINICIAN_UNITS.get(unit, (unit, 1.0))
    return (value * factor if math.isfinite(value) else math.nan), target


def side_color(side: str | None) -> str:
    """The colour of a side in every figure (neutral grey for none)."""
    return SIDE_COLORS.get(side or "", NEUTRAL_COLOR)

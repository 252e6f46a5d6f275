"""Force plates: plate model, centre of pressure, sway descriptors, single-leg-stance events.

A leaf package (numpy, scipy, numba only). Conventions: lab x = ML, y = AP,
z up; SI units with unit suffixes in names.
"""

from emgforce.forceplate.calibration import forces_from_raw, zero_offset
from emgforce.forceplate.cop import CopResult, center_of_pressure
from emgforce.forceplate.descriptors import SwayResult, preprocess_cop, sway_descriptors
from emgforce.forceplate.diffusion import DiffusionResult, mean_square_displacement, stabilogram_diffusion
from emgforce.forceplate.entropy import sample_entropy
from emgforce.forceplate.plate import PLATE_CHANNELS, Plate
from emgforce.forceplate.stance import (
    StabilizationResult,
    StanceEvent,
    detect_balance_losses,
    detect_leg_lift,
    time_to_stabilization,
)
from emgforce.forceplate.sway import (
    Axes,
    confidence_circle_area,
    confidence_ellipse_area,
    fractal_dimension,
    mean_distance,
    mean_frequency,
    mean_velocity,
    path_length,
    prediction_ellipse_area,
    rms_distance,
    sway_area_per_second,
    sway_range,
    time_domain_mean_frequency,
)
from emgforce.forceplate.sway_frequency import cop_psd, frequency_descriptors, spectral_mean_frequency

__all__ = [
    "PLATE_CHANNELS",
    "Axes",
    "CopResult",
    "DiffusionResult",
    "Plate",
    "StabilizationResult",
    "StanceEvent",
    "SwayResult",
    "center_of_pressure",
    "confidence_circle_area",
    "confidence_ellipse_area",
    "cop_psd",
    "detect_balance_losses",
    "detect_leg_lift",
    "forces_from_raw",
    "fractal_dimension",
    "frequency_descriptors",
    "mean_distance",
    "mean_frequency",  # deprecated alias of time_domain_mean_frequency
    "mean_square_displacement",
    "mean_velocity",
    "path_length",
    "prediction_ellipse_area",
    "preprocess_cop",
    "rms_distance",
    "sample_entropy",
    "spectral_mean_frequency",
    "stabilogram_diffusion",
    "sway_area_per_second",
    "sway_descriptors",
    "sway_range",
    "time_domain_mean_frequency",
    "time_to_stabilization",
    "zero_offset",
]

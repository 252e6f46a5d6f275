"""Centre of pressure and free moment with a vertical-load threshold."""

from __future__ import annotations

__all__ = ["CopResult", "center_of_pressure"]

import logging
from dataclasses import dataclass

import numpy as np

from emgforce.constants import COP_FZ_THRESHOLD_N
from emgforce.errors import ForcePlateError
from emgforce.forceplate._kernels import cop_kernel
from emgforce.forceplate.plate import Plate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CopResult:
    """Output of :func:`center_of_pressure`.

    Attributes
    ----------
    cop_m : ndarray, shape (n, 2)
        COP (x, y) in m; NaN where ``valid`` is False. ``frame="lab"``: lab x
        (ML) and y (AP). ``frame="plate"``: plate axes, relative to the
        geometric centre of the top surface.
    free_moment_nm : ndarray, shape (n,)
        Vertical moment about the COP (free moment, Holden & Cavanagh 1991),
        N*m, about the frame's z axis in the plate's sign convention; NaN where
        masked.
    valid : ndarray of bool, shape (n,)
        Finite input and vertical load above the threshold.
    fz_n : ndarray, shape (n,)
        Vertical load in N, positive when the plate is loaded (whatever the
        plate's sign convention); NaN where the input is not finite.
    frame : str
        ``"lab"`` or ``"plate"``.
    fz_threshold_n : float
        Threshold that was applied.
    """

    cop_m: np.ndarray
    free_moment_nm: np.ndarray
    valid: np.ndarray
    fz_n: np.ndarray
    frame: str
    fz_threshold_n: float

    @property
    def fraction_valid(self) -> float:
        """Share of samples with a defined COP (0..1)."""
        return float(self.valid.mean()) if self.valid.size else 0.0


def center_of_pressure(
    forces: np.ndarray,
    plate: Plate,
    *,
    fz_threshold_n: float = COP_FZ_THRESHOLD_N,
    frame: str = "lab",
) -> CopResult:
    """Centre of pressure and free moment from the six plate components.

    With the top surface at height ``dz = -origin_m[2]`` above the origin in
    the plate frame, equilibrium of the moments about the origin gives
    ``x = (dz Fx - My) / Fz``, ``y = (Mx + dz Fy) / Fz`` and the free moment
    ``Tz = Mz - x Fy + y Fx`` (e.g. Winter, *Biomechanics and Motor Control of
    Human Movement*, ch. 5; Kistler's ax/ay with ``dz = az0``). Samples whose
    vertical load is at or below ``fz_threshold_n`` are masked (NaN and
    ``valid`` False), never divided through.

    Parameters
    ----------
    forces : ndarray, shape (n_samples, 6)
        Fx Fy Fz (N) Mx My Mz (N*m) about the plate origin, plate frame, as
        returned by :func:`forces_from_raw`.
    plate : Plate
        Geometry and sign convention.
    fz_threshold_n : float
        Minimum vertical load for a defined COP, N (default 20 N).
    frame : {"lab", "plate"}
        Coordinates of the result (see :class:`CopResult`).

    Returns
    -------
    CopResult

    Raises
    ------
    ForcePlateError
        Not a Plate, wrong shape, an unknown frame or a negative threshold.
    """
    if not isinstance(plate, Plate):
        raise ForcePlateError(
            f"plate must be a Plate, got {type(plate).__name__} (Plate.from_dict reads a stored dict)")
    f = np.asarray(forces, dtype=np.float64)
    if f.ndim != 2 or f.shape[1] != 6:
        raise ForcePlateError(
            f"forces must have shape (n_samples, 6) [Fx Fy Fz Mx My Mz]; got {f.shape}"
            " (convert raw channels with forces_from_raw first)"
        )
    if frame not in ("lab", "plate"):
        raise ForcePlateError(f"frame must be 'lab' or 'plate', got {frame!r}")
    try:
        threshold = float(fz_threshold_n)
    except (TypeError, ValueError):
        threshold = np.nan
    if not (np.isfinite(threshold) and threshold >= 0):
        raise ForcePlateError(f"fz_threshold_n must be a finite value >= 0 (N), got {fz_threshold_n!r}")
    f = np.ascontiguousarray(f)
    n = f.shape[0]
    cop = np.empty((n, 2))
    free_moment = np.empty(n)
    valid = np.empty(n, dtype=np.bool_)
    load = np.empty(n)
    cop_kernel(
        f, plate.origin_m, plate.rotation, plate.center_m, plate.load_sign,
        threshold, frame == "lab", cop, free_moment, valid, load,
    )
    if n and not valid.any():
        log.warning("plate %r: vertical load never exceeds %.1f N; COP is undefined throughout",
                    plate.name, threshold)
    return CopResult(cop, free_moment, valid, load, frame, threshold)

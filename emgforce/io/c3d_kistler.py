"""Kistler's COP correction of C3D TYPE 3 plates (``FORCE_PLATFORM:FPCOPPOLY``).

Kistler plates measure the centre of pressure with a small systematic error
that grows towards the edges; the plate's calibration sheet gives twelve
coefficients ``P0..P11`` per plate (Kistler's multicomponent force plate
documentation, as ezc3d applies them; see also the BMC notebook
*KistlerForcePlateCalculation* by M. Duarte). With ``x, y`` the raw COP in the
plate frame relative to the top-surface centre, in the file's length unit::

    dx = (P0 y^4 + P1 y^2 + P2) x^3 + (P3 y^4 + P4 y^2 + P5) x
    dy = (P6 x^4 + P7 x^2 + P8) y^3 + (P9 x^4 + P10 x^2 + P11) y

and the corrected COP is ``(x - dx, y - dy)``. emgforce stores forces and
moments, not the COP, so :func:`apply_cop_correction` moves the moments to
those of the same force acting at the corrected COP (``M + d x F``): every COP
computed from the stream is then the corrected one, and the free moment is
unchanged.
"""

from __future__ import annotations

import numpy as np

__all__ = ["apply_cop_correction", "cop_offsets"]


def cop_offsets(x: np.ndarray, y: np.ndarray, poly: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kistler's COP errors ``(dx, dy)`` at raw COP ``(x, y)`` (file length unit) for 12 coefficients."""
    p = np.asarray(poly, dtype=np.float64).ravel()
    if p.size != 12:
        raise ValueError(f"FPCOPPOLY holds 12 coefficients per plate, got {p.size}")
    x2, y2 = x * x, y * y
    dx = (p[0] * y2 * y2 + p[1] * y2 + p[2]) * x2 * x + (p[3] * y2 * y2 + p[4] * y2 + p[5]) * x
    dy = (p[6] * x2 * x2 + p[7] * x2 + p[8]) * y2 * y + (p[9] * x2 * x2 + p[10] * x2 + p[11]) * y
    return dx, dy


def apply_cop_correction(forces: np.ndarray, plate, poly: np.ndarray, unit_m: float) -> np.ndarray:
    """Forces and moments of ``plate`` whose COP is Kistler-corrected.

    Parameters
    ----------
    forces : ndarray, shape (n, 6)
        Fx..Mz (N, N*m) about the plate origin in the plate frame, as
        :func:`emgforce.forceplate.forces_from_raw` gives them.
    plate : Plate
        The TYPE 3 plate.
    poly : array of 12 floats
        ``FPCOPPOLY`` of this plate, for COP in the file's length unit.
    unit_m : float
        Metres per file length unit (``POINT:UNITS``).

    Returns
    -------
    ndarray, shape (n, 6)
        The same forces; moments of the force at the corrected COP. Samples
        without a defined COP (no load) are left as they are.
    """
    cop = _plate_frame_cop(forces, plate) / unit_m
    dx, dy = cop_offsets(cop[:, 0], cop[:, 1], poly)
    shift = np.column_stack([-dx, -dy, np.zeros(len(dx))]) * unit_m
    shift[~np.isfinite(shift).all(axis=1)] = 0.0
    out = forces.copy()
    out[:, 3:] += np.cross(shift, forces[:, :3])
    return out


def _plate_frame_cop(forces: np.ndarray, plate) -> np.ndarray:
    """COP (m) relative to the top-surface centre in plate axes; NaN where the plate is unloaded.

    The equilibrium of :func:`emgforce.forceplate.center_of_pressure` (io may not
    import analysis): with ``dz = -origin_z``, ``x = (dz Fx - My) / Fz`` and
    ``y = (Mx + dz Fy) / Fz`` about the origin.
    """
    fx, fy, fz, mx, my = (forces[:, k] for k in range(5))
    dz = -plate.origin_m[2]
    load = plate.load_sign * (forces[:, :3] @ plate.rotation[2])
    loaded = (load > 0) & (fz != 0) & np.isfinite(forces).all(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cop = np.column_stack([(dz * fx - my) / fz + plate.origin_m[0], (mx + dz * fy) / fz + plate.origin_m[1]])
    cop[~loaded] = np.nan
    return cop

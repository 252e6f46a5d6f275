"""Missing or wrong metadata of other software's files: length units and body mass.

Pure functions returning a value and a sentence saying what was decided; the
importers and the analysis put those sentences in the report's messages.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["LENGTH_M", "check_body_mass", "estimate_body_mass", "infer_length_unit"]

LENGTH_M = {"m": 1.0, "cm": 1e-2, "mm": 1e-3}
#: a force plate's side is 0.2-2 m (Kistler/AMTI/Bertec single plates to instrumented walkways)
PLATE_SIDE_M = (0.1, 2.5)
#: plausible adult and child body mass
BODY_MASS_KG = (15.0, 250.0)
G = 9.80665


def infer_length_unit(plate_side: float, declared: str | None) -> tuple[str, str | None]:
    """Length unit of a C3D file from its declared ``POINT:UNITS`` and the size of a plate in those units.

    Parameters
    ----------
    plate_side : float
        Longest side of the force plates, in the file's (unknown or declared) unit.
    declared : str or None
        ``POINT:UNITS`` as written ("" or None when missing).

    Returns
    -------
    unit : str
        ``"m"``, ``"cm"`` or ``"mm"``.
    note : str or None
        What was inferred or corrected, None when the declared unit is plausible.

    Examples
    --------
    >>> infer_length_unit(600.0, "")
    ('mm', 'POINT:UNITS is empty; the force plates are 600 units wide, so lengths are taken in mm')
    >>> infer_length_unit(0.6, "m")
    ('m', None)
    """
    unit = (declared or "").strip().lower()
    plausible = [u for u, f in LENGTH_M.items() if PLATE_SIDE_M[0] <= plate_side * f <= PLATE_SIDE_M[1]]
    if unit in LENGTH_M and (unit in plausible or not math.isfinite(plate_side) or plate_side <= 0):
        return unit, None
    if unit not in LENGTH_M:
        if len(plausible) == 1:
            return plausible[0], (f"POINT:UNITS is {'empty' if not unit else repr(declared)}; the force plates are "
                                  f"{plate_side:g} units wide, so lengths are taken in {plausible[0]}")
        return "mm", (f"POINT:UNITS is {'empty' if not unit else repr(declared)} and the plate size ({plate_side:g}) does "
                      "not tell the unit; mm assumed (the C3D norm of Vicon and Qualisys)")
    size_m = plate_side * LENGTH_M[unit]
    if len(plausible) == 1:
        return plausible[0], (f"POINT:UNITS says {unit}, which makes the force plates {size_m:g} m wide; "
                              f"corrected to {plausible[0]} ({plate_side * LENGTH_M[plausible[0]]:g} m)")
    return unit, f"POINT:UNITS says {unit}, which makes the force plates {size_m:g} m wide: implausible, check the file"


def check_body_mass(mass_kg: float | None, estimate_kg: float | None = None) -> tuple[float | None, str | None]:
    """A plausible body mass from the recorded one and an estimate from the plates; returns (mass, note).

    Implausible values (outside 15-250 kg) are corrected when a unit slip (g,
    lb) or the plate estimate explains them unambiguously, else replaced by the
    estimate, else dropped; a missing mass takes the estimate.

    Examples
    --------
    >>> check_body_mass(72000.0)
    (72.0, 'body mass 72000 kg is implausible; read as grams: 72 kg')
    >>> check_body_mass(None, 70.3)[1]
    'no body mass recorded; estimated from quiet double stance on the plates: 70.3 kg'
    """
    lo, hi = BODY_MASS_KG
    if mass_kg is not None and lo <= mass_kg <= hi:
        if estimate_kg is not None and abs(mass_kg - estimate_kg) > 0.25 * mass_kg:
            return mass_kg, (f"body mass {mass_kg:g} kg differs from the {estimate_kg:.1f} kg the plates measure in "
                             "quiet double stance; the recorded value is kept: check it")
        return mass_kg, None
    if mass_kg is None:
        if estimate_kg is None:
            return None, None
        return estimate_kg, f"no body mass recorded; estimated from quiet double stance on the plates: {estimate_kg:.1f} kg"
    candidates = {"grams": mass_kg / 1000.0, "pounds": mass_kg * 0.45359237}
    fits = {k: v for k, v in candidates.items() if lo <= v <= hi}
    if estimate_kg is not None:
        fits = {k: v for k, v in fits.items() if abs(v - estimate_kg) <= 0.1 * estimate_kg}
    if len(fits) == 1:
        (unit, value), = fits.items()
        return value, f"body mass {mass_kg:g} kg is implausible; read as {unit}: {value:.3g} kg"
    if estimate_kg is not None:
        return estimate_kg, (f"body mass {mass_kg:g} kg is implausible; replaced by {estimate_kg:.1f} kg measured by "
                             "the plates in quiet double stance")
    return None, f"body mass {mass_kg:g} kg is implausible and cannot be corrected; ignored"


def estimate_body_mass(total_fz_n: np.ndarray, fs_hz: float, window_s: float = 1.0) -> float | None:
    """Body mass (kg) from the total vertical load of the feet (all plates summed).

    Quiet standing is the steadiest high load: of the ``window_s`` stretches
    carrying at least 100 N whose load varies by at most 2 % (coefficient of
    variation), the one with the highest median load gives the body weight
    (bridges unload the feet, squats and steps are not steady). Returns None
    when no stretch is loaded and steady.
    """
    x = np.asarray(total_fz_n, dtype=float)
    n = int(round(window_s * fs_hz))
    if n < 2 or x.size < n:
        return None
    windows = np.lib.stride_tricks.sliding_window_view(x, n)[:: max(n // 4, 1)]
    ok = np.all(np.isfinite(windows), axis=1)
    ok[ok] = np.min(windows[ok], axis=1) > 100.0
    windows = windows[ok]
    if not windows.shape[0]:
        return None
    cv = np.std(windows, axis=1) / np.mean(windows, axis=1)
    steady = cv <= 0.02
    if not steady.any():
        return None
    return float(np.max(np.median(windows[steady], axis=1)) / G)

"""Raw plate channels -> forces and moments; offset removal."""

from __future__ import annotations

import numpy as np

from emgforce.errors import ForcePlateError
from emgforce.forceplate._validate import check_fs
from emgforce.forceplate.plate import KISTLER_TYPES, Plate


def _as_2d(raw: np.ndarray, n_ch: int, what: str) -> np.ndarray:
    x = np.asarray(raw, dtype=float)
    if x.ndim != 2 or x.shape[1] != n_ch:
        raise ForcePlateError(f"{what} must have shape (n_samples, {n_ch}), got {x.shape}")
    return x


def forces_from_raw(raw: np.ndarray, plate: Plate) -> np.ndarray:
    """Convert raw plate channels to Fx Fy Fz Mx My Mz about the plate origin.

    Parameters
    ----------
    raw : ndarray, shape (n_samples, plate.n_channels)
        Raw channels in volts (or, for C3D plates, the scaled analog values).
    plate : Plate
        Gains are divided out first, then the calibration matrix is applied.
        Kistler channels (fx12, fx34, fy14, fy23, fz1..fz4) are combined with
        the sensor offsets a, b (Kistler multicomponent force plate manual):
        ``Fx = fx12 + fx34``, ``Fy = fy14 + fy23``, ``Fz = sum(fz)``,
        ``Mx = b (fz1 + fz2 - fz3 - fz4)``, ``My = a (-fz1 + fz2 + fz3 - fz4)``,
        ``Mz = b (fx34 - fx12) + a (fy14 - fy23)``, about the centre of the
        sensor plane (``origin_m = (0, 0, -az0)``). C3D TYPE 1 channels
        (Fx Fy Fz Px Py Tz) are turned into moments about ``origin_m``.

    Returns
    -------
    ndarray, shape (n_samples, 6)
        Forces in N and moments in N*m, plate frame, in the plate's sign
        convention. NaN input samples stay NaN.

    Raises
    ------
    ForcePlateError
        Wrong channel count for the plate type.
    """
    x = _as_2d(raw, plate.n_channels, f"raw channels of a {plate.type} plate")
    x = x / plate.gains
    if plate.calibration_matrix is not None:
        x = x @ plate.calibration_matrix.T
    if plate.type in KISTLER_TYPES:
        a, b = plate.a_m, plate.b_m
        fx12, fx34, fy14, fy23, fz1, fz2, fz3, fz4 = x.T
        return np.column_stack(
            [
                fx12 + fx34,
                fy14 + fy23,
                fz1 + fz2 + fz3 + fz4,
                b * (fz1 + fz2 - fz3 - fz4),
                a * (-fz1 + fz2 + fz3 - fz4),
                b * (fx34 - fx12) + a * (fy14 - fy23),
            ]
        )
    if plate.type == "C3D_TYPE1":
        fx, fy, fz, px, py, tz = x.T
        # lever arm from the plate origin to the COP on the top surface
        rx, ry, rz = px - plate.origin_m[0], py - plate.origin_m[1], -plate.origin_m[2]
        return np.column_stack(
            [fx, fy, fz, ry * fz - rz * fy, rz * fx - rx * fz, tz + rx * fy - ry * fx]
        )
    return x


def zero_offset(
    data: np.ndarray,
    *,
    indices: tuple[int, int] | None = None,
    seconds: tuple[float, float] | None = None,
    fs_hz: float | None = None,
    return_offset: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Remove per-channel offsets measured over an unloaded period.

    Parameters
    ----------
    data : ndarray, shape (n_samples, n_channels)
        Raw channels or forces.
    indices : (start, stop), optional
        Sample range ``[start, stop)`` of the unloaded period.
    seconds : (t0, t1), optional
        The same in seconds from sample 0; needs ``fs_hz``.
    fs_hz : float, optional
        Sampling rate for ``seconds``.
    return_offset : bool
        Also return the subtracted offset.

    Returns
    -------
    zeroed : ndarray
        ``data - offset``.
    offset : ndarray, shape (n_channels,)
        Mean of each channel over the period (only if ``return_offset``).

    Raises
    ------
    ForcePlateError
        Neither or both of ``indices``/``seconds``, a period outside the data
        or shorter than one sample, or a channel without finite samples in it.
    """
    x = np.asarray(data, dtype=float)
    if x.ndim != 2:
        raise ForcePlateError(f"data must be (n_samples, n_channels), got shape {x.shape}")
    if (indices is None) == (seconds is None):
        raise ForcePlateError("give the unloaded period as either indices=(start, stop) or seconds=(t0, t1) with fs_hz")
    if seconds is not None:
        if fs_hz is None:
            raise ForcePlateError("zero_offset: seconds=... needs fs_hz")
        fs_hz = check_fs(fs_hz, "zero_offset")
        indices = (int(round(seconds[0] * fs_hz)), int(round(seconds[1] * fs_hz)))
    start, stop = int(indices[0]), int(indices[1])
    if not 0 <= start < stop <= x.shape[0]:
        raise ForcePlateError(f"unloaded period [{start}, {stop}) is empty or outside the {x.shape[0]} samples")
    window = x[start:stop]
    finite = np.isfinite(window)
    if not finite.any(axis=0).all():
        bad = np.flatnonzero(~finite.any(axis=0)).tolist()
        raise ForcePlateError(f"channels {bad} have no finite sample in the unloaded period [{start}, {stop})")
    offset = np.nanmean(window, axis=0)
    zeroed = x - offset
    return (zeroed, offset) if return_offset else zeroed

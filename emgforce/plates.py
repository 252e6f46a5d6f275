"""Force-plate description: geometry, calibration, gains and sign convention.

Part of the stream contract (a force stream's ``StreamInfo.plate`` is
:meth:`Plate.to_dict`): importers, drivers and analysis all use it, so it
imports nothing of emgforce's but small helpers. A :class:`Plate` says how raw
channels become the six force/moment components about the plate origin
(:func:`forces_from_raw`) and where the plate sits in the lab
(:func:`emgforce.forceplate.center_of_pressure`). ``emgforce.forceplate``
re-exports both.

Frames
------
* **Plate frame**: the plate's own axes. Following the C3D convention the
  corners are listed so that corner 1 lies in the plate's (+x, +y) quadrant,
  corner 2 in (-x, +y), corner 3 in (-x, -y) and corner 4 in (+x, -y); the
  plate z axis is x cross y (downwards for the usual AMTI/Bertec/Kistler
  layout).
* **Lab frame**: x medio-lateral, y antero-posterior, z up (see
  ``docs/architecture.md``); ``corners_m`` are given in it.

Sign convention
---------------
``"action"``: the channels give the force the subject applies *to* the plate
(AMTI, Bertec, Kistler amplifier outputs: Fz > 0 when loaded in their z-down
frame). ``"reaction"``: the channels give the ground reaction force on the
subject (C3D analog data once scaled, as the BTK/Vicon files and ezc3d treat
it). COP does not depend on it; the load test against the Fz threshold and the
sign of the free moment do.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from emgforce._deprecation import renamed_kwargs
from emgforce.errors import ForcePlateError

__all__ = ["KISTLER_TYPES", "PLATE_CHANNELS", "SIGN_CONVENTIONS", "Plate", "forces_from_raw"]

log = logging.getLogger(__name__)

#: plate type -> number of raw channels
PLATE_CHANNELS: dict[str, int] = {
    "AMTI6": 6,
    "BERTEC6": 6,
    "KISTLER8": 8,
    "C3D_TYPE1": 6,
    "C3D_TYPE2": 6,
    "C3D_TYPE3": 8,
    "C3D_TYPE4": 6,
}
KISTLER_TYPES = frozenset({"KISTLER8", "C3D_TYPE3"})
SIGN_CONVENTIONS = ("action", "reaction")


def _array(value: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
    arr = np.array(value, dtype=float)
    if arr.shape != shape:
        raise ForcePlateError(f"{what} must have shape {shape}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ForcePlateError(f"{what} contains NaN or inf: {arr.tolist()}")
    return arr


@dataclass(eq=False)
class Plate:
    """One force plate.

    Parameters
    ----------
    type : str
        ``"AMTI6"``, ``"BERTEC6"`` (6 channels Fx Fy Fz Mx My Mz),
        ``"KISTLER8"`` (8 channels fx12 fx34 fy14 fy23 fz1 fz2 fz3 fz4) or the
        C3D FORCE_PLATFORM types ``"C3D_TYPE1"`` (Fx Fy Fz Px Py Tz: COP in
        the plate frame relative to the top-surface centre, free moment),
        ``"C3D_TYPE2"`` (Fx..Mz), ``"C3D_TYPE3"`` (Kistler 8 channels),
        ``"C3D_TYPE4"`` (Fx..Mz through a 6x6 calibration matrix).
    corners_m : array_like, shape (4, 3)
        Top-surface corners in the lab frame, m, in C3D order (see module doc).
    origin_m : array_like, shape (3,), optional
        Position of the plate origin (the point the moments are measured
        about) relative to the geometric centre of the top surface, in the
        plate frame, m. A z-down plate with its origin 40 mm below the surface
        has ``origin_m[2] = +0.040``. This is the negative of the C3D
        ``ORIGIN`` parameter of TYPE 2/4 plates. For Kistler plates it defaults
        to ``(0, 0, -az0_m)``.
    calibration_matrix : array_like, shape (n_ch, n_ch), optional
        Maps amplifier-input volts (raw / gains) to channel units N, N*m (or
        m for the COP channels of TYPE 1). Fold the bridge excitation voltage
        of strain-gauge plates into it. None means identity.
    gains : array_like, shape (n_ch,), optional
        Amplifier gains; raw channels are divided by them first. Default 1.
    sign_convention : {"action", "reaction"}
        See module doc. Default ``"action"``.
    name : str
        Free label, e.g. ``"left"``.
    a_m, b_m, az0_m : float, optional
        Kistler sensor offsets from the plate centre along x and y, and the
        z coordinate of the top surface in the plate frame (negative for the
        usual z-down plate). Required for Kistler types.
    """

    type: str
    corners_m: np.ndarray
    origin_m: np.ndarray | None = None
    calibration_matrix: np.ndarray | None = None
    gains: np.ndarray | None = None
    sign_convention: str = "action"
    name: str = ""
    a_m: float | None = None
    b_m: float | None = None
    az0_m: float | None = None
    _rotation: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.type not in PLATE_CHANNELS:
            raise ForcePlateError(f"unknown plate type {self.type!r}; use one of {sorted(PLATE_CHANNELS)}")
        n = PLATE_CHANNELS[self.type]
        self.corners_m = _array(self.corners_m, (4, 3), "corners_m")
        if self.type in KISTLER_TYPES:
            missing = [k for k in ("a_m", "b_m", "az0_m") if getattr(self, k) is None]
            if missing:
                raise ForcePlateError(f"{self.type} plate needs the Kistler sensor offsets {missing}")
            self.a_m, self.b_m, self.az0_m = float(self.a_m), float(self.b_m), float(self.az0_m)
            if self.origin_m is None:
                self.origin_m = np.array([0.0, 0.0, -self.az0_m])
        if self.origin_m is None:
            self.origin_m = np.zeros(3)
        self.origin_m = _array(self.origin_m, (3,), "origin_m")
        if self.type in KISTLER_TYPES and not np.isclose(self.origin_m[2], -self.az0_m):
            raise ForcePlateError(
                f"origin_m[2] ({self.origin_m[2]}) must equal -az0_m ({-self.az0_m}) for a Kistler plate"
            )
        if self.calibration_matrix is not None:
            self.calibration_matrix = _array(self.calibration_matrix, (n, n), "calibration_matrix")
        self.gains = np.ones(n) if self.gains is None else _array(self.gains, (n,), "gains")
        if np.any(self.gains == 0):
            raise ForcePlateError(f"gains must be non-zero, got {self.gains.tolist()}")
        if self.sign_convention not in SIGN_CONVENTIONS:
            raise ForcePlateError(f"sign_convention must be one of {SIGN_CONVENTIONS}, got {self.sign_convention!r}")
        self._rotation = self._rotation_from_corners()

    # -- geometry -----------------------------------------------------------
    def _rotation_from_corners(self) -> np.ndarray:
        c = self.corners_m
        x = (c[0] + c[3]) - (c[1] + c[2])
        y = (c[0] + c[1]) - (c[2] + c[3])
        nx, ny = np.linalg.norm(x), np.linalg.norm(y)
        if nx == 0 or ny == 0:
            raise ForcePlateError(f"corners_m do not span a plate: {c.tolist()}")
        x, y = x / nx, y / ny
        if abs(x @ y) > 1e-3:
            raise ForcePlateError("corners_m are not a rectangle in C3D order (corner 1 at +x+y, then -x+y, -x-y, +x-y)")
        y = y - (x @ y) * x
        y /= np.linalg.norm(y)
        return np.column_stack([x, y, np.cross(x, y)])

    @property
    def n_channels(self) -> int:
        """Number of raw channels for this plate type."""
        return PLATE_CHANNELS[self.type]

    @property
    def rotation(self) -> np.ndarray:
        """3x3 rotation whose columns are the plate axes in the lab frame."""
        return self._rotation.copy()

    @property
    def center_m(self) -> np.ndarray:
        """Geometric center of the top surface in the lab frame, m."""
        return self.corners_m.mean(axis=0)

    @property
    def centre_m(self) -> np.ndarray:
        """Deprecated alias of :attr:`center_m` (removed in the next release)."""
        warnings.warn("Plate.centre_m is deprecated and will be removed in the next release; use Plate.center_m",
                      DeprecationWarning, stacklevel=2)
        return self.center_m

    @property
    def load_sign(self) -> float:
        """+1 or -1: the vertical load (N, > 0 when loaded) is this times the lab-z force."""
        return -1.0 if self.sign_convention == "action" else 1.0

    # -- constructors -------------------------------------------------------
    @classmethod
    @renamed_kwargs(centre_m="center_m")
    def level(
        cls,
        type: str,
        size_m: tuple[float, float] = (0.6, 0.4),
        center_m: tuple[float, float, float] = (0.0, 0.0, 0.0),
        *,
        z_down: bool = True,
        **kwargs: Any,
    ) -> Plate:
        """A level plate aligned with the lab axes.

        ``size_m`` is (extent along lab x, extent along lab y). With
        ``z_down`` (AMTI, Bertec, Kistler) the plate x axis is lab x, plate y
        is lab -y and plate z is lab -z; otherwise the plate axes are the lab
        axes. Other keywords go to the constructor.
        """
        w, d = size_m[0] / 2.0, size_m[1] / 2.0
        sy = -1.0 if z_down else 1.0  # lab-y sign of the plate +y direction
        quadrants = [(1, 1), (-1, 1), (-1, -1), (1, -1)]  # C3D corner order in plate axes
        corners = np.array([[sx * w, sy * qy * d, 0.0] for sx, qy in quadrants]) + np.asarray(center_m, float)
        return cls(type=type, corners_m=corners, **kwargs)

    @classmethod
    def from_c3d(
        cls,
        plate_type: int,
        corners: Any,
        origin: Any,
        cal_matrix: Any = None,
        *,
        length_unit_m: float = 1e-3,
        name: str = "",
        sign_convention: str = "reaction",
    ) -> Plate:
        """Build a plate from one platform's C3D FORCE_PLATFORM parameters.

        Parameters
        ----------
        plate_type : int
            ``TYPE`` (1-4).
        corners : array_like, shape (4, 3) or (3, 4)
            ``CORNERS`` of this platform, in the file's length unit.
        origin : array_like, shape (3,)
            ``ORIGIN`` of this platform: for TYPE 1, 2 and 4 the top-surface
            centre relative to the plate origin (plate frame); for TYPE 3 the
            Kistler (a, b, az0). Files disagree on its direction (Vicon writes
            it with z > 0): as ezc3d and BTK do, a positive z is taken as the
            flipped sign, so that the sensor origin lies below the top surface
            of the usual z-down plate. TYPE 1 uses only its z (its COP
            channels are relative to the surface centre).
            :func:`emgforce.io.c3d.read_c3d` builds its plates here.
        cal_matrix : array_like, optional
            ``CAL_MATRIX`` for TYPE 4 (channels -> components); other types
            ignore it (with a logged warning).
        length_unit_m : float
            Metres per file length unit (POINT:UNITS "mm" -> 1e-3). The raw
            channels passed to :func:`forces_from_raw` are the scaled analog
            values in N, N*unit and (TYPE 1) unit; the unit is folded into the
            calibration matrix.
        sign_convention : str
            C3D analog force data conventionally hold the reaction force.
        """
        if plate_type not in (1, 2, 3, 4):
            raise ForcePlateError(f"C3D force platform TYPE {plate_type} is not supported (1-4 are)")
        c = np.asarray(corners, dtype=float)
        if c.shape == (3, 4):
            c = c.T
        c = _array(c, (4, 3), "CORNERS") * length_unit_m
        o = _array(origin, (3,), "ORIGIN") * length_unit_m
        if plate_type == 1:
            o = np.array([0.0, 0.0, o[2]])
        if o[2] > 0:  # Vicon's sign (see above)
            o = -o
        type_ = f"C3D_TYPE{plate_type}"
        if cal_matrix is not None and plate_type != 4:
            log.warning("C3D TYPE %d plate %r: CAL_MATRIX is only used by TYPE 4; ignored", plate_type, name)
        if plate_type == 3:
            return cls(type_, c, a_m=o[0], b_m=o[1], az0_m=o[2], name=name, sign_convention=sign_convention)
        # moments (and TYPE 1 COP/free moment) come in the file's length unit
        cal = np.diag([1.0, 1.0, 1.0, length_unit_m, length_unit_m, length_unit_m])
        if plate_type == 4:
            if cal_matrix is None:
                raise ForcePlateError("C3D TYPE 4 plate needs its CAL_MATRIX")
            cal = cal @ _array(cal_matrix, (6, 6), "CAL_MATRIX")
        return cls(type_, c, origin_m=-o, calibration_matrix=cal, name=name, sign_convention=sign_convention)

    # -- plain-dict form (StreamInfo.plate, HDF5) ----------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain dict of str / float / ndarray, the form stored with recordings.

        Keys: ``type`` (str), ``corners_m`` (4x3 float), ``origin_m`` (3,),
        ``gains`` (n_ch,), ``sign_convention`` (str), ``name`` (str), and when
        set ``calibration_matrix`` (n_ch x n_ch), ``a_m``, ``b_m``, ``az0_m``
        (float). Absent keys mean None.
        """
        d: dict[str, Any] = {
            "type": self.type,
            "corners_m": self.corners_m.copy(),
            "origin_m": self.origin_m.copy(),
            "gains": self.gains.copy(),
            "sign_convention": self.sign_convention,
            "name": self.name,
        }
        if self.calibration_matrix is not None:
            d["calibration_matrix"] = self.calibration_matrix.copy()
        for k in ("a_m", "b_m", "az0_m"):
            if getattr(self, k) is not None:
                d[k] = float(getattr(self, k))
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Plate:
        """Inverse of :meth:`to_dict`; tolerates bytes strings and 0-d arrays from HDF5."""
        if not isinstance(d, dict) or "type" not in d or "corners_m" not in d:
            raise ForcePlateError(f"a plate dict needs at least 'type' and 'corners_m', got {d!r}")

        def text(v: Any) -> str:
            v = v.item() if isinstance(v, np.ndarray) else v
            return v.decode() if isinstance(v, bytes) else str(v)

        def scalar(v: Any) -> float | None:
            return None if v is None else float(np.asarray(v))

        unknown = set(d) - {"type", "corners_m", "origin_m", "calibration_matrix", "gains",
                            "sign_convention", "name", "a_m", "b_m", "az0_m"}
        if unknown:
            raise ForcePlateError(f"unknown plate keys {sorted(unknown)}")
        cal = d.get("calibration_matrix")
        return cls(
            type=text(d["type"]),
            corners_m=np.asarray(d["corners_m"], float),
            origin_m=None if d.get("origin_m") is None else np.asarray(d["origin_m"], float),
            calibration_matrix=None if cal is None else np.asarray(cal, float),
            gains=None if d.get("gains") is None else np.asarray(d["gains"], float),
            sign_convention=text(d.get("sign_convention", "action")),
            name=text(d.get("name", "")),
            a_m=scalar(d.get("a_m")),
            b_m=scalar(d.get("b_m")),
            az0_m=scalar(d.get("az0_m")),
        )


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

"""C3D point data (marker trajectories and model outputs) as a stream, and back.

:func:`read_points` turns the ``POINT`` section into one stream, ``markers``,
at the point rate: for each point label four channels ``<label>.x``,
``<label>.y``, ``<label>.z`` and ``<label>.residual``. Trajectories (the
points not listed in a type group) and their residuals are in metres; points
that ``POINT:TYPE_GROUPS`` files under angles, forces, moments, powers ...
keep their file unit (``deg``, ``N``, ``Nmm``, ``W`` from ``POINT:ANGLE_UNITS``
...), as no SI conversion fits them all. An invalid point (residual < 0) is NaN
in all four channels. :func:`points_for_c3d` gives the arrays back in the
file's units for :func:`emgforce.io.c3d.write_c3d`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from emgforce.streams import ChannelInfo

__all__ = ["is_point_stream", "point_groups", "points_for_c3d", "read_points"]

#: name of the stream holding the C3D points
MARKER_STREAM = "markers"
_COMPONENTS = ("x", "y", "z", "residual")
_LENGTH_M = {"m": 1.0, "cm": 1e-2, "mm": 1e-3}


def _labels(params, group: str, name: str) -> list[str]:
    """``GROUP:NAME`` with its continuations ``NAME2``, ``NAME3`` ..."""
    if group not in params or name not in params[group]:
        return []
    out = list(params[group][name]["value"])
    i = 2
    while f"{name}{i}" in params[group]:
        out += list(params[group][f"{name}{i}"]["value"])
        i += 1
    return [str(v).strip() for v in out]


def point_groups(params) -> dict[str, list[str]]:
    """Type groups of ``POINT`` (``ANGLES``, ``FORCES`` ...) with their point labels, from ``POINT:TYPE_GROUPS``."""
    declared = _labels(params, "POINT", "TYPE_GROUPS")
    # TYPE_GROUPS pairs a group parameter with its unit stem: ANGLES ANGLE FORCES FORCE ...
    names = declared[0::2] if len(declared) % 2 == 0 else declared
    return {g: _labels(params, "POINT", g) for g in names if g and g in params["POINT"]}


def _unit_of_group(params, group: str, stem: str | None) -> str:
    for key in ([f"{stem}_UNITS"] if stem else []) + [f"{group[:-1]}_UNITS", f"{group}_UNITS"]:
        if key in params["POINT"] and len(params["POINT"][key]["value"]):
            return str(params["POINT"][key]["value"][0]).strip()
    return ""


def read_points(c3d, params) -> tuple[Any, dict[str, Any]] | None:
    """The ``markers`` stream of a C3D file and what writing it back needs (None without points).

    Returns
    -------
    (StreamData, dict)
        The stream, and ``{"unit": POINT:UNITS, "groups": {...}, "group_units": {...}}``
        for the recording's metadata.
    """
    from emgforce.io.recording import StreamData

    points = np.asarray(c3d["data"]["points"], dtype=np.float64)
    if points.ndim != 3 or points.shape[1] == 0 or points.shape[2] == 0:
        return None
    n = points.shape[1]
    rate = float(c3d["header"]["points"]["frame_rate"])
    labels = _labels(params, "POINT", "LABELS")[:n]
    labels += [f"point{i + 1}" for i in range(len(labels), n)]
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):  # duplicate labels would collide as channel names
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            labels[i] = f"{label}_{seen[label]}"
    unit = (_labels(params, "POINT", "UNITS") or ["mm"])[0] or "mm"
    to_m = _LENGTH_M.get(unit.lower())
    if to_m is None:
        to_m, unit_m = 1.0, unit
    else:
        unit_m = "m"
    declared = _labels(params, "POINT", "TYPE_GROUPS")
    stems = dict(zip(declared[0::2], declared[1::2])) if len(declared) % 2 == 0 else {}
    groups = point_groups(params)
    group_units = {g: _unit_of_group(params, g, stems.get(g)) for g in groups}
    own_unit = {label: group_units[g] for g, members in groups.items() for label in members}
    residual = np.asarray(c3d["data"]["meta_points"]["residuals"], dtype=np.float64)[0]
    data = np.empty((points.shape[2], 4 * n))
    channels = []
    for i, label in enumerate(labels):
        special = own_unit.get(label)
        scale = 1.0 if special is not None else to_m
        valid = residual[i] >= 0
        block = np.vstack([points[:3, i, :] * scale, residual[i] * to_m]).T
        block[~valid] = np.nan
        data[:, 4 * i : 4 * i + 4] = block
        for comp in _COMPONENTS:
            comp_unit = unit_m if comp == "residual" or special is None else (special or "")
            channels.append(ChannelInfo(f"{label}.{comp}", kind="aux", unit=comp_unit))
    stream = StreamData(MARKER_STREAM, rate, tuple(channels), data)
    scale = params["POINT"]["SCALE"]["value"] if "SCALE" in params["POINT"] else [-1.0]
    meta = {"unit": unit, "groups": groups, "group_units": group_units, "type_groups": declared,
            # |POINT:SCALE| is the resolution of residuals (and of integer coordinates)
            "scale": float(scale[0]) if len(scale) else -1.0}
    return stream, meta


def is_point_stream(stream) -> bool:
    """Whether a stream has the layout :func:`read_points` gives (four channels per point)."""
    names = stream.channel_names
    if stream.name != MARKER_STREAM or not names or len(names) % 4:
        return False
    return all(
        all(len(name) > len(c) + 1 and name.endswith(f".{c}") for name in names[j::4]) for j, c in enumerate(_COMPONENTS)
    )


def points_for_c3d(stream, meta: dict[str, Any] | None) -> tuple[list[str], np.ndarray, np.ndarray, str, float]:
    """Labels, points ``(4, n, frames)``, residuals ``(1, n, frames)``, ``POINT:UNITS`` and ``POINT:SCALE`` for ezc3d.

    The scale is negative (floating-point data) with the file's resolution of residuals.

    Trajectories go back to the file's length unit (``meta["unit"]``, else
    mm); points of a type group keep their values; NaN points are written as
    invalid (residual -1).
    """
    unit = (meta or {}).get("unit") or "mm"
    to_m = _LENGTH_M.get(str(unit).lower(), 1.0)
    groups = (meta or {}).get("groups") or {}
    special = {label for members in groups.values() for label in members}
    names = stream.channel_names
    labels = [names[k][: -len(".x")] for k in range(0, len(names), 4)]
    n, frames = len(labels), stream.n_samples
    # (component, point, frame) in one copy; then elementwise work on (point, frame) planes
    comp = np.ascontiguousarray(stream.data.T).reshape(n, 4, frames).transpose(1, 0, 2)
    scale = np.array([1.0 if label in special else 1.0 / to_m for label in labels])[:, None]
    invalid = np.isnan(comp[0]) | np.isnan(comp[1]) | np.isnan(comp[2]) | np.isnan(comp[3])
    points = np.empty((4, n, frames))
    for k in range(3):
        points[k] = np.where(invalid, np.nan, comp[k] * scale)
    points[3] = 1.0
    residuals = np.where(invalid, -1.0, comp[3] / to_m)[None]
    return labels, points, residuals, str(unit), -abs(float((meta or {}).get("scale") or -1.0))

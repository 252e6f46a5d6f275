"""C3D import and export (through ezc3d), for Vicon, Visual3D, OpenSim and friends.

:func:`read_c3d` turns a C3D file into the same :class:`~emgforce.io.Recording`
the HDF5 reader returns; :func:`write_c3d` writes a recording back as C3D.

Mapping (see ``docs/c3d.md``)
-----------------------------
* Analog channels are read with ezc3d, which applies ``ANALOG:SCALE``,
  ``ANALOG:OFFSET`` and ``ANALOG:GEN_SCALE``; its two deviations from the C3D
  specification (``|OFFSET|`` for signed data, signed reads of unsigned
  integer samples) are undone here. Units come from ``ANALOG:UNITS``. All
  analogs share ``ANALOG:RATE``.
* Channels used by a force platform (``FORCE_PLATFORM:CHANNEL``) become one
  force stream per plate: ``force`` for the first plate, then ``force2``,
  ``force3`` ... so :attr:`Recording.force` is the first plate. Each holds
  ``Fx, Fy, Fz`` (N) and ``Mx, My, Mz`` (N*m) about the plate origin in the
  plate frame, from :func:`emgforce.plates.forces_from_raw` for a
  :meth:`emgforce.plates.Plate.from_c3d` plate of any ``TYPE`` ezc3d
  supports (1 to 4); ``StreamData.plate`` is that plate's ``to_dict()``. The
  file holds the ground reaction; for the usual z-down plate it is negated
  into the force on the plate (``sign_convention="action"``) so that Fz > 0
  under load, as in recordings from the simulator and the DAQ drivers.
  :func:`emgforce.forceplate.center_of_pressure` then gives the COP in the
  lab frame of the file, as ezc3d does.
* Other channels whose label mentions EMG (or names one of the muscles in
  :mod:`emgforce.naming`) form the ``emg`` stream (or exactly the labels passed
  as ``emg_channels``); the rest form an ``analog`` stream. Muscle and side come
  from the channel recogniser (:func:`emgforce.io.channels.recognize_channel`:
  ``L GMED``, ``LT GLUT. MED.``, ``Voltage.R_GMED`` ...), its reasons in
  ``metadata["channel_recognition"]``.
* An empty or implausible ``POINT:UNITS`` is inferred from the plates' size
  (:func:`point_length_unit`), noted in ``metadata["import_notes"]``.
* ``EVENT`` entries become :class:`~emgforce.io.Event` objects of kind
  ``mark``, labelled ``"<context> <label>"`` (``"Left Foot Strike"``) unless the
  context is ``General``, with the description appended when only it names
  the task (``"Start"`` described as ``"SLS left"``); times count from the
  first frame of the file.
"""

from __future__ import annotations

__all__ = [
    "FORCE_CHANNELS",
    "FORCE_UNIT",
    "MOMENT_UNIT",
    "SUPPORTED_PLATE_TYPES",
    "guess_muscle_side",
    "read_c3d",
    "write_c3d",
]

import dataclasses
import glob
import logging
import math
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from emgforce.streams import CHANNEL_KINDS, ChannelInfo
from emgforce import __version__
from emgforce.errors import (
    C3DTruncatedError,
    EmgforceError,
    RecordingExistsError,
    RecordingFormatError,
    RecordingNotFoundError,
    RecordingWriteError,
)
from emgforce.io._c3d_file import C3DFile
from emgforce.io.c3d_points import MARKER_STREAM, is_point_stream, points_for_c3d, read_points
from emgforce.io.channels import recognize_channel
from emgforce.io.format import LABEL_BYTES
from emgforce.naming import SIDES

log = logging.getLogger(__name__)

FORCE_CHANNELS = ("Fx", "Fy", "Fz", "Mx", "My", "Mz")
FORCE_UNIT = "N"
MOMENT_UNIT = "N*m"
#: plate types ezc3d's force-platform module supports
SUPPORTED_PLATE_TYPES = (1, 2, 3, 4)
#: analog channels per plate type
_TYPE_CHANNELS = {1: 6, 2: 6, 3: 8, 4: 6}

_LENGTH_M = {"m": 1.0, "cm": 1e-2, "mm": 1e-3}
_FORCE_N = {"n": 1.0, "kn": 1e3}
_EVENT_KIND_PREFIX = "emgforce "


def _ezc3d():
    from emgforce._extras import require

    return require("ezc3d", "C3D support")


# --- reading ------------------------------------------------------------------------


def _param(params, group: str, name: str, default: Any = None) -> Any:
    """Value of ``GROUP:NAME`` with its continuations (``NAME2``, ``NAME3`` ...)."""
    if group not in params or name not in params[group]:
        return default
    value = params[group][name]["value"]
    i = 2
    while f"{name}{i}" in params[group]:
        more = params[group][f"{name}{i}"]["value"]
        value = list(value) + list(more) if isinstance(value, list) else np.concatenate([value, more])
        i += 1
    return value


def _first(params, group: str, name: str, default: Any = None) -> Any:
    value = _param(params, group, name)
    if value is None or len(value) == 0:
        return default
    return value[0]


def _unit_scale(unit: str, table: dict[str, float]) -> float | None:
    return table.get(unit.strip().lower().replace(" ", ""))


def _moment_scale(unit: str) -> float | None:
    """N*m per unit for moment units such as ``Nmm``, ``N.mm``, ``N*m``, ``Nm``."""
    text = unit.strip().lower().replace(" ", "").replace("*", "").replace(".", "").replace("·", "")
    match = re.fullmatch(r"(k?n)(m|cm|mm)", text)
    if not match:
        return None
    return _FORCE_N[match.group(1)] * _LENGTH_M[match.group(2)]


def guess_muscle_side(label: str) -> tuple[str | None, str | None]:
    """``(muscle, side)`` of a channel label (see :func:`emgforce.io.channels.recognize_channel`).

    Examples
    --------
    >>> guess_muscle_side("GM_L")
    ('gluteus_medius', 'left')
    >>> guess_muscle_side("Glut Med Right.EMG3")
    ('gluteus_medius', 'right')
    >>> guess_muscle_side("Sensor 12.EMG12")
    (None, None)
    """
    m = recognize_channel(label)
    return m.muscle, m.side


def _unique(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        name = label.strip() or "channel"
        if name in seen:
            seen[name] += 1
            new = f"{name}_{seen[name]}"
            log.warning("C3D analog label %r appears more than once; renamed to %r", name, new)
            name = new
        else:
            seen[name] = 1
        out.append(name)
    return out


def _analogs(c3d, params) -> np.ndarray:
    """Analog samples, shape (n_samples, n_channels), in the units of ``ANALOG:UNITS``.

    The C3D formula is ``(raw - OFFSET) * SCALE * GEN_SCALE`` with ``OFFSET``
    unsigned when ``ANALOG:FORMAT`` is ``UNSIGNED``. ezc3d applies it with
    two shortcuts undone here: it subtracts ``|OFFSET|`` (wrong for negative
    offsets of signed data) and reads integer samples as signed 16-bit (wrong
    for unsigned samples of 32768 and above).
    """
    data = np.asarray(c3d["data"]["analogs"], dtype=np.float64)
    data = data[0].T.copy() if data.size else np.empty((0, 0))
    if not data.size:
        return data
    n = data.shape[1]
    off = np.zeros(n)
    offsets = np.asarray(_param(params, "ANALOG", "OFFSET", []), dtype=np.float64)[:n]
    off[: offsets.size] = offsets
    scale = np.asarray(_param(params, "ANALOG", "SCALE", []), dtype=np.float64)[:n]
    gain = np.ones(n)
    gain[: scale.size] = scale
    gain *= float(_first(params, "ANALOG", "GEN_SCALE", 1.0))
    unsigned = str(_first(params, "ANALOG", "FORMAT", "SIGNED")).strip().upper() == "UNSIGNED"
    if not unsigned and (off < 0).any():
        data -= 2.0 * np.minimum(off, 0.0) * gain
    integer_samples = float(_first(params, "POINT", "SCALE", -1.0)) > 0
    if unsigned and integer_samples:
        ok = gain != 0
        raw = np.zeros_like(data)
        raw[:, ok] = data[:, ok] / gain[ok] + np.abs(off[ok])
        data += np.where(raw < -0.5, 65536.0 * gain, 0.0)  # a signed read of an unsigned word
    return data


def _plate_units(params, channel_units: list[str], length_unit: str, plate_type: int) -> tuple[np.ndarray, str]:
    """SI factor of each plate channel (N, N*m, m), and where the units came from.

    ``ANALOG:UNITS`` wins when it names a force, moment or length unit;
    otherwise (e.g. ``V`` on calibrated channels) ezc3d's rule applies:
    ``FORCE_PLATFORM:UNITS`` (default N) and that unit times ``POINT:UNITS``.
    TYPE 4 channels are raw: their factors are 1 and the calibration matrix
    carries the units.
    """
    pf_unit = str(_first(params, "FORCE_PLATFORM", "UNITS", "N")).strip() or "N"
    fallback_force = _unit_scale(pf_unit, _FORCE_N) or 1.0
    to_m = _LENGTH_M[length_unit.lower()]
    if plate_type == 4:
        return np.ones(len(channel_units)), f"CAL_MATRIX output in {pf_unit} and {pf_unit}{length_unit}"
    kinds = {1: "FFFLLM", 2: "FFFMMM", 3: "FFFFFFFF"}[plate_type]
    factors, guessed = [], []
    for unit, kind in zip(channel_units, kinds):
        if kind == "F":
            f = _unit_scale(unit, _FORCE_N)
            factors.append(f if f is not None else fallback_force)
        elif kind == "M":
            f = _moment_scale(unit)
            factors.append(f if f is not None else fallback_force * to_m)
        else:
            f = _unit_scale(unit, _LENGTH_M)
            factors.append(f if f is not None else to_m)
        if f is None:
            guessed.append(unit)
    if guessed:
        return np.asarray(factors), (
            f"ANALOG:UNITS {sorted(set(guessed))} are not force units; assumed {pf_unit} and {pf_unit}{length_unit}"
        )
    return np.asarray(factors), "ANALOG:UNITS"


def _zero_rows(params, n_rows: int, per_frame: int) -> tuple[int, int] | None:
    """Analog rows ``[a, b)`` of the ``FORCE_PLATFORM:ZERO`` frames (1-based, inclusive), or None.

    A first frame of 0 (``0, 0`` or ``0, 10`` as Vicon writes) or a range
    outside the data means no baseline correction.
    """
    zero = np.asarray(_param(params, "FORCE_PLATFORM", "ZERO", []), dtype=int).ravel()
    if zero.size < 2 or zero[0] < 1 or zero[1] < zero[0]:
        return None
    a, b = (int(zero[0]) - 1) * per_frame, int(zero[1]) * per_frame
    if b > n_rows:
        log.warning("FORCE_PLATFORM:ZERO %s reaches past the %d frames of the file; no baseline subtracted",
                    zero[:2].tolist(), n_rows // max(per_frame, 1))
        return None
    return a, b


def _read_plates(params, analog: np.ndarray, units: list[str], per_frame: int = 1) -> list[tuple]:
    """Each used plate as ``(forces, Plate, analog column indices, unit note, SI factors, baseline)``.

    ``forces`` are Fx..Mz (N, N*m) about the plate origin in the plate frame,
    from :func:`emgforce.forceplate.forces_from_raw`, with Fz > 0 under load.
    When ``FORCE_PLATFORM:ZERO`` names a frame range, the mean of each plate
    channel over it (``baseline``, file units) is subtracted first.
    """
    from emgforce.io.c3d_kistler import apply_cop_correction
    from emgforce.plates import Plate, forces_from_raw

    n_used = int(_first(params, "FORCE_PLATFORM", "USED", 0) or 0)
    if n_used == 0:
        return []
    types = np.asarray(_param(params, "FORCE_PLATFORM", "TYPE", []), dtype=int).ravel()
    channels = np.asarray(_param(params, "FORCE_PLATFORM", "CHANNEL", np.empty((6, 0))), dtype=int)
    corners_all = np.asarray(_param(params, "FORCE_PLATFORM", "CORNERS", np.empty((3, 4, 0))), dtype=float)
    origins = np.asarray(_param(params, "FORCE_PLATFORM", "ORIGIN", np.empty((3, 0))), dtype=float)
    cals = np.asarray(_param(params, "FORCE_PLATFORM", "CAL_MATRIX", np.empty((6, 6, 0))), dtype=float)
    # the file's own (Fortran) order: 12 coefficients per plate, one plate after the other
    poly = np.asarray(_param(params, "FORCE_PLATFORM", "FPCOPPOLY", []), dtype=float).ravel(order="F")
    pf_unit = str(_first(params, "FORCE_PLATFORM", "UNITS", "N")).strip() or "N"
    zero_rows = _zero_rows(params, analog.shape[0], per_frame)
    if channels.ndim == 1:
        channels = channels.reshape(-1, 1)
    if corners_all.ndim == 2:
        corners_all = corners_all.reshape(3, 4, -1)
    if origins.ndim == 1:
        origins = origins.reshape(3, -1)
    length_unit, _ = point_length_unit(params, corners_all)
    to_m = _LENGTH_M[length_unit]
    plates = []
    for i in range(n_used):
        where = f"force platform {i + 1}"
        if i >= types.size or i >= channels.shape[1] or i >= corners_all.shape[2] or i >= origins.shape[1]:
            raise RecordingFormatError(
                f"{where}: FORCE_PLATFORM:USED is {n_used} but TYPE/CHANNEL/CORNERS/ORIGIN describe fewer plates"
            )
        plate_type = int(types[i])
        if plate_type not in SUPPORTED_PLATE_TYPES:
            raise RecordingFormatError(
                f"{where}: FORCE_PLATFORM:TYPE {plate_type} is not supported (types {SUPPORTED_PLATE_TYPES}); "
                "export the trial with 6-channel (type 2) plates"
            )
        n_ch = _TYPE_CHANNELS[plate_type]
        if channels.shape[0] < n_ch:
            raise RecordingFormatError(f"{where}: type {plate_type} needs {n_ch} channels, CHANNEL lists {channels.shape[0]}")
        idx = [int(j) - 1 for j in channels[:n_ch, i]]
        if min(idx) < 0 or max(idx) >= analog.shape[1]:
            raise RecordingFormatError(
                f"{where}: FORCE_PLATFORM:CHANNEL {channels[:n_ch, i].tolist()} points outside the "
                f"{analog.shape[1]} analog channels"
            )
        cal = None
        if plate_type == 4:
            if cals.ndim != 3 or cals.shape[2] <= i or cals.shape[0] < 6 or cals.shape[1] < 6:
                raise RecordingFormatError(f"{where}: type 4 needs FORCE_PLATFORM:CAL_MATRIX (6 x 6 per plate)")
            to_n = _unit_scale(pf_unit, _FORCE_N) or 1.0
            # rows: components; output in FORCE_PLATFORM:UNITS and that unit times POINT:UNITS
            cal = np.repeat([to_n, to_n * to_m], 3)[:, None] * cals[:6, :6, i]
        factors, unit_note = _plate_units(params, [units[j] for j in idx], length_unit, plate_type)
        try:
            plate = Plate.from_c3d(
                plate_type,
                corners_all[:, :, i] * to_m,
                origins[:, i] * to_m,  # Plate.from_c3d applies the ORIGIN sign and TYPE 1 rules
                cal,
                length_unit_m=1.0,
                name="force" if i == 0 else f"force{i + 1}",
                sign_convention="reaction",
            )
        except EmgforceError as exc:
            raise RecordingFormatError(f"{where}: {exc}") from exc
        raw = analog[:, idx]
        baseline = np.zeros(len(idx))
        if zero_rows is not None:
            baseline = np.nanmean(raw[zero_rows[0] : zero_rows[1]], axis=0)
            raw = raw - baseline
        forces = forces_from_raw(raw * factors, plate)
        if plate_type == 3 and poly.size >= 12 * (i + 1) and np.any(poly[12 * i : 12 * (i + 1)]):
            forces = apply_cop_correction(forces, plate, poly[12 * i : 12 * (i + 1)], to_m)
            unit_note += "; Kistler COP correction (FPCOPPOLY) applied"
        if plate.rotation[2, 2] < 0:
            # usual z-down plate: keep the force on the plate (action), Fz > 0 under load, as the
            # simulator and the DAQ drivers deliver it; COP and load are the same either way
            forces = -forces
            plate = dataclasses.replace(plate, sign_convention="action")
        plates.append((forces, plate, idx, unit_note, factors, baseline))
    return plates


def point_length_unit(params, corners_all: np.ndarray | None = None) -> tuple[str, str | None]:
    """Length unit of the file (``POINT:UNITS``), inferred or corrected from the force plates' size
    when it is missing or implausible (see :func:`emgforce.io.plausibility.infer_length_unit`)."""
    from emgforce.io.plausibility import infer_length_unit

    declared = str(_first(params, "POINT", "UNITS", "")).strip()
    if corners_all is None:
        corners_all = np.asarray(_param(params, "FORCE_PLATFORM", "CORNERS", np.empty((3, 4, 0))), dtype=float)
        if corners_all.ndim == 2:
            corners_all = corners_all.reshape(3, 4, -1)
    sides = np.linalg.norm(np.diff(corners_all[:, [0, 1, 2]], axis=1), axis=0) if corners_all.size else np.empty(0)
    side = float(np.max(sides)) if sides.size else math.nan
    if not math.isfinite(side) or side <= 0:
        unit = declared.lower() if declared.lower() in _LENGTH_M else "mm"
        return unit, None if declared.lower() in _LENGTH_M else f"POINT:UNITS {declared!r} is not m, cm or mm; mm assumed"
    return infer_length_unit(side, declared)


def _emgforce_tags(params, n_analog: int) -> dict[str, list[str]] | None:
    """Per-channel stream/name/kind/muscle/side written by :func:`write_c3d`, if present and whole."""
    keys = ("STREAM", "CHANNEL", "KIND", "MUSCLE", "SIDE")
    if "EMGFORCE" not in params:
        return None
    tags = {k: [str(v).strip() for v in _param(params, "EMGFORCE", k, [])] for k in keys}
    for key, values in tags.items():
        if not values:  # a column of empty strings is stored with no entries at all
            tags[key] = [""] * n_analog
    if any(len(v) != n_analog for v in tags.values()):
        return None
    return tags


def _events(params, t0_s: float) -> list:
    from emgforce.io.recording import Event
    from emgforce.io.trial_events import parse_event_label

    n = int(_first(params, "EVENT", "USED", 0) or 0)
    if n == 0:
        return []
    labels = list(_param(params, "EVENT", "LABELS", []))
    contexts = list(_param(params, "EVENT", "CONTEXTS", []))
    descriptions = list(_param(params, "EVENT", "DESCRIPTIONS", []))
    times = np.asarray(_param(params, "EVENT", "TIMES", np.empty((2, 0))), dtype=float)
    if times.ndim != 2 or times.shape[0] != 2:
        # stored flat: (minutes, seconds) pairs one after the other
        times = times.reshape(2, -1, order="F")
    events = []
    for i in range(min(n, times.shape[1])):
        label = labels[i].strip() if i < len(labels) else f"event{i + 1}"
        context = contexts[i].strip() if i < len(contexts) else ""
        description = descriptions[i].strip() if i < len(descriptions) else ""
        kind = "mark"
        if description.startswith(_EVENT_KIND_PREFIX) and description[len(_EVENT_KIND_PREFIX) :] in ("start", "stop", "mark"):
            kind = description[len(_EVENT_KIND_PREFIX) :]
        elif description and parse_event_label(label).task is None and parse_event_label(label, None, description).task:
            label = f"{label} {description}"  # e.g. "Start" described as "single leg stance left"
        if context and context.lower() != "general":
            label = f"{context} {label}"
        if len(label.encode("utf-8")) > LABEL_BYTES:
            short = label.encode("utf-8")[:LABEL_BYTES].decode("utf-8", errors="ignore")
            log.warning("C3D event label %r is longer than the %d bytes a recording stores; cut to %r",
                        label, LABEL_BYTES, short)
            label = short
        events.append(Event(label, kind, float(times[0, i] * 60.0 + times[1, i] - t0_s)))
    return events


def _trial(params) -> dict[str, Any]:
    """The ``TRIAL`` group (Vicon's frame range and camera rate) as plain lists, with each value's type."""
    out: dict[str, Any] = {}
    for name, entry in (params["TRIAL"].items() if "TRIAL" in params else []):
        if name == "__METADATA__":
            continue
        value = np.asarray(entry["value"])
        if value.dtype.kind in "iuf":
            kind = "int" if value.dtype.kind in "iu" else "float"
            out[name] = {"type": kind, "value": value.ravel(order="F").tolist(), "shape": list(value.shape)}
    return out


def _check_complete(path: Path, c3d) -> None:
    """Refuse a C3D file cut short (an interrupted copy or export).

    ezc3d reads what is there and silently shrinks the frame count, so the
    header's own frame range (words 4 and 5) and the data layout give the
    size the file must have.

    Raises
    ------
    C3DTruncatedError
        The file ends before the frames its header announces.
    """
    with open(path, "rb") as fh:
        head = fh.read(512)
        fh.seek(max(0, (head[0] - 1) * 512 + 3))
        processor = fh.read(1)
    if len(head) < 20:
        raise C3DTruncatedError(f"{path}: {len(head)} bytes cannot hold a C3D header")
    order = ">" if processor == b"\x56" else "<"  # 86: big-endian MIPS; 84/85 Intel/DEC little-endian
    n_points, n_analog_words, first, last = np.frombuffer(head[2:10], dtype=f"{order}u2").tolist()
    data_start = int(np.frombuffer(head[16:18], dtype=f"{order}u2")[0])
    frames = last - first + 1
    if frames <= 0 or last == 65535 or data_start < 2:  # no range in the header (long files): nothing to check
        return
    word = 4 if float(_first(c3d["parameters"], "POINT", "SCALE", -1.0)) < 0 else 2
    expected = (data_start - 1) * 512 + frames * (4 * n_points + n_analog_words) * word
    size = path.stat().st_size
    if size < expected:
        held = max(0, (size - (data_start - 1) * 512) // max(1, (4 * n_points + n_analog_words) * word))
        raise C3DTruncatedError(
            f"{path} is truncated: its header announces {frames} frames ({expected} bytes) but the file has "
            f"{size} bytes ({held} whole frames); copy or export it again"
        )


def _subject(params, stem: str):
    from emgforce.io.recording import Subject

    names = [str(n).strip() for n in _param(params, "SUBJECTS", "NAMES", []) if str(n).strip()]
    if not names:
        names = [str(n).strip() for n in _param(params, "EVENT", "SUBJECTS", []) if str(n).strip()]
    mass = _first(params, "PROCESSING", "Bodymass")
    height = _first(params, "PROCESSING", "Height")
    affected = str(_first(params, "EMGFORCE", "AFFECTED_SIDE", "")).strip() or None
    mass = float(mass) if mass is not None and float(mass) > 0 else None
    # PROCESSING:Height is in mm in Vicon's Plug-in Gait
    height = float(height) / 1000.0 if height is not None and float(height) > 0 else None
    return Subject(
        id=names[0] if names else stem,
        body_mass_kg=mass,
        height_m=height,
        affected_side=affected if affected in ("left", "right") else None,
    )


def read_c3d(path: str | os.PathLike, *, emg_channels: list[str] | tuple[str, ...] | None = None):
    """Read a C3D file into a :class:`~emgforce.io.Recording`.

    Parameters
    ----------
    path : path-like
        The ``.c3d`` file.
    emg_channels : sequence of str, optional
        Analog labels to put in the ``emg`` stream. By default every non-plate
        channel whose label mentions ``EMG`` or names a known muscle.

    Returns
    -------
    Recording
        Streams ``emg`` (kind ``emg``), ``analog`` (other analog channels) and
        ``force``, ``force2`` ... (one per force platform: ``Fx..Mz`` in N and
        N*m about the plate origin in the plate frame, Fz > 0 under load;
        ``StreamData.plate`` is the :class:`~emgforce.forceplate.Plate` as a
        dict); events of kind ``mark``; the subject from
        ``SUBJECTS``/``PROCESSING``. ``metadata["force_plates"]`` is the number
        of plates (0 when the file has none) and ``metadata["c3d_plates"]``
        says, per plate stream, its TYPE, source channels and units. A file
        written by :func:`write_c3d` gets its streams, channel names, kinds,
        muscles, sides, start time and device back.

    Raises
    ------
    RecordingNotFoundError
        The file does not exist.
    RecordingFormatError
        ezc3d cannot parse it, or its force platforms are inconsistent or of an
        unsupported type.
    KeyError
        A label in ``emg_channels`` is not an analog channel of the file, or
        belongs to a force platform.
    """
    from emgforce.io.recording import Recording, StreamData

    path = Path(path)
    if not path.is_file():
        raise RecordingNotFoundError(f"{path} does not exist")
    ezc3d = _ezc3d()
    try:
        c3d = ezc3d.c3d(str(path))
    except Exception as exc:  # ezc3d raises RuntimeError/IOError/ValueError on bad files
        raise RecordingFormatError(f"{path} is not a readable C3D file: {exc}") from exc
    params = c3d["parameters"]
    _check_complete(path, c3d)
    analog = _analogs(c3d, params)
    n_analog = analog.shape[1]
    labels = _unique([str(s) for s in _param(params, "ANALOG", "LABELS", [])][:n_analog])
    labels += [f"channel{i + 1}" for i in range(len(labels), n_analog)]
    units = [str(s).strip() for s in _param(params, "ANALOG", "UNITS", [])][:n_analog]
    units += ["V"] * (n_analog - len(units))
    fs = float(c3d["header"]["analogs"]["frame_rate"] or _first(params, "ANALOG", "RATE", 0.0) or 0.0)
    point_rate = float(c3d["header"]["points"]["frame_rate"] or _first(params, "POINT", "RATE", 0.0) or 0.0)
    if n_analog and not (math.isfinite(fs) and fs > 0):
        raise RecordingFormatError(f"{path}: ANALOG:RATE is {fs}; the analog sampling rate is unknown")

    streams: dict[str, StreamData] = {}
    per_frame = max(1, int(round(fs / point_rate))) if point_rate > 0 and fs > 0 else 1
    plates = _read_plates(params, analog, units, per_frame)
    plate_idx: set[int] = set()
    plate_notes: dict[str, str] = {}
    # what write_c3d needs to hand the file back as it came: column order, plate labels, units, baselines
    placed: list[tuple[str, str]] = [("", "")] * n_analog
    plate_channels: dict[str, dict[str, Any]] = {}
    tags = _emgforce_tags(params, n_analog)
    for forces, plate, idx, unit_note, factors, baseline in plates:
        plate_idx.update(idx)
        if tags is not None and tags["STREAM"][idx[0]] and tags["STREAM"][idx[0]] not in streams:
            plate.name = tags["STREAM"][idx[0]]  # the stream name this file was written from
        channels = tuple(
            ChannelInfo(c, kind="force" if c[0] == "F" else "moment", unit=FORCE_UNIT if c[0] == "F" else MOMENT_UNIT)
            for c in FORCE_CHANNELS
        )
        streams[plate.name] = StreamData(name=plate.name, fs_hz=fs, channels=channels, data=forces, plate=plate.to_dict())
        plate_notes[plate.name] = f"C3D TYPE {plate.type[-1]} on {[labels[j] for j in idx]}; units: {unit_note}"
        if plate.type[-1] == "2":  # other types are written back as computed TYPE 2 channels, in a new order
            plate_channels[plate.name] = {"labels": [labels[j] for j in idx], "units": [units[j] for j in idx],
                                          "to_si": [float(f) for f in factors], "baseline": [float(b) for b in baseline]}
            for j, col in enumerate(idx):
                placed[col] = (plate.name, FORCE_CHANNELS[j])

    rest = [i for i in range(n_analog) if i not in plate_idx]
    groups: dict[str, list[tuple[int, ChannelInfo]]] = {}
    recognition: dict[str, str] = {}
    if emg_channels is None and tags is not None:
        # written by write_c3d: restore streams, names, kinds, muscles and sides
        for i in rest:
            kind = tags["KIND"][i] if tags["KIND"][i] in CHANNEL_KINDS else "analog"
            side = tags["SIDE"][i] if tags["SIDE"][i] in SIDES else None
            info = ChannelInfo(tags["CHANNEL"][i] or labels[i], kind=kind, unit=units[i] or "V",
                               muscle=tags["MUSCLE"][i] or None, side=side)
            groups.setdefault(tags["STREAM"][i] or "analog", []).append((i, info))
    else:
        if emg_channels is not None:
            missing = [c for c in emg_channels if c not in labels]
            if missing:
                raise KeyError(f"{path}: no analog channel(s) {missing}; the file has {labels}")
            on_plate = [c for c in emg_channels if labels.index(c) in plate_idx]
            if on_plate:
                raise KeyError(f"{path}: {on_plate} belong to a force platform, not to EMG")
            emg_set = {labels.index(c) for c in emg_channels}
        else:
            emg_set = {i for i in rest if recognize_channel(labels[i]).is_emg}
        for i in rest:
            kind = "emg" if i in emg_set else "analog"
            match = recognize_channel(labels[i])
            muscle, side = match.muscle, match.side
            recognition[labels[i]] = match.reason
            groups.setdefault(kind, []).append((i, ChannelInfo(labels[i], kind=kind, unit=units[i] or "V", muscle=muscle, side=side)))
    for name, members in groups.items():
        if name in streams:
            name = f"{name}_analog"
        idx = [i for i, _ in members]
        streams[name] = StreamData(name=name, fs_hz=fs, channels=tuple(c for _, c in members), data=analog[:, idx])
        for i, info in members:
            placed[i] = (name, info.name)
    points = read_points(c3d, params)
    if points is not None and MARKER_STREAM not in streams:
        streams[MARKER_STREAM] = points[0]

    first_frame = int(c3d["header"]["points"]["first_frame"])
    t0_s = first_frame / point_rate if point_rate > 0 else 0.0
    company = " ".join(str(s).strip() for s in _param(params, "MANUFACTURER", "COMPANY", []) if str(s).strip())
    software = " ".join(str(s).strip() for s in _param(params, "MANUFACTURER", "SOFTWARE", []) if str(s).strip())
    metadata = {
        "source_format": "c3d",
        "source_file": path.name,
        "force_plates": len(plates),
        "c3d_plates": plate_notes,
        "c3d_first_frame": first_frame,
        "c3d_point_rate_hz": point_rate,
        "c3d_manufacturer": " ".join(s for s in (company, software) if s),
        "c3d_file": {
            "analog_streams": [a for a, _ in placed],
            "analog_channels": [b for _, b in placed],
            "plate_channels": plate_channels,
            "zero": [int(v) for v in np.asarray(_param(params, "FORCE_PLATFORM", "ZERO", []), dtype=int).ravel()],
            "trial": _trial(params),
            "points": points[1] if points is not None else {},
        },
        "channel_recognition": recognition,
    }
    if plates:
        _, unit_note = point_length_unit(params)
        if unit_note:
            log.warning("%s: %s", path.name, unit_note)
            metadata["import_notes"] = [unit_note]
    if not plates:
        log.info("%s has no force platform (FORCE_PLATFORM:USED = 0)", path.name)
    start = str(_first(params, "EMGFORCE", "START_TIME", "")).strip()
    try:
        start_time = datetime.fromisoformat(start) if start else None
    except ValueError:
        log.warning("EMGFORCE:START_TIME %r is not an ISO-8601 time; ignored", start)
        start_time = None
    device = str(_first(params, "EMGFORCE", "DEVICE", "")).strip()
    return Recording(
        streams=streams,
        subject=_subject(params, path.stem),
        events=_events(params, t0_s),
        start_time=start_time,
        device=device or metadata["c3d_manufacturer"] or "c3d",
        metadata=metadata,
        path=path,
    )


# --- writing ------------------------------------------------------------------------

#: Vicon Nexus style labels of the six plate channels, numbered per plate
_PLATE_LABELS = ("Force.Fx", "Force.Fy", "Force.Fz", "Moment.Mx", "Moment.My", "Moment.Mz")
#: the usual pace of the (empty) point frames, Hz
_POINT_RATE_HZ = 100.0
_MAX_FRAMES = 65535


def _upsample(data: np.ndarray, factor: int, n_out: int) -> np.ndarray:
    """Linear interpolation onto a grid ``factor`` times denser (NaN propagates to neighbours)."""
    if factor == 1:
        return data[:n_out]
    t_in = np.arange(data.shape[0], dtype=np.float64) * factor
    t_out = np.arange(n_out, dtype=np.float64)
    return np.column_stack([np.interp(t_out, t_in, data[:, j]) for j in range(data.shape[1])])


def _plate_for_c3d(stream) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]] | None:
    """Six components of a plate stream as C3D TYPE 2 wants them.

    Returns ``(wrench, corners_m (4, 3), origin_vector_m (3,), columns)``:
    reaction force and moment about the plate origin in a z-down plate frame,
    corners in C3D order, and ``ORIGIN`` (the top-surface centre relative to
    the plate origin). None when the stream has no usable plate description.
    """
    from emgforce.plates import Plate

    names = list(stream.channel_names)
    if not stream.plate or not all(c in names for c in FORCE_CHANNELS):
        return None
    try:
        plate = Plate.from_dict(dict(stream.plate))
    except EmgforceError as exc:
        log.warning("stream %r: plate description unusable for C3D (%s); written as plain analogs", stream.name, exc)
        return None
    cols = [names.index(c) for c in FORCE_CHANNELS]
    wrench = stream.data[:, cols].copy()
    if plate.sign_convention == "action":
        wrench = -wrench  # C3D analog plate data hold the reaction force
    corners = plate.corners_m.copy()
    origin = plate.origin_m.copy()
    if plate.rotation[2, 2] > 0:
        # z-up plate frame: turn it 180 deg about its x axis into the usual z-down frame
        flip = np.array([1.0, -1.0, -1.0])
        wrench *= np.tile(flip, 2)
        origin *= flip
        corners = corners[[3, 2, 1, 0]]
    return wrench, corners, -origin, cols


def _frames_per_point(fs_hz: float, n_samples: int) -> int:
    """Analog samples per (empty) point frame.

    At most 65535 frames (the C3D header's limit, which ezc3d enforces by
    cutting the data) and an integer point rate when ``fs_hz`` is an integer;
    among those, preferably a count that divides ``n_samples`` (nothing left
    out), then frames nearest 100 Hz.
    """
    k0 = max(1, int(round(fs_hz / _POINT_RATE_HZ)))
    lo = max(1, math.ceil(n_samples / _MAX_FRAMES))
    ok = (lambda k: int(fs_hz) % k == 0) if float(fs_hz).is_integer() else (lambda k: True)
    candidates = [k for k in range(lo, max(lo, 4 * k0) + 1) if ok(k)]
    if not candidates:
        candidates = [k for k in range(lo, n_samples + 1) if ok(k)][:1]
    if not candidates:
        raise RecordingWriteError(
            f"{n_samples} samples at {fs_hz:g} Hz do not fit the 65535 frames of a C3D file; "
            "export the session in parts (one trial per file)"
        )
    return min(candidates, key=lambda k: (n_samples % k != 0, abs(math.log(k / k0))))


def write_c3d(rec, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write a recording as a C3D file (analogs, force platforms, events).

    Parameters
    ----------
    rec : Recording
        E.g. from :func:`emgforce.io.read_recording` or :func:`read_c3d`.
    path : path-like
        Output file; written beside and renamed at the end, so a failure leaves
        no partial file.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    Path
        The file written.

    Notes
    -----
    * C3D has a single analog rate: streams at lower rates are linearly
      interpolated up to the highest rate, which must be an integer multiple
      of each of them; all streams are cut to their common span, then to
      whole point frames (< 10 ms; frames run at about 100 Hz and at most
      65535 of them fit a file, as ezc3d enforces).
    * Every force stream with a plate description becomes a TYPE 2 platform
      (``Force.Fx1`` ... ``Moment.Mz1`` in N and N*mm, reaction force, z-down
      plate frame, ``CORNERS``/``ORIGIN`` in mm), whatever its original type;
      the data are already calibrated.
    * Events keep their label (``"Left Foot Strike"`` is split back into
      context ``Left`` and label ``Foot Strike``); trial ``start``/``stop``
      events carry the description ``"emgforce start"``/``"emgforce stop"``
      so that :func:`read_c3d` restores their kind.
    * Stream, kind, muscle and side of every channel, the affected side and
      the start time go to an ``EMGFORCE`` parameter group that other
      programs ignore; body mass and height go to ``PROCESSING:Bodymass`` (kg)
      and ``PROCESSING:Height`` (mm), as Vicon Plug-in Gait has them.
    * Lost samples (NaN rows) are written as NaN, which some programs reject.

    Raises
    ------
    RecordingExistsError
        ``path`` exists and ``overwrite`` is False.
    RecordingWriteError
        The recording has no samples, its rates are not integer divisors of
        the highest rate, or it is too long for one C3D file.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise RecordingExistsError(f"{path} exists; choose another name or pass overwrite=True (--overwrite)")
    streams = [s for s in rec.streams.values() if s.n_channels and s.n_samples]
    markers = next((s for s in streams if is_point_stream(s)), None)
    streams = [s for s in streams if s is not markers]
    if not streams:
        raise RecordingWriteError("the recording has no analog samples to write to C3D")
    original = rec.metadata.get("c3d_file") or {}
    fs_out = max(s.fs_hz for s in streams)
    factors = {}
    for s in streams:
        ratio = fs_out / s.fs_hz
        if abs(ratio - round(ratio)) > 1e-9:
            raise RecordingWriteError(
                f"C3D holds one analog rate; stream {s.name!r} at {s.fs_hz:g} Hz does not divide {fs_out:g} Hz: "
                "resample it (scipy.signal.resample_poly) or drop it before export"
            )
        factors[s.name] = int(round(ratio))
    n_common = min((s.n_samples - 1) * factors[s.name] + 1 for s in streams)
    if markers is not None:
        ratio = fs_out / markers.fs_hz
        if abs(ratio - round(ratio)) > 1e-9:
            raise RecordingWriteError(
                f"C3D analog rate must be a multiple of the point rate: {fs_out:g} Hz and the {markers.name!r} "
                f"stream at {markers.fs_hz:g} Hz"
            )
        per_frame = int(round(ratio))
        n_common = min(n_common, markers.n_samples * per_frame)
    else:
        per_frame = _frames_per_point(fs_out, n_common)
    n_out = n_common // per_frame * per_frame  # whole point frames only
    if n_out < n_common:
        log.info("the last %d samples (%.4f s) do not fill a C3D frame and are left out", n_common - n_out,
                 (n_common - n_out) / fs_out)
    for s in streams:
        if factors[s.name] > 1:
            log.info("stream %r interpolated from %g Hz to %g Hz for C3D", s.name, s.fs_hz, fs_out)
        lost = s.n_samples * factors[s.name] - n_common
        if lost > factors[s.name]:
            log.warning("stream %r: its last %.3f s are cut to the common span of all streams", s.name, lost / fs_out)

    columns: list[np.ndarray] = []
    labels: list[str] = []
    units: list[str] = []
    descriptions: list[str] = []
    meta: dict[str, list[str]] = {"STREAM": [], "CHANNEL": [], "KIND": [], "MUSCLE": [], "SIDE": []}
    corners_all, origins, plate_channels = [], [], []
    taken: set[str] = set()

    def add(values: np.ndarray, label: str, unit: str, stream_name: str, channel: ChannelInfo) -> None:
        if label in taken:
            label = f"{stream_name}.{label}"
        taken.add(label)
        columns.append(values)
        labels.append(label)
        units.append(unit)
        descriptions.append(f"{stream_name}: {channel.name}")
        meta["STREAM"].append(stream_name)
        meta["CHANNEL"].append(channel.name)
        meta["KIND"].append(channel.kind)
        meta["MUSCLE"].append(channel.muscle or "")
        meta["SIDE"].append(channel.side or "")

    # plates first, as Vicon writes them
    plate_streams = {s.name: _plate_for_c3d(s) for s in streams}
    ordered = [s for s in streams if plate_streams[s.name]] + [s for s in streams if not plate_streams[s.name]]
    for s in ordered:
        data = _upsample(s.data, factors[s.name], n_out)
        done: set[int] = set()
        converted = plate_streams[s.name]
        if converted is not None:
            wrench, corners, origin, cols = converted
            wrench = _upsample(wrench, factors[s.name], n_out)
            number = len(corners_all) + 1
            kept = (original.get("plate_channels") or {}).get(s.name)
            for j, col in enumerate(cols):
                if kept is not None:  # back in the file's own labels, units and (ZERO) baselines
                    value = wrench[:, j] / kept["to_si"][j] + kept["baseline"][j]
                    add(value, kept["labels"][j], kept["units"][j], s.name, s.channels[col])
                else:
                    scale, unit = (1.0, "N") if j < 3 else (1000.0, "Nmm")
                    add(wrench[:, j] * scale, f"{_PLATE_LABELS[j]}{number}", unit, s.name, s.channels[col])
            corners_all.append(corners * 1000.0)
            origins.append(origin * 1000.0)
            plate_channels.append([(s.name, s.channels[col].name) for col in cols])
            done.update(cols)
        elif s.plate:
            log.warning("stream %r has a plate but not the six channels %s; written as plain analogs", s.name, FORCE_CHANNELS)
        for j, ch in enumerate(s.channels):
            if j not in done:
                add(data[:, j], ch.name, ch.unit, s.name, ch)
    order = _original_order(meta, original)
    columns, labels, units, descriptions = ([x[i] for i in order] for x in (columns, labels, units, descriptions))
    meta = {k: [v[i] for i in order] for k, v in meta.items()}
    where = list(zip(meta["STREAM"], meta["CHANNEL"]))
    plate_channels = [[where.index(key) + 1 for key in plate] for plate in plate_channels]
    analog = np.stack(columns)  # (channels, samples): the layout ezc3d takes, no transposed copy
    n_nan = int(np.isnan(analog).any(axis=0).sum())
    if n_nan:
        log.warning("%d samples are NaN (lost in acquisition) and are written as NaN", n_nan)

    c3d = C3DFile()
    point_rate = fs_out / per_frame
    c3d.add_parameter("POINT", "RATE", [point_rate])
    c3d.add_parameter("POINT", "UNITS", ["mm"])
    c3d.add_parameter("POINT", "SCALE", [-1.0])  # floating-point data
    c3d.add_parameter("ANALOG", "RATE", [fs_out])
    c3d.analog_labels = labels
    c3d.analogs = analog[np.newaxis, :, :]
    n_frames = n_out // per_frame
    if markers is not None:
        point_meta = original.get("points") or {}
        point_labels, points, residuals, point_unit, point_scale = points_for_c3d(markers, point_meta)
        c3d.point_labels = point_labels
        c3d.add_parameter("POINT", "UNITS", [point_unit])
        c3d.add_parameter("POINT", "SCALE", [point_scale])
        c3d.points, c3d.residuals = points[:, :, :n_frames], residuals[:, :, :n_frames]
        _point_groups(c3d, point_meta)
    else:
        c3d.points = np.zeros((4, 0, n_frames))
    first_frame = int(rec.metadata.get("c3d_first_frame", 0) or 0)
    c3d.first_frame = first_frame
    t0_s = first_frame / point_rate
    c3d.add_parameter("ANALOG", "DESCRIPTIONS", descriptions)
    c3d.add_parameter("ANALOG", "UNITS", units)
    c3d.add_parameter("ANALOG", "SCALE", [1.0] * len(labels))
    c3d.add_parameter("ANALOG", "GEN_SCALE", [1.0])

    n_plates = len(corners_all)
    c3d.int_param("FORCE_PLATFORM", "USED", [n_plates])
    if n_plates:
        c3d.int_param("FORCE_PLATFORM", "TYPE", [2] * n_plates)
        zero = original.get("zero") or []
        c3d.int_param("FORCE_PLATFORM", "ZERO", list(zero)[:2] if len(zero) >= 2 else [0, 0])
        c3d.add_parameter("FORCE_PLATFORM", "CORNERS", np.stack([c.T for c in corners_all], axis=2))
        c3d.add_parameter("FORCE_PLATFORM", "ORIGIN", np.column_stack(origins))
        c3d.int_param("FORCE_PLATFORM", "CHANNEL", np.array(plate_channels).T)
        c3d.add_parameter("FORCE_PLATFORM", "CAL_MATRIX", np.zeros((6, 6, n_plates)))

    _write_events(c3d, rec.events, t0_s)
    _write_trial(c3d, original.get("trial") or {})
    subject = rec.subject
    c3d.int_param("SUBJECTS", "USED", [1])
    c3d.add_parameter("SUBJECTS", "NAMES", [subject.id or "subject"])
    if subject.body_mass_kg is not None:
        c3d.add_parameter("PROCESSING", "Bodymass", [float(subject.body_mass_kg)])
    if subject.height_m is not None:
        c3d.add_parameter("PROCESSING", "Height", [float(subject.height_m) * 1000.0])
    c3d.add_parameter("MANUFACTURER", "COMPANY", ["emgforce"])
    c3d.add_parameter("MANUFACTURER", "SOFTWARE", ["emgforce"])
    c3d.add_parameter("MANUFACTURER", "VERSION_LABEL", [__version__])
    for key, values in meta.items():
        c3d.add_parameter("EMGFORCE", key, values)
    c3d.add_parameter("EMGFORCE", "AFFECTED_SIDE", [subject.affected_side or ""])
    c3d.add_parameter("EMGFORCE", "START_TIME", [rec.start_time.isoformat() if rec.start_time else ""])
    c3d.add_parameter("EMGFORCE", "DEVICE", [rec.device])

    _write_atomically(c3d, path)
    log.info("wrote %s: %d analog channels at %g Hz, %d force platforms, %d events",
             path, len(labels), fs_out, n_plates, len(rec.events))
    return path


def _umask() -> int:
    """The process umask (read without changing it where /proc tells it)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _temp_name(path: Path, pid: int) -> Path:
    # ezc3d appends ".c3d" to other names
    return path.with_name(f".{path.name}.{pid}.tmp.c3d")


def _remove_stale_temps(path: Path) -> None:
    """Temp files of earlier exports to ``path`` whose process is gone (killed mid-export)."""
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp.c3d"):
        pid = tmp.name[len(path.name) + 2 : -len(".tmp.c3d")]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            tmp.unlink(missing_ok=True)
            log.info("removed %s left by an interrupted export", tmp)
        except PermissionError:  # another user's live process
            pass


def _write_atomically(c3d: C3DFile, path: Path) -> None:
    """Write beside the target and rename: a failure or interrupt leaves no partial file and no temp file.

    The file gets the permissions of any new file of the user (``0666 & ~umask``),
    not the 0600 of a temp file; a temp file of an export that was killed
    outright (SIGKILL, power loss) is removed by the next export to the same name.
    """
    _remove_stale_temps(path)
    tmp = _temp_name(path, os.getpid())
    try:
        c3d.write(tmp, _ezc3d())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _original_order(meta: dict[str, list[str]], original: dict[str, Any]) -> list[int]:
    """Column order of the file a recording was read from, when every column is still there; else as built."""
    keys = list(zip(meta["STREAM"], meta["CHANNEL"]))
    old = list(zip(original.get("analog_streams") or [], original.get("analog_channels") or []))
    if sorted(keys) != sorted(old) or len(set(keys)) != len(keys):
        return list(range(len(keys)))
    return [keys.index(k) for k in old]


def _point_groups(c3d, point_meta: dict[str, Any]) -> None:
    """``POINT:TYPE_GROUPS`` and the labels and unit of each group (angles, forces ...), as read."""
    groups = point_meta.get("groups") or {}
    if not groups:
        return
    declared = list(point_meta.get("type_groups") or [])
    if declared:
        c3d.add_parameter("POINT", "TYPE_GROUPS", declared)
    stems = dict(zip(declared[0::2], declared[1::2])) if len(declared) % 2 == 0 else {}
    for group, members in groups.items():
        if members:
            c3d.add_parameter("POINT", group, list(members))
        unit = (point_meta.get("group_units") or {}).get(group)
        stem = stems.get(group)
        if unit and stem:
            c3d.add_parameter("POINT", f"{stem}_UNITS", [unit])


def _write_trial(c3d, trial: dict[str, Any]) -> None:
    """The ``TRIAL`` group as it was read (Vicon's frame range and camera rate)."""
    for name, entry in trial.items():
        value = np.asarray(entry["value"]).reshape(entry["shape"], order="F") if entry["shape"] else np.asarray(entry["value"])
        if entry["type"] == "int":
            c3d.int_param("TRIAL", name, value)
        else:
            c3d.add_parameter("TRIAL", name, value.astype(float))


def _write_events(c3d, events, t0_s: float = 0.0) -> None:
    labels, contexts, descriptions, times = [], [], [], []
    for ev in events:
        context, label = "General", ev.label
        for side in ("Left", "Right"):
            if ev.label.startswith(side + " ") and len(ev.label) > len(side) + 1:
                context, label = side, ev.label[len(side) + 1 :]
        labels.append(label)
        contexts.append(context)
        descriptions.append(_EVENT_KIND_PREFIX + ev.kind if ev.kind != "mark" else "")
        t = ev.time_s + t0_s  # C3D event times count from frame 1, not from the first frame of the file
        minutes = math.floor(t / 60.0)
        times.append((float(minutes), t - 60.0 * minutes))
    c3d.int_param("EVENT_CONTEXT", "USED", [3])
    c3d.add_parameter("EVENT_CONTEXT", "LABELS", ["General", "Left", "Right"])
    c3d.add_parameter("EVENT_CONTEXT", "DESCRIPTIONS", ["For other events", "Left side", "Right side"])
    c3d.int_param("EVENT_CONTEXT", "ICON_IDS", [0, 1, 2])
    c3d.int_param("EVENT", "USED", [len(labels)])
    if labels:
        c3d.add_parameter("EVENT", "LABELS", labels)
        c3d.add_parameter("EVENT", "CONTEXTS", contexts)
        c3d.add_parameter("EVENT", "DESCRIPTIONS", descriptions)
        c3d.add_parameter("EVENT", "SUBJECTS", [""] * len(labels))
        c3d.add_parameter("EVENT", "TIMES", np.array(times).T)
        c3d.int_param("EVENT", "ICON_IDS", [0] * len(labels))
        c3d.int_param("EVENT", "GENERIC_FLAGS", [0] * len(labels))

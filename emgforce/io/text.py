"""Delimited-text import: CSV/TSV/ASCII exports of EMGworks, Noraxon MR3, force-plate software.

A small :class:`ColumnMap` says what the columns are; everything it leaves out
is inferred and reported:

* the delimiter (tab, comma, semicolon, whitespace) and the header line, found
  after any preamble (``Sampling rate: 2000 Hz`` lines and the like);
* the time column (``time``, ``Time[s]``, ``X[s]``, ``t``) or, without one, the
  rate from the map or from a ``... Hz`` line of the preamble;
* units from the header (``Fz (N)``, ``L GMED [uV]``): EMG is scaled to volts,
  moments in N*mm to N*m;
* EMG columns: those the channel recogniser reads as EMG (``L GMED``,
  ``RT GLUT. MED.``, ``Sensor 3.EMG3``), with muscle and side;
* force columns ``Fx``..``Mz`` (any prefix/suffix such as ``Fz[N]``).

:func:`read_text` returns the same :class:`~emgforce.io.Recording` as the other readers.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from emgforce.errors import RecordingFormatError, RecordingNotFoundError
from emgforce.io.channels import recognize_channel
from emgforce.streams import ChannelInfo

__all__ = ["ColumnMap", "load_column_map", "read_text"]

log = logging.getLogger(__name__)

_TO_V = {"v": 1.0, "mv": 1e-3, "uv": 1e-6, "µv": 1e-6, "μv": 1e-6, "microvolts": 1e-6, "millivolts": 1e-3, "volts": 1.0}
_TO_N = {"n": 1.0, "kn": 1e3}
_TO_NM = {"nm": 1.0, "n*m": 1.0, "n.m": 1.0, "n·m": 1.0, "nmm": 1e-3, "n*mm": 1e-3, "n.mm": 1e-3}
_TIME_SCALE = {"s": 1.0, "sec": 1.0, "ms": 1e-3, "msec": 1e-3, "min": 60.0}
_FORCE_KEYS = ("Fx", "Fy", "Fz", "Mx", "My", "Mz")


@dataclass
class ColumnMap:
    """What the columns of a delimited-text export are (every field optional).

    Attributes
    ----------
    time : str, optional
        Name of the time column (default: found by name).
    time_unit : str
        ``"s"`` or ``"ms"`` when the header does not say.
    fs_hz : float, optional
        Sampling rate when there is no time column (default: from the preamble).
    emg : list of str, optional
        EMG columns (default: those the channel recogniser reads as EMG).
    emg_unit : str, optional
        ``V``, ``mV`` or ``uV`` when the header does not say (default V).
    force : dict, optional
        ``{"Fx": column, ..., "Mz": column}`` of one plate (default: found by name).
    plates : list of dict, optional
        Several plates: ``{"columns": {...}, "plate": {plate dict}}`` each; a
        plate dict (``type``, ``corners_m``, ``origin_m``, ``sign_convention``,
        ``name`` = ``"left"``/``"right"`` for the foot on it, see
        ``docs/format.md``) lets the analysis compute the COP.
    plate : dict, optional
        Plate dict of the single ``force`` plate.
    force_unit, moment_unit : str
        Units when the header does not say (``N``; ``N*m`` or ``N*mm``).
    delimiter : str, optional
        Default: detected.
    decimal : str
        ``"."`` or ``","`` (European exports).
    """

    time: str | None = None
    time_unit: str = "s"
    fs_hz: float | None = None
    emg: list[str] | None = None
    emg_unit: str | None = None
    force: dict[str, str] | None = None
    plates: list[dict[str, Any]] = field(default_factory=list)
    plate: dict[str, Any] | None = None
    force_unit: str = "N"
    moment_unit: str = "N*m"
    delimiter: str | None = None
    decimal: str = "."


def load_column_map(path: str | Path) -> ColumnMap:
    """A :class:`ColumnMap` from a JSON or TOML file with the same keys."""
    from emgforce._tables import read_table_file

    path = Path(path)
    data = read_table_file(path)
    unknown = set(data) - set(ColumnMap.__dataclass_fields__)
    if unknown:
        raise ValueError(f"{path}: unknown column-map keys {sorted(unknown)}; known: {sorted(ColumnMap.__dataclass_fields__)}")
    return ColumnMap(**data)


def _split_unit(name: str) -> tuple[str, str]:
    """``"Fz (N)"`` -> ("Fz", "N"); ``"Time[s]"`` -> ("Time", "s")."""
    m = re.fullmatch(r"\s*(.*?)\s*[\[(]\s*([^\])]*)\s*[\])]\s*", name)
    return (m.group(1), m.group(2)) if m else (name.strip(), "")


def _is_number(text: str, decimal: str) -> bool:
    try:
        float(text.strip().replace(decimal, ".") if decimal != "." else text)
        return True
    except ValueError:
        return False


def _layout(lines: list[str], cmap: ColumnMap) -> tuple[str | None, int]:
    """Delimiter and index of the header line: the last line before the numeric block
    that has as many fields as its rows."""
    candidates = [cmap.delimiter] if cmap.delimiter else ["\t", ";", ","] + [None]
    for delim in candidates:
        if delim == "," and cmap.decimal == ",":
            continue
        split = (lambda s: s.split(delim)) if delim else (lambda s: s.split())
        rows = [split(line.rstrip("\r\n")) for line in lines]
        for i in range(len(rows) - 1):
            body = rows[i + 1 : i + 6]
            n = len(rows[i])
            if n < 2 or any(len(r) != n for r in body) or not body:
                continue
            if all(all(_is_number(x, cmap.decimal) for x in r if x.strip()) for r in body) and not all(
                _is_number(x, cmap.decimal) for x in rows[i] if x.strip()
            ):
                return delim, i
    raise RecordingFormatError("no header line followed by rows of numbers found; give the delimiter in the column map")


def _find(names: list[str], wanted: str) -> str | None:
    """Column whose bare name is ``wanted`` or ends with it after a separator (``Force.Fz1`` -> Fz)."""
    for n in names:
        bare = _split_unit(n)[0]
        if re.fullmatch(rf"(?:.*[^A-Za-z])?{wanted}\d?", bare):
            return n
    return None


def read_text(path: str | Path, columns: ColumnMap | str | Path | None = None):
    """Read a delimited-text export into a :class:`~emgforce.io.Recording`.

    Parameters
    ----------
    path : path-like
    columns : ColumnMap or path-like, optional
        What the columns are (see :class:`ColumnMap`); inferred where absent.

    Raises
    ------
    RecordingNotFoundError
    RecordingFormatError
        No numeric block, no rate, a mapped column missing, or no EMG/force column at all.
    """
    from emgforce.io.recording import Recording, StreamData, Subject

    path = Path(path)
    if not path.is_file():
        raise RecordingNotFoundError(f"{path} does not exist")
    cmap = columns if isinstance(columns, ColumnMap) else load_column_map(columns) if columns else ColumnMap()
    lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    delim, head = _layout(lines, cmap)
    names = [c.strip().strip('"') for c in (lines[head].split(delim) if delim else lines[head].split())]
    reader = csv.reader(io.StringIO("\n".join(lines[head + 1 :])), delimiter=delim) if delim else (
        line.split() for line in lines[head + 1 :])
    rows = [r for r in reader if any(x.strip() for x in r)]
    try:
        table = np.array([[float(x.replace(cmap.decimal, ".")) if x.strip() else math.nan for x in r] for r in rows])
    except ValueError as exc:
        raise RecordingFormatError(f"{path.name}: a data row is not numeric ({exc})") from None
    if table.ndim != 2 or table.shape[1] != len(names):
        raise RecordingFormatError(f"{path.name}: rows do not all have the {len(names)} fields of the header")
    col = {n: table[:, j] for j, n in enumerate(names)}
    notes: list[str] = []

    def need(name: str) -> np.ndarray:
        if name not in col:
            raise RecordingFormatError(f"{path.name}: column {name!r} of the column map is not in the file; it has {names}")
        return col[name]

    # time base
    time_col = cmap.time or next((n for n in names if _split_unit(n)[0].lower() in ("time", "t", "x", "times")), None)
    if time_col is not None:
        unit = (_split_unit(time_col)[1] or cmap.time_unit).lower()
        t = need(time_col) * _TIME_SCALE.get(unit, 1.0)
        dt = np.diff(t)
        if t.size < 2 or not np.all(dt > 0):
            raise RecordingFormatError(f"{path.name}: time column {time_col!r} does not increase")
        fs = 1.0 / float(np.median(dt))
        if np.max(np.abs(dt * fs - 1.0)) > 0.01:
            notes.append(f"time column {time_col!r} is not evenly spaced; samples are taken as {fs:g} Hz")
        fs = round(fs, 6)
        t0 = float(t[0])
    else:
        fs = cmap.fs_hz
        if fs is None:
            m = re.search(r"(\d+(?:[.,]\d+)?)\s*hz", " ".join(lines[:head]), re.IGNORECASE)
            fs = float(m.group(1).replace(",", ".")) if m else None
            if fs:
                notes.append(f"no time column; rate {fs:g} Hz read from the file's preamble")
        if not fs:
            raise RecordingFormatError(f"{path.name}: no time column and no rate; give time or fs_hz in the column map")
        t0 = 0.0
    streams: dict[str, StreamData] = {}
    used = {time_col}
    # force plates
    plates = list(cmap.plates)
    if cmap.force or not plates:
        found = cmap.force or {k: c for k in _FORCE_KEYS if (c := _find(names, k))}
        if found:
            plates.insert(0, {"columns": found, "plate": cmap.plate})
    for i, spec in enumerate(plates):
        cols_map = spec["columns"]
        chans, data = [], []
        for key in _FORCE_KEYS:
            if key not in cols_map:
                continue
            name = cols_map[key]
            unit = _split_unit(name)[1].lower().replace(" ", "")
            if key[0] == "F":
                scale = _TO_N.get(unit or cmap.force_unit.lower())
            else:
                scale = _TO_NM.get(unit or cmap.moment_unit.lower().replace(" ", ""))
            if scale is None:
                raise RecordingFormatError(f"{path.name}: column {name!r}: unit {unit!r} is not a force or moment unit")
            chans.append(ChannelInfo(key, kind="force" if key[0] == "F" else "moment", unit="N" if key[0] == "F" else "N*m"))
            data.append(need(name) * scale)
            used.add(name)
        if "Fz" not in [c.name for c in chans]:
            raise RecordingFormatError(f"{path.name}: force plate {i + 1} has no Fz column")
        sname = "force" if i == 0 else f"force{i + 1}"
        plate = dict(spec["plate"]) if spec.get("plate") else None
        if plate is not None:
            plate.setdefault("name", sname)
        streams[sname] = StreamData(sname, fs, tuple(chans), np.column_stack(data), plate=plate)
    # EMG
    recognition: dict[str, str] = {}
    emg_cols = cmap.emg if cmap.emg is not None else [
        n for n in names if n not in used and recognize_channel(_split_unit(n)[0]).is_emg]
    if emg_cols:
        chans, data = [], []
        for name in emg_cols:
            bare, unit = _split_unit(name)
            scale = _TO_V.get((unit or cmap.emg_unit or "V").lower())
            if scale is None:
                raise RecordingFormatError(f"{path.name}: EMG column {name!r}: unit {unit!r} is not V, mV or uV")
            m = recognize_channel(bare)
            recognition[bare] = m.reason
            chans.append(ChannelInfo(bare, kind="emg", unit="V", muscle=m.muscle, side=m.side))
            data.append(need(name) * scale)
            used.add(name)
        streams["emg"] = StreamData("emg", fs, tuple(chans), np.column_stack(data))
    rest = [n for n in names if n not in used]
    if rest:
        streams["analog"] = StreamData("analog", fs, tuple(ChannelInfo(_split_unit(n)[0], kind="analog",
                                       unit=_split_unit(n)[1] or "a.u.") for n in rest),
                                       np.column_stack([col[n] for n in rest]))
    if not any(k in streams for k in ("emg", "force")):
        raise RecordingFormatError(f"{path.name}: no EMG or force column recognised in {names}; give them in the column map")
    if t0 > 1.0 / fs:
        notes.append(f"the time column starts at {t0:g} s; times here count from its first row")
    for text in notes:
        log.info("%s: %s", path.name, text)
    metadata: dict[str, Any] = {"source_format": "text", "source_file": path.name, "channel_recognition": recognition}
    if notes:
        metadata["import_notes"] = notes
    return Recording(streams, Subject(path.stem), [], device="text export", metadata=metadata, path=path)

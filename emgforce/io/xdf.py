"""XDF import (Lab Streaming Layer recordings written by LabRecorder), through pyxdf.

:func:`read_xdf` returns the same :class:`~emgforce.io.Recording` the HDF5
reader does:

* pyxdf synchronises the streams' clocks (clock offsets, clock resets) and
  removes jitter; every time stamp is then on one clock.
* Sample 0 of every stream is at the earliest time stamp of the file. Each
  regular (nominal rate > 0) numeric stream is placed on its sample grid (the
  nominal rate, or the time stamps' own rate when they differ by > 0.5 %),
  each sample in the row of its time stamp: rows no sample fell in are NaN
  and recorded as gaps (as the recorder does for lost samples), samples whose
  row an earlier one took are dropped; both are counted in
  ``metadata["import_notes"]``.
* A stream of type ``EMG``, or whose channel labels the recogniser reads as
  EMG, becomes ``emg`` (then ``emg2`` ...); one of type ``Force``/``ForcePlate``
  or with ``Fx``..``Mz`` channels becomes ``force`` (no plate geometry: no COP);
  others keep their (sanitised) name as ``analog`` channels. EMG in mV or uV
  (``desc/channels/channel/unit``) is scaled to volts.
* String streams (and irregular streams) become events of kind ``mark``; their
  text is read into trials by :func:`emgforce.io.trial_events.recognize_trials`.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import numpy as np

from emgforce.errors import RecordingFormatError, RecordingNotFoundError
from emgforce.io.channels import recognize_channel
from emgforce.streams import ChannelInfo

__all__ = ["read_xdf"]

log = logging.getLogger(__name__)

_EMG_UNITS_V = {"v": 1.0, "volt": 1.0, "volts": 1.0, "mv": 1e-3, "millivolts": 1e-3, "uv": 1e-6, "microvolts": 1e-6,
                "µv": 1e-6, "μv": 1e-6}
_FORCE_NAMES = ("Fx", "Fy", "Fz", "Mx", "My", "Mz")


def _pyxdf():
    try:
        import pyxdf
    except ImportError as exc:
        from emgforce.errors import EmgforceError

        raise EmgforceError("XDF support needs pyxdf: pip install 'emgforce[xdf]'") from exc
    return pyxdf


def _text(info: dict, key: str, default: str = "") -> str:
    value = info.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value).strip() if value is not None else default


def _channels(info: dict, n: int) -> list[tuple[str, str]]:
    """(label, unit) of each channel from ``desc/channels/channel``, ``ch1``.. when absent."""
    out = []
    try:
        chans = info["desc"][0]["channels"][0]["channel"]
    except (KeyError, IndexError, TypeError):
        chans = []
    for i in range(n):
        c = chans[i] if i < len(chans) and chans[i] else {}
        out.append((_text(c, "label") or f"ch{i + 1}", _text(c, "unit")))
    return out


def _grid(ts: np.ndarray, values: np.ndarray, fs: float, t0: float) -> tuple[np.ndarray, np.ndarray, int]:
    """Samples on the stream's grid from ``t0``, each at its own time stamp's row.

    Returns (data with NaN rows where no sample fell, gaps (k, 2), samples dropped because an
    earlier sample took their row). Placing by time stamp keeps every stream and marker on the
    one clock even where a device's true rate drifts from the grid's.
    """
    rows = np.rint((ts - t0) * fs).astype(np.int64)
    keep = np.ones(rows.size, dtype=bool)
    keep[1:] = rows[1:] > np.maximum.accumulate(rows)[:-1]
    rows, kept = rows[keep], values[keep]
    data = np.full((int(rows[-1]) + 1, values.shape[1]), np.nan)
    data[rows] = kept
    starts = np.concatenate(([0], rows[:-1] + 1))
    missing = rows - starts
    gaps = np.column_stack([starts[missing > 0], missing[missing > 0]]).astype(np.int64)
    return data, gaps.reshape(-1, 2), int((~keep).sum())


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_").lower() or "stream"


def read_xdf(path: str | Path):
    """Read an XDF file into a :class:`~emgforce.io.Recording` (see the module notes).

    Raises
    ------
    RecordingNotFoundError
        The file does not exist.
    RecordingFormatError
        pyxdf cannot parse it, or it holds no samples at all.
    """
    from emgforce.io.recording import Event, Recording, StreamData, Subject

    path = Path(path)
    if not path.is_file():
        raise RecordingNotFoundError(f"{path} does not exist")
    pyxdf = _pyxdf()
    try:
        streams, header = pyxdf.load_xdf(str(path), synchronize_clocks=True, handle_clock_resets=True,
                                         dejitter_timestamps=True)
    except Exception as exc:  # pyxdf raises many kinds on bad files
        raise RecordingFormatError(f"{path} is not a readable XDF file: {exc}") from exc
    firsts = [float(s["time_stamps"][0]) for s in streams if len(s["time_stamps"])]
    if not firsts:
        raise RecordingFormatError(f"{path}: every stream is empty; nothing to read")
    t0 = min(firsts)
    notes: list[str] = []
    out: dict[str, StreamData] = {}
    events: list[Event] = []
    recognition: dict[str, str] = {}
    for s in sorted(streams, key=lambda s: int(s["info"]["stream_id"])):
        info = s["info"]
        name, stype = _text(info, "name", "stream"), _text(info, "type").lower()
        fmt = _text(info, "channel_format")
        fs = float(_text(info, "nominal_srate", "0") or 0)
        ts = np.asarray(s["time_stamps"], dtype=float)
        if not ts.size:
            notes.append(f"XDF stream {name!r} holds no samples; skipped")
            continue
        if fmt == "string" or fs <= 0:
            for t, value in zip(ts, s["time_series"]):
                text = value[0] if isinstance(value, (list, tuple, np.ndarray)) and len(value) else value
                label = str(text).strip()[:64]
                if label:
                    events.append(Event(label, "mark", float(t - t0)))
            continue
        values = np.asarray(s["time_series"], dtype=float)
        n_ch = values.shape[1]
        labels = _channels(info, n_ch)
        matches = [recognize_channel(lbl) for lbl, _ in labels]
        if stype in ("force", "forceplate", "force plate", "forces") or {lbl for lbl, _ in labels} >= {"Fx", "Fy", "Fz"}:
            kind, key = "force", "force"
            chans = [ChannelInfo(lbl, kind="force" if lbl.startswith("F") else "moment" if lbl in _FORCE_NAMES else "analog",
                                 unit=unit or ("N" if lbl.startswith("F") else "N*m")) for lbl, unit in labels]
        elif stype == "emg" or any(m.is_emg for m in matches):
            kind, key = "emg", "emg"
            chans = []
            for j, ((lbl, unit), m) in enumerate(zip(labels, matches)):
                scale = _EMG_UNITS_V.get(unit.lower()) if unit else 1.0
                if scale is None:
                    notes.append(f"{name}/{lbl}: unit {unit!r} is not a voltage; kept as it is")
                    scale = 1.0
                values[:, j] *= scale
                chans.append(ChannelInfo(lbl, kind="emg", unit="V", muscle=m.muscle, side=m.side))
                recognition[lbl] = m.reason
        else:
            kind, key = "analog", _safe_name(name)
            chans = [ChannelInfo(lbl, kind="analog", unit=unit or "a.u.") for lbl, unit in labels]
        stream_name, k = key, 2
        while stream_name in out:
            stream_name, k = f"{key}{k}", k + 1
        eff = float(info.get("effective_srate") or 0) or None
        if ts.size > 2:
            measured = eff or 1.0 / float(np.median(np.diff(ts)))  # pyxdf's fit over the clock segments
            if abs(measured / fs - 1.0) > 0.005:
                notes.append(f"XDF stream {name!r}: nominal rate {fs:g} Hz, but its time stamps are "
                             f"{measured:.4g} Hz apart; the measured rate is used")
                fs = measured
        data, gaps, dropped = _grid(ts, values, fs, t0)
        if len(gaps):
            notes.append(f"XDF stream {name!r}: {int(gaps[:, 1].sum())} samples missing in {len(gaps)} gaps (NaN rows)")
        if dropped:
            notes.append(f"XDF stream {name!r}: {dropped} samples overlapping earlier ones after the clock "
                         "correction were dropped")
        out[stream_name] = StreamData(stream_name, fs, tuple(chans), data, gaps=gaps, actual_fs_hz=eff)
        log.info("XDF stream %r (%s) -> %r: %d ch @ %g Hz", name, stype or kind, stream_name, n_ch, fs)
    for text in notes:
        log.warning("%s: %s", path.name, text)
    metadata: dict[str, Any] = {"source_format": "xdf", "source_file": path.name, "channel_recognition": recognition,
                                "xdf_t0_s": t0}
    if notes:
        metadata["import_notes"] = notes
    return Recording(out, Subject(path.stem), events, device="xdf (LabRecorder)", metadata=metadata, path=path)

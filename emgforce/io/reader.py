"""Read an emgforce HDF5 session into a :class:`~emgforce.io.recording.Recording`.

Every way a file can be unusable (not HDF5, truncated, another major
version, a dataset missing or of the wrong type/shape) raises a
:class:`~emgforce.errors.RecordingFormatError` saying what to do. A file whose
writer is still running, or was killed, is read through SWMR up to the
writer's last flush.
"""

from __future__ import annotations

__all__ = ["open_h5", "read_recording"]

import contextlib
import json
import logging
import os
from datetime import datetime
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from emgforce.streams import ChannelInfo
from emgforce.errors import (RecordingError, RecordingFormatError, RecordingIntegrityError, RecordingNotFoundError,
                             UnsafeRecordingError)
from emgforce.io import format as fmt
from emgforce.io import h5read
from emgforce.io.chunks import read_float64
from emgforce.io.lazy import StoredRows
from emgforce.io.recording import Event, Recording, StreamData, Subject

log = logging.getLogger(__name__)


def read_recording(path: str | Path, *, streams: Sequence[str] | None = None, load_data: bool = True,
                   lazy: bool = False) -> Recording:
    """Read a recording file into memory.

    Parameters
    ----------
    path : str or Path
        An ``.h5`` file written by :class:`emgforce.io.RecordingWriter`.
    streams : sequence of str, optional
        Read only these streams (default: all).
    load_data : bool
        False reads everything but the samples: each ``StreamData.data`` is then
        a read-only all-NaN array of the right shape (zero memory), for
        summaries of large files such as ``emgforce info``.
    lazy : bool
        True leaves the samples in the file: each ``StreamData.data`` is then a
        :class:`~emgforce.io.lazy.StoredRows` that reads only the time window it
        is sliced with (``data[a:b]``, ``data[a:b, cols]``), equal to the same rows
        read eagerly; for long sessions analysed window by window.

    Returns
    -------
    Recording
        Stream data in physical units on each stream's sample grid (NaN rows in
        gaps), subject, events, metadata; ``complete`` is False if the writer
        never closed the file (it may still be writing, or it was killed).

    Raises
    ------
    RecordingNotFoundError, RecordingFormatError, RecordingVersionError
    """
    path = Path(path)
    if not path.exists():
        raise RecordingNotFoundError(f"{path} does not exist")
    if path.is_dir():
        raise RecordingFormatError(f"{path} is a directory; give the path of a recording file (.h5)")
    with open_h5(path) as f:
        return _read(f, path, streams, load_data, lazy)


@contextlib.contextmanager
def _reading(path: Path, what: str):
    """Turn low-level failures while reading ``what`` into a RecordingFormatError."""
    try:
        yield
    except RecordingError:
        raise
    except (OSError, KeyError, ValueError, TypeError, IndexError, RuntimeError) as exc:
        # a checksum of HDF5's metadata, or our only filter (Fletcher-32) failing on a chunk
        if any(t in str(exc).lower() for t in ("checksum", "filter returned failure")):
            raise RecordingIntegrityError(
                f"{path}: {what} fails its checksum ({exc}); the file is damaged (bit rot or a bad copy): "
                f"copy it again from its source, or rescue the intact parts with `emgforce info --salvage OUT.h5 {path}`"
            ) from exc
        raise RecordingFormatError(
            f"{path}: cannot read {what} ({exc}); the file is damaged or was not written by emgforce"
        ) from exc


def open_h5(path: Path):
    """Open a file read-only, falling back to SWMR for a file a writer holds (or held when killed)."""
    h5py = fmt.h5py_module()

    def open_file(flags: int):  # h5py's low-level open, wrapped: a third cheaper than h5py.File(path)
        return h5py.File(h5py.h5f.open(os.fsencode(path), h5py.h5f.ACC_RDONLY | flags))

    try:
        return open_file(0)
    except OSError as exc:
        msg = str(exc)
    if "already open for write" in msg or "consistency flags" in msg:
        fmt.check_not_truncated(path)
        try:
            return open_file(h5py.h5f.ACC_SWMR_READ)
        except OSError as exc:
            raise RecordingFormatError(
                f"{path} is open for writing without SWMR (or its writer crashed): wait for the writer to finish; "
                f"after a crash, run `h5clear -s {path}` and try again ({exc})"
            ) from exc
    if "signature" in msg:
        raise RecordingFormatError(
            f"{path} is not an HDF5 file; emgforce recordings are HDF5 files written by `emgforce record` "
            "(for a C3D file use `emgforce convert`)"
        )
    if "truncated" in msg:
        raise RecordingFormatError(
            f"{path} is truncated ({msg}); the copy is incomplete or the disk was full: copy it again from its source, "
            "or rescue its readable part with `emgforce info --salvage OUT.h5`"
        )
    if "lock" in msg:
        raise RecordingError(f"{path} is locked by another process ({msg}); close the program using it and retry")
    raise RecordingFormatError(f"{path} cannot be opened as HDF5 ({msg})")


def _read(f, path: Path, wanted: Sequence[str] | None, load_data: bool, lazy: bool) -> Recording:
    # h5py's low-level API throughout (emgforce.io.h5read): the header of a short file
    # otherwise costs more than its samples
    fid = f.id
    with _reading(path, "the root header"):
        version = h5read.attribute(fid, fmt.VERSION_ATTR, None)
    if version is None:
        raise RecordingFormatError(
            f"{path} is an HDF5 file but not an emgforce recording (no {fmt.VERSION_ATTR!r} attribute); "
            "read it with h5py, or build a Recording from its arrays and save it with emgforce.io.write_recording"
        )
    with _reading(path, "the root header"):
        version = fmt.check_version(_text(version), str(path))
        fmt.refuse_external_links(f, path)
        parts = {}
        for name, kind in ((fmt.STREAMS, "group"), (fmt.SUBJECT, "group"), (fmt.EVENTS, "dataset"),
                           (fmt.STATUS, "dataset")):
            parts[name] = _dataset(fid, name, path) if kind == "dataset" else h5read.child(fid, name, kind)
            if parts[name] is None:
                raise RecordingFormatError(
                    f"{path}: missing {kind} /{name}; the file is incomplete or was not written by emgforce "
                    "(see docs/format.md)"
                )
    with _reading(path, "the status table"):
        status = _read_status(parts[fmt.STATUS], path)
    with _reading(path, "the session attributes"):
        start_time = _parse_time(h5read.attribute(fid, "start_time", None))
        device = _text(h5read.attribute(fid, "device", b""))
    with _reading(path, "/subject"):
        subject = _read_subject(parts[fmt.SUBJECT])
    with _reading(path, "/events"):
        events = _read_events(parts[fmt.EVENTS], path)
    metadata: dict[str, Any] = {}
    with _reading(path, "/metadata"):
        group = _group_if_present(fid, fmt.METADATA, path)
        if group is not None and not h5read.is_empty(group):
            metadata = fmt.read_dict(f[fmt.METADATA])
    metadata.update({k: v for k, v in status.items() if k not in (fmt.END_REASON, fmt.COMPLETE)})
    with _reading(path, "/streams"):
        available = h5read.names(parts[fmt.STREAMS])
    unknown = [n for n in (wanted or ()) if n not in available]
    if unknown:
        raise KeyError(f"{path} has no stream(s) {unknown}; it has {available}")
    streams = {}
    for name in available if wanted is None else wanted:
        with _reading(path, f"stream {name!r}"):
            group = h5read.child(parts[fmt.STREAMS], name, "group")
            if group is None:
                raise RecordingFormatError(f"{path}: /{fmt.STREAMS}/{name} is not a group; see docs/format.md")
            streams[name] = _read_stream(group, name, path, load_data, lazy)
    complete = status.get(fmt.COMPLETE) is True
    if not complete:
        log.warning("%s was not closed by its writer (still recording, or killed): read up to its last flush", path)
    return Recording(
        streams,
        subject,
        events,
        start_time=start_time,
        device=device,
        metadata=metadata,
        path=path,
        format_version=version,
        end_reason=status.get(fmt.END_REASON),
        complete=complete,
    )


def _texts(values: np.ndarray) -> list[str]:
    """An attribute array as a list of text (decoded as a list: element-wise indexing costs more)."""
    if values.dtype.kind == "S":
        return [v.decode("utf-8") for v in values.tolist()]
    return [fmt.decode_str(v) for v in values.tolist()]


def _text(value: Any) -> str:
    """An attribute read by :func:`h5read.attribute` as text (a 0-d bytes array, or a str)."""
    if isinstance(value, np.ndarray):
        value = value.item() if value.size == 1 else value.tolist()
    return fmt.decode_str(value)


def _group_if_present(parent, name: str, path: Path):
    """Group ``name`` below ``parent``, None if there is nothing of that name; anything else is an error."""
    if not parent.links.exists(name.encode()):
        return None
    gid = h5read.child(parent, name, "group")
    if gid is None:
        raise RecordingFormatError(f"{path}: {name!r} must be a group; see docs/format.md")
    return gid


def _dataset(parent, name: str, path: Path):
    """Dataset ``name`` below ``parent`` (None if absent or not a dataset); refused if it reads other files."""
    dsid = h5read.child(parent, name, "dataset")
    if dsid is not None:
        fmt.refuse_foreign_storage(dsid, path)
    return dsid


def _parse_time(value: Any) -> datetime | None:
    text = _text(value) if value is not None else ""
    return datetime.fromisoformat(text) if text else None


def _require_fields(table: np.ndarray, dtype: np.dtype, path: Path, where: str) -> None:
    names = table.dtype.names or ()
    missing = [n for n in dtype.names if n not in names]
    if missing or table.ndim != 1:
        raise RecordingFormatError(
            f"{path}: /{where} must be a 1-D table with fields {dtype.names}; got dtype {table.dtype}, "
            f"shape {table.shape}"
        )


def _read_status(dsid, path: Path) -> dict[str, Any]:
    rows = h5read.table(dsid)
    _require_fields(rows, fmt.STATUS_DTYPE, path, fmt.STATUS)
    return {fmt.decode_str(k): json.loads(fmt.decode_str(v)) for k, v in zip(rows["key"].tolist(), rows["value"].tolist())}


def _read_subject(gid) -> Subject:
    def number(key: str) -> float | None:
        value = float(h5read.attribute(gid, key, np.nan))
        return None if np.isnan(value) else value

    return Subject(
        id=_text(h5read.attribute(gid, "id")),
        body_mass_kg=number("body_mass_kg"),
        affected_side=_text(h5read.attribute(gid, "affected_side", b"")) or None,
        height_m=number("height_m"),
        notes=_text(h5read.attribute(gid, "notes", b"")),
    )


def _read_events(dsid, path: Path) -> list[Event]:
    rows = h5read.table(dsid)
    _require_fields(rows, fmt.EVENT_DTYPE, path, fmt.EVENTS)
    return [
        Event(fmt.decode_str(label), fmt.decode_str(kind), float(t))
        for label, kind, t in zip(rows["label"].tolist(), rows["kind"].tolist(), rows["time_s"].tolist())
    ]


def _table(gid, where: str, name: str, n_cols: int, kinds: str, path: Path) -> np.ndarray:
    dsid = _dataset(gid, name, path)
    if dsid is None:
        raise RecordingFormatError(f"{path}: missing dataset {where}/{name}; see docs/format.md")
    shape, dtype = dsid.shape, dsid.dtype
    if len(shape) != 2 or shape[1] != n_cols or dtype.kind not in kinds:
        raise RecordingFormatError(
            f"{path}: {where}/{name} must be an (n, {n_cols}) numeric table, got shape {shape} dtype {dtype}"
        )
    return h5read.table(dsid)


def _read_stream(gid, name: str, path: Path, load_data: bool = True, lazy: bool = False) -> StreamData:
    group = f"/{fmt.STREAMS}/{name}"
    where = f"{group}/{fmt.DATA}"
    dsid = _dataset(gid, fmt.DATA, path)
    if dsid is None:
        raise RecordingFormatError(f"{path}: missing dataset {where}; see docs/format.md")
    shape, dtype = dsid.shape, dsid.dtype
    if len(shape) != 2 or dtype.kind not in "iuf":
        raise RecordingFormatError(
            f"{path}: {where} must be a 2-D numeric (n_samples, n_channels) dataset, got shape {shape} dtype {dtype}"
        )
    n_ch = shape[1]
    # the data extent first, then the tables: the writer stores a gap before the data after
    # it, so a file still being written never shows data whose gap is not yet visible
    n_stored = shape[0]
    data = read_float64(dsid, 0, n_stored) if load_data and not lazy else None
    attrs = {}
    for key in fmt.CHANNEL_ATTRS:
        value = h5read.attribute(dsid, key, None)
        if value is None:
            raise RecordingFormatError(f"{path}: {where} lacks the {key!r} attribute; see docs/format.md")
        values = np.atleast_1d(value)
        if len(values) != n_ch:
            raise RecordingFormatError(f"{path}: {where} attribute {key!r} has {len(values)} entries for {n_ch} channels")
        attrs[key] = values
    text = {key: _texts(attrs[key]) for key in fmt.CHANNEL_ATTRS[:5]}
    conversion, offset = attrs["conversion"].astype(np.float64), attrs["offset"].astype(np.float64)
    channels = tuple(
        ChannelInfo(name=name, kind=kind, unit=unit, muscle=muscle or None, side=side or None, conversion=c, offset=o)
        for name, kind, unit, muscle, side, c, o in zip(
            text["channel_names"], text["kind"], text["unit"], text["muscle"], text["side"],
            conversion.tolist(), offset.tolist(), strict=True)
    )
    fs_hz = h5read.attribute(dsid, "fs_hz", None)
    if fs_hz is None:
        raise RecordingFormatError(f"{path}: {where} lacks the 'fs_hz' attribute; see docs/format.md")
    fs_hz = float(fs_hz)
    actual = float(h5read.attribute(dsid, "actual_fs_hz", np.nan))
    gaps = _table(gid, group, fmt.GAPS, 2, "iu", path).astype(np.int64)
    clock = _table(gid, group, fmt.CLOCK, 3, "f", path).astype(np.float64)
    if data is not None:
        if np.any(conversion != 1.0):
            data *= conversion
        if np.any(offset != 0.0):
            data += offset
    if lazy and load_data:
        gaps = _valid_gaps(gaps, n_stored, where, path, fs_hz)
        data = StoredRows(path, where, n_stored, gaps, attrs["conversion"], attrs["offset"])
    elif load_data:
        data, gaps = _to_grid(data, gaps, where, path, fs_hz)
    else:
        gaps = _valid_gaps(gaps, n_stored, where, path, fs_hz)
        data = np.broadcast_to(np.nan, (n_stored + int(gaps[:, 1].sum()), n_ch))
    clock = clock[clock[:, 0] < max(len(data), 1)]
    plate_id = _group_if_present(gid, fmt.PLATE, path)
    plate = None if plate_id is None else fmt.read_dict(fmt.h5py_module().Group(plate_id))
    return StreamData(
        name=name,
        fs_hz=fs_hz,
        channels=channels,
        data=data,
        plate=plate,
        gaps=gaps,
        clock=clock,
        start_time=_parse_time(h5read.attribute(dsid, "start_time", None)),
        dtype=str(dtype),
        actual_fs_hz=None if np.isnan(actual) else actual,
    )


def _to_grid(received: np.ndarray, gaps: np.ndarray, where: str, path: Path, fs_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """Place the contiguous received rows on the sample grid, NaN in the gaps.

    Gap rows that point past the stored data (written before a crash cut the
    data short) are dropped: the samples they follow were never stored.
    """
    gaps = _valid_gaps(gaps, len(received), where, path, fs_hz)
    if not len(gaps):
        return received, gaps
    total = len(received) + int(gaps[:, 1].sum())
    grid = np.full((total, received.shape[1]), np.nan)
    mask = np.ones(total, dtype=bool)
    for start, n in gaps:
        mask[start : start + n] = False
    grid[mask] = received
    return grid, gaps


def _valid_gaps(gaps: np.ndarray, n_stored: int, where: str, path: Path, fs_hz: float) -> np.ndarray:
    """Sorted gap rows, checked; rows pointing past the ``n_stored`` stored samples dropped."""
    if not len(gaps):
        return gaps
    order = np.argsort(gaps[:, 0], kind="stable")
    gaps = gaps[order]
    if gaps[0, 0] < 0 or np.any(gaps[:, 1] <= 0) or np.any(gaps[1:, 0] < gaps[:-1].sum(axis=1)):
        raise RecordingFormatError(f"{path}: the gap table of {where} has negative, empty or overlapping gaps; the file is damaged")
    total = int(gaps[:, 1].sum())
    if total > fmt.MAX_MISSING_RATIO * max(n_stored, 1) and total > fmt.MAX_MISSING_S * fs_hz:
        raise UnsafeRecordingError(
            f"{path}: the gap table of {where} claims {total} lost samples for {n_stored} stored ones (more than "
            f"{fmt.MAX_MISSING_S:g} s and {fmt.MAX_MISSING_RATIO:g} times the data); the table is damaged or forged"
        )
    missing_before = np.concatenate(([0], np.cumsum(gaps[:, 1])[:-1]))
    row_of_gap = gaps[:, 0] - missing_before
    keep = row_of_gap <= n_stored
    if not keep.all():
        log.info("%s: %d gap rows point past the stored data (written ahead of it by a running or killed writer)", where, (~keep).sum())
    return gaps[keep]

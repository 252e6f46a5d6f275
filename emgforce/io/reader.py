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
from datetime import datetime
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from emgforce.streams import ChannelInfo
from emgforce.errors import (RecordingError, RecordingFormatError, RecordingIntegrityError, RecordingNotFoundError,
                             UnsafeRecordingError)
from emgforce.io import format as fmt
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
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        msg = str(exc)
    if "already open for write" in msg or "consistency flags" in msg:
        fmt.check_not_truncated(path)
        try:
            return h5py.File(path, "r", swmr=True)
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
    h5py = fmt.h5py_module()
    with _reading(path, "the root header"):
        is_ours = fmt.VERSION_ATTR in f.attrs
    if not is_ours:
        raise RecordingFormatError(
            f"{path} is an HDF5 file but not an emgforce recording (no {fmt.VERSION_ATTR!r} attribute); "
            "read it with h5py, or build a Recording from its arrays and save it with emgforce.io.write_recording"
        )
    with _reading(path, "the root header"):
        version = fmt.check_version(f.attrs[fmt.VERSION_ATTR], str(path))
        refuse_unsafe(f, path)
        for name, kind in (
            (fmt.STREAMS, h5py.Group),
            (fmt.SUBJECT, h5py.Group),
            (fmt.EVENTS, h5py.Dataset),
            (fmt.STATUS, h5py.Dataset),
        ):
            if not isinstance(f.get(name), kind):
                raise RecordingFormatError(
                    f"{path}: missing {'group' if kind is h5py.Group else 'dataset'} /{name}; the file is incomplete "
                    "or was not written by emgforce (see docs/format.md)"
                )
    with _reading(path, "the status table"):
        status = _read_status(f[fmt.STATUS], path)
    with _reading(path, "the session attributes"):
        start_time = _parse_time(f.attrs.get("start_time"))
        device = fmt.decode_str(f.attrs.get("device", b""))
    with _reading(path, "/subject"):
        subject = _read_subject(f[fmt.SUBJECT])
    with _reading(path, "/events"):
        events = _read_events(f[fmt.EVENTS], path)
    metadata: dict[str, Any] = {}
    if fmt.METADATA in f:
        with _reading(path, "/metadata"):
            metadata = fmt.read_dict(f[fmt.METADATA])
    metadata.update({k: v for k, v in status.items() if k not in (fmt.END_REASON, fmt.COMPLETE)})
    with _reading(path, "/streams"):
        available = list(f[fmt.STREAMS])
    unknown = [n for n in (wanted or ()) if n not in available]
    if unknown:
        raise KeyError(f"{path} has no stream(s) {unknown}; it has {available}")
    streams = {}
    for name in available if wanted is None else wanted:
        with _reading(path, f"stream {name!r}"):
            streams[name] = _read_stream(f[fmt.STREAMS][name], name, path, load_data, lazy)
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


def refuse_unsafe(f, path: Path) -> None:
    """Refuse files whose datasets read other files: external storage, virtual datasets, external links.

    Any of them would make emgforce read (and export) whatever local file the
    author pointed them at; emgforce never writes them.
    """
    h5py = fmt.h5py_module()
    h5d, h5l = h5py.h5d, h5py.h5l

    # h5py's low-level API: a third of the time of visititems_links + f.get (~0.1 vs 0.35 ms a file)
    def problem(name: bytes, info) -> str | None:  # a non-None return stops the visit (raising inside it cannot)
        if info.type == h5l.TYPE_EXTERNAL:
            filename = f.id.links.get_val(name)[0].decode("utf-8", "replace")
            return f"/{name.decode('utf-8', 'replace')} is a link into another file ({filename}); refused"
        if info.type == h5l.TYPE_HARD:
            obj = h5py.h5o.open(f.id, name)
            if isinstance(obj, h5d.DatasetID):
                dcpl = obj.get_create_plist()
                external = dcpl.get_external_count() > 0
                if external or dcpl.get_layout() == h5d.VIRTUAL:
                    what = "external storage" if external else "a virtual dataset"
                    return (f"/{name.decode('utf-8', 'replace')} uses {what}, which reads other files; emgforce never "
                            "writes it and refuses to read it from an untrusted file")
        return None

    found = f.id.links.visit(problem, info=True)
    if found:
        raise UnsafeRecordingError(f"{path}: {found}")


def _parse_time(value: Any) -> datetime | None:
    text = fmt.decode_str(value) if value is not None else ""
    return datetime.fromisoformat(text) if text else None


def _require_fields(ds, dtype: np.dtype, path: Path) -> None:
    names = ds.dtype.names or ()
    missing = [n for n in dtype.names if n not in names]
    if missing or ds.ndim != 1:
        raise RecordingFormatError(
            f"{path}: /{ds.name.lstrip('/')} must be a 1-D table with fields {dtype.names}; got dtype {ds.dtype}, "
            f"shape {ds.shape}"
        )


def _read_status(ds, path: Path) -> dict[str, Any]:
    _require_fields(ds, fmt.STATUS_DTYPE, path)
    status: dict[str, Any] = {}
    for row in ds[()]:
        status[fmt.decode_str(row["key"])] = json.loads(fmt.decode_str(row["value"]))
    return status


def _read_subject(g) -> Subject:
    a = g.attrs
    if "id" not in a:
        raise KeyError("subject id attribute")

    def number(key: str) -> float | None:
        value = float(a.get(key, np.nan))
        return None if np.isnan(value) else value

    return Subject(
        id=fmt.decode_str(a["id"]),
        body_mass_kg=number("body_mass_kg"),
        affected_side=fmt.decode_str(a.get("affected_side", b"")) or None,
        height_m=number("height_m"),
        notes=fmt.decode_str(a.get("notes", b"")),
    )


def _read_events(ds, path: Path) -> list[Event]:
    _require_fields(ds, fmt.EVENT_DTYPE, path)
    return [
        Event(fmt.decode_str(r["label"]), fmt.decode_str(r["kind"]), float(r["time_s"])) for r in ds[()]
    ]


def _table(group, name: str, n_cols: int, kinds: str, path: Path) -> np.ndarray:
    if name not in group:
        raise RecordingFormatError(f"{path}: missing dataset {group.name}/{name}; see docs/format.md")
    ds = group[name]
    if ds.ndim != 2 or ds.shape[1] != n_cols or ds.dtype.kind not in kinds:
        raise RecordingFormatError(
            f"{path}: {ds.name} must be an (n, {n_cols}) numeric table, got shape {ds.shape} dtype {ds.dtype}"
        )
    return ds[()]


def _read_stream(group, name: str, path: Path, load_data: bool = True, lazy: bool = False) -> StreamData:
    if fmt.DATA not in group:
        raise RecordingFormatError(f"{path}: missing dataset {group.name}/{fmt.DATA}; see docs/format.md")
    ds = _open_uncached(group, fmt.DATA)
    if ds.ndim != 2 or ds.dtype.kind not in "iuf":
        raise RecordingFormatError(
            f"{path}: {ds.name} must be a 2-D numeric (n_samples, n_channels) dataset, got shape {ds.shape} "
            f"dtype {ds.dtype}"
        )
    n_ch = ds.shape[1]
    a = ds.attrs
    attrs = {}
    for key in fmt.CHANNEL_ATTRS:
        if key not in a:
            raise RecordingFormatError(f"{path}: {ds.name} lacks the {key!r} attribute; see docs/format.md")
        values = np.atleast_1d(a[key])
        if len(values) != n_ch:
            raise RecordingFormatError(
                f"{path}: {ds.name} attribute {key!r} has {len(values)} entries for {n_ch} channels"
            )
        attrs[key] = values
    # decoded as lists: indexing the attribute arrays element by element cost more than the decoding
    text = {key: [fmt.decode_str(v) for v in attrs[key].tolist()] for key in fmt.CHANNEL_ATTRS[:5]}
    conversion, offset = attrs["conversion"].astype(np.float64), attrs["offset"].astype(np.float64)
    channels = tuple(
        ChannelInfo(name=name, kind=kind, unit=unit, muscle=muscle or None, side=side or None, conversion=c, offset=o)
        for name, kind, unit, muscle, side, c, o in zip(
            text["channel_names"], text["kind"], text["unit"], text["muscle"], text["side"],
            conversion.tolist(), offset.tolist(), strict=True)
    )
    if "fs_hz" not in a:
        raise RecordingFormatError(f"{path}: {ds.name} lacks the 'fs_hz' attribute; see docs/format.md")
    fs_hz = float(a["fs_hz"])
    actual = float(a.get("actual_fs_hz", np.nan))

    # the data extent first, then the tables: the writer stores a gap before the data after
    # it, so a file still being written never shows data whose gap is not yet visible
    n_stored = ds.shape[0]
    if load_data and not lazy:
        data = _read_float64(ds, n_stored)
        if np.any(conversion != 1.0):
            data *= conversion
        if np.any(offset != 0.0):
            data += offset
    gaps = _table(group, fmt.GAPS, 2, "iu", path).astype(np.int64)
    clock = _table(group, fmt.CLOCK, 3, "f", path).astype(np.float64)
    if lazy and load_data:
        gaps = _valid_gaps(gaps, n_stored, ds.name, path, fs_hz)
        data = StoredRows(path, ds.name, n_stored, gaps, attrs["conversion"], attrs["offset"])
    elif load_data:
        data, gaps = _to_grid(data, gaps, ds.name, path, fs_hz)
    else:
        gaps = _valid_gaps(gaps, n_stored, ds.name, path, fs_hz)
        data = np.broadcast_to(np.nan, (n_stored + int(gaps[:, 1].sum()), n_ch))
    clock = clock[clock[:, 0] < max(len(data), 1)]
    plate = fmt.read_dict(group[fmt.PLATE]) if fmt.PLATE in group else None
    return StreamData(
        name=name,
        fs_hz=fs_hz,
        channels=channels,
        data=data,
        plate=plate,
        gaps=gaps,
        clock=clock,
        start_time=_parse_time(a.get("start_time")),
        dtype=str(ds.dtype),
        actual_fs_hz=None if np.isnan(actual) else actual,
    )


_SLAB_BYTES = 4 * 2**20


def _open_uncached(group, name: str):
    """Dataset ``name`` of ``group`` opened without HDF5's chunk cache.

    Its chunks are then read once each, whole and in order, so the cache (8 MB by
    default) would only add a copy of each chunk: ~5 % of a data-dominated read.
    """
    h5py = fmt.h5py_module()
    dapl = h5py.h5p.create(h5py.h5p.DATASET_ACCESS)
    dapl.set_chunk_cache(0, 0, 1.0)
    return h5py.Dataset(h5py.h5d.open(group.id, name.encode(), dapl))


def _read_float64(ds, n_rows: int) -> np.ndarray:
    """The first ``n_rows`` of ``ds`` as float64, read in whole chunks and converted by numpy.

    HDF5's own conversion (``ds.astype``) ran ~1.9x slower than numpy's; a slab of a few
    MB, reused, stays in cache between the read and the conversion, and keeps the extra
    memory small (a whole-file float32 copy would add half the result). The reads go
    through h5py's low-level API (no selection objects built per slab).
    """
    h5s = fmt.h5py_module().h5s
    n_ch = ds.shape[1]
    out = np.empty((n_rows, n_ch), dtype=np.float64)
    if not (n_rows and n_ch):
        return out
    file_space = ds.id.get_space()
    if ds.dtype == np.float64:
        file_space.select_hyperslab((0, 0), (n_rows, n_ch))
        ds.id.read(h5s.create_simple((n_rows, n_ch)), file_space, out)
        return out
    rows = ds.chunks[0] if ds.chunks else 1
    step = rows * max(1, _SLAB_BYTES // (rows * n_ch * ds.dtype.itemsize))
    buf = np.empty((min(step, n_rows), n_ch), dtype=ds.dtype)
    for a in range(0, n_rows, step):
        b = min(n_rows, a + step)
        file_space.select_hyperslab((a, 0), (b - a, n_ch))
        slab = buf[: b - a]  # leading rows: C-contiguous, exactly the selection's size
        ds.id.read(h5s.create_simple(slab.shape), file_space, slab)
        out[a:b] = slab
    return out


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

"""Write a session into the HDF5 format: :class:`RecordingWriter` and :func:`write_recording`.

Crash safety comes from SWMR: every object is created before ``swmr_mode`` is
switched on, afterwards only datasets grow, and :meth:`RecordingWriter.flush`
leaves a file that any reader (or a reader after a crash of the writer) sees
complete up to that flush. Samples are buffered per stream in chunk-aligned
blocks so that appends are a memcpy and disk writes are whole chunks.
"""

from __future__ import annotations

__all__ = ["RecordingWriter", "write_recording"]

import dataclasses
import json
import logging
import math
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from emgforce.streams import Block, Marker, StreamInfo
from emgforce import __version__
from emgforce.errors import RecordingError, RecordingExistsError, RecordingWriteError
from emgforce.io import format as fmt
from emgforce.io.recording import Recording, Subject

log = logging.getLogger(__name__)

_MAX_CHUNK_BYTES = 8 * 2**20


def _iso_utc(t: datetime) -> str:
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.astimezone(timezone.utc).isoformat()


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, datetime):
        return _iso_utc(value)
    raise TypeError(f"cannot store a {type(value).__name__} in the status table; use numbers, strings, lists or dicts")


class _StreamState:
    """Datasets, chunk-aligned sample buffer and pending table rows of one stream."""

    def __init__(self, info: StreamInfo, group, chunk_rows: int) -> None:
        self.info = info
        self.dtype = np.dtype(info.dtype)
        self.data = group[fmt.DATA]
        self.gaps = group[fmt.GAPS]
        self.clock = group[fmt.CLOCK]
        self.buffer = np.empty((chunk_rows, info.n_channels), dtype=self.dtype)
        self.n_buffered = 0  # rows of buffer in use
        self.buffer_row = 0  # dataset row of buffer[0]; always a multiple of chunk_rows
        self.next_index = 0  # stream sample index expected next
        self.pending_gaps: list[tuple[int, int]] = []
        self.pending_clock: list[tuple[float, float, float]] = []
        self.overrun_blocks = 0

    def push(self, rows: np.ndarray) -> None:
        """Copy rows into the buffer, writing every chunk that fills up."""
        pos, n, size = 0, len(rows), len(self.buffer)
        while pos < n:
            take = min(size - self.n_buffered, n - pos)
            self.buffer[self.n_buffered : self.n_buffered + take] = rows[pos : pos + take]
            self.n_buffered += take
            pos += take
            if self.n_buffered == size:
                self.write_gaps()
                self.write_buffer()
                self.buffer_row += size
                self.n_buffered = 0

    def write_buffer(self) -> None:
        """Write the buffered rows (a whole chunk, or the head of one on flush)."""
        end = self.buffer_row + self.n_buffered
        if end > self.data.shape[0]:
            self.data.resize(end, axis=0)
        if self.n_buffered:
            self.data[self.buffer_row : end] = self.buffer[: self.n_buffered]

    def write_gaps(self) -> None:
        """Write pending gap rows and push them to disk *before* any data that follows them.

        A reader (or a reader after a crash) may then see a gap without the
        data after it (harmless: it is dropped as beyond the data), but never
        data after a gap without the gap, which would shift those samples.
        """
        if self.pending_gaps:
            _append_rows(self.gaps, self.pending_gaps, np.int64)
            self.gaps.flush()

    def write_clock(self) -> None:
        if self.pending_clock:
            _append_rows(self.clock, self.pending_clock, np.float64)


def _append_rows(ds, rows: list, dtype) -> None:
    n0 = ds.shape[0]
    ds.resize(n0 + len(rows), axis=0)
    ds[n0:] = np.asarray(rows, dtype=dtype)
    rows.clear()


class RecordingWriter:
    """Append blocks, events and gaps of one session to a new HDF5 file.

    Parameters
    ----------
    path : str or Path
        Output file; refused if it exists unless ``overwrite``.
    streams : sequence of emgforce.streams.StreamInfo
        Every stream that will be appended (objects cannot be added once SWMR starts).
    subject : Subject
    overwrite : bool
        Replace an existing file.
    swmr : bool
        Switch on SWMR so readers can follow the file live and a killed writer
        leaves a readable file (recommended; ``False`` only for one-shot writes).
    start_time : datetime or None
        UTC time of sample 0 (default: now). A naive datetime is taken as UTC.
    device : str
        Name of the acquisition device.
    metadata : dict or None
        Free-form session metadata (numbers, strings, arrays, nested dicts).
    chunk_s : float
        Chunk length in seconds of data (capped at 8 MiB per chunk); also the
        size of the in-memory buffer per stream.

    Notes
    -----
    The data are durable (visible to readers and survive a crash of this
    process) only after :meth:`flush` or :meth:`close`. A block whose
    ``first_index`` jumps ahead of the expected next index records a gap
    ``(expected, first_index - expected)``; nothing is padded in the file (see
    ``docs/format.md``). Use as a context manager: an exception closes the file
    with ``end_reason = "error: ..."``. Not thread-safe: use it from one thread.
    """

    def __init__(
        self,
        path: str | Path,
        streams: Sequence[StreamInfo],
        subject: Subject,
        *,
        overwrite: bool = False,
        swmr: bool = True,
        start_time: datetime | None = None,
        device: str = "",
        metadata: dict[str, Any] | None = None,
        chunk_s: float = 1.0,
    ) -> None:
        h5py = fmt.h5py_module()
        self.path = Path(path)
        _check_streams(streams)
        if not isinstance(subject, Subject):
            raise TypeError(f"subject must be an emgforce.io.Subject, got {type(subject).__name__}")
        if not (math.isfinite(chunk_s) and chunk_s > 0):
            raise ValueError(f"chunk_s must be positive, got {chunk_s!r}")
        # everything that could fail is checked before an existing file is replaced
        fmt.check_dict(metadata or {})
        for s in streams:
            fmt.check_dict(s.plate or {})
        if self.path.is_dir():
            raise RecordingExistsError(f"{self.path} is a directory; give a file name such as {self.path / 'session.h5'}")
        if self.path.exists() and not overwrite:
            raise RecordingExistsError(f"{self.path} exists; choose another name or pass overwrite=True (--overwrite)")
        if not self.path.parent.is_dir():
            raise RecordingError(f"directory {self.path.parent} does not exist; create it first")
        self.start_time = start_time or datetime.now(timezone.utc)
        rows = {s.name: _chunk_rows(s, chunk_s) for s in streams}
        cache = 2 * sum(rows[s.name] * s.n_channels * np.dtype(s.dtype).itemsize for s in streams) + 2**20
        try:
            # 1.10 file format: the oldest with SWMR, so any HDF5 >= 1.10 reads the file
            # ("latest" would tie it to the newest library that wrote it)
            self._file = h5py.File(self.path, "w", libver=fmt.LIBVER, rdcc_nbytes=cache)
        except OSError as exc:
            raise RecordingError(f"cannot create {self.path}: {exc}; is it open in another program?") from exc
        self.closed = False
        self._pending_events: list[tuple[bytes, bytes, float]] = []
        self._pending_status: list[tuple[bytes, bytes]] = []
        try:
            self._create_layout(streams, subject, device, metadata or {}, rows)
            self._streams = {s.name: _StreamState(s, self._file[fmt.STREAMS][s.name], rows[s.name]) for s in streams}
            self._file.flush()
            if swmr:
                self._file.swmr_mode = True
        except BaseException:
            self._file.close()
            self.path.unlink(missing_ok=True)
            raise
        log.debug("recording to %s (streams %s, swmr=%s)", self.path, list(self._streams), swmr)

    # -- layout ---------------------------------------------------------------------

    def _create_layout(self, streams, subject: Subject, device: str, metadata: dict, rows: dict[str, int]) -> None:
        f = self._file
        start = _iso_utc(self.start_time)
        f.attrs[fmt.VERSION_ATTR] = np.bytes_(fmt.FORMAT_VERSION)
        f.attrs["emgforce_version"] = np.bytes_(__version__)
        f.attrs["start_time"] = np.bytes_(start)
        f.attrs["device"] = np.bytes_(device.encode("utf-8"))
        f.attrs["created_utc"] = np.bytes_(_iso_utc(datetime.now(timezone.utc)))

        sub = f.create_group(fmt.SUBJECT)
        sub.attrs["id"] = np.bytes_(subject.id.encode("utf-8"))
        for key in ("body_mass_kg", "height_m"):
            value = getattr(subject, key)
            sub.attrs[key] = np.nan if value is None else float(value)
        sub.attrs["affected_side"] = np.bytes_((subject.affected_side or "").encode("utf-8"))
        sub.attrs["notes"] = np.bytes_(subject.notes.encode("utf-8"))

        fmt.write_dict(f.create_group(fmt.METADATA), metadata)
        f.create_dataset(fmt.EVENTS, shape=(0,), maxshape=(None,), chunks=(256,), dtype=fmt.EVENT_DTYPE)
        f.create_dataset(fmt.STATUS, shape=(0,), maxshape=(None,), chunks=(32,), dtype=fmt.STATUS_DTYPE)

        group = f.create_group(fmt.STREAMS)
        for s in streams:
            g = group.create_group(s.name)
            n = s.n_channels
            ds = g.create_dataset(fmt.DATA, shape=(0, n), maxshape=(None, n), chunks=(rows[s.name], n), dtype=s.dtype)
            ds.attrs["fs_hz"] = float(s.fs_hz)
            ds.attrs["actual_fs_hz"] = np.nan if s.actual_fs_hz is None else float(s.actual_fs_hz)
            ds.attrs["start_time"] = np.bytes_(start)
            ch = s.channels
            ds.attrs["channel_names"] = fmt.fixed_str_array([c.name for c in ch])
            ds.attrs["kind"] = fmt.fixed_str_array([c.kind for c in ch])
            ds.attrs["unit"] = fmt.fixed_str_array([c.unit for c in ch])
            ds.attrs["muscle"] = fmt.fixed_str_array([c.muscle or "" for c in ch])
            ds.attrs["side"] = fmt.fixed_str_array([c.side or "" for c in ch])
            ds.attrs["conversion"] = np.array([c.conversion for c in ch], dtype=np.float64)
            ds.attrs["offset"] = np.array([c.offset for c in ch], dtype=np.float64)
            g.create_dataset(fmt.GAPS, shape=(0, 2), maxshape=(None, 2), chunks=(256, 2), dtype=np.int64)
            g.create_dataset(fmt.CLOCK, shape=(0, 3), maxshape=(None, 3), chunks=(1024, 3), dtype=np.float64)
            if s.plate is not None:
                fmt.write_dict(g.create_group(fmt.PLATE), s.plate)

    # -- appending --------------------------------------------------------------------

    def _state(self, stream: str) -> _StreamState:
        if self.closed:
            raise RecordingError(f"{self.path} is closed; open a new RecordingWriter")
        try:
            return self._streams[stream]
        except KeyError:
            raise RecordingWriteError(
                f"unknown stream {stream!r}; this recording was created with streams {list(self._streams)}"
            ) from None

    def append(self, block: Block) -> None:
        """Append a block of samples (validated first: a refused block changes nothing).

        Raises
        ------
        RecordingWriteError
            Unknown stream, wrong shape or dtype, or ``first_index`` before the
            next expected index (an overlap).
        """
        state = self._state(block.stream)
        data = self._check_block(state, block)
        try:
            host_time = float(block.host_time)
            device_time = np.nan if block.device_time is None else float(block.device_time)
        except (TypeError, ValueError):
            raise RecordingWriteError(
                f"stream {block.stream!r}: host_time/device_time must be numbers, got "
                f"{block.host_time!r}/{block.device_time!r}"
            ) from None
        first = int(block.first_index)
        jump = first - state.next_index
        if block.missing and block.missing != jump:
            log.warning(
                "stream %r: block reports %d missing samples but its index advanced by %d; the index is kept",
                block.stream,
                block.missing,
                jump,
            )
        if jump:
            state.pending_gaps.append((state.next_index, jump))
            log.info("stream %r: %d samples missing at index %d", block.stream, jump, state.next_index)
        if len(data):
            state.pending_clock.append((float(first), host_time, device_time))
        state.overrun_blocks += bool(block.overrun)
        self._push(state, data, first)

    def _push(self, state: _StreamState, data: np.ndarray, first_index: int) -> None:
        state.push(data)
        state.next_index = first_index + len(data)

    @staticmethod
    def _check_block(state: _StreamState, block: Block) -> np.ndarray:
        data = np.asarray(block.data)
        info = state.info
        if data.ndim != 2 or data.shape[1] != info.n_channels:
            raise RecordingWriteError(
                f"stream {info.name!r}: block data must have shape (n_samples, {info.n_channels}), got {data.shape}"
            )
        if data.dtype.kind not in "iuf":
            raise RecordingWriteError(f"stream {info.name!r}: block dtype {data.dtype} is not a real number type")
        target = state.dtype
        if target.kind in "iu" and data.size:
            if data.dtype.kind == "f":
                raise RecordingWriteError(
                    f"stream {info.name!r} stores raw {target} samples; got {data.dtype} (convert in the driver)"
                )
            limits = np.iinfo(target)
            if not np.can_cast(data.dtype, target) and (data.min() < limits.min or data.max() > limits.max):
                raise RecordingWriteError(f"stream {info.name!r}: values outside the {target} range")
        index = int(block.first_index)
        if index < state.next_index:
            raise RecordingWriteError(
                f"stream {info.name!r}: block starts at sample {index} but samples up to {state.next_index - 1} "
                "are already written (overlap); the driver's sample counter went backwards"
            )
        return data

    def add_marker(self, marker: Marker) -> None:
        """Record a :class:`emgforce.streams.Marker` as an event."""
        self.add_event(marker.label, marker.kind, marker.time_s)

    def add_event(self, label: str, kind: str, time_s: float) -> None:
        """Record a trial start/stop or a mark at ``time_s`` seconds from the session start."""
        if self.closed:
            raise RecordingError(f"{self.path} is closed; open a new RecordingWriter")
        if kind not in fmt.EVENT_KINDS:
            raise RecordingWriteError(f"event kind must be one of {fmt.EVENT_KINDS}, got {kind!r}")
        if not math.isfinite(time_s):
            raise RecordingWriteError(f"event {label!r} has a non-finite time {time_s!r}")
        try:
            raw = fmt.encode_str(label, fmt.LABEL_BYTES, "event label")
        except ValueError as exc:
            raise RecordingWriteError(str(exc)) from None
        self._pending_events.append((raw, kind.encode(), float(time_s)))

    def add_gap(self, stream: str, sample_index: int, n_missing: int) -> None:
        """Record ``n_missing`` samples lost at ``sample_index``, the next index expected.

        The next block of the stream then starts at ``sample_index + n_missing``.
        """
        state = self._state(stream)
        sample_index, n_missing = int(sample_index), int(n_missing)
        if n_missing <= 0:
            raise RecordingWriteError(f"n_missing must be positive, got {n_missing}")
        if sample_index != state.next_index:
            raise RecordingWriteError(
                f"stream {stream!r}: a gap must start at the next expected sample {state.next_index}, got {sample_index}"
                " (gaps inside written data are impossible; a gap shown by a block's first_index is recorded already)"
            )
        state.pending_gaps.append((sample_index, n_missing))
        state.next_index += n_missing

    def set_attr(self, key: str, value: Any) -> None:
        """Record a session fact (end reason, overrun counts, ...): JSON-encodable, last value wins."""
        if self.closed:
            raise RecordingError(f"{self.path} is closed; open a new RecordingWriter")
        try:
            raw_key = fmt.encode_str(key, fmt.KEY_BYTES, "status key")
            raw_value = fmt.encode_str(json.dumps(value, default=_json_default), fmt.VALUE_BYTES, f"value of {key!r}")
        except (TypeError, ValueError) as exc:
            raise RecordingWriteError(str(exc)) from None
        self._pending_status.append((raw_key, raw_value))

    def next_index(self, stream: str) -> int:
        """Sample index the next block of ``stream`` is expected to start at."""
        return self._state(stream).next_index

    # -- flushing and closing ------------------------------------------------------

    def flush(self) -> None:
        """Write everything buffered and make it visible to readers (and durable across a crash)."""
        if self.closed:
            return
        for state in self._streams.values():
            state.write_gaps()
            state.write_buffer()
            state.write_clock()
        for name, rows, dtype in (
            (fmt.EVENTS, self._pending_events, fmt.EVENT_DTYPE),
            (fmt.STATUS, self._pending_status, fmt.STATUS_DTYPE),
        ):
            if rows:
                _append_rows(self._file[name], rows, dtype)
        self._file.flush()

    def close(self, reason: str = "completed") -> None:
        """Flush, record ``end_reason`` and ``complete``, and close the file (idempotent)."""
        if self.closed:
            return
        try:
            overruns = {name: s.overrun_blocks for name, s in self._streams.items() if s.overrun_blocks}
            if overruns:
                self.set_attr("overrun_blocks", overruns)
            self.set_attr(fmt.END_REASON, reason[: fmt.VALUE_BYTES // 2])
            self.set_attr(fmt.COMPLETE, True)
            self.flush()
        finally:
            self.closed = True
            self._file.close()
        log.debug("closed %s (%s)", self.path, reason)

    def __enter__(self) -> "RecordingWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is None:
            self.close()
        else:
            self.close(reason=f"error: {exc}" if str(exc) else f"error: {exc_type.__name__}")


def _chunk_rows(info: StreamInfo, chunk_s: float) -> int:
    row_bytes = info.n_channels * np.dtype(info.dtype).itemsize
    return int(max(1, min(round(chunk_s * info.fs_hz), _MAX_CHUNK_BYTES // row_bytes)))


def _check_streams(streams: Sequence[StreamInfo]) -> None:
    names = [s.name for s in streams]
    if not names:
        raise RecordingWriteError("a recording needs at least one stream")
    if len(set(names)) != len(names):
        raise RecordingWriteError(f"stream names must be unique, got {names}")
    for s in streams:
        if not isinstance(s, StreamInfo):
            raise TypeError(f"streams must be emgforce.streams.StreamInfo, got {type(s).__name__}")
        if not s.name or "/" in s.name or s.name == ".":
            raise RecordingWriteError(f"stream name {s.name!r} is not usable as an HDF5 group name")
        if not (math.isfinite(s.fs_hz) and s.fs_hz > 0):
            raise RecordingWriteError(f"stream {s.name!r}: fs_hz must be positive, got {s.fs_hz!r}")
        if not s.channels:
            raise RecordingWriteError(f"stream {s.name!r} has no channels")
        if len(set(s.channel_names)) != s.n_channels:
            raise RecordingWriteError(f"stream {s.name!r}: channel names must be unique, got {list(s.channel_names)}")
        try:
            kind = np.dtype(s.dtype).kind
        except TypeError:
            kind = "?"
        if kind not in "iuf":
            raise RecordingWriteError(f"stream {s.name!r}: dtype {s.dtype!r} is not a real number type (e.g. float32, int16)")


def write_recording(rec: Recording, path: str | Path, overwrite: bool = False) -> Path:
    """Write an in-memory :class:`Recording` (e.g. a C3D import) to an HDF5 file.

    Data are written as float64 physical values (channel ``conversion`` 1,
    ``offset`` 0); gap rows are dropped and the gap table rewritten, so reading
    the file back gives the same arrays, gaps, clock, events and metadata.
    """
    infos = [
        StreamInfo(
            name=s.name,
            fs_hz=s.fs_hz,
            channels=tuple(dataclasses.replace(c, conversion=1.0, offset=0.0) for c in s.channels),
            dtype="float64",
            actual_fs_hz=s.actual_fs_hz,
            plate=s.plate,
        )
        for s in rec.streams.values()
    ]
    path = Path(path)
    if path.exists() and not overwrite:
        raise RecordingExistsError(f"{path} exists; choose another name or pass overwrite=True (--overwrite)")
    # write beside the target and rename at the end: a failed conversion leaves no half file
    partial = path.with_name(path.name + ".partial")
    writer = RecordingWriter(
        partial,
        infos,
        rec.subject,
        overwrite=True,
        swmr=False,
        start_time=rec.start_time,
        device=rec.device,
        metadata=rec.metadata,
    )
    try:
        with writer:
            for s in rec.streams.values():
                _copy_stream(writer, s)
            for e in rec.events:
                writer.add_event(e.label, e.kind, e.time_s)
            writer.close(reason=rec.end_reason if rec.end_reason is not None else "completed")
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path


def _copy_stream(writer: RecordingWriter, s) -> None:
    """Append the received rows of a StreamData; the jumps between runs become its gaps."""
    state = writer._streams[s.name]
    idx = s.received_indices
    if len(idx):
        breaks = np.flatnonzero(np.diff(idx) > 1) + 1
        for run in np.split(idx, breaks):
            first = int(run[0])
            if first > state.next_index:
                writer.add_gap(s.name, state.next_index, first - state.next_index)
            writer._push(state, s.data[first : int(run[-1]) + 1], first)
    if s.n_samples > state.next_index:
        writer.add_gap(s.name, state.next_index, s.n_samples - state.next_index)
    state.pending_clock.extend(map(tuple, s.clock))

"""In-memory view of a recorded session: streams, subject, events and trials.

A :class:`Recording` is what :func:`emgforce.io.read_recording` returns; it can
also be built in memory (the C3D import does) and written with
:func:`emgforce.io.write_recording`. Stream data are float64 in physical units
on the stream's sample grid: row ``i`` is sample ``i`` at ``i / fs_hz`` seconds
from the session start, and samples lost in acquisition (the gap table) are
NaN rows, so analysis can never be shifted by a gap.
"""

from __future__ import annotations

__all__ = [
    "Event",
    "Recording",
    "StreamData",
    "Subject",
    "Trial",
    "first_index_at",
    "pair_trials",
    "time_slice",
]

import dataclasses
import logging
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from emgforce.streams import ChannelInfo
from emgforce.io.lazy import StoredRows
from emgforce.io.format import EVENT_KINDS, FORMAT_VERSION, SUBJECT_ID_BYTES, SUBJECT_NOTES_BYTES
from emgforce.naming import SIDES, parse_trial_label

log = logging.getLogger(__name__)


#: text fields of a Subject and the longest UTF-8 encoding the format stores for each
_SUBJECT_TEXT = {"id": SUBJECT_ID_BYTES, "notes": SUBJECT_NOTES_BYTES}


def _storable_text(value: Any, n_bytes: int, what: str) -> str:
    """``value`` if it can be stored as a UTF-8 string of at most ``n_bytes``, else a clear error."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, got {type(value).__name__}")
    shown = repr(value) if len(value) <= 40 else repr(value[:40]) + "..."
    try:
        raw = value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"{what} {shown} holds {value[exc.start:exc.end]!r} at position {exc.start}, which is not valid Unicode "
            "text (a lone surrogate, e.g. from bytes decoded with errors='surrogateescape') and cannot be stored as "
            "UTF-8; decode the source text with its real encoding or remove that character"
        ) from None
    if b"\x00" in raw:
        raise ValueError(f"{what} {shown} contains a NUL character, which the recording's strings cannot hold; remove it")
    if len(raw) > n_bytes:
        raise ValueError(
            f"{what} {shown} is {len(raw)} bytes long in UTF-8; recordings store at most {n_bytes}: shorten it"
        )
    return value


def first_index_at(time_s: float, fs_hz: float) -> int:
    """Index of the first sample at or after ``time_s`` (sample ``i`` is at ``i / fs_hz``)."""
    # tolerance keeps times that are exact multiples of 1/fs on their sample
    return math.ceil(time_s * fs_hz - 1e-6)


def time_slice(start_s: float, stop_s: float, fs_hz: float, n_samples: int) -> slice:
    """Rows with ``start_s <= i / fs_hz < stop_s`` of a stream of ``n_samples``, clipped to it."""
    i0, i1 = first_index_at(start_s, fs_hz), first_index_at(stop_s, fs_hz)
    return slice(min(max(i0, 0), n_samples), min(max(i1, 0), n_samples))


@dataclass
class Subject:
    """Who was recorded. ``affected_side`` is ``"left"``, ``"right"`` or None.

    ``id`` (at most 255 UTF-8 bytes) and ``notes`` (at most 16 KiB) must be
    storable text: longer values, NUL characters and lone surrogates raise
    ``ValueError`` when set, not later when a recording is written.
    """

    id: str
    body_mass_kg: float | None = None
    affected_side: str | None = None
    height_m: float | None = None
    notes: str = ""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SUBJECT_TEXT:  # checked on every assignment: a Subject is mutable
            value = _storable_text(value, _SUBJECT_TEXT[name], f"subject {name}")
        super().__setattr__(name, value)

    def __post_init__(self) -> None:
        if self.affected_side is not None and self.affected_side not in SIDES:
            raise ValueError(f"affected_side must be one of {SIDES} or None, got {self.affected_side!r}")
        for name in ("body_mass_kg", "height_m"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number or None, got {value!r}")


@dataclass(frozen=True)
class Event:
    """A trial boundary or marker: ``time_s`` seconds from the session start.

    ``kind`` is ``"start"``, ``"stop"`` or ``"mark"`` (as :class:`emgforce.streams.Marker`).
    """

    label: str
    kind: str
    time_s: float

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"event kind must be one of {EVENT_KINDS}, got {self.kind!r}")
        if not math.isfinite(self.time_s):
            raise ValueError(f"event {self.label!r} has a non-finite time {self.time_s!r}")


def _by_time(events) -> list[Event]:
    # stable: events at the same instant keep the order they were recorded in
    return sorted(events, key=lambda e: e.time_s)


@dataclass(frozen=True)
class Trial:
    """A start/stop pair of events with the same label.

    ``index`` counts trials of that label from 0 in time order. ``complete`` is
    False when the stop event was missing and the trial was closed at the next
    start of the same label or at the end of the recording.
    """

    label: str
    start_s: float
    stop_s: float
    index: int
    complete: bool = True

    @property
    def task(self) -> str:
        return parse_trial_label(self.label)[0]

    @property
    def side(self) -> str | None:
        return parse_trial_label(self.label)[1]

    @property
    def duration_s(self) -> float:
        return self.stop_s - self.start_s


def _as_table(value: Any, n_cols: int, dtype: str, what: str) -> np.ndarray:
    arr = np.asarray(value if value is not None else np.empty((0, n_cols)), dtype=dtype)
    if arr.size == 0:
        arr = arr.reshape(0, n_cols)
    if arr.ndim != 2 or arr.shape[1] != n_cols:
        raise ValueError(f"{what} must have shape (k, {n_cols}), got {arr.shape}")
    return arr


@dataclass
class StreamData:
    """One stream of a recording.

    Attributes
    ----------
    name : str
    fs_hz : float
        Nominal sampling rate; sample ``i`` is at ``i / fs_hz`` s from the session start.
    channels : tuple of ChannelInfo
    data : ndarray, shape (n_samples, n_channels), float64
        Physical units (``conversion``/``offset`` applied), on the sample grid;
        rows inside a gap are NaN. A :class:`~emgforce.io.lazy.StoredRows` when
        read with ``lazy=True``: slice it by time (``data[a:b]``) to read a window.
    plate : dict or None
        Force-plate description of a force stream (see ``docs/format.md``).
    gaps : ndarray, shape (k, 2), int64
        ``(sample_index, n_missing)``: samples ``sample_index ...
        sample_index + n_missing - 1`` were lost.
    clock : ndarray, shape (m, 3), float64
        ``(sample_index, host_time_s, device_time_s)``: host monotonic time when
        the block starting at ``sample_index`` arrived, and the device's time
        stamp of that sample (NaN if the device has none).
    start_time : datetime or None
        UTC time of sample 0.
    dtype : str
        Sample type stored in the file (the device's raw type).
    actual_fs_hz : float or None
        Measured sampling rate, if the device reported one.
    """

    name: str
    fs_hz: float
    channels: tuple[ChannelInfo, ...]
    data: np.ndarray
    plate: dict[str, Any] | None = None
    gaps: np.ndarray = field(default_factory=lambda: np.empty((0, 2), dtype=np.int64))
    clock: np.ndarray = field(default_factory=lambda: np.empty((0, 3)))
    start_time: datetime | None = None
    dtype: str = "float64"
    actual_fs_hz: float | None = None

    def __post_init__(self) -> None:
        self.channels = tuple(self.channels)
        if not (math.isfinite(self.fs_hz) and self.fs_hz > 0):
            raise ValueError(f"stream {self.name!r}: fs_hz must be positive, got {self.fs_hz!r}")
        if not isinstance(self.data, StoredRows):  # a lazily read stream stays in its file
            self.data = np.asarray(self.data, dtype=np.float64)
        if self.data.ndim != 2 or self.data.shape[1] != len(self.channels):
            raise ValueError(
                f"stream {self.name!r}: data must have shape (n_samples, {len(self.channels)}), got {self.data.shape}"
            )
        self.gaps = _as_table(self.gaps, 2, "int64", f"stream {self.name!r} gaps")
        self.clock = _as_table(self.clock, 3, "float64", f"stream {self.name!r} clock")
        if len(self.gaps) and (
            np.any(self.gaps[:, 1] < 0) or self.gaps[:, 0].min() < 0 or (self.gaps.sum(axis=1) > self.n_samples).any()
        ):
            raise ValueError(f"stream {self.name!r}: gaps must lie within the {self.n_samples} samples")

    @property
    def channel_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.channels)

    @property
    def n_channels(self) -> int:
        return len(self.channels)

    @property
    def n_samples(self) -> int:
        """Length of the sample grid, lost samples included."""
        return int(self.data.shape[0])

    @property
    def n_missing(self) -> int:
        """Samples lost in acquisition (NaN rows of :attr:`data`)."""
        return int(self.gaps[:, 1].sum())

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.fs_hz

    @property
    def times_s(self) -> np.ndarray:
        """Time of each row of :attr:`data` in seconds from the session start."""
        return np.arange(self.n_samples) / self.fs_hz

    @property
    def received_mask(self) -> np.ndarray:
        """True for rows that hold received samples, False inside gaps."""
        mask = np.ones(self.n_samples, dtype=bool)
        for start, n in self.gaps:
            mask[start : start + n] = False
        return mask

    @property
    def received_indices(self) -> np.ndarray:
        """Sample index of each received sample (the rows stored in the file)."""
        return np.flatnonzero(self.received_mask)

    @property
    def received(self) -> np.ndarray:
        """The received samples only, contiguous, as stored in the file."""
        return self.data[self.received_mask] if len(self.gaps) else self.data

    def index(self, name: str) -> int:
        """Column of channel ``name``."""
        try:
            return self.channel_names.index(name)
        except ValueError:
            raise KeyError(f"stream {self.name!r} has no channel {name!r}; it has {list(self.channel_names)}") from None

    def channel(self, name: str) -> np.ndarray:
        """One channel as a 1-D view of :attr:`data`."""
        return self.data[:, self.index(name)]

    def select(self, muscle: str | None = None, side: str | None = None, kind: str | None = None) -> list[int]:
        """Columns of the channels matching every given criterion."""
        return [
            i
            for i, c in enumerate(self.channels)
            if (muscle is None or c.muscle == muscle) and (side is None or c.side == side) and (kind is None or c.kind == kind)
        ]

    def select_names(self, muscle: str | None = None, side: str | None = None, kind: str | None = None) -> list[str]:
        """Names of the channels matching every given criterion."""
        return [self.channels[i].name for i in self.select(muscle=muscle, side=side, kind=kind)]

    def sample_slice(self, start_s: float, stop_s: float) -> slice:
        """Rows with ``start_s <= i / fs_hz < stop_s``, clipped to the recording."""
        if stop_s < start_s:
            raise ValueError(f"stop_s ({stop_s}) is before start_s ({start_s})")
        return time_slice(start_s, stop_s, self.fs_hz, self.n_samples)

    def segment(self, start_s: float, stop_s: float) -> np.ndarray:
        """Rows of :attr:`data` between two times (see :meth:`sample_slice`); NaN inside gaps."""
        sl = self.sample_slice(start_s, stop_s)
        if len(self.gaps):
            g0, g1 = self.gaps[:, 0], self.gaps.sum(axis=1)
            hit = (g0 < sl.stop) & (g1 > sl.start)
            if hit.any():
                log.warning(
                    "stream %r: %d lost samples fall in %.3f-%.3f s (NaN rows)",
                    self.name,
                    int(np.minimum(g1[hit], sl.stop).sum() - np.maximum(g0[hit], sl.start).sum()),
                    start_s,
                    stop_s,
                )
        return self.data[sl]


def pair_trials(events: list[Event], end_s: float) -> list[Trial]:
    """Pair start/stop events of the same label in time order.

    A start whose stop is missing ends at the next start of the same label or
    at ``end_s`` and is flagged ``complete=False``; a stop without a start is
    ignored with a warning.
    """
    open_starts: dict[str, float] = {}
    counts: dict[str, int] = {}
    trials: list[Trial] = []

    def close(label: str, stop_s: float, complete: bool) -> None:
        start = open_starts.pop(label)
        index = counts.get(label, 0)
        counts[label] = index + 1
        trials.append(Trial(label, start, stop_s, index, complete))

    for ev in _by_time(events):
        if ev.kind == "start":
            if ev.label in open_starts:
                log.warning("trial %r started again at %.3f s without a stop; closing the previous one", ev.label, ev.time_s)
                close(ev.label, ev.time_s, False)
            open_starts[ev.label] = ev.time_s
        elif ev.kind == "stop":
            if ev.label in open_starts:
                close(ev.label, ev.time_s, True)
            else:
                log.warning("stop of trial %r at %.3f s has no start; ignored", ev.label, ev.time_s)
    for label in sorted(open_starts, key=open_starts.get):
        log.warning("trial %r has no stop; it ends at the end of the recording (%.3f s)", label, end_s)
        close(label, max(end_s, open_starts[label]), False)
    trials.sort(key=lambda t: (t.start_s, t.label))
    return trials


class Recording:
    """A session: streams, subject, events (read-only once built).

    Parameters
    ----------
    streams : dict of str to StreamData
    subject : Subject
    events : sequence of Event
    start_time : datetime or None
        UTC time of sample 0 of every stream.
    device : str
        Name of the acquisition device.
    metadata : dict or None
        Free-form session metadata (plus what the writer recorded with ``set_attr``).
    path : path or None
        The file it was read from.
    format_version : str
    end_reason : str or None
        Why recording ended (``"completed"``, ``"error: ..."``); None if the writer never closed.
    complete : bool
        False when the writer did not close the file (killed, crashed, still writing).
    """

    def __init__(
        self,
        streams: dict[str, StreamData],
        subject: Subject,
        events: list[Event] | tuple[Event, ...] = (),
        start_time: datetime | None = None,
        device: str = "",
        metadata: dict[str, Any] | None = None,
        path: str | Path | None = None,
        format_version: str = FORMAT_VERSION,
        end_reason: str | None = None,
        complete: bool = True,
    ) -> None:
        for key, stream in streams.items():
            if not isinstance(stream, StreamData):
                raise TypeError(f"streams[{key!r}] must be a StreamData, got {type(stream).__name__}")
            if stream.name != key:
                raise ValueError(f"streams[{key!r}] is named {stream.name!r}; the key must be the stream name")
        if not isinstance(subject, Subject):
            raise TypeError(f"subject must be a Subject, got {type(subject).__name__}")
        self.streams: dict[str, StreamData] = dict(streams)
        self.subject = subject
        self.events: list[Event] = _by_time(events)
        self.start_time = start_time
        self.device = device
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.path = Path(path) if path is not None else None
        self.format_version = format_version
        self.end_reason = end_reason
        self.complete = complete
        self._trials: list[Trial] | None = None

    @classmethod
    def open(cls, path: str | Path) -> "Recording":
        """Read a recording file (same as :func:`emgforce.io.read_recording`)."""
        from emgforce.io.reader import read_recording

        return read_recording(path)

    def __repr__(self) -> str:
        streams = ", ".join(f"{s.name}: {s.n_channels} ch @ {s.fs_hz:g} Hz" for s in self.streams.values())
        return f"<Recording subject={self.subject.id!r} {self.duration_s:.1f} s [{streams}] {len(self.events)} events>"

    def stream(self, name: str) -> StreamData:
        try:
            return self.streams[name]
        except KeyError:
            raise KeyError(f"recording has no stream {name!r}; it has {list(self.streams)}") from None

    @property
    def emg(self) -> StreamData | None:
        return self.streams.get("emg")

    @property
    def force(self) -> StreamData | None:
        return self.streams.get("force")

    @property
    def duration_s(self) -> float:
        """Longest stream duration (or the last event time if there are no streams)."""
        if self.streams:
            return max(s.duration_s for s in self.streams.values())
        return max((e.time_s for e in self.events), default=0.0)

    def trials(self, label: str | None = None, task: str | None = None, side: str | None = None) -> list[Trial]:
        """Trials (start/stop pairs, see :func:`pair_trials`) matching every given filter, in time order."""
        if self._trials is None:  # pair once: the warnings about unpaired events then appear once
            self._trials = pair_trials(self.events, self.duration_s)
        return [
            t
            for t in self._trials
            if (label is None or t.label == label) and (task is None or t.task == task) and (side is None or t.side == side)
        ]

    def segment(self, stream: str, trial: Trial | tuple[float, float]) -> np.ndarray:
        """Samples of ``stream`` within a trial (anything with ``start_s``/``stop_s``) or a
        ``(start_s, stop_s)`` window, in physical units, NaN in gaps."""
        if hasattr(trial, "start_s"):
            start_s, stop_s = trial.start_s, trial.stop_s
        else:
            start_s, stop_s = trial
        return self.stream(stream).segment(start_s, stop_s)

    def header(self) -> dict[str, Any]:
        """Session facts as a JSON-ready dict (``emgforce info --json`` and the report use it):
        path, format version, start time (ISO-8601), device, duration, whether the writer closed
        the file and why, the subject, and the trials (label, index, start, stop, duration, complete)."""
        return {
            "path": str(self.path) if self.path else None,
            "format_version": self.format_version,
            "start_time": self.start_time.isoformat() if self.start_time else None,
            "device": self.device,
            "duration_s": self.duration_s,
            "complete": self.complete,
            "end_reason": self.end_reason,
            "subject": dataclasses.asdict(self.subject),
            "trials": [{**dataclasses.asdict(t), "duration_s": t.duration_s} for t in self.trials()],
            "n_events": len(self.events),
        }

    def events_between(self, start_s: float, stop_s: float, label: str | None = None) -> list[Event]:
        """Events with ``start_s <= time_s <= stop_s`` (optionally of one label), in time order."""
        return [e for e in self.events if start_s <= e.time_s <= stop_s and (label is None or e.label == label)]

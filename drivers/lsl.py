"""Lab Streaming Layer inlets (pylsl): several regular-rate LSL streams and a marker stream in one session.

Each data source (:class:`LSLSource`: LSL ``name``/``type``/``source_id`` to
resolve, the emgforce stream its samples go to) gets its own inlet; samples
are pulled with ``pull_chunk`` into a preallocated array. The time-correction
offset of each inlet (``inlet.time_correction()``: add it to a sender time
stamp to get this machine's LSL clock) is sampled every few seconds and kept
per stream (``lsl_clock_offset_s`` in the recording: n, first, last, min, max
for every stream). ``Block.device_time`` is the sender's time stamp of the
block's first sample plus the latest offset, i.e. on this machine's LSL clock.

Time line: sample ``i`` of every stream is at ``i / fs`` seconds from the
session origin, the LSL-clock instant of the recording's start time (the
recorder hands it over with :meth:`LSLDevice.set_start_time`; standalone, the
moment of :meth:`LSLDevice.start`). A stream's first sample gets the index its
time stamp gives, so streams from different outlets line up; the samples
before it are a leading gap. Samples stamped before the origin (an outlet's
buffered past) are left out and counted (``lsl_samples_before_start``), so no
recorded sample predates the start time.

Losses: LSL is lossless over TCP, so samples vanish only when the sender skips
them or the inlet buffer (``max_buflen_s``) overflows. Time stamps are all the
inlet has, and they jitter with delivery; :class:`~emgforce.drivers._gaps.GapJudge`
counts a loss only when the samples stay ahead of the clock line for twice
``confirm_s`` (a late chunk adds nothing; 30 ms of delivery jitter adds no sample).

Markers: a marker stream (irregular rate, strings or numbers) becomes
:class:`~emgforce.streams.Marker` objects (:meth:`LSLDevice.read_markers`) on
the same time line. Vocabulary (case-insensitive, see ``docs/drivers.md``):
``start <trial>`` / ``<trial> start`` and ``stop <trial>`` / ``<trial> stop``
(``end`` for ``stop``; a space, ``:`` or ``_`` between) start and stop a trial;
any other text is kept as a mark with that label.
"""

from __future__ import annotations

__all__ = ["LSLDevice"]

import collections
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

import numpy as np

from emgforce.drivers._gaps import GapJudge
from emgforce.drivers._util import call_quietly, channel_info, import_vendor, runtime_available
from emgforce.drivers.base import Device
from emgforce.errors import DeviceDisconnectedError, DeviceError
from emgforce.io.format import LABEL_BYTES
from emgforce.streams import Block, DeviceInfo, Marker, StreamInfo

log = logging.getLogger(__name__)

_INSTALL = "pylsl with its liblsl (pip install 'emgforce[lsl]')"
#: how often read() polls the inlets while waiting for data, s
_POLL_S = 0.002
_TRIAL = re.compile(r"^(?:(start|stop|end)[\s:_]+(?P<a>.+)|(?P<b>.+?)[\s:_]+(start|stop|end))$", re.IGNORECASE)


def _pylsl() -> Any:
    return import_vendor("pylsl", what="pylsl/liblsl", install=_INSTALL)


def _lsl_errors() -> tuple[type[Exception], type[Exception]]:
    """``(LostError, TimeoutError)`` of pylsl (they live in ``pylsl.util``)."""
    util = import_vendor("pylsl.util", what="pylsl/liblsl", install=_INSTALL)
    return util.LostError, util.TimeoutError


def marker_from_text(text: str, time_s: float) -> Marker:
    """A marker from the text of an LSL marker sample (vocabulary in the module docstring).

    Examples
    --------
    >>> marker_from_text("start mvc_left", 1.5)
    Marker(label='mvc_left', kind='start', time_s=1.5)
    >>> marker_from_text("stance_right:stop", 9.0).kind
    'stop'
    >>> marker_from_text("subject sneezed", 3.0)
    Marker(label='subject sneezed', kind='mark', time_s=3.0)
    """
    text = " ".join(str(text).split())
    match = _TRIAL.match(text)
    kind, label = "mark", text or "marker"
    if match:
        word = (match.group(1) or match.group(4)).lower()
        kind, label = ("start" if word == "start" else "stop"), (match.group("a") or match.group("b")).strip()
    encoded = label.encode("utf-8")
    if len(encoded) > LABEL_BYTES:
        label = encoded[:LABEL_BYTES].decode("utf-8", errors="ignore")
        log.warning("LSL marker %r cut to the %d bytes a recording stores", text, LABEL_BYTES)
    return Marker(label=label, kind=kind, time_s=float(time_s))


@dataclass(frozen=True)
class LSLSource:
    """An LSL stream to resolve and the emgforce stream it becomes.

    Parameters
    ----------
    name, type, source_id : str or None
        LSL ``name``, ``type`` and ``source_id`` to match (at least one).
    stream : str
        Name of the emgforce stream (``emg``, ``force`` ...).
    kind : str
        Channel kind when a channel name does not say it.
    """

    name: str | None = None
    type: str | None = None
    source_id: str | None = None
    stream: str = "emg"
    kind: str = "emg"

    def __post_init__(self) -> None:
        if not (self.name or self.type or self.source_id):
            raise ValueError("give an LSL stream name, type or source_id to resolve")

    @classmethod
    def of(cls, spec: "LSLSource | Mapping[str, Any] | str", **defaults: Any) -> "LSLSource":
        """From a source, a dict of its fields, or a bare LSL type."""
        if isinstance(spec, LSLSource):
            return spec
        if isinstance(spec, str):
            return cls(type=spec, **defaults)
        return cls(**{**defaults, **dict(spec)})

    def predicate(self) -> str:
        parts = []
        for key, value in (("name", self.name), ("type", self.type), ("source_id", self.source_id)):
            if value:
                if "'" in value:
                    raise ValueError(f"LSL {key} must not contain quotes: {value!r}")
                parts.append(f"{key}='{value}'")
        return " and ".join(parts)


def _resolve(pylsl: Any, source: LSLSource, timeout_s: float) -> Any:
    pred = source.predicate()
    found = pylsl.resolve_bypred(pred, 1, timeout_s)
    if not found:
        raise DeviceError(f"no LSL stream matching {pred} within {timeout_s:g} s; is the outlet running on this network?")
    if len(found) > 1:
        log.warning("%d LSL streams match %s; using the first (%s)", len(found), pred, found[0].source_id())
    return found[0]


class _Inlet:
    """One resolved LSL stream: its inlet, clock offsets and sample accounting."""

    def __init__(self, inlet: Any, full: Any, source: LSLSource) -> None:
        self.inlet, self.full, self.source = inlet, full, source
        self.fs = float(full.nominal_srate())
        self.offsets: collections.deque[tuple[float, float]] = collections.deque(maxlen=100_000)
        self.next_clock = 0.0
        self.judge: GapJudge | None = None
        self.before_start = 0
        self.buf: np.ndarray | None = None

    @property
    def offset(self) -> float:
        return self.offsets[-1][1] if self.offsets else 0.0

    def sample_clock(self, interval_s: float, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now < self.next_clock:
            return
        _, timeout_error = _lsl_errors()
        try:
            offset = self.inlet.time_correction(1.0 if force else 0.0)
        except timeout_error:
            log.debug("clock offset of %s not available yet", self.full.name())
            return
        self.offsets.append((_pylsl().local_clock(), float(offset)))
        self.next_clock = now + interval_s

    def offset_summary(self) -> dict[str, Any]:
        off = np.array([o for _, o in self.offsets], dtype=float)
        summary: dict[str, Any] = {"n": int(len(off))}
        if len(off):
            summary.update(first=float(off[0]), last=float(off[-1]), min=float(off.min()), max=float(off.max()))
        return summary


class LSLDevice(Device):
    """LSL streams (and optionally a marker stream) as one emgforce device.

    Parameters
    ----------
    stream_name, stream_type : str or None
        LSL ``name`` and ``type`` of one data stream (with ``source_id``,
        ``stream`` and ``kind``): a shortcut for one :class:`LSLSource`.
        Without any of them and without ``sources``, the type ``EMG``.
    source_id : str, optional
        Also require this ``source_id``.
    stream : str
        Name of the emgforce stream of that shortcut source.
    kind : str
        Channel kind of that shortcut source.
    sources : sequence of LSLSource or dict
        Further data streams, e.g. ``[{"type": "Force", "stream": "force",
        "kind": "force"}]``; each becomes its own emgforce stream.
    markers : LSLSource, dict or str, optional
        A marker stream to read trial starts/stops and marks from (a string
        is its LSL type, e.g. ``"Markers"``).
    resolve_timeout_s : float
        How long :meth:`open` waits for each stream to appear.
    max_buflen_s : int
        Inlet buffer in seconds (what survives a stall of the reader).
    chunk_samples : int
        Capacity of each preallocated pull buffer.
    loss_tolerance_s : float
        Time-stamp excess over the clock line accepted as jitter at once.
    confirm_s : float
        Time within which some chunk arrives on time; a larger excess that
        lasts twice that long counts as lost samples (held back till then).
    clock_interval_s : float
        How often the clock offsets are sampled.
    """

    name = "lsl"

    def __init__(
        self,
        stream_name: str | None = None,
        stream_type: str | None = None,
        *,
        source_id: str | None = None,
        stream: str = "emg",
        kind: str = "emg",
        sources: Sequence[LSLSource | Mapping[str, Any]] = (),
        markers: LSLSource | Mapping[str, Any] | str | None = None,
        resolve_timeout_s: float = 5.0,
        max_buflen_s: int = 360,
        chunk_samples: int = 4096,
        loss_tolerance_s: float = 0.01,
        confirm_s: float = 0.25,
        clock_interval_s: float = 5.0,
    ) -> None:
        self.sources = [LSLSource.of(s) for s in sources]
        if stream_name or stream_type or source_id or not self.sources:
            self.sources.insert(0, LSLSource(stream_name, stream_type or (None if stream_name or source_id else "EMG"),
                                             source_id, stream, kind))
        names = [s.stream for s in self.sources]
        if len(set(names)) != len(names):
            raise ValueError(f"each LSL source needs its own emgforce stream name, got {names}")
        self.marker_source = None if markers is None else LSLSource.of(markers, stream="markers")
        self.resolve_timeout_s = float(resolve_timeout_s)
        self.max_buflen_s = int(max_buflen_s)
        self.chunk_samples = int(chunk_samples)
        self.loss_tolerance_s = float(loss_tolerance_s)
        self.confirm_s = float(confirm_s)
        self.clock_interval_s = float(clock_interval_s)
        self._inlets: list[_Inlet] = []
        self._marker_inlet: _Inlet | None = None
        self._info: DeviceInfo | None = None
        self._start_time: datetime | None = None
        self._origin: float | None = None  # LSL-clock instant of sample 0
        self._markers: list[Marker] = []
        self.markers_before_start = 0

    @classmethod
    def available(cls) -> tuple[bool, str]:
        return runtime_available(_pylsl)

    # ------------------------------------------------------------------ life cycle
    def open(self) -> None:
        if self._inlets and self._inlets[0].inlet is not None:
            return
        pylsl = _pylsl()
        inlets = []
        try:
            for source in self.sources:
                inlets.append(self._open_data(pylsl, source))
            if self.marker_source is not None:
                info = _resolve(pylsl, self.marker_source, self.resolve_timeout_s)
                inlet = pylsl.StreamInlet(info, max_buflen=self.max_buflen_s, recover=False)
                self._marker_inlet = _Inlet(inlet, inlet.info(self.resolve_timeout_s), self.marker_source)
        except BaseException:
            for i in inlets:
                call_quietly(i.inlet.close_stream)
            raise
        self._inlets = inlets
        # the first clock offsets (a second or so each) before the recording's start time is taken
        for i in [*inlets, *([self._marker_inlet] if self._marker_inlet else [])]:
            i.sample_clock(self.clock_interval_s, force=True)
        first = inlets[0].full
        extra: dict[str, Any] = {
            "lsl_streams": {i.source.stream: {"name": i.full.name(), "type": i.full.type(), "source_id": i.full.source_id(),
                                              "hostname": i.full.hostname(), "uid": i.full.uid(),
                                              "created_at": i.full.created_at()} for i in inlets},
            # the first stream's facts also at the top level, as before multi-stream recording
            "lsl_name": first.name(), "lsl_type": first.type(), "lsl_hostname": first.hostname(),
            "lsl_uid": first.uid(), "lsl_created_at": first.created_at(),
        }
        if self._marker_inlet is not None:
            extra["lsl_markers"] = {"name": self._marker_inlet.full.name(), "type": self._marker_inlet.full.type()}
        self._info = DeviceInfo(self.name, tuple(self._stream_info(i) for i in inlets),
                                serial_number=first.source_id() or None, extra=extra)

    def _open_data(self, pylsl: Any, source: LSLSource) -> _Inlet:
        info = _resolve(pylsl, source, self.resolve_timeout_s)
        inlet = pylsl.StreamInlet(info, max_buflen=self.max_buflen_s, recover=False)
        full = inlet.info(self.resolve_timeout_s)
        if full.nominal_srate() <= 0:
            raise DeviceError(f"LSL stream {full.name()!r} has an irregular rate; only regular-rate streams can be "
                              "recorded as data (give it as markers=... if it carries markers)")
        if inlet.np_dtype is None:
            raise DeviceError(f"LSL stream {full.name()!r} carries strings; only numeric streams can be recorded "
                              "as data (give it as markers=...)")
        wrapped = _Inlet(inlet, full, source)
        wrapped.buf = np.empty((self.chunk_samples, full.channel_count()), dtype=np.dtype(inlet.np_dtype))
        return wrapped

    @staticmethod
    def _stream_info(i: _Inlet) -> StreamInfo:
        n = i.full.channel_count()
        labels = i.full.get_channel_labels() or [None] * n
        units = i.full.get_channel_units() or [None] * n
        chans = [channel_info(labels[k] or f"ch{k}", kind=i.source.kind, unit=units[k] or "V") for k in range(n)]
        return StreamInfo(i.source.stream, i.fs, tuple(chans), dtype=np.dtype(i.inlet.np_dtype).name)

    def describe(self) -> DeviceInfo:
        if self._info is None:
            raise DeviceError("open() the LSL device before describe(): the streams must be resolved first")
        return self._info

    def set_start_time(self, start_time: datetime) -> None:
        if start_time.tzinfo is None:
            start_time = start_time.replace(tzinfo=timezone.utc)
        self._start_time = start_time

    def start(self) -> None:
        if not self._inlets:
            raise DeviceError("open() the LSL device before start()")
        lost_error, timeout_error = _lsl_errors()
        pylsl = _pylsl()
        try:
            for i in [*self._inlets, *([self._marker_inlet] if self._marker_inlet else [])]:
                i.inlet.open_stream(self.resolve_timeout_s)
        except (lost_error, timeout_error) as exc:
            raise DeviceDisconnectedError(f"LSL stream lost while starting: {exc}") from exc
        now = pylsl.local_clock()
        if self._start_time is None:
            self._origin = now
        else:  # the same instant on the LSL clock
            self._origin = now - (datetime.now(timezone.utc) - self._start_time).total_seconds()
        for i in self._inlets:
            i.judge = None

    @property
    def origin(self) -> float | None:
        """LSL-clock time of sample 0 (after :meth:`start`)."""
        return self._origin

    def read(self, max_samples: int | None = None, timeout: float | None = None) -> list[Block]:
        if self._origin is None or not self._inlets or self._inlets[0].inlet is None:
            raise DeviceError("start() the LSL device before read()")
        deadline = time.monotonic() + (0.1 if timeout is None else max(0.0, float(timeout)))
        while True:
            blocks: list[Block] = []
            for i in self._inlets:
                blocks += self._pull(i, max_samples)
            self._pull_markers()
            # a source that stops sending but keeps its socket open cannot hold read() beyond timeout
            if blocks or time.monotonic() >= deadline:
                return blocks
            time.sleep(min(_POLL_S, max(0.0, deadline - time.monotonic())))

    def _pull(self, i: _Inlet, max_samples: int | None) -> list[Block]:
        lost_error, _ = _lsl_errors()
        assert i.buf is not None
        n_max = self.chunk_samples if max_samples is None else max(1, min(int(max_samples), self.chunk_samples))
        try:
            view, ts = i.inlet.pull_chunk(timeout=0.0, max_samples=n_max, dest_obj=i.buf, as_numpy=True)
        except lost_error as exc:
            raise DeviceDisconnectedError(f"LSL stream {i.full.name()!r} lost: {exc}") from exc
        if len(ts):
            i.sample_clock(self.clock_interval_s)
        ts = np.asarray(ts, dtype=float) + i.offset
        data = view.copy() if len(ts) else view[:0]
        if i.judge is None and len(ts):
            # first samples: leave out those stamped before the origin, index the rest from their time stamp
            early = int(np.searchsorted(ts, self._origin - 0.5 / i.fs))
            if early:
                i.before_start += early
                log.info("LSL stream %r: %d samples stamped before the start left out", i.source.stream, early)
            ts, data = ts[early:], data[early:]
            if not len(ts):
                return []
            first = max(0, int(round((ts[0] - self._origin) * i.fs)))
            i.judge = GapJudge(i.fs, first, tolerance_s=self.loss_tolerance_s, confirm_s=self.confirm_s)
            now = time.monotonic()
            segments = i.judge.push(data, ts)
            if segments:
                segments[0].missing = first  # a leading gap: the stream's first sample came after the origin
        elif i.judge is None:
            return []
        else:
            now = time.monotonic()
            segments = i.judge.push(data, ts)
        return [Block(i.source.stream, s.data, s.first_index, host_time=now, device_time=float(s.stamps[0]),
                      missing=s.missing) for s in segments]

    def _pull_markers(self) -> None:
        m = self._marker_inlet
        if m is None:
            return
        lost_error, _ = _lsl_errors()
        try:
            samples, ts = m.inlet.pull_chunk(timeout=0.0, max_samples=1024)
        except lost_error as exc:
            raise DeviceDisconnectedError(f"LSL marker stream {m.full.name()!r} lost: {exc}") from exc
        if not len(ts):
            return
        m.sample_clock(self.clock_interval_s)
        for sample, stamp in zip(samples, ts):
            time_s = float(stamp) + m.offset - self._origin
            if time_s < 0:
                self.markers_before_start += 1
                log.info("LSL marker %r stamped before the start left out", sample)
                continue
            value = sample[0] if len(sample) else ""
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            self._markers.append(marker_from_text(str(value), time_s))

    def read_markers(self) -> list[Marker]:
        out, self._markers = self._markers, []
        return out

    def stop(self) -> None:
        for i in [*self._inlets, *([self._marker_inlet] if self._marker_inlet else [])]:
            if i.inlet is not None:
                call_quietly(i.inlet.close_stream)

    def close(self) -> None:
        # the accounting stays for session_attrs(); the inlets go
        for i in [*self._inlets, *([self._marker_inlet] if self._marker_inlet else [])]:
            i.inlet = None

    @property
    def clock_offsets(self) -> np.ndarray:
        """Rows ``(local LSL time, offset to add to device_time)`` of the first stream."""
        return self.clock_offsets_of(self.sources[0].stream)

    def clock_offsets_of(self, stream: str) -> np.ndarray:
        """Rows ``(local LSL time, offset)`` sampled so far for one emgforce stream (or ``"markers"``)."""
        for i in [*self._inlets, *([self._marker_inlet] if self._marker_inlet else [])]:
            if i.source.stream == stream:
                return np.array(i.offsets, dtype=float).reshape(-1, 2)
        raise KeyError(f"no LSL stream {stream!r}")

    @property
    def lost_samples(self) -> int:
        return sum(i.judge.lost for i in self._inlets if i.judge is not None)

    def session_attrs(self) -> dict[str, Any]:
        inlets = [*self._inlets, *([self._marker_inlet] if self._marker_inlet else [])]
        offsets = {i.source.stream: i.offset_summary() for i in inlets}
        first = offsets.get(self.sources[0].stream, {"n": 0})
        return {
            "lsl_clock_offset_s": {**first, "streams": offsets},
            "lsl_lost_samples": self.lost_samples,
            "lsl_lost_samples_per_stream": {i.source.stream: (i.judge.lost if i.judge else 0) for i in self._inlets},
            "lsl_samples_before_start": {i.source.stream: i.before_start for i in self._inlets},
            "lsl_markers_before_start": self.markers_before_start,
        }

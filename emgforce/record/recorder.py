"""Session recorder: device -> reader thread -> bounded queue -> one HDF5 writer thread.

The reader thread is the only caller of :meth:`Device.read`; the writer thread
is the only user of h5py (through :class:`emgforce.io.RecordingWriter`, SWMR,
flushed about every ``flush_s`` seconds). Samples the queue cannot take
(slow disk) are dropped *and counted*: the next accepted block of that stream
starts later, so the writer records the hole in the gap table, and the summary
reports the overrun. Memory is bounded by the queue limits whatever the
session length.
"""

from __future__ import annotations

__all__ = ["RecordSummary", "Recorder", "RecorderStatus", "StreamSummary"]

import collections
import dataclasses
import json
import logging
import os
import shutil
import signal
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from emgforce.streams import Block, Marker
from emgforce.drivers.base import Device
from emgforce.errors import DeviceDisconnectedError, DeviceFinishedError, RecordingWriteError
from emgforce.record._queue import BoundedBlockQueue

log = logging.getLogger(__name__)

_STOP = object()


@dataclass
class StreamSummary:
    """Per-stream counters of a recording session."""

    fs_hz: float
    samples_written: int = 0
    blocks_written: int = 0
    gap_count: int = 0
    gap_samples: int = 0
    overrun_blocks: int = 0
    dropped_blocks: int = 0
    dropped_samples: int = 0
    next_index: int = 0


@dataclass
class RecordSummary:
    """What a session produced; :meth:`format` renders it for people."""

    path: str
    reason: str = ""
    error: str | None = None
    duration_s: float = 0.0
    wall_time_s: float = 0.0
    streams: dict[str, StreamSummary] = field(default_factory=dict)
    markers: int = 0
    file_size_bytes: int = 0
    queue_high_water_blocks: int = 0
    queue_high_water_bytes: int = 0
    writer_cpu_s: float = 0.0
    reader_cpu_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def format(self) -> str:
        lines = [f"recording {self.path}: {self.reason}" + (f" (error: {self.error})" if self.error else "")]
        for name, s in self.streams.items():
            lines.append(
                f"  {name}: {s.samples_written} samples ({s.samples_written / s.fs_hz:.2f} s at {s.fs_hz:g} Hz), "
                f"{s.gap_count} gaps / {s.gap_samples} samples missing, {s.overrun_blocks} overrun blocks, "
                f"{s.dropped_samples} samples dropped by the recorder"
            )
        lines.append(
            f"  {self.markers} markers, file {self.file_size_bytes / 1e6:.2f} MB, wall time {self.wall_time_s:.1f} s, "
            f"queue peak {self.queue_high_water_blocks} blocks / {self.queue_high_water_bytes / 1e6:.1f} MB, "
            f"writer CPU {self.writer_cpu_s:.2f} s"
        )
        return "\n".join(lines)


@dataclass(frozen=True)
class RecorderStatus:
    """A snapshot for a live status line."""

    elapsed_s: float
    samples: dict[str, int]
    rate_hz: dict[str, float]
    queue_fill: float
    gap_count: int
    dropped_samples: int
    running: bool


class Recorder:
    """Record a device into an emgforce HDF5 file.

    Parameters
    ----------
    device : Device
        A not yet opened device; the recorder opens, starts, stops and closes it.
    path : str or Path
        Output file.
    subject : emgforce.io.Subject, str or None
        Who is recorded; a string is taken as the subject id (None: ``"anonymous"``).
    overwrite : bool
        Replace an existing file instead of raising ``RecordingExistsError``.
    queue_blocks, queue_bytes : int
        Limits of the reader -> writer queue (memory bound).
    flush_s : float
        Flush interval of the HDF5 file (what survives a crash).
    read_timeout_s : float
        Timeout of each :meth:`Device.read` call.
    on_block : callable, optional
        Called in the reader thread with every block the device delivers (a
        tee for a live display); must return quickly. Exceptions are logged and
        do not stop the recording.
    on_marker : callable, optional
        Called in the reader thread with every marker the device produces
        (:meth:`Device.read_markers`), as it is queued for the file and after
        the blocks its time falls in were passed to ``on_block``. Markers given
        to :meth:`add_marker` are not passed on (their author knows them).
        Must return quickly; exceptions are logged and do not stop the recording.
    min_free_bytes : int
        The session stops cleanly (reason ``disk nearly full``) when less than
        this is free on the output disk, checked at every flush and after every
        quarter of it written: HDF5 cannot close a file cleanly once a write
        has failed for lack of space.
    backpressure : bool, optional
        When the queue is full, make the reader wait for room instead of
        dropping (and counting) the blocks. Right for sources that are not
        paced by hardware; by default on when the device has ``realtime=False``
        (simulator, replay as fast as possible), off otherwise: a real device
        keeps sampling whether or not the disk keeps up.
    writer_factory : callable, optional
        ``writer_factory(path, streams, subject, overwrite=...)`` creating the
        writer; defaults to :class:`emgforce.io.RecordingWriter`.
    """

    def __init__(
        self,
        device: Device,
        path: str | os.PathLike[str],
        subject: Any = None,
        *,
        overwrite: bool = False,
        queue_blocks: int = 512,
        queue_bytes: int = 64 * 2**20,
        flush_s: float = 1.0,
        read_timeout_s: float = 0.1,
        on_block: Callable[[Block], None] | None = None,
        on_marker: Callable[[Marker], None] | None = None,
        writer_factory: Callable[..., Any] | None = None,
        min_free_bytes: int = 100 * 2**20,
        backpressure: bool | None = None,
    ) -> None:
        if flush_s <= 0:
            raise ValueError(f"flush_s must be positive, got {flush_s}")
        self.device = device
        self.path = Path(path)
        self.subject = _subject(subject)
        self.overwrite = overwrite
        self.flush_s = float(flush_s)
        self.read_timeout_s = float(read_timeout_s)
        self.on_block = on_block
        self.on_marker = on_marker
        self.min_free_bytes = int(min_free_bytes)
        # sources not paced by hardware (simulation, replay as fast as possible) can wait for the disk
        self.backpressure = (not getattr(device, "realtime", True)) if backpressure is None else bool(backpressure)
        self._writer_factory = writer_factory
        self._queue = BoundedBlockQueue(queue_blocks, queue_bytes)
        self._markers: collections.deque[Marker] = collections.deque()
        self._stop = threading.Event()
        self._reason: str | None = None
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._stats: dict[str, StreamSummary] = {}
        # samples of each stream lost since its last queued block (recorder drops and device losses)
        self._hole: dict[str, int] = {}
        self._end_index: dict[str, int] | None = None
        self._t0: float | None = None
        self._t_end: float | None = None
        self._reader: threading.Thread | None = None
        self._writer_thread: threading.Thread | None = None
        self._writer: Any = None
        self._n_markers = 0
        self._reader_cpu_s = 0.0
        self.summary: RecordSummary | None = None

    # ----------------------------------------------------------------- control
    def start(self, duration_s: float | None = None) -> None:
        """Open the file and the device, then start the reader and writer threads.

        ``duration_s`` stops the session once every stream holds that many
        seconds of samples (blocks are cut at the exact sample).
        """
        if self._reader is not None:
            raise RuntimeError("a Recorder runs once; create a new one")
        self.device.open()
        try:
            info = self.device.describe()
            self._stats = {s.name: StreamSummary(fs_hz=s.fs_hz) for s in info.streams}
            if duration_s is not None:
                if duration_s <= 0:
                    raise ValueError(f"duration_s must be positive, got {duration_s}")
                self._end_index = {s.name: int(round(duration_s * s.fs_hz)) for s in info.streams}
            self._writer = self._make_writer(info)
        except BaseException:
            self.device.close()
            raise
        self._writer_thread = threading.Thread(target=self._write_loop, name="emgforce-writer", daemon=True)
        self._reader = threading.Thread(target=self._read_loop, name="emgforce-reader", daemon=True)
        self._writer_thread.start()
        try:
            self.device.start()
        except BaseException as exc:
            self._finish_reason(f"device failed to start: {exc}", exc)
            self._queue.force(_STOP)
            self._writer_thread.join()
            self.device.close()
            raise
        self._t0 = time.monotonic()
        self._reader.start()

    def stop(self, reason: str = "stopped by user") -> None:
        """Ask the session to end (thread- and signal-safe); :meth:`wait` for it."""
        self._finish_reason(reason)
        self._stop.set()

    def wait(self, timeout: float | None = None) -> RecordSummary | None:
        """Block until the session has ended; return its summary (None on timeout)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for t in (self._reader, self._writer_thread):
            if t is None:
                continue
            while t.is_alive():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return None
                # short joins keep the main thread responsive to signals
                t.join(0.2 if left is None else min(0.2, left))
        return self.summary

    def run(self, duration_s: float | None = None) -> RecordSummary:
        """Record until ``duration_s``, a device fault, Ctrl-C or SIGTERM; return the summary."""
        restore = self._install_signal_handlers()
        try:
            self.start(duration_s)
            summary = self.wait()
        finally:
            restore()
        assert summary is not None
        return summary

    def add_marker(self, label: str, kind: str = "mark", time_s: float | None = None) -> Marker:
        """Record a marker now (or at ``time_s`` seconds of session time); any thread."""
        if time_s is None:
            if self._t0 is None:
                raise RuntimeError("the recorder has not started")
            time_s = time.monotonic() - self._t0
        marker = Marker(label=label, kind=kind, time_s=float(time_s))
        self._markers.append(marker)
        return marker

    @property
    def running(self) -> bool:
        return any(t is not None and t.is_alive() for t in (self._reader, self._writer_thread))

    def status(self) -> RecorderStatus:
        """Counters for a status line (safe to call from any thread)."""
        elapsed = 0.0 if self._t0 is None else (self._t_end or time.monotonic()) - self._t0
        with self._lock:
            samples = {k: s.samples_written for k, s in self._stats.items()}
            gaps = sum(s.gap_count for s in self._stats.values())
            dropped = sum(s.dropped_samples for s in self._stats.values())
        rate = {k: (n / elapsed if elapsed > 0 else 0.0) for k, n in samples.items()}
        return RecorderStatus(elapsed, samples, rate, self._queue.fill, gaps, dropped, self.running)

    # ----------------------------------------------------------------- threads
    def _make_writer(self, info: Any) -> Any:
        factory = self._writer_factory
        if factory is None:
            from emgforce.io import RecordingWriter

            factory = RecordingWriter
        device_meta = {"name": info.name, "serial_number": info.serial_number or "", **info.extra}
        # metadata holds plain JSON types only
        device_meta = json.loads(json.dumps(device_meta, default=str))
        return factory(self.path, info.streams, self.subject, overwrite=self.overwrite, device=info.name,
                       metadata={"device": device_meta})

    def _finish_reason(self, reason: str, error: BaseException | None = None, *, override: bool = False) -> None:
        with self._lock:
            if self._reason is None or override:
                self._reason = reason
            if error is not None and self._error is None:
                self._error = error

    def _read_loop(self) -> None:
        cpu0 = time.thread_time()
        try:
            while not self._stop.is_set():
                try:
                    blocks = self.device.read(timeout=self.read_timeout_s)
                except DeviceFinishedError as exc:
                    self._finish_reason(f"source finished: {exc}")
                    break
                except DeviceDisconnectedError as exc:
                    log.warning("device disconnected: %s", exc)
                    self._finish_reason(f"device disconnected: {exc}")
                    break
                except Exception as exc:  # noqa: BLE001 - any driver failure ends the session cleanly
                    log.exception("device read failed")
                    self._finish_reason(f"device error: {exc}", exc)
                    break
                self._offer([b for b in map(self._admit, blocks) if b is not None])
                self._device_markers(self.device.read_markers())
                if self._end_index is not None and all(
                    self._stats[k].next_index >= n for k, n in self._end_index.items()
                ):
                    self._finish_reason("duration reached")
                    break
        finally:
            self._t_end = time.monotonic()
            self._reader_cpu_s = time.thread_time() - cpu0
            self._shutdown_device()
            self._queue.force(_STOP)

    def _device_markers(self, markers: list[Marker]) -> None:
        """Queue the device's markers for the file and tell the observer."""
        for marker in markers:
            self._markers.append(marker)
            if self.on_marker is not None:
                try:
                    self.on_marker(marker)
                except Exception:  # noqa: BLE001 - a display bug must not stop the recording
                    log.exception("on_marker callback failed")

    def _shutdown_device(self) -> None:
        for step in (self.device.stop, self.device.close):
            try:
                step()
            except Exception:  # noqa: BLE001 - the data is safe; report and go on closing
                log.exception("error while shutting the device down")

    def _admit(self, block: Block) -> Block | None:
        """Account for a block the device delivered; cut it at the session end; tee it."""
        stats = self._stats.get(block.stream)
        if stats is None:
            log.warning("ignoring block of undeclared stream %r", block.stream)
            return None
        if self._end_index is not None:
            end = self._end_index[block.stream]
            if block.first_index >= end:
                with self._lock:  # the device is past the end: a hole before it is a trailing gap
                    stats.next_index = max(stats.next_index, end)
                return None
            if block.first_index + block.n_samples > end:
                block = Block(block.stream, block.data[: end - block.first_index], block.first_index,
                              block.host_time, block.device_time, block.missing, block.overrun)
        if self.on_block is not None:
            try:
                self.on_block(block)
            except Exception:  # noqa: BLE001 - a display bug must not stop the recording
                log.exception("on_block callback failed")
        with self._lock:
            stats.next_index = max(stats.next_index, block.first_index + block.n_samples)
        return block

    def _offer(self, blocks: list[Block]) -> None:
        """Queue the blocks of one read together, or count them all as dropped (queue full)."""
        if not blocks:
            return
        queued = []
        pending = dict(self._hole)
        for b in blocks:
            hole = pending.pop(b.stream, 0)
            if hole:  # the block after dropped ones says so: the writer's gap and the block agree
                b = dataclasses.replace(b, missing=b.missing + hole, overrun=True)
            queued.append(b)
        items = [(b, b.data.nbytes) for b in queued]
        taken = self._queue.offer(items)
        while not taken and self.backpressure and not self._stop.is_set():
            taken = self._queue.offer(items, timeout=0.1)
        if taken:
            for b in blocks:
                self._hole.pop(b.stream, None)
            return
        with self._lock:
            for b in blocks:
                stats = self._stats[b.stream]
                stats.dropped_blocks += 1
                stats.dropped_samples += b.n_samples
                self._hole[b.stream] = self._hole.get(b.stream, 0) + b.missing + b.n_samples

    def _write_loop(self) -> None:
        cpu0 = time.thread_time()
        try:
            self._write_session()
        finally:
            if self.summary is not None:
                self.summary.writer_cpu_s = time.thread_time() - cpu0
                self.summary.reader_cpu_s = self._reader_cpu_s

    def _write_session(self) -> None:
        writer = self._writer
        last_flush = time.monotonic()
        unchecked = 0  # bytes appended since the last free-space check
        expected: dict[str, int] = {k: 0 for k in self._stats}
        try:
            while True:
                item = self._queue.get(timeout=min(0.1, self.flush_s))
                while self._markers:
                    writer.add_marker(self._markers.popleft())
                    self._n_markers += 1
                if item is _STOP:
                    self._trailing_gaps(writer, expected)
                    break
                if item is not None:
                    self._write_block(writer, item, expected)
                    unchecked += item.data.nbytes
                # free space is checked at every flush and after every quarter of the reserve written
                if time.monotonic() - last_flush >= self.flush_s or unchecked >= self.min_free_bytes // 4:
                    writer.flush()
                    last_flush = time.monotonic()
                    unchecked = 0
                    if self._disk_nearly_full():
                        self._drain_until_stop()
                        self._trailing_gaps(writer, expected)
                        break
        except BaseException as exc:  # noqa: BLE001 - disk full, ... : stop cleanly, keep what is on disk
            log.error("writing %s failed: %s", self.path, exc)
            self._finish_reason(f"write error: {exc}", exc, override=True)
            self._stop.set()
            self._drain_until_stop()
        finally:
            self._close_writer(writer)

    def _write_block(self, writer: Any, block: Block, expected: dict[str, int]) -> None:
        stats = self._stats[block.stream]
        gap = block.first_index - expected[block.stream]
        try:
            writer.append(block)
        except RecordingWriteError as exc:  # a driver bug (overlap, wrong shape): refuse this block only
            log.error("block of stream %r refused: %s", block.stream, exc)
            with self._lock:
                stats.dropped_blocks += 1
                stats.dropped_samples += block.n_samples
            return
        with self._lock:
            if gap > 0:
                stats.gap_count += 1
                stats.gap_samples += gap
            stats.samples_written += block.n_samples
            stats.blocks_written += 1
            stats.overrun_blocks += int(block.overrun)
        expected[block.stream] = block.first_index + block.n_samples

    def _disk_nearly_full(self) -> bool:
        """Stop cleanly while the file can still be closed: HDF5 cannot recover from a full disk."""
        free = shutil.disk_usage(self.path.parent).free
        if free >= self.min_free_bytes:
            return False
        log.error("only %.1f MiB free on the disk of %s; stopping the recording", free / 2**20, self.path)
        self._finish_reason(f"disk nearly full: {free / 2**20:.1f} MiB free, below the {self.min_free_bytes / 2**20:.1f} "
                            "MiB reserve; free space and start a new recording", override=True)
        self._stop.set()
        return True

    def _trailing_gaps(self, writer: Any, expected: dict[str, int]) -> None:
        """Samples the device went past but that never reached the file (dropped at the end)."""
        for name, stats in self._stats.items():
            n = stats.next_index - expected[name]
            if n > 0:
                writer.add_gap(name, expected[name], n)
                with self._lock:
                    stats.gap_count += 1
                    stats.gap_samples += n

    def _drain_until_stop(self) -> None:
        """After a write failure, discard queued data (already counted) until the reader ends."""
        while True:
            item = self._queue.get(timeout=0.5)
            if item is _STOP:
                return
            if item is not None:
                with self._lock:
                    st = self._stats[item.stream]
                    st.dropped_blocks += 1
                    st.dropped_samples += item.n_samples

    def _close_writer(self, writer: Any) -> None:
        reason = self._reason or "stopped"
        with self._lock:
            streams = {k: StreamSummary(**asdict(v)) for k, v in self._stats.items()}
        if self._error is None:
            attrs = {
                "recorder_dropped_samples": {k: v.dropped_samples for k, v in streams.items()},
                "recorder_dropped_blocks": {k: v.dropped_blocks for k, v in streams.items()},
                "recorder_queue_peak_blocks": self._queue.high_water_items,
                **self.device.session_attrs(),
            }
            for key, value in attrs.items():
                try:
                    writer.set_attr(key, value)
                except Exception as exc:  # noqa: BLE001 - a fact too big to store must not lose the data
                    log.warning("could not store %s in the recording: %s", key, exc)
        try:
            writer.close(reason)
        except Exception as exc:  # noqa: BLE001 - e.g. disk still full; the last flush is on disk
            log.error("closing %s failed: %s", self.path, exc)
            self._finish_reason(reason, exc)
        t_end = time.monotonic()
        duration = max(
            (s.next_index / s.fs_hz for s in streams.values() if s.fs_hz > 0), default=0.0
        )
        self.summary = RecordSummary(
            path=str(self.path),
            reason=reason,
            error=None if self._error is None else f"{type(self._error).__name__}: {self._error}",
            duration_s=duration,
            wall_time_s=0.0 if self._t0 is None else t_end - self._t0,
            streams=streams,
            markers=self._n_markers,
            file_size_bytes=self.path.stat().st_size if self.path.exists() else 0,
            queue_high_water_blocks=self._queue.high_water_items,
            queue_high_water_bytes=self._queue.high_water_bytes,
        )
        log.info("%s", self.summary.format())

    def _install_signal_handlers(self) -> Callable[[], None]:
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        previous = {}

        def handler(signum: int, frame: object) -> None:
            self.stop(f"interrupted by {signal.Signals(signum).name}")

        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, handler)

        def restore() -> None:
            for sig, old in previous.items():
                signal.signal(sig, old)

        return restore


def _subject(subject: Any) -> Any:
    from emgforce.io import Subject

    if subject is None:
        return Subject(id="anonymous")
    if isinstance(subject, str):
        return Subject(id=subject)
    return subject

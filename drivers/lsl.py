"""Lab Streaming Layer inlet (pylsl): record any regular-rate LSL stream.

The stream is resolved by name and/or type; samples are pulled with
``pull_chunk`` into one preallocated array. The time-correction offset
(``inlet.time_correction()``: add it to a sender time stamp to get this
machine's LSL clock) is sampled every few seconds; ``Block.device_time`` is
the sender's time stamp of the block's first sample *plus* the latest offset,
i.e. on this machine's LSL clock, so several LSL streams recorded here share
one time base. The offsets themselves are kept (:attr:`LSLDevice.clock_offsets`)
and summarised in the recording (``lsl_clock_offset_s``: n, first, last, min, max).
A jump between consecutive time stamps larger than ``loss_tolerance_s`` is
counted as lost samples (e.g. the inlet buffer overflowed); LSL itself is
lossless over TCP, so this only triggers on real losses or gross time-stamp
jitter in the sender.
"""

from __future__ import annotations

__all__ = ["LSLDevice"]

import collections
import logging
import time
from typing import Any

import numpy as np

from emgforce.drivers._util import call_quietly, channel_info, import_vendor, runtime_available
from emgforce.streams import Block, DeviceInfo, StreamInfo
from emgforce.drivers.base import Device
from emgforce.errors import DeviceDisconnectedError, DeviceError

log = logging.getLogger(__name__)

_INSTALL = "pylsl with its liblsl (pip install 'emgforce[lsl]')"


def _pylsl() -> Any:
    return import_vendor("pylsl", what="pylsl/liblsl", install=_INSTALL)


def _lsl_errors() -> tuple[type[Exception], type[Exception]]:
    """``(LostError, TimeoutError)`` of pylsl (they live in ``pylsl.util``)."""
    util = import_vendor("pylsl.util", what="pylsl/liblsl", install=_INSTALL)
    return util.LostError, util.TimeoutError


class LSLDevice(Device):
    """One LSL stream as an emgforce device.

    Parameters
    ----------
    stream_name, stream_type : str or None
        LSL ``name`` and ``type`` to resolve (at least one).
    source_id : str, optional
        Also require this ``source_id``.
    stream : str
        Name of the emgforce stream the samples go to.
    kind : str
        Channel kind (``emg``, ``force``, ``analog``, ...) when the channel
        name does not say it.
    resolve_timeout_s : float
        How long :meth:`open` waits for the stream to appear.
    max_buflen_s : int
        Inlet buffer in seconds (what survives a stall of the reader).
    chunk_samples : int
        Capacity of the preallocated pull buffer.
    loss_tolerance_s : float
        Time-stamp jump beyond one sample period tolerated as jitter.
    clock_interval_s : float
        How often the clock offset is sampled.
    """

    name = "lsl"

    def __init__(
        self,
        stream_name: str | None = None,
        stream_type: str | None = "EMG",
        *,
        source_id: str | None = None,
        stream: str = "emg",
        kind: str = "emg",
        resolve_timeout_s: float = 5.0,
        max_buflen_s: int = 360,
        chunk_samples: int = 4096,
        loss_tolerance_s: float = 0.01,
        clock_interval_s: float = 5.0,
    ) -> None:
        if not stream_name and not stream_type and not source_id:
            raise ValueError("give an LSL stream name, type or source_id to resolve")
        self.stream_name = stream_name
        self.stream_type = stream_type
        self.source_id = source_id
        self.stream = stream
        self.kind = kind
        self.resolve_timeout_s = float(resolve_timeout_s)
        self.max_buflen_s = int(max_buflen_s)
        self.chunk_samples = int(chunk_samples)
        self.loss_tolerance_s = float(loss_tolerance_s)
        self.clock_interval_s = float(clock_interval_s)
        self._inlet: Any = None
        self._info: DeviceInfo | None = None
        self._buf: np.ndarray | None = None
        self._next_index = 0
        self._last_ts: float | None = None
        self._fs = 0.0
        self._offsets: collections.deque[tuple[float, float]] = collections.deque(maxlen=100_000)
        self._next_clock = 0.0
        self.lost_samples = 0

    @classmethod
    def available(cls) -> tuple[bool, str]:
        return runtime_available(_pylsl)

    def _predicate(self) -> str:
        parts = []
        for key, value in (("name", self.stream_name), ("type", self.stream_type), ("source_id", self.source_id)):
            if value:
                if "'" in value:
                    raise ValueError(f"LSL {key} must not contain quotes: {value!r}")
                parts.append(f"{key}='{value}'")
        return " and ".join(parts)

    def open(self) -> None:
        if self._inlet is not None:
            return
        pylsl = _pylsl()
        pred = self._predicate()
        found = pylsl.resolve_bypred(pred, 1, self.resolve_timeout_s)
        if not found:
            raise DeviceError(f"no LSL stream matching {pred} within {self.resolve_timeout_s:g} s; is the outlet running on this network?")
        if len(found) > 1:
            log.warning("%d LSL streams match %s; using the first (%s)", len(found), pred, found[0].source_id())
        inlet = pylsl.StreamInlet(found[0], max_buflen=self.max_buflen_s, recover=False)
        full = inlet.info(self.resolve_timeout_s)
        fs = full.nominal_srate()
        if fs <= 0:
            raise DeviceError(f"LSL stream {full.name()!r} has an irregular rate; only regular-rate streams can be recorded")
        if inlet.np_dtype is None:
            raise DeviceError(f"LSL stream {full.name()!r} carries strings; only numeric streams can be recorded")
        n = full.channel_count()
        labels = full.get_channel_labels() or [None] * n
        units = full.get_channel_units() or [None] * n
        chans = [channel_info(labels[i] or f"ch{i}", kind=self.kind, unit=units[i] or "V") for i in range(n)]
        dtype = np.dtype(inlet.np_dtype)
        self._info = DeviceInfo(
            name=self.name,
            streams=(StreamInfo(self.stream, float(fs), tuple(chans), dtype=dtype.name),),
            serial_number=full.source_id() or None,
            extra={"lsl_name": full.name(), "lsl_type": full.type(), "lsl_hostname": full.hostname(),
                   "lsl_uid": full.uid(), "lsl_created_at": full.created_at()},
        )
        self._fs = float(fs)
        self._buf = np.empty((self.chunk_samples, n), dtype=dtype)
        self._inlet = inlet

    def describe(self) -> DeviceInfo:
        if self._info is None:
            raise DeviceError("open() the LSL device before describe(): the stream must be resolved first")
        return self._info

    def start(self) -> None:
        if self._inlet is None:
            raise DeviceError("open() the LSL device before start()")
        lost_error, timeout_error = _lsl_errors()
        try:
            self._inlet.open_stream(self.resolve_timeout_s)
            self._sample_clock(force=True)
        except (lost_error, timeout_error) as exc:
            raise DeviceDisconnectedError(f"LSL stream lost while starting: {exc}") from exc

    def _sample_clock(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now < self._next_clock:
            return
        pylsl = _pylsl()
        offset = self._inlet.time_correction(1.0 if force else 0.0)
        self._offsets.append((pylsl.local_clock(), float(offset)))
        self._next_clock = now + self.clock_interval_s

    def read(self, max_samples: int | None = None, timeout: float | None = None) -> list[Block]:
        if self._inlet is None or self._buf is None:
            raise DeviceError("start() the LSL device before read()")
        lost_error, timeout_error = _lsl_errors()
        n_max = self.chunk_samples if max_samples is None else max(1, min(max_samples, self.chunk_samples))
        try:
            view, ts = self._inlet.pull_chunk(timeout=0.1 if timeout is None else timeout, max_samples=n_max,
                                              dest_obj=self._buf, min_samples=1, as_numpy=True)
            if len(ts):
                try:
                    self._sample_clock()
                except timeout_error:
                    log.debug("clock offset not available yet")
        except lost_error as exc:
            raise DeviceDisconnectedError(f"LSL stream {self._info.extra['lsl_name']!r} lost: {exc}") from exc
        if not len(ts):
            return []
        ts = np.asarray(ts, dtype=float)
        data = view.copy()
        offset = self._offsets[-1][1] if self._offsets else 0.0
        prev = ts[0] - 1.0 / self._fs if self._last_ts is None else self._last_ts
        steps = np.diff(ts, prepend=prev) * self._fs
        holes = np.flatnonzero(steps - 1 > self.loss_tolerance_s * self._fs)
        now = time.monotonic()
        blocks = []
        bounds = [0, *holes.tolist(), len(ts)]
        for a, b in zip(bounds[:-1], bounds[1:]):
            if a == b:
                continue
            missing = int(round(steps[a])) - 1 if a in holes else 0
            self.lost_samples += missing
            blocks.append(Block(self.stream, data[a:b], self._next_index + missing, host_time=now,
                                device_time=float(ts[a]) + offset, missing=missing))
            self._next_index = blocks[-1].first_index + blocks[-1].n_samples
        self._last_ts = float(ts[-1])
        return blocks

    def stop(self) -> None:
        if self._inlet is not None:
            call_quietly(self._inlet.close_stream)

    def close(self) -> None:
        self._inlet = None

    @property
    def clock_offsets(self) -> np.ndarray:
        """Rows ``(local LSL time, offset to add to device_time)`` sampled so far."""
        return np.array(self._offsets, dtype=float).reshape(-1, 2)

    def session_attrs(self) -> dict[str, Any]:
        off = self.clock_offsets[:, 1]
        summary = {"n": int(len(off))}
        if len(off):
            summary.update(first=float(off[0]), last=float(off[-1]), min=float(off.min()), max=float(off.max()))
        return {"lsl_clock_offset_s": summary, "lsl_lost_samples": self.lost_samples}

"""Processed-signal outlet: live %MVC per EMG channel and the COP, published as an LSL stream.

Games, VR or other lab software subscribe to it like to any Lab Streaming
Layer stream (optional ``lsl`` extra: ``pip install 'emgforce[lsl]'``). One
sample every ``1 / rate_hz`` s of the EMG stream's time: each EMG channel's
causal envelope in %MVC (NaN until the channel has an MVC reference), then the
filtered COP x and y (m, lab frame; NaN while the plate is unloaded) and Fz
(N) at the same instant. Each sample is stamped with the LSL clock at the
instant its EMG sample was taken (:class:`~emgforce.live.pipeline.SampleClock`),
so a subscriber can align it with its own data; the envelope's filter delay
(``pipeline.emg_delay_s``) is stored in the stream's description.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from emgforce.errors import DeviceNotAvailableError
from emgforce.live.pipeline import LivePipeline

log = logging.getLogger(__name__)

__all__ = ["ProcessedOutlet", "STREAM_TYPE"]

STREAM_TYPE = "EMGForceProcessed"


class ProcessedOutlet:
    """Publish a :class:`LivePipeline`'s %MVC and COP; call :meth:`push` after each feed.

    Parameters
    ----------
    pipeline : LivePipeline
        Needs an EMG stream; the COP columns are NaN without a force plate.
    name : str
        LSL stream name (also its source id).
    rate_hz : float
        Samples per second; the EMG rate divided by a whole number (the
        nearest one is taken).
    """

    def __init__(self, pipeline: LivePipeline, name: str = "emgforce-processed", *, rate_hz: float = 100.0) -> None:
        from emgforce._extras import require

        pylsl = require("pylsl", "the processed-signal outlet")
        if pipeline.emg_stream is None:
            raise DeviceNotAvailableError("the processed-signal outlet publishes %MVC: this device has no EMG stream")
        if not rate_hz > 0:
            raise ValueError(f"rate_hz must be positive, got {rate_hz}")
        self.pipeline = pipeline
        self.step = max(1, int(round(pipeline.emg_fs_hz / rate_hz)))
        self.rate_hz = pipeline.emg_fs_hz / self.step
        names = [c.name for c in pipeline.emg_channels]
        self.channel_labels = names + ["cop_x", "cop_y", "fz"]
        units = ["%MVC"] * len(names) + ["m", "m", "N"]
        info = pylsl.StreamInfo(name, STREAM_TYPE, len(self.channel_labels), self.rate_hz, "double64", name)
        channels = info.desc().append_child("channels")
        for label, unit in zip(self.channel_labels, units):
            ch = channels.append_child("channel")
            ch.append_child_value("label", label)
            ch.append_child_value("unit", unit)
        info.desc().append_child_value("envelope_delay_s", f"{pipeline.emg_delay_s:.6f}")
        info.desc().append_child_value("source", "emgforce live: causal envelope / MVC reference; COP low-passed")
        self._outlet = pylsl.StreamOutlet(info)
        self._lsl_minus_monotonic = pylsl.local_clock() - time.monotonic()
        self._next = 0  # next EMG sample index to publish (a multiple of step)
        self.pushed = 0

    def push(self) -> int:
        """Publish every due sample the pipeline has processed in both streams; returns how many."""
        p = self.pipeline
        env, first = p.envelope_since(self._next)
        if first > self._next:
            self._next = -(-first // self.step) * self.step
        if env.shape[0] == 0:
            return 0
        idx = np.arange(self._next, first + env.shape[0], self.step)
        cop = None
        if p.force_stream is not None and idx.size:
            f_idx = np.floor(idx / p.emg_fs_hz * p.force_fs_hz + 1e-9).astype(int)
            cop, fz, f_first = p.cop_since(int(f_idx[0]))
            due = f_idx - f_first < cop.shape[0]  # wait until the plate has reached the same instant
            idx, f_idx = idx[due], f_idx[due] - f_first
        if idx.size == 0:
            return 0
        out = np.full((idx.size, len(self.channel_labels)), np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, :-3] = 100.0 * env[idx - first] / p.reference_levels  # NaN where there is no reference
        if cop is not None:
            ok = f_idx >= 0  # rows the ring no longer held stay NaN
            out[ok, -3:-1] = cop[f_idx[ok]]
            out[ok, -1] = fz[f_idx[ok]]
        stamps = [p.sample_time(p.emg_stream.name, int(i)) + self._lsl_minus_monotonic for i in idx]
        self._outlet.push_chunk(out.tolist(), stamps)
        self._next = int(idx[-1]) + self.step
        self.pushed += idx.size
        return int(idx.size)

    def close(self) -> None:
        """Stop publishing (subscribers see the stream end)."""
        self._outlet = None

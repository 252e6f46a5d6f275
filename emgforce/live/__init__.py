"""Real-time biofeedback: streaming EMG envelopes (%MVC), GM activation bars, COP sway.

Layers, each usable alone:

* :mod:`~emgforce.live.ringbuffer` -- preallocated ring buffers, min/max decimation;
* :mod:`~emgforce.live.pipeline` -- Qt-free processing: device blocks through the
  stateful :class:`~emgforce.signal.StreamEnvelope` and
  :func:`~emgforce.forceplate.center_of_pressure` into ring buffers, ready-to-draw
  :class:`~emgforce.live.pipeline.Frame` objects with running sway statistics;
* :mod:`~emgforce.live.trials` -- trial start/stop, reps and MVC capture (markers);
* :mod:`~emgforce.live.session` -- a device feeding the pipeline, optionally recording;
* :mod:`~emgforce.live.guided` -- guided sets from a script, reps found live;
* :mod:`~emgforce.live.audio` -- tone / chime feedback (numpy synthesis, ``audio`` extra to play);
* :mod:`~emgforce.live.outlet` -- %MVC and COP published as an LSL stream (``lsl`` extra);
* :mod:`~emgforce.live.window` -- the operator window and :mod:`~emgforce.live.patient`
  the patient view (both import Qt; import them explicitly).

Nothing heavy is imported with this package; the names below load on first use.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "RingBuffer": "ringbuffer",
    "minmax_decimate": "ringbuffer",
    "Frame": "pipeline",
    "LivePipeline": "pipeline",
    "TrialController": "trials",
    "LiveSession": "session",
    "reference_from_recording": "reference",
    "SampleClock": "pipeline",
    "GuidedProtocol": "guided",
    "GuidedSet": "guided",
    "SetSpec": "guided",
    "AudioFeedback": "audio",
    "ProcessedOutlet": "outlet",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"emgforce.live.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'emgforce.live' has no attribute {name!r}")

"""MVC reference for the live display from an earlier recording's MVC trials.

The reference must come from the same envelope the display draws, so the
recorded EMG is run through the same causal :class:`~emgforce.signal.StreamEnvelope`
(not the zero-phase offline envelope), then each side's channels take the
largest 1 s moving mean over that side's MVC trials
(:func:`emgforce.signal.mvc_reference`).
"""

from __future__ import annotations

import logging
import os

import numpy as np

from emgforce.errors import AnalysisError
from emgforce.signal import StreamEnvelope, mvc_reference

log = logging.getLogger(__name__)

__all__ = ["reference_from_recording"]


def reference_from_recording(path: str | os.PathLike[str], *, params=None) -> dict[str, float]:
    """Per-channel 100 %MVC envelope level from the ``mvc_*`` trials of a recording.

    Parameters
    ----------
    path : str or Path
        An emgforce HDF5 recording with ``mvc_left`` / ``mvc_right`` trials.
    params : emgforce.signal.EnvelopeParams, optional
        Envelope settings; use the display's.

    Returns
    -------
    dict of str to float
        Reference of each EMG channel whose side had an MVC trial (channels
        without a side take every MVC trial).

    Raises
    ------
    AnalysisError
        No EMG stream or no MVC trial in the file.
    """
    from emgforce.io import read_recording

    rec = read_recording(path)
    stream = next((s for s in rec.streams.values() if any(c.kind == "emg" for c in s.channels)), None)
    if stream is None:
        raise AnalysisError(f"{path} has no EMG stream; an MVC reference needs the EMG of the MVC trials")
    trials = rec.trials(task="mvc")
    if not trials:
        raise AnalysisError(
            f"{path} has no MVC trial (labels mvc_left / mvc_right); record one, e.g. with the M key of "
            "'emgforce live', or run without --mvc"
        )
    cols = [i for i, c in enumerate(stream.channels) if c.kind == "emg"]
    data = stream.data[:, cols]
    # gaps are NaN rows: hold the last sample so the causal filters run on, as they did live
    env = StreamEnvelope(stream.fs_hz, len(cols), params=params, nonfinite="hold").process(data)
    names = [stream.channels[i].name for i in cols]
    sides = [stream.channels[i].side for i in cols]
    out: dict[str, float] = {}
    for side in sorted({t.side for t in trials}, key=str):
        segments = [env[stream.sample_slice(t.start_s, t.stop_s)] for t in trials if t.side == side]
        ref = np.atleast_1d(mvc_reference(segments, stream.fs_hz))
        for j, name in enumerate(names):
            if sides[j] == side or sides[j] is None:
                out[name] = max(out.get(name, 0.0), float(ref[j]))
    log.info("MVC reference from %s (%d trials): %s", path, len(trials), out)
    return out

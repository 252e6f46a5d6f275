"""Amplitude normalization to the maximal voluntary contraction (%MVC), never clipped."""

from __future__ import annotations

import numpy as np

from emgforce._docs import fill_doc
from emgforce.constants import MVC_WINDOW_S
from emgforce.errors import SignalError
from emgforce.signal._arrays import check_fs, check_positive, from_2d, to_2d

__all__ = ["mvc_reference", "percent_mvc"]


@fill_doc
def mvc_reference(envelopes, fs: float, *, window_s: float = MVC_WINDOW_S, axis: int = 0) -> np.ndarray:
    """Per-channel MVC reference: the largest moving mean of the envelope over the MVC trials.

    Parameters
    ----------
    envelopes : array_like or sequence of array_like
        Envelope of one MVC trial, or a list of trials (same channels; the
        lengths may differ), computed with the same pipeline as the task
        envelopes to be normalised.
    %(fs)s
    window_s : float
        Length of the moving mean (1 s by default); only complete windows
        count.
    axis : int
        Time axis of each trial.

    Returns
    -------
    ndarray, shape (n_channels,) (the trailing shape of the trials), or float for 1-D trials
        Envelope value at 100 %MVC, in the envelope's unit.

    Raises
    ------
    SignalError
        A trial shorter than the window, no trials, channel counts that
        differ, non-finite samples, or a reference that is not positive.
    """
    fs = check_fs(fs)
    window_s = check_positive(window_s, "window_s", " (s)")
    trials = [envelopes] if isinstance(envelopes, np.ndarray) else list(envelopes)
    if not trials:
        raise SignalError("no MVC trial given")
    if all(np.ndim(t) == 0 for t in trials):  # a single 1-D list of numbers
        trials = [np.asarray(trials, dtype=float)]
    w = max(1, int(round(window_s * fs)))
    best = None
    layout = None
    for k, trial in enumerate(trials):
        e2, lay = to_2d(trial, axis)
        if layout is not None and lay.moved_shape[1:] != layout.moved_shape[1:]:
            raise SignalError(f"MVC trial {k} has channel shape {lay.moved_shape[1:]}, "
                              f"trial 0 has {layout.moved_shape[1:]}")
        layout = lay
        if e2.shape[0] < w:
            raise SignalError(f"MVC trial {k} lasts {e2.shape[0] / fs:.3f} s, shorter than the {window_s:g} s "
                              "window; record a longer hold or pass a shorter window_s")
        if not np.all(np.isfinite(e2)):
            raise SignalError(f"MVC trial {k} holds NaN/inf envelope samples; fix or cut the trial first")
        csum = np.concatenate([np.zeros((1, e2.shape[1])), np.cumsum(e2, axis=0)])
        peak = ((csum[w:] - csum[:-w]) / w).max(axis=0)
        best = peak if best is None else np.maximum(best, peak)
    if not np.all(best > 0):
        raise SignalError(f"MVC reference must be positive; got {best} (a flat or disconnected channel?)")
    ref = best.reshape(layout.moved_shape[1:])
    return ref.astype(np.float64) if ref.ndim else float(ref)


def percent_mvc(envelope, reference, *, axis: int = 0) -> np.ndarray:
    """Envelope in %MVC: ``100 * envelope / reference`` per channel, never clipped at 100.

    Parameters
    ----------
    envelope : array_like
        Envelope (``axis`` is time), same unit and pipeline as the reference.
    reference : float or array_like, shape (n_channels,)
        From :func:`mvc_reference`.
    axis : int
        Time axis.

    Returns
    -------
    ndarray
        Same shape as ``envelope``; values above 100 are kept (a task may
        exceed the MVC trial).
    """
    e2, layout = to_2d(envelope, axis)
    ref = np.asarray(reference, dtype=np.float64).reshape(-1)
    if ref.size == 1:
        ref = np.full(e2.shape[1], ref[0])
    if ref.size != e2.shape[1]:
        raise SignalError(f"{ref.size} MVC references for {e2.shape[1]} channels")
    if not np.all(np.isfinite(ref) & (ref > 0)):
        raise SignalError(f"MVC references must be positive and finite, got {ref}")
    return from_2d(e2 * (100.0 / ref), layout)

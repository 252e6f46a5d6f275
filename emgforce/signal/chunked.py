"""Out-of-core zero-phase EMG envelope: a recording too large for memory, chunk by chunk.

:func:`emg_envelope_chunked` reads the raw EMG from anything sliceable along time
(an ``h5py.Dataset``, a ``numpy.memmap``, an array) and writes the envelope into a
writable one of the same shape, holding only a few chunks in memory. It runs the
same causal kernels as :func:`~emgforce.signal.emg_envelope` in the same order --
forward and backward band-pass/notch over scipy's odd extension, rectification,
forward and backward low-pass -- carrying the filter state from chunk to chunk and
using the output as the scratch space between sweeps, so the result equals the
in-memory computation of a short signal (one time block) to the last bit (and scipy's chain to
rounding).
"""

from __future__ import annotations

__all__ = ["emg_envelope_chunked"]

import numpy as np

from emgforce._docs import fill_doc
from emgforce.errors import SignalError
from emgforce.signal._lazy import kernels as _kernels
from emgforce.signal.filters import padlen, with_zi
from emgforce.signal.pipeline import EnvelopeParams, design
from emgforce.signal.quality import raise_nonfinite

_ROWS = 4096  # chunks are a multiple of the mean's summation block: the mean is bit-identical


@fill_doc
def emg_envelope_chunked(source, fs: float, out=None, *, chunk_s: float = 10.0,
                         params: EnvelopeParams | None = None, **overrides):
    """Zero-phase linear envelope of ``source`` (time-major ``(n, n_channels)``), chunk by chunk.

    Parameters
    ----------
    source : array_like, shape (n, n_channels)
        Raw EMG, sliceable along its first axis (``h5py.Dataset``, ``numpy.memmap``,
        ndarray); read four times in chunks, never whole.
    %(fs)s
    out : array_like, shape (n, n_channels), optional
        Where the envelope goes (float64; e.g. ``h5py.File.create_dataset(..., dtype="f8")``
        or a ``numpy.memmap``); it is also the scratch space between the sweeps.
        Default: a new in-memory array.
    chunk_s : float
        Chunk length in s (rounded up to a multiple of 4096 samples); memory use is
        a few chunks of all channels.
    params : EnvelopeParams, optional
        Pipeline settings, as for :func:`~emgforce.signal.emg_envelope`; only the
        ``"lowpass"`` method and the ``"raise"`` policy for NaN/inf are supported.
    **overrides
        Any :class:`~emgforce.signal.EnvelopeParams` field.

    Returns
    -------
    out
        The envelope (the array passed as ``out``, or a new one).

    Raises
    ------
    SignalError
        Bad parameters, a signal too short for the edge padding, NaN/inf samples,
        or a method/policy that needs the whole signal at once.
    """
    chain = design(params, fs, overrides)
    if chain.mode != _kernels.MODE_LOWPASS or chain.nonfinite != "raise":
        raise SignalError("emg_envelope_chunked supports method='lowpass' with nonfinite='raise'; "
                          "use emg_envelope for the others")
    if len(getattr(source, "shape", ())) != 2:
        raise SignalError(f"source must be 2-D (n_samples, n_channels), got shape {getattr(source, 'shape', None)}")
    n, n_ch = source.shape
    pads = [padlen(s) if len(s) else 0 for s in (chain.pre_sos, chain.lp_sos)]
    if n <= max(pads):
        raise SignalError(f"signal has {n} samples; the zero-phase envelope needs more than {max(pads)}")
    if out is None:
        out = np.empty((n, n_ch))
    elif tuple(out.shape) != (n, n_ch):
        raise SignalError(f"out must have shape {(n, n_ch)}, got {tuple(out.shape)}")
    step = max(1, -(-int(round(chunk_s * chain.fs)) // _ROWS)) * _ROWS
    chunks = [(a, min(n, a + step)) for a in range(0, n, step)]

    def read(a, b):
        return np.ascontiguousarray(source[a:b], dtype=np.float64)

    total, bad = np.zeros(n_ch), np.zeros(n_ch, dtype=np.int64)
    for a, b in chunks:
        _kernels.add_block_sums(read(a, b), total, bad)
    if bad.any():
        raise_nonfinite(bad, n)
    mean = total / n if chain.remove_dc else np.zeros(n_ch)

    if len(chain.pre_sos):
        _filtfilt(lambda a, b: read(a, b) - mean, out, chunks, chain.pre_sos, pads[0], rectify=True)
    else:
        for a, b in chunks:
            out[a:b] = np.abs(read(a, b) - mean)
    _filtfilt(lambda a, b: np.ascontiguousarray(out[a:b], dtype=np.float64), out, chunks, chain.lp_sos, pads[1],
              rectify=False)
    return out


def _filtfilt(read, out, chunks, sos, pad, *, rectify):
    """``sosfiltfilt`` (odd padding) of the chunks ``read`` gives, into ``out``; rectified if asked."""
    n = chunks[-1][1]
    coef = with_zi(sos)
    z = np.zeros((len(sos), 2, out.shape[1]))
    head, tail = read(0, pad + 1), read(n - pad - 1, n)  # before `out` is overwritten
    left = 2.0 * head[0] - head[pad:0:-1]
    right = 2.0 * tail[-1] - tail[-2::-1]
    z[:] = coef[:, 6:8, None] * left[0]
    _run(left, coef, z)
    for a, b in chunks:
        out[a:b] = _run(read(a, b), coef, z)
    right = _run(np.ascontiguousarray(right), coef, z)
    z[:] = coef[:, 6:8, None] * right[-1]
    _run(np.ascontiguousarray(right[::-1]), coef, z)
    for a, b in reversed(chunks):
        y = _run(np.ascontiguousarray(np.asarray(out[a:b])[::-1]), coef, z)[::-1]
        out[a:b] = np.abs(y) if rectify else y


def _run(x, coef, z):
    """Causal cascade over ``x`` in place, from and into state ``z``."""
    _kernels.sos_forward(x, coef, z, x, _CONTINUE)
    return x


_CONTINUE = np.array([1, 0, 0], dtype=np.int64)  # started, no steady-state start, no NaN check

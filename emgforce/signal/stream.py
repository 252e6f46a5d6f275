"""Stateful block-by-block filtering for live use; equals the causal offline result.

Each ``process`` call is one compiled call on preallocated state, so a 20-sample
block of 16 channels costs a few microseconds. Blocks may have any length (0
samples up to minutes) and the concatenated outputs equal the offline causal
function on the concatenated input, to the last bit: both run the same kernel.
"""

from __future__ import annotations

import numpy as np

from emgforce.errors import SignalError
from emgforce.signal._lazy import kernels as _kernels
from emgforce.signal._arrays import is_positive_int
from emgforce.signal.filters import check_sos, with_zi
from emgforce.signal.pipeline import CausalState, EnvelopeParams, design
from emgforce.signal.quality import check_policy, raise_nonfinite

__all__ = ["StreamFilter", "StreamEnvelope"]

_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _check_setup(n_channels, dtype) -> tuple[int, np.dtype]:
    if not is_positive_int(n_channels):
        raise SignalError(f"n_channels must be a positive integer, got {n_channels!r}")
    dtype = np.dtype(dtype)
    if dtype not in _DTYPES:
        raise SignalError(f"dtype must be float32 or float64, got {dtype}")
    return int(n_channels), dtype


def _as_block(block, n_channels: int) -> np.ndarray:
    """The block as time-major C-contiguous float64, without a copy when it already is."""
    if not (isinstance(block, np.ndarray) and block.dtype == np.float64 and block.ndim == 2
            and block.flags.c_contiguous):
        block = np.asarray(block)
        if block.dtype.kind not in "biuf":
            raise SignalError(f"block must hold real numbers, got dtype {block.dtype}")
        block = np.ascontiguousarray(block, dtype=np.float64)
        if block.ndim != 2:
            raise SignalError(f"block must have shape (n_samples, {n_channels}), got {block.shape}")
    if block.shape[1] != n_channels:
        raise SignalError(f"block has {block.shape[1]} channels, this stream was set up for {n_channels}")
    return block


class StreamFilter:
    """Causal SOS filter over blocks of ``(n_samples, n_channels)``, state kept between blocks.

    Concatenated outputs equal ``sosfilt(x, sos, zi=sosfilt_zi(sos)[:, :, None] * x[0])``
    with ``initial="steady"`` (default: no start-up transient from an offset),
    or ``sosfilt(x, sos)`` with ``initial="zero"``.

    Parameters
    ----------
    sos : array_like, shape (n_sections, 6)
        Filter, e.g. from :func:`~emgforce.signal.butter_sos`.
    n_channels : int
        Channels per block.
    dtype : float32 or float64
        Output dtype (the arithmetic is float64 either way).
    initial : {"steady", "zero"}
        Initial state.

    Raises
    ------
    SignalError
        From :meth:`process` when a block holds NaN/inf (the state is left as it
        was, so the caller may repair the block and retry).
    """

    def __init__(self, sos, n_channels: int, *, dtype=np.float64, initial: str = "steady") -> None:
        self.n_channels, self.dtype = _check_setup(n_channels, dtype)
        if initial not in ("steady", "zero"):
            raise SignalError(f"initial must be 'steady' or 'zero', got {initial!r}")
        self.sos = check_sos(sos)
        self.initial = initial
        self._coef = with_zi(self.sos)
        self._z = np.zeros((self.sos.shape[0], 2, self.n_channels))
        self._flags = np.array([0, initial == "steady", 1], dtype=np.int64)

    def reset(self) -> None:
        """Forget the past: the next block starts a new signal."""
        self._z[:] = 0.0
        self._flags[0] = 0

    def process(self, block) -> np.ndarray:
        """Filter one block, shape ``(n_samples, n_channels)``; returns a new array of ``dtype``."""
        x = _as_block(block, self.n_channels)
        y = np.empty(x.shape)
        if _kernels.sos_forward(x, self._coef, self._z, y, self._flags) < 0:
            raise_nonfinite(_kernels.mean_and_nonfinite(x)[1], x.shape[0])
        return y if self.dtype == np.float64 else y.astype(self.dtype)


class StreamEnvelope:
    """Causal EMG envelope over blocks; equals ``emg_envelope(x, fs, zero_phase=False, ...)``.

    Parameters
    ----------
    fs : float
        Sampling rate in Hz.
    n_channels : int
        EMG channels per block.
    params : EnvelopeParams, optional
        Pipeline settings (defaults from :mod:`emgforce.constants`); the
        causal chain is band-pass/notch (kept state), rectification, then the
        low-pass or a trailing RMS/MAV window.
    dtype : float32 or float64
        Output dtype (the arithmetic is float64 either way).
    **overrides
        Any :class:`~emgforce.signal.EnvelopeParams` field. ``nonfinite`` may
        be ``"raise"`` (default: :meth:`process` raises and keeps its state),
        ``"zero"`` or ``"hold"`` (replaced and counted in
        :attr:`nonfinite_counts`).

    Attributes
    ----------
    delay_s : float
        Delay of the envelope behind the muscle activity: group delay of the
        smoothing stage at 0 Hz (~38 ms for the 6 Hz 2nd-order default;
        ``(w - 1) / 2`` samples for a trailing window) plus the band-pass group
        delay at the centre of its band.
    """

    def __init__(self, fs: float, n_channels: int, *, params: EnvelopeParams | None = None,
                 dtype=np.float64, **overrides) -> None:
        self.n_channels, self.dtype = _check_setup(n_channels, dtype)
        chain = design(params, fs, overrides)
        check_policy(chain.nonfinite, streaming=True)
        self.fs = chain.fs
        self.params = (params or EnvelopeParams()).replace(**overrides)
        self.delay_s = chain.delay_s
        self._state = CausalState(chain, self.n_channels)

    def reset(self) -> None:
        """Forget the past (and the non-finite counts): the next block starts a new signal."""
        self._state.reset()

    @property
    def nonfinite_counts(self) -> np.ndarray:
        """NaN/inf samples replaced so far, per channel (policies "zero"/"hold")."""
        return self._state.nonfinite_counts

    def process(self, block) -> np.ndarray:
        """Envelope of one block, shape ``(n_samples, n_channels)``; returns a new array of ``dtype``."""
        x = _as_block(block, self.n_channels)
        y = np.empty(x.shape)
        self._state.run(x, y)
        return y if self.dtype == np.float64 else y.astype(self.dtype)

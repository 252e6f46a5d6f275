"""Butterworth and notch design (scipy) and their application (numba, all channels at once).

Filters are second-order sections (SOS, shape ``(n_sections, 6)``) as in
``scipy.signal``. :func:`sosfilt` and :func:`sosfiltfilt` give the same
results as their scipy namesakes (to rounding), with the signal's ``axis``
first in the argument list and ``axis=0`` (time-major) by default.
"""

from __future__ import annotations

import functools
import threading

import numpy as np

from emgforce._docs import fill_doc
from emgforce._deprecation import deprecated_alias
from emgforce.constants import NOTCH_Q
from emgforce.errors import SignalError
from emgforce.signal._lazy import kernels as _kernels
from emgforce.signal._lazy import scipy_signal as ss
from emgforce.signal._codes import LANES, MAX_SECTIONS
from emgforce.signal._arrays import check_fs, check_positive, from_2d, is_positive_int, to_2d
from emgforce.signal.quality import raise_nonfinite
from emgforce._workers import get_workers, map_threads

__all__ = ["butter_sos", "filter_causal", "filter_zero_phase", "notch_sos", "padlen", "sosfilt", "sosfiltfilt"]

_BTYPES = {"low": "lowpass", "lowpass": "lowpass", "high": "highpass", "highpass": "highpass",
           "band": "bandpass", "bandpass": "bandpass", "bandstop": "bandstop", "stop": "bandstop"}


@fill_doc
def butter_sos(order: int, cutoff_hz, fs: float, btype: str = "band") -> np.ndarray:
    """Design a digital Butterworth filter as second-order sections.

    Parameters
    ----------
    order : int
        Design order (per pass: a zero-phase application doubles the roll-off).
        Band-pass/band-stop filters have ``2 * order`` poles.
    cutoff_hz : float or (float, float)
        Cut-off frequency (low/high-pass) or ``(low, high)`` edges in Hz.
    %(fs)s
    btype : {"band", "low", "high", "bandstop"}
        Filter type (scipy's long names are accepted too).

    Returns
    -------
    ndarray, shape (n_sections, 6)

    Raises
    ------
    SignalError
        A cut-off is not strictly between 0 and the Nyquist frequency ``fs/2``,
        band edges are not increasing, or the order is not a positive integer.
    """
    fs = check_fs(fs)
    if btype not in _BTYPES:
        raise SignalError(f"btype must be one of {sorted(_BTYPES)}, got {btype!r}")
    kind = _BTYPES[btype]
    if not is_positive_int(order):
        raise SignalError(f"filter order must be a positive integer, got {order!r}")
    edges = np.atleast_1d(np.asarray(cutoff_hz, dtype=float))
    want = 2 if kind in ("bandpass", "bandstop") else 1
    if edges.shape != (want,):
        raise SignalError(f"a {kind} filter needs {want} cut-off frequenc{'ies' if want == 2 else 'y'} in Hz, "
                          f"got {cutoff_hz!r}")
    nyq = fs / 2.0
    for f in edges:
        if not (np.isfinite(f) and 0.0 < f < nyq):
            raise SignalError(f"cut-off {f:g} Hz must lie strictly between 0 and the Nyquist frequency "
                              f"{nyq:g} Hz (fs = {fs:g} Hz); lower it or record at a higher rate")
    if want == 2 and not edges[0] < edges[1]:
        raise SignalError(f"band edges must increase, got {edges[0]:g} and {edges[1]:g} Hz")
    return _butter(int(order), tuple(float(f) for f in edges), kind, fs).copy()


# Designs are cached: a design costs ~0.5 ms, more than filtering a few seconds of signal
# (trial windows, fits that smooth a model at every step, the envelope of 10 min on one channel
# is ~8 ms). Callers get copies.
@functools.lru_cache(maxsize=128)
def _butter(order: int, edges: tuple, kind: str, fs: float) -> np.ndarray:
    return ss.butter(order, edges if len(edges) == 2 else edges[0], btype=kind, fs=fs, output="sos")


@functools.lru_cache(maxsize=128)
def _notch(f_hz: float, q: float, fs: float) -> np.ndarray:
    return ss.tf2sos(*ss.iirnotch(f_hz, q, fs=fs))


@fill_doc
def notch_sos(f0_hz: float, fs: float, *, q: float = NOTCH_Q, harmonics: int = 1) -> np.ndarray:
    """Design a notch (``scipy.signal.iirnotch``) at ``f0_hz`` and its harmonics.

    Parameters
    ----------
    f0_hz : float
        Mains frequency, usually 50 or 60 Hz.
    %(fs)s
    q : float
        Quality factor (centre frequency / -3 dB bandwidth), the same for
        every harmonic.
    harmonics : int
        Number of notches: at ``f0, 2*f0, ..., harmonics*f0``.

    Returns
    -------
    ndarray, shape (harmonics, 6)

    Raises
    ------
    SignalError
        A notch frequency is not strictly below Nyquist, or q/harmonics invalid.
    """
    fs = check_fs(fs)
    q = check_positive(q, "notch quality factor q")
    if not is_positive_int(harmonics):
        raise SignalError(f"harmonics must be a positive integer, got {harmonics!r}")
    sections = []
    for k in range(1, int(harmonics) + 1):
        f = k * float(f0_hz)
        if not (np.isfinite(f) and 0.0 < f < fs / 2.0):
            raise SignalError(f"notch at {f:g} Hz (harmonic {k} of {f0_hz:g} Hz) must lie strictly between 0 "
                              f"and the Nyquist frequency {fs / 2:g} Hz; use fewer harmonics")
        sections.append(_notch(f, q, fs))
    return np.vstack(sections)


def check_sos(sos) -> np.ndarray:
    """Validated float64 SOS array of shape ``(n_sections, 6)`` with ``a0 == 1``."""
    sos = np.asarray(sos, dtype=np.float64)
    if sos.ndim != 2 or sos.shape[1] != 6 or sos.shape[0] < 1:
        raise SignalError(f"sos must have shape (n_sections, 6), got {sos.shape}")
    if not np.all(np.isfinite(sos)):
        raise SignalError("sos coefficients must be finite")
    if not np.all(sos[:, 3] == 1.0):
        raise SignalError("each section's a0 (column 3) must be 1; normalise the sections first")
    return sos


def padlen(sos) -> int:
    """Default edge padding of ``scipy.signal.sosfiltfilt`` for ``sos``.

    ``3 * (2 * n_sections + 1 - min(#(b2 == 0), #(a2 == 0)))`` samples of odd
    extension at each end.
    """
    sos = np.asarray(sos)
    ntaps = 2 * sos.shape[0] + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    return 3 * ntaps


def transition_matrix(sos: np.ndarray) -> np.ndarray:
    """One-sample state transition of the cascade with zero input, ``(2 S, 2 S)``.

    State order ``(z0, z1)`` per section, transposed direct form II (as
    ``sosfilt``): a section's output ``z0`` (times ``b0``) feeds the next one.
    """
    sos = np.asarray(sos, dtype=np.float64)
    n_sec = sos.shape[0]
    a = np.zeros((2 * n_sec, 2 * n_sec))
    # gain[r] = d(input of the current section) / d(state r), built section by section
    gain = np.zeros(2 * n_sec)
    for s, (b0, b1, b2, _, a1, a2) in enumerate(sos):
        out = b0 * gain  # section output y = b0 * input + z0
        out[2 * s] += 1.0
        a[2 * s] = b1 * gain - a1 * out
        a[2 * s, 2 * s + 1] += 1.0
        a[2 * s + 1] = b2 * gain - a2 * out
        gain = out
    return a


@functools.lru_cache(maxsize=64)
def _settle(coefficients: bytes, tol: float, limit: int) -> int | None:
    sos = np.frombuffer(coefficients).reshape(-1, 6)
    q = np.linalg.matrix_power(transition_matrix(sos), 64)
    p = np.eye(q.shape[0])
    w = 0
    while np.abs(p).sum(axis=1).max() > tol:
        if w >= limit or not np.all(np.isfinite(p)):
            return None
        p = p @ q
        w += 64
    return w


@functools.lru_cache(maxsize=64)
def _steady_state_cached(coefficients: bytes) -> np.ndarray:
    return ss.sosfilt_zi(np.frombuffer(coefficients).reshape(-1, 6))


def steady_state(sos: np.ndarray) -> np.ndarray:
    """``scipy.signal.sosfilt_zi(sos)``, computed once per filter: short signals are filtered often
    (a fit smooths its model at every step), and the solve costs more than the filtering."""
    return _steady_state_cached(np.ascontiguousarray(sos, dtype=np.float64).tobytes()).copy()


def settle_samples(sos: np.ndarray, tol: float = 1e-18, limit: int = 1 << 22) -> int | None:
    """Samples after which the cascade forgets its state: ``||A**w||_inf <= tol``.

    ``A`` is :func:`transition_matrix`; ``w`` is a multiple of 64 (None if it would
    exceed ``limit``, e.g. for a pole on the unit circle). Starting a block at
    rest ``w`` samples early then changes its outputs by less than ``tol`` times
    the state's magnitude, i.e. below float64 rounding. Cached per filter.
    """
    return _settle(np.ascontiguousarray(sos, dtype=np.float64)[:, :6].tobytes(), tol, limit)


# Blocks at least this many warm-ups long (a piece on a thread holds half the signal: 2 measured
# best, 16 lanes whose warm-ups cost half a block beat 8 lanes without; benchmarks/README.md).
WARM_RATIO = 2
# Shorter signals (an analysis' trial windows) stay in one block, as wide as their channels:
# blocks or rows padded to 16 lanes would save a fraction of a millisecond per window (16,000
# samples: 1 channel 0.55 ms as it is, 0.84 in a row of 16; 6 channels 1.05 vs 0.90 ms), and an
# analysis in a fresh environment would compile the transpositions and the 16-lane sweep too
# (~1 s).
MIN_BLOCKED_SAMPLES = 1 << 18


# Lanes of no meaning a row of LANES may carry, and only while the layout stays in cache: a long
# layout is bound by memory traffic, which idle lanes add to (measured, 10 min x 2 threads:
# 3 channels as 5 blocks in rows of 16 ran 34 % faster than as 6 blocks in rows of 18 with the
# general sweep; 5 channels as 3 blocks 6 % slower than as 4, 6 channels as 2 blocks 12 %).
MAX_IDLE_LANES = 1
CACHED_LAYOUT_BYTES = 16 << 20


def time_blocks(n: int, n_ch: int, pad: int, warm: tuple) -> int:
    """Number of time blocks of the zero-phase kernels (1: filter the channels as they are).

    As many blocks as fit in a row of ``LANES`` lanes if they fill it (up to
    ``MAX_IDLE_LANES`` idle while the layout fits in ``CACHED_LAYOUT_BYTES``), else enough
    blocks to fill it; each block long enough that its warm-up (``warm``, from
    :func:`settle_samples`) costs at most half of it; one block below ``MIN_BLOCKED_SAMPLES``.
    """
    if n < MIN_BLOCKED_SAMPLES or any(w is None for w in warm):
        return 1
    k = LANES // n_ch
    idle = LANES - k * n_ch
    if idle and (idle > MAX_IDLE_LANES or (n + 2 * pad) // max(k, 1) * LANES * 8 > CACHED_LAYOUT_BYTES):
        k = -(-LANES // n_ch)
    while k > 1 and (n + 2 * pad) // k < WARM_RATIO * max(warm) + 2 * pad + k + 1:
        k -= 1
    return k


# Threads pay off from this many samples per piece (pieces overlap by the settle times).
MIN_PIECE_SAMPLES = 1 << 17


def zero_phase_run(x2: np.ndarray, mean: np.ndarray, pad: int, warm: tuple, kernel, *args,
                   workers: int | None = None) -> np.ndarray:
    """``x2 - mean`` padded by ``pad`` rows and laid out in time blocks, through ``kernel`` in place.

    ``kernel(b, n_ch, lanes, n, pad, *args)`` is a zero-phase kernel of :mod:`._kernels`
    (e.g. :func:`filtfilt_in_place`); ``warm`` are the warm-ups (settle
    times) of its filters in the order they run. A long signal is cut in time into
    one piece per worker thread, each overlapping its neighbours by the sum of the
    settle times plus the padding: an error started at a cut (the piece's own edge
    padding) dies out within one settle time per pass, so the kept middle of each
    piece equals the whole-signal result to rounding. Returns the ``(n, n_ch)``
    samples of the result.
    """
    n = x2.shape[0]
    threads = get_workers(workers)
    parts = 1
    if all(w is not None for w in warm):
        halo = sum(warm) + 2 * pad
        parts = max(1, min(threads, n // max(MIN_PIECE_SAMPLES, 4 * halo)))
    if parts == 1:
        return _run_blocks(x2, mean, pad, warm, kernel, args)
    y2 = np.empty_like(x2)
    cuts = [n * j // parts for j in range(parts + 1)]

    def piece(j: int) -> None:  # its middle straight into y2; its buffers are its thread's scratch
        lo, hi = max(0, cuts[j] - halo), min(n, cuts[j + 1] + halo)
        _run_blocks(x2[lo:hi], mean, pad, warm, kernel, args, out=y2[lo:hi], keep=(cuts[j] - lo, cuts[j + 1] - lo))

    map_threads(piece, list(range(parts)))
    return y2


def filtfilt_in_place(b: np.ndarray, n_ch: int, lanes: int, n: int, pad: int, sos: np.ndarray, zi: np.ndarray,
                      sos_pad: int, warm: int, rectify: bool) -> None:
    """scipy ``sosfiltfilt`` (odd padding of ``sos_pad``) of samples g = pad .. pad + n - 1 of the
    time-block layout ``b`` (``lanes`` of its lanes used), in place, rectified if asked (a kernel
    for :func:`zero_phase_run`).

    The sweeps are called from Python: numba would compile a caller of both again (seconds
    in a fresh environment) and ran it slower.
    """
    _odd_extension(b, n_ch, pad, n, sos_pad)
    for reverse in (False, True):
        _sweep(b, n_ch, lanes, sos, zi, warm, pad - sos_pad, pad + n + sos_pad - 1, reverse, rectify and reverse)


def _sweep(b: np.ndarray, n_ch: int, lanes: int, sos: np.ndarray, zi: np.ndarray, warm: int, first: int, last: int,
           reverse: bool, rectify: bool) -> None:
    """One causal pass of the layout: the register-state kernel where it fits (rows of ``LANES``,
    at most ``MAX_SECTIONS`` sections), else the general one."""
    warm = warm if lanes > n_ch else 0
    if b.shape[1] == LANES and len(sos) <= MAX_SECTIONS:
        _kernels.lanes16_pass(b, _kernels.warm_rows(b, n_ch, warm, reverse), n_ch, sos, zi, first, last, reverse,
                              rectify)
    else:
        _kernels.lanes_pass(b, n_ch, lanes, sos, zi, warm, first, last, reverse, rectify)


def _odd_extension(b: np.ndarray, n_ch: int, pad: int, n: int, pad_ext: int) -> None:
    """scipy's odd extension by ``pad_ext`` samples at both ends of samples g = pad .. pad + n - 1
    of the time-block layout ``b`` (sample g of channel c is ``b[g % length, (g // length) * n_ch + c]``)."""
    length = b.shape[0]
    c = np.arange(n_ch)
    j = np.arange(1, pad_ext + 1)[:, None]
    for end, step in ((pad, -1), (pad + n - 1, 1)):
        out, src = end + step * j, end - step * j
        b[out % length, out // length * n_ch + c] = (2.0 * b[end % length, end // length * n_ch + c]
                                                    - b[src % length, src // length * n_ch + c])


# Rows of the layout start on cache lines: large numpy arrays start 32 bytes into one here, which
# splits every 64-byte vector load and store in two (the sweeps measured 15-20 % slower).
CACHE_LINE = 64


def _cache_aligned(size: int) -> np.ndarray:
    """An uninitialised float64 array of ``size`` starting on a cache line."""
    raw = np.empty(size + CACHE_LINE // 8)
    skip = (-raw.ctypes.data % CACHE_LINE) // 8
    return raw[skip:skip + size]


# The time-block buffer of the last call is kept, one per thread, up to this size: fresh memory
# costs its page faults (~0.1 ms per MB here, a quarter of the whole job on one channel).
SCRATCH_MAX_BYTES = 32 << 20
_thread = threading.local()


def _scratch(shape: tuple[int, int]) -> np.ndarray:
    """An uninitialised float64 array of ``shape``, from this thread's kept buffer when it fits."""
    size = shape[0] * shape[1]
    buf = getattr(_thread, "scratch", None)
    if buf is None or buf.size < size:
        buf = _cache_aligned(size)
        if size * 8 <= SCRATCH_MAX_BYTES:
            _thread.scratch = buf
    return buf[:size].reshape(shape)


def _run_blocks(x2: np.ndarray, mean: np.ndarray, pad: int, warm: tuple, kernel, args: tuple,
                out: np.ndarray | None = None, keep: tuple[int, int] | None = None) -> np.ndarray:
    """One thread's part of :func:`zero_phase_run`: the result of ``x2`` (a new array), or with
    ``out`` (a piece), its rows ``keep`` into the same rows of ``out``, which is returned."""
    n, n_ch = x2.shape
    t_lo, t_hi = keep or (0, n)
    n_blocks = time_blocks(n, n_ch, pad, warm)
    lanes = n_blocks * n_ch
    width = LANES if 1 < n_blocks and lanes < LANES else lanes
    if n_blocks == 1 and width == n_ch:  # the padded signal itself; the result is a view of it
        b = _cache_aligned((n + 2 * pad) * n_ch).reshape(-1, n_ch) if out is None else _scratch((n + 2 * pad, n_ch))
        b[:pad] = 0.0
        b[pad + n:] = 0.0
        np.subtract(x2, mean, out=b[pad:pad + n])
        kernel(b, n_ch, lanes, n, pad, *args)
        if out is None:
            return b[pad:pad + n]
        out[t_lo:t_hi] = b[pad + t_lo:pad + t_hi]
        return out
    b = _scratch((-(-(n + 2 * pad) // n_blocks), width))
    off, chan = _kernels.lane_offsets(n_ch, b.shape[0], lanes, pad)
    _kernels.lanes_fill(x2.reshape(-1), n_ch, np.asarray(mean, dtype=np.float64)[chan], off,
                        *_kernels.inner_rows(0, n, n_ch, b.shape[0], lanes, pad), b)
    kernel(b, n_ch, lanes, n, pad, *args)
    y2 = np.empty_like(x2) if out is None else out
    _kernels.lanes_read(b, off, *_kernels.inner_rows(t_lo, t_hi, n_ch, b.shape[0], lanes, pad), n_ch, t_lo,
                        t_hi, y2.reshape(-1))
    return y2


def with_zi(sos: np.ndarray) -> np.ndarray:
    """Rows ``(b0, b1, b2, 1, a1, a2, zi0, zi1)``: coefficients plus steady-state state."""
    return np.ascontiguousarray(np.hstack([sos, steady_state(sos)]))


def filter_causal(x, sos, axis: int = 0, zi=None):
    """Causal filtering by second-order sections: ``scipy.signal.sosfilt`` with the signal first.

    Parameters
    ----------
    x : array_like
        Signal; ``axis`` is time, every other dimension is a channel.
    sos : array_like, shape (n_sections, 6)
        Filter, e.g. from :func:`butter_sos`.
    axis : int
        Time axis (default 0: ``(n_samples, n_channels)``).
    zi : array_like, optional
        Initial state, shape ``(n_sections, ..., 2, ...)`` where ``...``
        is ``x.shape`` with ``x.shape[axis]`` replaced by 2 (scipy's
        convention). ``None`` starts from rest.

    Returns
    -------
    y : ndarray
        Filtered signal, same shape; float32 input gives float32 output
        (computed in float64).
    zf : ndarray
        Final state, only when ``zi`` is given.

    Raises
    ------
    SignalError
        NaN/inf samples (scipy would return NaN from there on; repair them
        first, e.g. with :func:`~emgforce.signal.emg_envelope`'s ``nonfinite``
        policies), or a ``zi`` of the wrong shape.
    """
    sos = check_sos(sos)
    x2, layout = to_2d(x, axis)
    n_sec, n_ch = sos.shape[0], x2.shape[1]
    if zi is None:
        z = np.zeros((n_sec, 2, n_ch))
    else:
        zi = np.asarray(zi, dtype=np.float64)
        expect = (n_sec,) + layout.moved_shape[1:]
        zi_moved = np.moveaxis(zi, layout.axis + 1, 1) if zi.ndim == len(layout.moved_shape) + 1 else zi
        if zi.ndim != len(layout.moved_shape) + 1 or zi_moved.shape[1] != 2 or \
                (zi_moved.shape[0],) + zi_moved.shape[2:] != expect:
            want = list(layout.moved_shape[1:])
            want.insert(layout.axis, 2)
            raise SignalError(f"zi must have shape (n_sections, ..., 2, ...) with the time axis of x replaced "
                              f"by 2, i.e. {(n_sec, *want)}; got {zi.shape}")
        z = np.ascontiguousarray(zi_moved.reshape(n_sec, 2, n_ch))
    y2 = np.empty_like(x2)
    if _kernels.sos_forward(x2, np.hstack([sos, np.zeros((n_sec, 2))]), z,
                            y2, np.array([1, 0, 1], dtype=np.int64)) < 0:
        raise_nonfinite(_kernels.mean_and_nonfinite(x2)[1], x2.shape[0])
    y = from_2d(y2, layout)
    if zi is None:
        return y
    zf = z.reshape((n_sec, 2) + layout.moved_shape[1:])
    return y, np.moveaxis(zf, 1, layout.axis + 1)


@fill_doc
def filter_zero_phase(x, sos, axis: int = 0, *, workers: int | None = None) -> np.ndarray:
    """Zero-phase forward-backward filtering: ``scipy.signal.sosfiltfilt`` with the signal first.

    Same edge handling as scipy's default: odd extension of
    :func:`padlen` samples at each end and steady-state initial conditions
    (``sosfilt_zi``) scaled by the first sample of each pass.

    Parameters
    ----------
    x : array_like
        Signal; ``axis`` is time.
    sos : array_like, shape (n_sections, 6)
    axis : int
        Time axis (default 0).
    %(workers)s

    Returns
    -------
    ndarray
        Same shape as ``x`` (float32 stays float32).

    Raises
    ------
    SignalError
        The signal is not longer than the padding (scipy raises ValueError),
        or holds NaN/inf samples (which would spread over the whole output).
    """
    sos = check_sos(sos)
    pad = padlen(sos)
    x2, layout = to_2d(x, axis)
    if x2.shape[0] <= pad:
        raise SignalError(f"signal has {x2.shape[0]} samples; zero-phase filtering with this filter needs more "
                          f"than {pad} (the edge padding); use a longer signal or the causal filter")
    bad = _kernels.mean_and_nonfinite(x2)[1]
    if bad.any():
        raise_nonfinite(bad, x2.shape[0])
    warm = settle_samples(sos)
    y2 = zero_phase_run(x2, np.zeros(x2.shape[1]), pad, (warm,), filtfilt_in_place, sos, steady_state(sos),
                        pad, warm or 0, False, workers=workers)
    return from_2d(y2, layout)


# scipy's names with the arguments swapped: deprecated (scipy's name means scipy's signature)
sosfilt = deprecated_alias(filter_causal, "emgforce.signal.sosfilt", "emgforce.signal.filter_causal")
sosfiltfilt = deprecated_alias(filter_zero_phase, "emgforce.signal.sosfiltfilt", "emgforce.signal.filter_zero_phase")

"""The EMG envelope pipeline: DC removal, band-pass, optional notch, rectification, envelope.

Offline (``zero_phase=True``) the result equals, to rounding, the same chain
built from ``scipy.signal`` calls::

    y = sosfiltfilt(pre, x - x.mean(axis=0))   # pre = band-pass and notch sections in one cascade
    e = sosfiltfilt(lowpass, abs(y))           # method="lowpass"
    e = centred moving mean of abs(y)          # method="mav"
    e = sqrt(centred moving mean of y**2)      # method="rms"

computed in four sweeps over the data by fused numba kernels.

Causal (``zero_phase=False``, and :class:`~emgforce.signal.StreamEnvelope`)::

    y = sosfilt(pre, x, zi=sosfilt_zi(pre) * x[0])
    e = sosfilt(lowpass, abs(y), zi=sosfilt_zi(lowpass) * abs(y[0]))   # or trailing mav/rms

The causal chain subtracts no mean (it cannot know it); the band-pass removes
DC and the steady-state start removes the offset's start-up transient.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

import numpy as np

from emgforce._docs import fill_doc
from emgforce.constants import (BANDPASS_HZ, BANDPASS_ORDER, ENVELOPE_LOWPASS_HZ, ENVELOPE_LOWPASS_ORDER,
                                NOTCH_Q, RMS_WINDOW_S)
from emgforce.errors import SignalError
from emgforce.signal import _codes
from emgforce.signal._lazy import kernels as _kernels
from emgforce.signal._lazy import scipy_signal as ss
from emgforce.signal._arrays import check_fs, check_positive, from_2d, is_positive_int, to_2d
from emgforce.signal.filters import (butter_sos, filtfilt_in_place, notch_sos, padlen, settle_samples, steady_state,
                                     with_zi, zero_phase_run)
from emgforce.signal.quality import POLICY_CODES, apply_policy, check_policy, raise_nonfinite

__all__ = ["EnvelopeParams", "emg_envelope"]

logger = logging.getLogger(__name__)

METHODS = {"lowpass": _codes.MODE_LOWPASS, "mav": _codes.MODE_MAV, "rms": _codes.MODE_RMS}


@dataclass(frozen=True)
class EnvelopeParams:
    """Every parameter of the envelope pipeline, defaults from :mod:`emgforce.constants`.

    Attributes
    ----------
    bandpass_hz : (float, float) or None
        Butterworth band-pass edges in Hz (None: no band-pass).
    bandpass_order : int
        Effective (zero-phase) order of the band-pass; even. The Butterworth is
        designed with half of it and applied forward and backward offline,
        once (half the roll-off) in the causal chain.
    notch_hz : float or None
        Mains frequency to notch out (50 or 60), off by default.
    notch_q : float
        Notch quality factor.
    notch_harmonics : int
        Number of notched harmonics (``f0 .. notch_harmonics * f0``).
    method : {"lowpass", "rms", "mav"}
        Envelope after rectification: Butterworth low-pass (linear envelope),
        moving RMS, or moving average rectified value.
    lowpass_hz : float
        Linear-envelope cut-off in Hz (2-4 for static holds, 6-10 dynamic).
    lowpass_order : int
        Butterworth design order of the envelope low-pass (applied twice
        offline).
    window_s : float
        Moving RMS / MAV window in s (centred offline, trailing causal).
    remove_dc : bool
        Subtract each channel's mean first (offline only).
    nonfinite : {"raise", "zero", "hold", "interpolate"}
        What to do with NaN/inf samples (see :mod:`emgforce.signal.quality`).
    """

    bandpass_hz: tuple[float, float] | None = BANDPASS_HZ
    bandpass_order: int = BANDPASS_ORDER
    notch_hz: float | None = None
    notch_q: float = NOTCH_Q
    notch_harmonics: int = 1
    method: str = "lowpass"
    lowpass_hz: float = ENVELOPE_LOWPASS_HZ
    lowpass_order: int = ENVELOPE_LOWPASS_ORDER
    window_s: float = RMS_WINDOW_S
    remove_dc: bool = True
    nonfinite: str = "raise"

    def replace(self, **overrides) -> "EnvelopeParams":
        """A copy with some fields changed; unknown names raise SignalError."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise SignalError(f"unknown envelope parameter(s) {unknown}; valid names are {sorted(names)}")
        return dataclasses.replace(self, **overrides)


@dataclass(frozen=True)
class Chain:
    """Designed filters of one pipeline at one sampling rate."""

    fs: float
    pre_sos: np.ndarray  # band-pass + notch sections, (n, 6), n may be 0
    lp_sos: np.ndarray  # envelope low-pass, (n, 6), empty unless method == "lowpass"
    mode: int
    window: int  # moving window in samples (1 for the low-pass)
    nonfinite: str
    remove_dc: bool
    centre_hz: float  # where the pre-filter's (carrier) group delay is taken

    @property
    def delay_s(self) -> float:
        """Delay of the causal envelope: smoothing at DC plus pre-filter in band.

        The smoothing stage's group delay at 0 Hz (the envelope's band),
        ``(window - 1) / 2`` samples for a trailing window, plus the pre-filter's
        group delay at the geometric centre of the band-pass (the carrier's).
        """
        if self.mode == _kernels.MODE_LOWPASS:
            smooth = _group_delay_s(self.lp_sos, 0.0, self.fs)
        else:
            smooth = (self.window - 1) / 2.0 / self.fs
        return smooth + (_group_delay_s(self.pre_sos, self.centre_hz, self.fs) if len(self.pre_sos) else 0.0)


def _group_delay_s(sos: np.ndarray, f_hz: float, fs: float) -> float:
    total = 0.0
    for sec in sos:
        _, gd = ss.group_delay((sec[:3], sec[3:]), w=[f_hz], fs=fs)
        total += float(gd[0])
    return total / fs


def design(params: EnvelopeParams | None, fs: float, overrides: dict) -> Chain:
    """Validate parameters and design the filters of the pipeline."""
    p = (params or EnvelopeParams()).replace(**overrides)
    fs = check_fs(fs)
    if p.method not in METHODS:
        raise SignalError(f"method must be one of {sorted(METHODS)}, got {p.method!r}")
    check_policy(p.nonfinite)
    sections = [np.empty((0, 6))]
    centre = 100.0
    if p.bandpass_hz is not None:
        order = p.bandpass_order
        if not is_positive_int(order) or order % 2:
            raise SignalError(f"bandpass_order is the effective zero-phase order and must be even >= 2, got {order!r}")
        sections.append(butter_sos(order // 2, p.bandpass_hz, fs, "band"))
        centre = float(np.sqrt(p.bandpass_hz[0] * p.bandpass_hz[1]))
    if p.notch_hz is not None:
        sections.append(notch_sos(p.notch_hz, fs, q=p.notch_q, harmonics=p.notch_harmonics))
    lp = np.empty((0, 6))
    window = 1
    if p.method == "lowpass":
        lp = butter_sos(p.lowpass_order, p.lowpass_hz, fs, "low")
    else:
        window = max(1, int(round(check_positive(p.window_s, "window_s", " (s)") * fs)))
    return Chain(fs, np.vstack(sections), lp, METHODS[p.method], window, p.nonfinite, bool(p.remove_dc), centre)


class CausalState:
    """State of the causal chain over all channels (shared by offline causal and streaming)."""

    def __init__(self, chain: Chain, n_channels: int) -> None:
        check_policy(chain.nonfinite, streaming=True)
        self.chain = chain
        self.n_channels = n_channels
        self.coef = np.ascontiguousarray(np.vstack([with_zi(s) if len(s) else np.empty((0, 8))
                                                    for s in (chain.pre_sos, chain.lp_sos)]))
        self.z = np.zeros((self.coef.shape[0], 2, n_channels))
        self.flags = np.zeros(7, dtype=np.int64)
        self.aux = np.zeros((3, n_channels))
        self.ring = np.zeros((chain.window, n_channels))
        self.reset()

    def reset(self) -> None:
        self.z[:] = 0.0
        self.aux[:] = 0.0
        self.ring[:] = 0.0
        self.flags[:] = (0, POLICY_CODES[self.chain.nonfinite], self.chain.mode, len(self.chain.pre_sos), 0, 0, 0)

    @property
    def nonfinite_counts(self) -> np.ndarray:
        return self.aux[1].astype(np.int64)

    def run(self, x2: np.ndarray, y2: np.ndarray) -> None:
        """Process time-major float64 ``x2`` into ``y2``; raises on non-finite input if asked to."""
        if _kernels.stream_block(x2, y2, self.coef, self.z, self.flags, self.aux, self.ring) < 0:
            raise_nonfinite(_kernels.mean_and_nonfinite(x2)[1], x2.shape[0])


@fill_doc
def emg_envelope(x, fs: float, *, params: EnvelopeParams | None = None, zero_phase: bool = True,
                 axis: int = 0, workers: int | None = None, **overrides) -> np.ndarray:
    """EMG envelope of every channel: DC removal, band-pass, notch, rectification, smoothing.

    Parameters
    ----------
    x : array_like
        Raw EMG, ``axis`` is time (default ``(n_samples, n_channels)``).
    %(fs)s
    params : EnvelopeParams, optional
        Pipeline settings; defaults from :mod:`emgforce.constants`.
    zero_phase : bool
        True: forward-backward filters and centred windows (no delay; needs the
        whole signal). False: the causal chain that
        :class:`~emgforce.signal.StreamEnvelope` runs block by block.
    axis : int
        Time axis.
    %(workers)s
    **overrides
        Any :class:`EnvelopeParams` field, e.g. ``lowpass_hz=3.0``.

    Returns
    -------
    ndarray
        Envelope in the signal's unit, same shape as ``x`` (float32 stays
        float32).

    Raises
    ------
    SignalError
        Bad parameters, a signal too short for zero-phase padding, or NaN/inf
        samples with ``nonfinite="raise"``.
    """
    chain = design(params, fs, overrides)
    x2, layout = to_2d(x, axis)
    if not zero_phase:
        if chain.nonfinite == "interpolate":
            x2 = apply_policy(x2, "interpolate")
        state = CausalState(dataclasses.replace(chain, nonfinite="raise") if chain.nonfinite == "interpolate"
                            else chain, x2.shape[1])
        y2 = np.empty_like(x2)
        state.run(x2, y2)
        if state.nonfinite_counts.any():
            _log_replaced(state.nonfinite_counts, chain.nonfinite)
        return from_2d(y2, layout)
    n, n_ch = x2.shape
    need = max(padlen(s) if len(s) else 0 for s in (chain.pre_sos, chain.lp_sos))
    if n <= need:
        raise SignalError(f"signal has {n} samples; the zero-phase envelope needs more than {need} "
                          f"({need / chain.fs:.3f} s) for its edge padding; use a longer signal or zero_phase=False")
    mean, bad = _kernels.mean_and_nonfinite(x2)  # one sweep for both
    if bad.any():
        x2 = apply_policy(x2, chain.nonfinite, dc_removed=chain.remove_dc, counts=bad)
        mean = _kernels.mean_and_nonfinite(x2)[0]
    if not chain.remove_dc:
        mean = np.zeros(n_ch)
    pre, lp = chain.pre_sos, chain.lp_sos
    pre_zi = steady_state(pre) if len(pre) else np.empty((0, 2))
    pre_pad, pre_warm = (padlen(pre), settle_samples(pre)) if len(pre) else (0, 0)
    if chain.mode == _kernels.MODE_LOWPASS:
        lp_pad, lp_warm = padlen(lp), settle_samples(lp)
        y2 = zero_phase_run(x2, mean, max(pre_pad, lp_pad), (pre_warm, lp_warm), _envelope_in_place,
                            pre, pre_zi, pre_pad, pre_warm or 0, lp, steady_state(lp), lp_pad, lp_warm or 0,
                            workers=workers)
        return from_2d(y2, layout)
    if len(pre):
        y2 = zero_phase_run(x2, mean, pre_pad, (pre_warm,), filtfilt_in_place, pre, pre_zi, pre_pad,
                            pre_warm or 0, False, workers=workers)
    else:
        y2 = x2 - mean
    power = 1 if chain.mode == _kernels.MODE_MAV else 2
    e2 = np.empty_like(y2)
    _kernels.centred_mean(y2, chain.window // 2, power, e2)
    if power == 2:
        np.sqrt(np.maximum(e2, 0.0, out=e2), out=e2)
    return from_2d(e2, layout)


def _envelope_in_place(b, n_ch, lanes, n, pad, pre, pre_zi, pre_pad, pre_warm, lp, lp_zi, lp_pad, lp_warm) -> None:
    """Zero-phase linear envelope on the time-block layout ``b`` (see ``filters.zero_phase_run``).

    Sweeps called from Python: one numba function running all four ran 1.4x slower
    (16 channels, 10 min) and compiled for seconds more.
    """
    if len(pre):
        filtfilt_in_place(b, n_ch, lanes, n, pad, pre, pre_zi, pre_pad, pre_warm, True)
    else:
        np.abs(b, out=b)
    filtfilt_in_place(b, n_ch, lanes, n, pad, lp, lp_zi, lp_pad, lp_warm, False)


def _log_replaced(counts: np.ndarray, policy: str) -> None:
    logger.warning(
        "replaced non-finite samples (policy %r), per channel: %s", policy,
        {int(c): int(k) for c, k in enumerate(counts) if k})

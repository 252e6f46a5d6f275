"""Single-stage envelopes: rectification, linear envelope, moving RMS/MAV, TKEO.

These run on an already conditioned signal (no DC removal or band-pass); the
full chain is :func:`emgforce.signal.emg_envelope`, which they share kernels
with.
"""

from __future__ import annotations

import numpy as np

from emgforce._docs import fill_doc
from emgforce.constants import ENVELOPE_LOWPASS_HZ, ENVELOPE_LOWPASS_ORDER, RMS_WINDOW_S
from emgforce.errors import SignalError
from emgforce.signal.pipeline import emg_envelope

__all__ = ["rectify", "linear_envelope", "moving_rms", "moving_average_rectified", "tkeo"]

_BARE = dict(bandpass_hz=None, notch_hz=None, remove_dc=False)


def rectify(x) -> np.ndarray:
    """Full-wave rectification ``|x|`` (float32 stays float32)."""
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise SignalError(f"signal must be real numbers, got dtype {x.dtype}")
    return np.abs(x.astype(np.float32 if x.dtype == np.float32 else np.float64, copy=False))


@fill_doc
def linear_envelope(x, fs: float, *, cutoff_hz: float = ENVELOPE_LOWPASS_HZ,
                    order: int = ENVELOPE_LOWPASS_ORDER, zero_phase: bool = True, axis: int = 0,
                    nonfinite: str = "raise") -> np.ndarray:
    """Full-wave rectification then a Butterworth low-pass.

    Zero-phase equals ``sosfiltfilt(butter(order, cutoff_hz, fs=fs), abs(x))``;
    causal equals ``sosfilt(sos, abs(x), zi=sosfilt_zi(sos) * abs(x[0]))``.

    Parameters
    ----------
    x : array_like
        Conditioned (band-passed) EMG; ``axis`` is time.
    %(fs)s
    cutoff_hz, order : float, int
        Low-pass cut-off (Hz) and Butterworth design order.
    zero_phase : bool
        Forward-backward (offline) or causal.
    axis : int
        Time axis.
    nonfinite : str
        NaN/inf policy (see :mod:`emgforce.signal.quality`).

    Returns
    -------
    ndarray
        Same shape as ``x``.
    """
    return emg_envelope(x, fs, zero_phase=zero_phase, axis=axis, method="lowpass", lowpass_hz=cutoff_hz,
                        lowpass_order=order, nonfinite=nonfinite, **_BARE)


@fill_doc
def moving_rms(x, fs: float, *, window_s: float = RMS_WINDOW_S, centred: bool = True, axis: int = 0,
               nonfinite: str = "raise") -> np.ndarray:
    """Moving root-mean-square.

    The window holds ``w = round(window_s * fs)`` samples; centred windows
    use ``2 * (w // 2) + 1`` samples around each one, trailing windows the
    ``w`` samples ending at it. Both shrink to the available samples at the
    edges (so the first trailing values average fewer samples).

    Parameters
    ----------
    x : array_like
        Signal; ``axis`` is time.
    %(fs)s
    window_s : float
        Window length in s.
    centred : bool
        Centred (offline, no delay) or trailing (causal, as streamed).
    axis : int
        Time axis.
    nonfinite : str
        NaN/inf policy.

    Returns
    -------
    ndarray
        Same shape as ``x``.
    """
    return emg_envelope(x, fs, zero_phase=centred, axis=axis, method="rms", window_s=window_s,
                        nonfinite=nonfinite, **_BARE)


@fill_doc
def moving_average_rectified(x, fs: float, *, window_s: float = RMS_WINDOW_S, centred: bool = True,
                             axis: int = 0, nonfinite: str = "raise") -> np.ndarray:
    """Moving average of ``|x|`` (MAV), windows as in :func:`moving_rms`.

    Parameters
    ----------
    x : array_like
        Signal; ``axis`` is time.
    %(fs)s
    window_s : float
        Window length in s.
    centred : bool
        Centred (offline) or trailing (causal, as streamed).
    axis : int
        Time axis.
    nonfinite : str
        NaN/inf policy.

    Returns
    -------
    ndarray
        Same shape as ``x``.
    """
    return emg_envelope(x, fs, zero_phase=centred, axis=axis, method="mav", window_s=window_s,
                        nonfinite=nonfinite, **_BARE)


def tkeo(x, axis: int = 0) -> np.ndarray:
    """Teager-Kaiser energy operator ``x[n]**2 - x[n-1] * x[n+1]`` (Kaiser 1990).

    The first and last samples, which lack a neighbour, repeat their inner
    neighbour's value. Kaiser J.F. (1990) Proc. IEEE ICASSP, 381-384; used to
    condition EMG for onset detection by Li X. et al. (2007) Ann Biomed Eng
    35:1532-1538 and Solnik S. et al. (2010).

    Parameters
    ----------
    x : array_like
        Signal with at least 3 samples along ``axis``.
    axis : int
        Time axis.

    Returns
    -------
    ndarray
        Same shape as ``x``.
    """
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise SignalError(f"signal must be real numbers, got dtype {x.dtype}")
    if x.ndim == 0 or not -x.ndim <= axis < x.ndim:
        raise SignalError(f"axis {axis} is out of range for a {x.ndim}-D signal")
    v = np.moveaxis(x.astype(np.float32 if x.dtype == np.float32 else np.float64, copy=False), axis, 0)
    if v.shape[0] < 3:
        raise SignalError(f"TKEO needs at least 3 samples, got {v.shape[0]}")
    out = np.empty_like(v)
    out[1:-1] = v[1:-1] ** 2 - v[:-2] * v[2:]
    out[0] = out[1]
    out[-1] = out[-2]
    return np.moveaxis(out, 0, axis)

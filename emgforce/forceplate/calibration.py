"""Offset removal of plate channels; :func:`forces_from_raw` (raw channels -> forces) lives with the plate description."""

from __future__ import annotations

import numpy as np

from emgforce._deprecation import renamed_kwargs
from emgforce.errors import ForcePlateError
from emgforce.forceplate._validate import check_fs
from emgforce.plates import forces_from_raw

__all__ = ["forces_from_raw", "zero_offset"]


@renamed_kwargs(fs_hz="fs")
def zero_offset(
    data: np.ndarray,
    *,
    indices: tuple[int, int] | None = None,
    seconds: tuple[float, float] | None = None,
    fs: float | None = None,
    return_offset: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Remove per-channel offsets measured over an unloaded period.

    Parameters
    ----------
    data : ndarray, shape (n_samples, n_channels)
        Raw channels or forces.
    indices : (start, stop), optional
        Sample range ``[start, stop)`` of the unloaded period.
    seconds : (t0, t1), optional
        The same in seconds from sample 0; needs ``fs``.
    fs : float, optional
        Sampling rate for ``seconds``.
    return_offset : bool
        Also return the subtracted offset.

    Returns
    -------
    zeroed : ndarray
        ``data - offset``.
    offset : ndarray, shape (n_channels,)
        Mean of each channel over the period (only if ``return_offset``).

    Raises
    ------
    ForcePlateError
        Neither or both of ``indices``/``seconds``, a period outside the data
        or shorter than one sample, or a channel without finite samples in it.
    """
    x = np.asarray(data, dtype=float)
    if x.ndim != 2:
        raise ForcePlateError(f"data must be (n_samples, n_channels), got shape {x.shape}")
    if (indices is None) == (seconds is None):
        raise ForcePlateError("give the unloaded period as either indices=(start, stop) or seconds=(t0, t1) with fs")
    if seconds is not None:
        if fs is None:
            raise ForcePlateError("zero_offset: seconds=... needs fs")
        fs = check_fs(fs, "zero_offset")
        indices = (int(round(seconds[0] * fs)), int(round(seconds[1] * fs)))
    start, stop = int(indices[0]), int(indices[1])
    if not 0 <= start < stop <= x.shape[0]:
        raise ForcePlateError(f"unloaded period [{start}, {stop}) is empty or outside the {x.shape[0]} samples")
    window = x[start:stop]
    finite = np.isfinite(window)
    if not finite.any(axis=0).all():
        bad = np.flatnonzero(~finite.any(axis=0)).tolist()
        raise ForcePlateError(f"channels {bad} have no finite sample in the unloaded period [{start}, {stop})")
    offset = np.nanmean(window, axis=0)
    zeroed = x - offset
    return (zeroed, offset) if return_offset else zeroed

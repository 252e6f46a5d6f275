"""Input validation and the time-major float64 layout the kernels need."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emgforce._numbers import positive_number
from emgforce.errors import SignalError


def check_positive(value, name: str, unit: str = "") -> float:
    """Return ``value`` as a float; it must be a positive finite number (``unit`` goes in the message)."""
    return positive_number(value, name + unit, SignalError)


def check_fs(fs: float) -> float:
    """Return ``fs`` as a float; it must be positive and finite (Hz)."""
    return check_positive(fs, "fs", " (Hz)")


def is_positive_int(value) -> bool:
    """True for a Python or numpy integer >= 1 (bool excluded)."""
    return not isinstance(value, bool) and isinstance(value, (int, np.integer)) and value >= 1


def out_dtype(x: np.ndarray) -> np.dtype:
    """float32 stays float32; everything else real becomes float64."""
    return np.dtype(np.float32) if x.dtype == np.float32 else np.dtype(np.float64)


@dataclass(frozen=True)
class Layout:
    """How to put a ``(n, n_channels)`` result back into the caller's shape."""

    moved_shape: tuple[int, ...]
    axis: int
    dtype: np.dtype


def to_2d(x, axis: int = 0, *, min_samples: int = 1) -> tuple[np.ndarray, Layout]:
    """Time-major C-contiguous float64 view/copy of ``x`` with ``axis`` first.

    Any further dimensions are flattened into channels.
    """
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise SignalError(f"signal must be real numbers, got dtype {x.dtype}")
    if x.ndim == 0:
        raise SignalError("signal must have at least one dimension (samples)")
    axis = _norm_axis(axis, x.ndim)
    moved = np.moveaxis(x, axis, 0)
    if moved.shape[0] < min_samples:
        raise SignalError(f"signal has {moved.shape[0]} samples along axis {axis}; need at least {min_samples}")
    x2 = np.ascontiguousarray(moved.reshape(moved.shape[0], -1), dtype=np.float64)
    return x2, Layout(moved.shape, axis, out_dtype(x))


def from_2d(y2: np.ndarray, layout: Layout) -> np.ndarray:
    """Inverse of :func:`to_2d` (shape, axis and dtype of the input)."""
    y = y2.reshape((y2.shape[0],) + layout.moved_shape[1:])
    y = np.moveaxis(y, 0, layout.axis)
    return y.astype(layout.dtype, copy=False)


def _norm_axis(axis: int, ndim: int) -> int:
    if not -ndim <= axis < ndim:
        raise SignalError(f"axis {axis} is out of range for a {ndim}-D signal")
    return axis % ndim

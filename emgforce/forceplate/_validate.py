"""Input checks shared by the sway descriptors (private)."""

from __future__ import annotations

import numpy as np

from emgforce._numbers import positive_number
from emgforce.errors import ForcePlateError


def as_cop(cop_m: np.ndarray, descriptor: str, min_samples: int = 3) -> np.ndarray:
    """Return ``cop_m`` as a float (n, 2) array or say why ``descriptor`` cannot use it."""
    cop = np.asarray(cop_m, dtype=float)
    if cop.ndim != 2 or cop.shape[1] != 2:
        raise ForcePlateError(f"{descriptor}: COP must have shape (n_samples, 2) [x=ML, y=AP], got {cop.shape}")
    return _check(cop, descriptor, min_samples)


def as_series(x: np.ndarray, descriptor: str, min_samples: int = 3) -> np.ndarray:
    """Return ``x`` as a float 1-D array or say why ``descriptor`` cannot use it."""
    s = np.asarray(x, dtype=float)
    if s.ndim != 1:
        raise ForcePlateError(f"{descriptor}: needs a 1-D series, got shape {s.shape}")
    return _check(s, descriptor, min_samples)


def _check(a: np.ndarray, descriptor: str, min_samples: int) -> np.ndarray:
    n = a.shape[0]
    if n < min_samples:
        raise ForcePlateError(f"{descriptor}: segment too short ({n} samples, needs at least {min_samples})")
    bad = ~np.isfinite(a)
    if bad.any():
        k = int(bad.any(axis=-1).sum()) if a.ndim == 2 else int(bad.sum())
        raise ForcePlateError(
            f"{descriptor}: {k} of {n} samples are NaN/inf (masked COP, unloaded plate?); "
            "pass a continuous loaded segment (see CopResult.valid)"
        )
    return a


def check_positive(value: float, name: str, descriptor: str) -> float:
    """``value`` as a positive finite float or a ForcePlateError naming ``name``."""
    return positive_number(value, f"{descriptor}: {name}", ForcePlateError)


def check_fs(fs_hz: float, descriptor: str) -> float:
    """A positive finite sampling rate or a ForcePlateError."""
    return check_positive(fs_hz, "fs_hz", descriptor)


def check_probability(p: float, descriptor: str) -> float:
    """A coverage probability strictly between 0 and 1 (e.g. 0.95) or a ForcePlateError."""
    if not 0 < check_positive(p, "probability", descriptor) < 1:
        raise ForcePlateError(f"{descriptor}: probability must lie strictly between 0 and 1 (e.g. 0.95), got {p!r}")
    return float(p)


def require_motion(a: np.ndarray, descriptor: str) -> None:
    """Refuse a series (or COP column) that never changes: ratios of its spread are undefined."""
    still = np.atleast_1d(np.ptp(a, axis=0) == 0)
    if still.any():
        what = "the series" if a.ndim == 1 else " and ".join(
            name for name, s in zip(("ML", "AP"), still, strict=True) if s)
        raise ForcePlateError(f"{descriptor}: {what} does not move (constant segment)")

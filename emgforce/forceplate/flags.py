"""Quality flags attached to sway descriptors (``SwayResult.flags``).

A flag says a value was computed but should not be trusted as is; a value
that cannot be computed at all is NaN with a reason instead.

* ``"too_short"``: the segment is shorter than the descriptor needs (a
  spectrum that cannot resolve the band's low edge, a diffusion fit region
  past the available lags).
* ``"negative_slope"``: a stabilogram-diffusion slope below zero (a mean
  square displacement that shrinks with lag: drift corrected away, a
  too-short trial or a non-diffusive COP); the coefficient has no physical
  meaning.
* ``"non_stationary"``: a linear drift explains at least half of the COP
  variance on an axis (leaning, a slow weight shift); descriptors assuming
  a stationary sway (all of them, strictly) describe the drift as much as
  the sway.
"""

from __future__ import annotations

import numpy as np

__all__ = ["TOO_SHORT", "NEGATIVE_SLOPE", "NON_STATIONARY", "trend_r2", "add_flag"]

TOO_SHORT = "too_short"
NEGATIVE_SLOPE = "negative_slope"
NON_STATIONARY = "non_stationary"

#: fraction of an axis' variance explained by a straight line in time above which the COP is non-stationary
TREND_R2_LIMIT = 0.5


def trend_r2(cop_m: np.ndarray) -> np.ndarray:
    """Per axis, the fraction of variance explained by a least-squares line in time (R^2, 0..1).

    A constant axis gives 0.
    """
    cop = np.asarray(cop_m, dtype=float)
    t = np.arange(cop.shape[0], dtype=float)
    t -= t.mean()
    c = cop - cop.mean(axis=0)
    ss = (c**2).sum(axis=0)
    explained = (t @ c) ** 2 / (t @ t)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ss > 0, explained / ss, 0.0)


def add_flag(flags: dict[str, tuple[str, ...]], keys, flag: str) -> None:
    """Add ``flag`` to each of ``keys`` in ``flags`` (in place, once)."""
    for k in keys:
        if flag not in flags.get(k, ()):
            flags[k] = (*flags.get(k, ()), flag)

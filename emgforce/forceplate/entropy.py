"""Sample entropy (Richman & Moorman 2000)."""

from __future__ import annotations

__all__ = ["sample_entropy"]

import numpy as np

from emgforce.errors import ForcePlateError
from emgforce.forceplate._kernels import sample_entropy_counts
from emgforce.forceplate._validate import as_series, require_motion


def sample_entropy(x: np.ndarray, m: int = 2, r: float = 0.2, *, r_relative: bool = True) -> float:
    """Sample entropy SampEn(m, r) of a series (Richman & Moorman 2000).

    ``-ln(A / B)`` where B counts pairs of distinct templates of length m and
    A pairs of length m + 1 whose Chebyshev distance is ``<= r``; both use
    the same n - m template starts, self-matches excluded. The templates are
    sorted by their first value, so a numba kernel compares each one only
    with the run of templates whose first value lies within r, in
    branch-free vectorised loops (the same counts as the O(n^2)
    all-pairs definition; the work is proportional to the pairs matching in
    the first coordinate, which for a smooth 1 kHz COP is still a few
    percent of all pairs: resample to ~100 Hz for entropy).

    Parameters
    ----------
    x : ndarray, shape (n,)
        Series (e.g. ML or AP COP, m). Must be finite.
    m : int
        Template length (default 2).
    r : float
        Tolerance; a fraction of the population SD of ``x`` when
        ``r_relative`` (default 0.2 SD), else absolute in the unit of ``x``.

    Returns
    -------
    float

    Raises
    ------
    ForcePlateError
        NaN input, constant series, a too-short series, or no matching
        template pairs (SampEn undefined: use a longer segment or larger r).
    """
    s = as_series(x, "sample_entropy", m + 2)
    if int(m) != m or m < 1:
        raise ForcePlateError(f"sample_entropy: m must be a positive integer, got {m}")
    if not (np.isfinite(r) and r > 0):
        raise ForcePlateError(f"sample_entropy: r must be positive, got {r}")
    require_motion(s, "sample_entropy")
    tol = float(r) * float(np.std(s)) if r_relative else float(r)
    a, b = sample_entropy_counts(np.ascontiguousarray(s), int(m), tol)
    if a == 0 or b == 0:
        raise ForcePlateError(
            f"sample_entropy: undefined, {b} template pairs match at length {m} and {a} at length {m + 1} "
            f"in {s.shape[0]} samples; use a longer segment or a larger r"
        )
    return float(-np.log(a / b))

"""Left/right comparison: symmetry indices and plain-language summary lines.

Two indices are reported, each named by its formula:

* **SI** (Robinson et al. 1987, symmetry index)::

      SI = (X_unaffected - X_affected) / (0.5 * (X_unaffected + X_affected)) * 100 %

  0 % is perfect symmetry; positive means the affected side is lower. The
  denominator is the mean of both sides, so SI is bounded by +-200 % for
  non-negative quantities.
* **LSI** (limb symmetry index)::

      LSI = X_affected / X_unaffected * 100 %

  100 % is perfect symmetry; 80-90 % is the usual return-to-sport criterion.

When no side is known to be affected, ``left`` takes the role of the
"affected" side and ``right`` of the "unaffected" one, and the summary says
so instead of naming an affected side.
"""

from __future__ import annotations

__all__ = [
    "LSI_FORMULA",
    "SI_FORMULA",
    "SymmetryResult",
    "compare_sides",
    "limb_symmetry_index",
    "robinson_si",
    "summary_line",
]

import math
from dataclasses import dataclass

from emgforce.naming import SIDES

SI_FORMULA = "Robinson 1987: SI = (X_unaff - X_aff) / (0.5 (X_unaff + X_aff)) x 100 %"
LSI_FORMULA = "LSI = X_aff / X_unaff x 100 %"


def robinson_si(affected: float, unaffected: float) -> float:
    """Robinson (1987) symmetry index in percent; NaN when it is undefined.

    Parameters
    ----------
    affected, unaffected : float
        The same quantity measured on the affected and the unaffected side.

    Returns
    -------
    float
        ``(unaffected - affected) / (0.5 * (unaffected + affected)) * 100``;
        NaN if either value is not finite or both sum to zero.
    """
    a, u = float(affected), float(unaffected)
    denom = 0.5 * (u + a)
    if not (math.isfinite(a) and math.isfinite(u)) or denom == 0.0:
        return math.nan
    return (u - a) / denom * 100.0


def limb_symmetry_index(affected: float, unaffected: float) -> float:
    """Limb symmetry index ``affected / unaffected * 100`` in percent; NaN when undefined."""
    a, u = float(affected), float(unaffected)
    if not (math.isfinite(a) and math.isfinite(u)) or u == 0.0:
        return math.nan
    return a / u * 100.0


@dataclass(frozen=True)
class SymmetryResult:
    """One quantity compared between the sides.

    ``affected_side`` is None when no side was declared or detected as
    affected; then ``left`` plays the affected role in ``si_pct``/``lsi_pct``.
    ``relative_difference_pct`` is how much lower the affected (or left) value
    is than the other, in percent of the other (``100 - LSI``).
    """

    task: str
    quantity: str
    unit: str
    left: float
    right: float
    affected_side: str | None
    si_pct: float
    lsi_pct: float

    @property
    def relative_difference_pct(self) -> float:
        return 100.0 - self.lsi_pct if math.isfinite(self.lsi_pct) else math.nan


def compare_sides(
    task: str, quantity: str, unit: str, left: float, right: float, affected_side: str | None
) -> SymmetryResult:
    """Compute SI and LSI for one quantity measured on both sides."""
    if affected_side is not None and affected_side not in SIDES:
        raise ValueError(f"affected_side must be one of {SIDES} or None, got {affected_side!r}")
    if affected_side == "right":
        aff, unaff = right, left
    else:
        aff, unaff = left, right
    return SymmetryResult(
        task=task,
        quantity=quantity,
        unit=unit,
        left=float(left),
        right=float(right),
        affected_side=affected_side,
        si_pct=robinson_si(aff, unaff),
        lsi_pct=limb_symmetry_index(aff, unaff),
    )


def _fmt(value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.2g}"


def summary_line(result: SymmetryResult, description: str) -> str:
    """Plain-language sentence for one comparison.

    Example: ``"GM activation in single-leg stance: left 14 %MVC, right 27 %MVC,
    affected side (left) 48 % lower"``.
    """
    unit = f" {result.unit}" if result.unit else ""
    head = f"{description}: left {_fmt(result.left)}{unit}, right {_fmt(result.right)}{unit}"
    diff = result.relative_difference_pct
    if not math.isfinite(diff):
        return head + ", sides not comparable"
    if result.affected_side is None:
        lower, other = ("left", result.right) if result.left < result.right else ("right", result.left)
        rel = abs(result.left - result.right) / other * 100.0 if other else math.nan
        return head + f", {lower} {_fmt(rel)} % lower (no affected side given)"
    word = "lower" if diff >= 0 else "higher"
    return head + f", affected side ({result.affected_side}) {_fmt(abs(diff))} % {word}"

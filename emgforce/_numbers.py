"""Validation of scalar parameters shared by the leaf packages (signal, forceplate) and the CLI options."""

from __future__ import annotations

import math


def _as_float(value, label: str, error: type[Exception]) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise error(f"{label} must be a number, got {value!r}") from None


def positive_number(value, label: str, error: type[Exception]) -> float:
    """Return ``value`` as a positive finite float, else raise ``error`` naming ``label``."""
    number = _as_float(value, label, error)
    if not (math.isfinite(number) and number > 0):
        raise error(f"{label} must be positive and finite, got {value!r}")
    return number


def nonnegative_number(value, label: str, error: type[Exception]) -> float:
    """Return ``value`` as a finite float >= 0, else raise ``error`` naming ``label``."""
    number = _as_float(value, label, error)
    if not (math.isfinite(number) and number >= 0):
        raise error(f"{label} must be finite and not negative, got {value!r}")
    return number

"""argparse ``type=`` converters shared by the sub-commands: bad values become usage errors."""

from __future__ import annotations

import argparse
import math

from emgforce._numbers import positive_number


def positive_float(text: str) -> float:
    """A positive finite number (seconds, hertz ...); ``nan``, ``inf``, 0 and negatives are refused."""
    return positive_number(text, "value", argparse.ArgumentTypeError)


def nonnegative_float(text: str) -> float:
    """A finite number >= 0 (a %MVC band edge ...); ``nan``, ``inf`` and negatives are refused."""
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"value must be a number, got {text!r}") from None
    if not (math.isfinite(number) and number >= 0):
        raise argparse.ArgumentTypeError(f"value must be finite and not negative, got {text!r}")
    return number

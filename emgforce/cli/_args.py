"""argparse ``type=`` converters shared by the sub-commands: bad values become usage errors."""

from __future__ import annotations

import argparse

from emgforce._numbers import nonnegative_number, positive_number


def positive_float(text: str) -> float:
    """A positive finite number (seconds, hertz ...); ``nan``, ``inf``, 0 and negatives are refused."""
    return positive_number(text, "value", argparse.ArgumentTypeError)


def nonnegative_float(text: str) -> float:
    """A finite number >= 0 (a %MVC band edge ...); ``nan``, ``inf`` and negatives are refused."""
    return nonnegative_number(text, "value", argparse.ArgumentTypeError)

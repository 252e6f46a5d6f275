"""One-line progress bars on a text stream (the CLI's long work writes them to stderr)."""

from __future__ import annotations

from typing import TextIO


def draw_bar(stream: TextIO, fraction: float, text: str, *, prefix: str = "", width: int = 30) -> None:
    """Redraw ``{prefix}[####----] {text}`` in place; end the line once ``fraction`` reaches 1."""
    filled = int(width * min(max(fraction, 0.0), 1.0))
    stream.write(f"\r{prefix}[{'#' * filled}{'-' * (width - filled)}] {text}")
    if fraction >= 1.0:
        stream.write("\n")
    stream.flush()

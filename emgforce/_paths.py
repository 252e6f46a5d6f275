"""Output file names built from untrusted text (trial labels, stream names from a file)."""

from __future__ import annotations

import hashlib
import re

# what a name may keep unchanged: portable on every file system, no separators, no shell surprises
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# names Windows refuses whatever the suffix
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_filename(text: str, *, max_chars: int = 100) -> str:
    """A file-name component made from ``text`` that cannot leave its folder.

    Characters other than ASCII letters, digits, ``.``, ``_`` and ``-`` become
    ``_``; leading dots are removed (no ``..``, no hidden files); Windows device
    names are prefixed. A name that had to change gets an 8-hex-digit hash of
    the original appended, so two different labels never share a file.

    Parameters
    ----------
    text : str
        The label (e.g. a trial label read from a recording).
    max_chars : int
        Longest result (at least 16).

    Returns
    -------
    str
        A non-empty name without path separators.

    Examples
    --------
    >>> safe_filename("stance_left_0")
    'stance_left_0'
    >>> safe_filename("a/../../../x")
    'a_.._.._.._x-b6928833'
    """
    text = str(text)
    name = _UNSAFE.sub("_", text).lstrip(".")
    if name.split(".", 1)[0].upper() in _RESERVED:
        name = "_" + name
    if name == text and 0 < len(name) <= max_chars:
        return name
    digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{name[: max(max_chars, 16) - 9]}-{digest}" if name else digest

"""Open any supported recording (emgforce HDF5, C3D, XDF, delimited text) as a Recording.

The format follows the file suffix. Channels are tagged by the recogniser
(:mod:`emgforce.io.channels`) inside each importer; a user channel map then
overrides those tags, and the events are read into trials by
:func:`emgforce.io.trial_events.recognize_trials` (or replaced by a trial table).
What was decided is kept in ``rec.metadata["channel_recognition"]`` and
``rec.metadata["trial_recognition"]`` for ``info`` and the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from emgforce.errors import RecordingFormatError

__all__ = ["FORMATS", "detect_format", "open_recording"]

#: file suffix -> format name
FORMATS = {
    ".h5": "hdf5", ".hdf5": "hdf5",
    ".c3d": "c3d",
    ".xdf": "xdf", ".xdfz": "xdf",
    ".csv": "text", ".tsv": "text", ".txt": "text", ".asc": "text", ".emt": "text",
}


_SIGNATURES = ((b"\x89HDF\r\n\x1a\n", "hdf5"), (b"XDF:", "xdf"))


def detect_format(path: str | Path) -> str | None:
    """Format name of ``path``: by its suffix, else by its first bytes (a renamed file); None if unknown."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is not None:
        return fmt
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return None
    for magic, name in _SIGNATURES:
        if head.startswith(magic):
            return name
    return "c3d" if len(head) >= 2 and head[1] == 0x50 else None  # C3D: parameter block id 0x50


def open_recording(
    path: str | Path,
    *,
    channel_map: Mapping[str, tuple[str | None, str | None]] | None = None,
    trials: Any = None,
    columns: Any = None,
    lazy: bool = False,
    **kwargs: Any,
):
    """Read a recording of any supported format, apply the user's maps, recognise the trials.

    Parameters
    ----------
    path : path-like
        ``.h5``/``.hdf5`` (emgforce), ``.c3d``, ``.xdf`` or delimited text
        (``.csv``, ``.tsv``, ``.txt``, ``.asc``, ``.emt``).
    channel_map : mapping, optional
        ``{label: (muscle, side)}`` from :func:`emgforce.io.channels.parse_channel_map`.
    trials : path-like, list or mapping, optional
        A ``--trials`` file (trial table or event mapping), or what
        :func:`emgforce.io.trial_events.load_trials_file` returns.
    columns : ColumnMap or path-like, optional
        Column map of a delimited-text file (see :mod:`emgforce.io.text`).
    lazy : bool
        Leave an emgforce HDF5 file's samples on disk, read by time window
        (:class:`~emgforce.io.lazy.StoredRows`); the other formats are read whole
        (their files are small) and sliced the same way.
    **kwargs
        Passed to the format's reader.

    Raises
    ------
    RecordingFormatError
        Neither the suffix (one of :data:`FORMATS`) nor the first bytes name a format.
    """
    from emgforce.io.channels import apply_channel_map
    from emgforce.io.trial_events import load_trials_file, recognize_trials

    path = Path(path)
    fmt = detect_format(path)
    if fmt == "hdf5":
        from emgforce.io import read_recording

        rec = read_recording(path, lazy=lazy, **kwargs)
    elif fmt == "c3d":
        from emgforce.io.c3d import read_c3d

        rec = read_c3d(path, **kwargs)
    elif fmt == "xdf":
        from emgforce.io.xdf import read_xdf

        rec = read_xdf(path, **kwargs)
    elif fmt == "text":
        from emgforce.io.text import read_text

        rec = read_text(path, columns=columns, **kwargs)
    else:
        raise RecordingFormatError(
            f"{path.name}: unknown recording format {path.suffix!r}; supported: {', '.join(sorted(FORMATS))}"
        )
    if channel_map:
        apply_channel_map(rec, channel_map)
    if isinstance(trials, (str, Path)):
        trials = load_trials_file(trials)
    recognize_trials(rec, trials)
    return rec

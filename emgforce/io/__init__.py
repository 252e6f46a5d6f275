"""The emgforce session format: one HDF5 file per session (spec: ``docs/format.md``).

Write with :class:`RecordingWriter` (append blocks, events, gaps; SWMR,
crash-safe up to the last :meth:`~RecordingWriter.flush`), read with
:func:`read_recording` / :meth:`Recording.open`. ``h5py`` is imported only
when a file is opened, so importing this package is cheap.
"""

from emgforce.io.format import FORMAT_VERSION
from emgforce.io.reader import read_recording
from emgforce.io.recording import Event, Recording, StreamData, Subject, Trial, pair_trials
from emgforce.io.writer import RecordingWriter, write_recording

__all__ = [
    "FORMAT_VERSION",
    "Event",
    "Recording",
    "RecordingWriter",
    "StreamData",
    "Subject",
    "Trial",
    "pair_trials",
    "read_recording",
    "write_recording",
]

"""Crash-safe acquisition: a device's blocks into an emgforce HDF5 recording.

See :class:`Recorder`. Importing this package does not import h5py; the
writer is created when a session starts.
"""

from emgforce.record.recorder import Recorder, RecorderStatus, RecordSummary, StreamSummary

__all__ = ["Recorder", "RecorderStatus", "RecordSummary", "StreamSummary"]

"""Exception hierarchy shared by every part of emgforce.

Each error names what went wrong and, where possible, what to do about it.
"""

__all__ = [
    "AnalysisError",
    "DeviceDisconnectedError",
    "DeviceError",
    "DeviceFinishedError",
    "DeviceNotAvailableError",
    "DisplayError",
    "EmgforceError",
    "ForcePlateError",
    "MissingExtraError",
    "RecordingError",
    "RecordingExistsError",
    "RecordingFormatError",
    "RecordingNotFoundError",
    "RecordingVersionError",
    "RecordingWriteError",
    "SignalError",
]


class EmgforceError(Exception):
    """Base class of all emgforce errors."""


class MissingExtraError(EmgforceError, ImportError):
    """An optional dependency is not installed; the message names the extra that brings it.

    Parameters
    ----------
    extra : str
        The extra of ``pip install "emgforce[extra]"``.
    module : str
        The missing module.
    purpose : str
        What needs it (``"the live display"``).
    """

    def __init__(self, extra: str, module: str, purpose: str) -> None:
        super().__init__(f'{purpose} needs {module}, which is not installed: pip install "emgforce[{extra}]"')
        self.extra = extra
        self.module = module


class SignalError(EmgforceError, ValueError):
    """Invalid signal input: wrong shape, dtype, sampling rate or filter parameters."""


class ForcePlateError(EmgforceError, ValueError):
    """Invalid force-plate input: wrong channel count, unusable calibration, no load."""


class RecordingError(EmgforceError):
    """Base class of recording-file errors."""


class RecordingExistsError(RecordingError, FileExistsError):
    """The output path exists and overwriting was not requested."""


class RecordingFormatError(RecordingError):
    """The file is not an emgforce recording, is truncated/corrupt, or misses a dataset."""


class C3DTruncatedError(RecordingFormatError):
    """A C3D file ends before the frames its header announces (an interrupted copy or export)."""


class RecordingVersionError(RecordingFormatError):
    """The file was written with an incompatible major format version."""


class RecordingNotFoundError(RecordingError, FileNotFoundError):
    """The recording file does not exist."""


class RecordingWriteError(RecordingError, ValueError):
    """A block, gap or event does not fit the recording (unknown stream, shape, dtype, overlap); nothing was written."""


class ReportExistsError(EmgforceError, FileExistsError):
    """The output folder already holds a report and overwriting was not requested."""


class RecordingLockedError(RecordingError):
    """Another recorder holds the recording (a session in progress); it is never replaced or truncated."""


class RecordingIntegrityError(RecordingFormatError):
    """Stored bytes fail their checksum (bit rot, a damaged copy): the samples cannot be trusted."""


class UnsafeRecordingError(RecordingFormatError):
    """The file uses HDF5 features emgforce refuses from untrusted files (external storage, virtual datasets)
    or holds absurd values (a gap larger than any session)."""


class DeviceError(EmgforceError):
    """Base class of acquisition-device errors."""


class DeviceNotAvailableError(DeviceError):
    """The vendor runtime or Python module needed by a driver is missing here."""


class DeviceDisconnectedError(DeviceError):
    """The device vanished or stopped answering mid-session."""


class DeviceStalledError(DeviceDisconnectedError):
    """The device delivered nothing for longer than the recorder's watchdog allows."""


class DeviceFinishedError(DeviceDisconnectedError):
    """A finite source (e.g. a replayed recording) has delivered all its samples."""


class AnalysisError(EmgforceError):
    """A task analysis could not be computed (missing stream, too short a trial, ...)."""


class BatchSchedulerError(EmgforceError, ConnectionError):
    """The Dask scheduler of a batch could not be reached in time."""


class DisplayError(EmgforceError, RuntimeError):
    """The live display cannot run here (Qt binding missing or known to be broken)."""


class GuidedSetError(EmgforceError, ValueError):
    """A guided-set script (emgforce.live.guided) is malformed or names an unknown task or side."""


class ReportError(EmgforceError, ValueError):
    """A report cannot be written as asked (bad template, unreadable saved report, no sessions to compare)."""

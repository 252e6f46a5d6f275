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


class RecordingVersionError(RecordingFormatError):
    """The file was written with an incompatible major format version."""


class RecordingNotFoundError(RecordingError, FileNotFoundError):
    """The recording file does not exist."""


class RecordingWriteError(RecordingError, ValueError):
    """A block, gap or event does not fit the recording (unknown stream, shape, dtype, overlap); nothing was written."""


class DeviceError(EmgforceError):
    """Base class of acquisition-device errors."""


class DeviceNotAvailableError(DeviceError):
    """The vendor runtime or Python module needed by a driver is missing here."""


class DeviceDisconnectedError(DeviceError):
    """The device vanished or stopped answering mid-session."""


class DeviceFinishedError(DeviceDisconnectedError):
    """A finite source (e.g. a replayed recording) has delivered all its samples."""


class AnalysisError(EmgforceError):
    """A task analysis could not be computed (missing stream, too short a trial, ...)."""


class DisplayError(EmgforceError, RuntimeError):
    """The live display cannot run here (Qt binding missing or known to be broken)."""

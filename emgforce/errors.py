"""Exception hierarchy shared by every part of emgforce.

Each error names what went wrong and, where possible, what to do about it.
"""


class EmgforceError(Exception):
    """Base class of all emgforce errors."""


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


class DeviceError(EmgforceError):
    """Base class of acquisition-device errors."""


class DeviceNotAvailableError(DeviceError):
    """The vendor runtime or Python module needed by a driver is missing here."""


class DeviceDisconnectedError(DeviceError):
    """The device vanished or stopped answering mid-session."""


class AnalysisError(EmgforceError):
    """A task analysis could not be computed (missing stream, too short a trial, ...)."""

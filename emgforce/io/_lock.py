"""An exclusive lock of our own on a recording in progress.

HDF5 drops its own file lock once SWMR starts, so a second writer could
truncate a live file. The recorder therefore holds an OS lock on a sidecar
file (``.NAME.lock`` beside the recording) for the whole session: ``flock``
on POSIX, ``msvcrt.locking`` on Windows. The OS releases it when the process
dies, so a killed recorder never leaves a stale lock. :func:`emgforce.io.write_recording`
takes the same lock, so a conversion never replaces a recording in progress either.
"""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path

from emgforce.errors import RecordingLockedError

log = logging.getLogger(__name__)

_NO_LOCKS = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}


def lock_path(path: Path) -> Path:
    """The sidecar lock file of recording ``path``."""
    return path.with_name(f".{path.name}.lock")


class RecordingLock:
    """Hold the lock of recording ``path``; :meth:`release` (or the process ending) frees it.

    Raises
    ------
    RecordingLockedError
        Another process (or another recorder in this one) records to ``path``.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = lock_path(Path(path))
        self._fd: int | None = None
        for _ in range(3):  # the holder may remove the file between our open and our lock: retry
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            if not _try_lock(fd):
                holder = os.read(fd, 64).decode("ascii", "replace").strip() or "unknown"
                os.close(fd)
                raise RecordingLockedError(
                    f"{path} is being recorded by another process (pid {holder}); a recording in progress is "
                    "never replaced: choose another name or stop that recording first"
                )
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.write(fd, str(os.getpid()).encode())
                self._fd = fd
                return
            os.close(fd)
        raise RecordingLockedError(f"{path}: could not take the lock {self.path} (it keeps being replaced)")

    def release(self) -> None:
        """Remove the lock file and release the lock (idempotent)."""
        if self._fd is None:
            return
        try:
            self.path.unlink()  # while still locked: nobody can take a lock on a file we are removing
        except OSError:
            pass  # Windows refuses to remove an open file; the lock itself still goes with the descriptor
        os.close(self._fd)
        self._fd = None


def _try_lock(fd: int) -> bool:
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        if exc.errno not in _NO_LOCKS:
            raise
        # some network file systems have no locks: record anyway rather than refuse, but say so
        log.warning("file locks are not supported where %s is (%s); another recorder could overwrite it",
                    os.readlink(f"/proc/self/fd/{fd}") if os.path.exists(f"/proc/self/fd/{fd}") else "the file",
                    exc.strerror)
    return True

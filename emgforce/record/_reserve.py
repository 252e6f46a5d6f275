"""Disk space kept back for closing a recording cleanly when the disk fills up.

Another program can fill the disk between two free-space checks. The
recorder therefore allocates a small sidecar file (``.NAME.reserve``) at the
start and deletes it when a write fails: the freed space lets HDF5 cut the file
back to its last flush and write the end reason and the closing metadata.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from emgforce.errors import RecordingError


class DiskReserve:
    """Allocate ``nbytes`` beside recording ``path`` (nothing when 0); :meth:`release` frees them."""

    def __init__(self, path: Path, nbytes: int) -> None:
        self.path = path.with_name(f".{path.name}.reserve")
        self.nbytes = int(nbytes)
        if self.nbytes <= 0:
            return
        try:
            with open(self.path, "wb") as fh:
                try:
                    os.posix_fallocate(fh.fileno(), 0, self.nbytes)
                except (AttributeError, OSError) as exc:  # no fallocate here (Windows, macOS, some FUSE)
                    if isinstance(exc, OSError) and is_disk_full(exc):
                        raise
                    fh.write(bytes(self.nbytes))  # real bytes: the space is taken all the same
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            self.path.unlink(missing_ok=True)
            raise RecordingError(
                f"cannot reserve {self.nbytes / 2**20:.0f} MiB beside {path} ({exc.strerror}); "
                "free some disk space first"
            ) from exc

    def release(self) -> None:
        """Give the space back (idempotent)."""
        self.path.unlink(missing_ok=True)


def is_disk_full(exc: BaseException) -> bool:
    """Whether an exception (OSError, or h5py's RuntimeError carrying the errno) means ENOSPC/EDQUOT."""
    codes = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
    while exc is not None:
        if getattr(exc, "errno", None) in codes:
            return True
        text = str(exc)
        if any(f"errno = {c}," in text for c in codes) or "No space left on device" in text:
            return True
        exc = exc.__cause__ or exc.__context__
    return False

"""Fixtures of the fault suite: a size-limited file system."""

from __future__ import annotations

import subprocess

import pytest


def _mount_tmpfs(where, size: str) -> bool:
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    return done.returncode == 0


@pytest.fixture
def small_fs(tmp_path):
    """A 12 MiB tmpfs (needs root, as in CI containers); the fault-injected tests cover the rest."""
    where = tmp_path / "fs"
    if not _mount_tmpfs(where, "12m"):
        pytest.skip("mount -t tmpfs needs root here; the fault-injected disk-full tests still run")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)

"""C3D benchmarks: import (ours vs ezc3d with its force-platform module) and export.

Run: ``python -m pytest benchmarks/test_c3d.py --benchmark-only``.
"""

from __future__ import annotations

from pathlib import Path

import ezc3d
import pytest

from emgforce.io.c3d import read_c3d, write_c3d

WALK = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "btk" / "FunctionalWalk.c3d"


@pytest.mark.benchmark(group="c3d_read")
def test_read_c3d(benchmark):
    rec = benchmark(read_c3d, WALK)
    assert rec.metadata["force_plates"] == 3


@pytest.mark.benchmark(group="c3d_read")
def test_read_c3d_reference_ezc3d(benchmark):
    c = benchmark(ezc3d.c3d, str(WALK), extract_forceplat_data=True)
    assert len(c["data"]["platform"]) == 3


@pytest.fixture(scope="module")
def walk():
    return read_c3d(WALK)


@pytest.mark.benchmark(group="c3d_write")
def test_write_c3d(benchmark, walk, tmp_path):
    path = tmp_path / "out.c3d"
    benchmark(write_c3d, walk, path, overwrite=True)
    assert path.stat().st_size > 0


@pytest.mark.benchmark(group="c3d_write")
def test_write_c3d_reference_ezc3d(benchmark, tmp_path):
    """Plain ezc3d writing the same file back (points, analogs, plates, events), as read by ezc3d."""
    c = ezc3d.c3d(str(WALK))
    path = tmp_path / "ref.c3d"
    benchmark(c.write, str(path))
    assert path.stat().st_size > 0

"""A recording renamed without its suffix is still recognised by its first bytes."""

from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest

from emgforce.errors import RecordingFormatError
from emgforce.io.load import detect_format, open_recording


@pytest.mark.realdata
@pytest.mark.parametrize("rel, fmt", [("pyomeca/markers_analogs.c3d", "c3d"), ("xdf/minimal.xdf", "xdf")])
def test_renamed_files_read_as_the_originals(shared_data, tmp_path, rel, fmt):
    src = shared_data / rel
    renamed = tmp_path / "recording"
    shutil.copyfile(src, renamed)
    assert detect_format(renamed) == fmt
    a, b = open_recording(src), open_recording(renamed)
    assert a.streams.keys() == b.streams.keys()
    for name in a.streams:
        np.testing.assert_array_equal(a.streams[name].data, b.streams[name].data)


def test_hdf5_signature_and_unknown_bytes(tmp_path):
    with h5py.File(tmp_path / "x", "w"):
        pass
    assert detect_format(tmp_path / "x") == "hdf5"
    (tmp_path / "junk").write_bytes(b"hello world")
    assert detect_format(tmp_path / "junk") is None
    with pytest.raises(RecordingFormatError, match="unknown recording format"):
        open_recording(tmp_path / "junk")

"""Reading slab by slab (low-level h5py, no chunk cache) gives exactly plain h5py's samples."""

from __future__ import annotations

import tempfile
from pathlib import Path
from unittest import mock

import h5py
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.io import RecordingWriter, Subject, read_recording
from emgforce.io import reader
from emgforce.streams import Block

from ._helpers import emg_info


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 3000),
    slab_bytes=st.integers(1, 40_000),
    dtype=st.sampled_from(["float32", "float64"]),
    chunk_s=st.sampled_from([0.01, 0.1, 1.0]),
)
def test_slabs_of_any_size_read_the_samples_plain_h5py_reads(n, slab_bytes, dtype, chunk_s):
    """Slabs of one to many chunks, the last one partial, and a final chunk cut short."""
    info = emg_info(dtype)
    data = np.random.default_rng(n).standard_normal((n, info.n_channels)).astype(dtype)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.h5"
        with RecordingWriter(path, [info], Subject("x"), chunk_s=chunk_s) as w:
            w.append(Block("emg", data, 0))
        with mock.patch.object(reader, "_SLAB_BYTES", slab_bytes):
            rec = read_recording(path)
        with h5py.File(path, "r") as f:
            expected = f["streams/emg/data"][()].astype(np.float64)
    assert rec.emg.data.dtype == np.float64
    np.testing.assert_array_equal(rec.emg.data, expected)
    np.testing.assert_array_equal(rec.emg.data, data.astype(np.float64))

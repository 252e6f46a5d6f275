"""Lazily read streams: any time window equals the same rows of an eager read, to the bit."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.io import RecordingWriter, read_recording
from emgforce.io.lazy import StoredRows
from emgforce.io.load import open_recording
from emgforce.streams import Block

from ._helpers import emg_info


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A float32 stream with a conversion and an offset on two channels and three gaps (one at the start)."""
    from emgforce.io import Subject

    info = emg_info("float32")
    chans = list(info.channels)
    chans[1] = dataclasses.replace(chans[1], conversion=0.25)
    chans[2] = dataclasses.replace(chans[2], offset=-0.5)
    info = dataclasses.replace(info, channels=tuple(chans))
    rng = np.random.default_rng(11)
    path = tmp_path_factory.mktemp("lazy") / "s.h5"
    with RecordingWriter(path, [info], Subject("P1")) as w:
        at = 0
        for first, n in ((7, 3000), (3100, 2000), (5101, 4000)):  # gaps of 7, 100 and 1 samples
            w.append(Block("emg", rng.standard_normal((n, 4)).astype(np.float32), first, missing=first - at))
            at = first + n
    return path


@settings(max_examples=60, deadline=None)
@given(start=st.integers(-10, 9_200), length=st.integers(0, 9_300), cols=st.sampled_from(
    [slice(None), [0, 2], [3], 1, slice(1, 3)]))
def test_any_window_equals_the_eager_read(recorded, start, length, cols):
    eager = read_recording(recorded).emg.data
    lazy = read_recording(recorded, lazy=True).emg.data
    assert isinstance(lazy, StoredRows) and lazy.shape == eager.shape == (9101, 4)
    a = max(start, 0)
    got = lazy[a:a + length, cols]
    ref = eager[a:a + length, cols]
    assert got.dtype == np.float64 and got.shape == ref.shape
    np.testing.assert_array_equal(got, ref)


def test_whole_stream_and_other_indexing_read_everything(recorded):
    eager = read_recording(recorded).emg
    lazy = read_recording(recorded, lazy=True).emg
    np.testing.assert_array_equal(np.asarray(lazy.data), eager.data)
    np.testing.assert_array_equal(lazy.data[::10], eager.data[::10])
    np.testing.assert_array_equal(lazy.segment(1.0, 2.6), eager.segment(1.0, 2.6))
    assert lazy.n_samples == eager.n_samples and lazy.n_missing == eager.n_missing > 100
    np.testing.assert_array_equal(lazy.gaps, eager.gaps)


def test_reads_are_logged(recorded):
    data = read_recording(recorded, lazy=True).emg.data
    assert data.reads == []
    data[100:200]
    data[3000:3200, [1]]
    assert data.reads == [(100, 200), (3000, 3200)]


def test_open_recording_passes_lazy_to_hdf5_only(recorded):
    assert isinstance(open_recording(recorded, lazy=True).emg.data, StoredRows)
    assert isinstance(open_recording(recorded).emg.data, np.ndarray)

"""Gap and clock tables: lost samples are counted, stored and never shift the time axis."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.streams import Block
from emgforce.errors import RecordingWriteError
from emgforce.io import RecordingWriter, Subject, read_recording

from ._helpers import emg_info


def test_index_jump_records_a_gap_and_data_stay_on_their_sample(tmp_path, subject):
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((300, 4)), rng.standard_normal((200, 4))
    with RecordingWriter(tmp_path / "g.h5", [emg_info("float64")], subject) as w:
        w.append(Block("emg", a, 0, host_time=10.0, device_time=0.0))
        w.append(Block("emg", b, 350, host_time=10.5, device_time=0.175, missing=50))
    with h5py.File(tmp_path / "g.h5", "r") as f:
        np.testing.assert_array_equal(f["streams/emg/gaps"][()], [[300, 50]])
        np.testing.assert_array_equal(f["streams/emg/data"][()], np.concatenate([a, b]))  # stored contiguous
        np.testing.assert_array_equal(f["streams/emg/clock"][()], [[0, 10.0, 0.0], [350, 10.5, 0.175]])
    emg = read_recording(tmp_path / "g.h5").emg
    assert emg.n_samples == 550 and emg.n_missing == 50
    np.testing.assert_array_equal(emg.data[:300], a)
    assert np.isnan(emg.data[300:350]).all()
    np.testing.assert_array_equal(emg.data[350:], b)
    np.testing.assert_array_equal(emg.received, np.concatenate([a, b]))
    np.testing.assert_array_equal(emg.received_indices, np.r_[0:300, 350:550])
    np.testing.assert_allclose(emg.times_s[350], 350 / 2000.0)


def test_missing_count_disagreeing_with_index_is_logged(tmp_path, subject, caplog):
    with RecordingWriter(tmp_path / "g.h5", [emg_info()], subject) as w:
        w.append(Block("emg", np.zeros((10, 4), np.float32), 0))
        with caplog.at_level(logging.WARNING, logger="emgforce.io"):
            w.append(Block("emg", np.zeros((10, 4), np.float32), 10, missing=5))
    assert "5 missing samples but its index advanced by 0" in caplog.text
    assert read_recording(tmp_path / "g.h5").emg.n_missing == 0


def test_explicit_gaps_and_a_trailing_gap(tmp_path, subject):
    with RecordingWriter(tmp_path / "g.h5", [emg_info()], subject) as w:
        w.append(Block("emg", np.ones((100, 4), np.float32), 0))
        w.add_gap("emg", 100, 20)
        assert w.next_index("emg") == 120
        w.append(Block("emg", 2 * np.ones((30, 4), np.float32), 120))  # no second gap for the same loss
        with pytest.raises(RecordingWriteError, match="next expected sample 150"):
            w.add_gap("emg", 140, 5)
        with pytest.raises(RecordingWriteError, match="positive"):
            w.add_gap("emg", 150, 0)
        w.add_gap("emg", 150, 7)  # e.g. a disconnect at the end
    emg = read_recording(tmp_path / "g.h5").emg
    np.testing.assert_array_equal(emg.gaps, [[100, 20], [150, 7]])
    assert emg.n_samples == 157
    assert np.isnan(emg.data[100:120]).all() and np.isnan(emg.data[150:]).all()
    assert (emg.data[120:150] == 2).all()


def test_overlap_is_refused_and_changes_nothing(tmp_path, subject):
    with RecordingWriter(tmp_path / "g.h5", [emg_info()], subject) as w:
        w.append(Block("emg", np.ones((100, 4), np.float32), 0))
        with pytest.raises(RecordingWriteError, match="overlap"):
            w.append(Block("emg", np.zeros((10, 4), np.float32), 95))
        w.append(Block("emg", 3 * np.ones((10, 4), np.float32), 100))
    emg = read_recording(tmp_path / "g.h5").emg
    assert emg.n_samples == 110 and len(emg.gaps) == 0
    assert (emg.data[:100] == 1).all() and (emg.data[100:] == 3).all()


def test_device_time_absent_is_nan(tmp_path, subject):
    with RecordingWriter(tmp_path / "g.h5", [emg_info()], subject) as w:
        w.append(Block("emg", np.ones((5, 4), np.float32), 0, host_time=1.25))
    clock = read_recording(tmp_path / "g.h5").emg.clock
    assert clock.shape == (1, 3) and clock[0, 0] == 0 and clock[0, 1] == 1.25 and np.isnan(clock[0, 2])


def test_segment_is_aligned_to_the_sample_grid_across_a_gap(tmp_path, subject):
    n = 6000
    ramp = np.arange(n, dtype=np.float64)[:, None] * np.ones((1, 4))
    with RecordingWriter(tmp_path / "g.h5", [emg_info("float64")], subject) as w:
        w.append(Block("emg", ramp[:2500], 0))
        w.append(Block("emg", ramp[2600:], 2600))
    rec = read_recording(tmp_path / "g.h5")
    seg = rec.segment("emg", (1.0, 2.0))  # samples 2000..3999 at 2 kHz
    assert seg.shape == (2000, 4)
    assert seg[0, 0] == 2000 and seg[-1, 0] == 3999
    assert np.isnan(seg[500:600]).all()
    assert np.count_nonzero(np.isnan(seg[:, 0])) == 100


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 300)), min_size=1, max_size=15))
def test_any_sequence_of_jumps_maps_every_sample_to_its_index(plan):
    """plan: (samples lost before the block, block length); reference built sample by sample."""
    info = emg_info("float64")
    expected_index, expected_value, blocks = [], [], []
    index = 0
    for lost, n in plan:
        index += lost
        values = np.arange(index, index + n, dtype=np.float64)
        blocks.append(Block("emg", np.repeat(values[:, None], 4, axis=1), index))
        expected_index += list(range(index, index + n))
        expected_value += list(values)
        index += n
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "g.h5"
        with RecordingWriter(path, [info], Subject("x"), chunk_s=0.05) as w:
            for b in blocks:
                w.append(b)
        emg = read_recording(path).emg
    np.testing.assert_array_equal(emg.received_indices, expected_index)
    np.testing.assert_array_equal(emg.received[:, 2], expected_value)
    # on the grid, every received row holds its own index
    np.testing.assert_array_equal(emg.data[expected_index, 0], expected_index)
    assert emg.n_missing == sum(lost for lost, _ in plan)
    assert emg.n_samples == len(expected_index) + emg.n_missing


def test_partial_reads_give_the_same_shapes_and_tables(tmp_path, subject):
    from ._helpers import force_info

    with RecordingWriter(tmp_path / "g.h5", [emg_info(), force_info()], subject) as w:
        w.append(Block("emg", np.ones((100, 4), np.float32), 0))
        w.append(Block("emg", np.ones((50, 4), np.float32), 130))
        w.append(Block("force", np.ones((75, 6)), 0))
    full = read_recording(tmp_path / "g.h5")
    only = read_recording(tmp_path / "g.h5", streams=["force"])
    assert list(only.streams) == ["force"]
    np.testing.assert_array_equal(only.force.data, full.force.data)
    light = read_recording(tmp_path / "g.h5", load_data=False)
    assert light.emg.data.shape == full.emg.data.shape == (180, 4)
    assert np.isnan(light.emg.data).all() and not light.emg.data.flags.writeable
    np.testing.assert_array_equal(light.emg.gaps, full.emg.gaps)
    np.testing.assert_array_equal(light.emg.clock, full.emg.clock)
    with pytest.raises(KeyError, match="no stream"):
        read_recording(tmp_path / "g.h5", streams=["video"])

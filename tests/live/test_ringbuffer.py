"""Ring buffer and peak-preserving decimation, against plain numpy on the full history."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.errors import SignalError
from emgforce.live.ringbuffer import RingBuffer, minmax_decimate


@settings(deadline=None, max_examples=60)
@given(
    capacity=st.integers(1, 50),
    sizes=st.lists(st.integers(0, 80), min_size=1, max_size=12),
    n_req=st.integers(0, 60),
)
def test_latest_equals_tail_of_everything_appended(capacity, sizes, n_req):
    ring = RingBuffer(capacity, 3)
    history = np.empty((0, 3))
    start = 0
    for n in sizes:
        block = np.arange(start, start + n, dtype=float)[:, None] * np.array([1.0, -1.0, 0.5])
        start += n
        ring.append(block)
        history = np.vstack([history, block])
    rows, first = ring.latest(n_req)
    expected_n = min(n_req, capacity, history.shape[0])
    np.testing.assert_array_equal(rows, history[history.shape[0] - expected_n :])
    assert first == history.shape[0] - expected_n
    assert ring.total == history.shape[0]
    assert len(ring) == min(capacity, history.shape[0])


def test_latest_is_a_copy():
    ring = RingBuffer(4, 1)
    ring.append(np.array([[1.0], [2.0]]))
    rows, _ = ring.latest()
    ring.append(np.array([[9.0], [9.0], [9.0]]))
    np.testing.assert_array_equal(rows[:, 0], [1.0, 2.0])


def test_one_dimensional_block_for_one_channel_and_shape_errors():
    ring = RingBuffer(5, 1)
    ring.append(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(ring.latest()[0][:, 0], [1.0, 2.0])
    with pytest.raises(SignalError, match="shape"):
        ring.append(np.zeros((3, 2)))
    with pytest.raises(SignalError):
        RingBuffer(0, 1)


def test_clear_forgets():
    ring = RingBuffer(5, 2)
    ring.append(np.ones((3, 2)))
    ring.clear()
    assert ring.total == 0 and ring.latest()[0].shape == (0, 2)


def test_concurrent_writer_never_shows_a_torn_window():
    """Each block is constant; a window read while writing is a run of consecutive blocks."""
    ring = RingBuffer(64, 2)
    stop = threading.Event()

    def writer():
        k = 0
        while not stop.is_set():
            ring.append(np.full((8, 2), float(k)))
            k += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        for _ in range(2000):
            rows, first = ring.latest()
            if rows.shape[0] < 64:
                continue
            # block number of each row follows from its absolute index
            np.testing.assert_array_equal(rows[:, 0], (first + np.arange(64)) // 8)
    finally:
        stop.set()
        t.join()


@settings(deadline=None, max_examples=60)
@given(n=st.integers(1, 3000), n_bins=st.integers(1, 200), seed=st.integers(0, 2**31 - 1))
def test_minmax_keeps_each_bins_extremes(n, n_bins, seed):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((n, 2))
    index, rows = minmax_decimate(data, n_bins)
    assert rows.shape[0] <= max(2 * n_bins, n)
    assert rows.shape[0] <= 2 * n_bins or rows.shape[0] == n
    # global extremes survive, and every output value is a sample of its bin
    np.testing.assert_array_equal(rows.max(axis=0), data.max(axis=0))
    np.testing.assert_array_equal(rows.min(axis=0), data.min(axis=0))
    if n <= 2 * n_bins:
        np.testing.assert_array_equal(rows, data)
        return
    k = -(-n // n_bins)
    for j in range(rows.shape[0] // 2):
        seg = data[j * k : (j + 1) * k]
        np.testing.assert_array_equal(rows[2 * j], seg.min(axis=0))
        np.testing.assert_array_equal(rows[2 * j + 1], seg.max(axis=0))
        assert j * k <= index[2 * j] <= index[2 * j + 1] < min((j + 1) * k, n)
    assert np.all(np.diff(index) >= 0)


def test_a_single_sample_spike_survives_decimation():
    data = np.zeros((200_000, 1))
    data[123_457] = 5.0
    index, rows = minmax_decimate(data, 500)
    assert rows.shape[0] <= 1000
    hit = np.flatnonzero(rows[:, 0] == 5.0)
    assert hit.size == 1
    # the spike is drawn within its bin (k = 400 samples)
    assert abs(index[hit[0]] - 123_457) < 400


def test_ring_decimated_index_counts_every_sample():
    ring = RingBuffer(1000, 1)
    ring.append(np.arange(2500, dtype=float)[:, None])
    index, rows, total = ring.latest_decimated(1000, 50)
    assert total == 2500
    # newest 1000 samples are 1500..2499; the bin of each min starts at its value
    np.testing.assert_array_equal(index[0::2], rows[0::2, 0])
    assert rows[-1, 0] == 2499.0 and rows[0, 0] == 1500.0


def test_decimated_view_ends_on_the_newest_sample():
    """A falling ramp: every bin's max is its first sample, yet the last row is the newest sample."""
    ring = RingBuffer(1000, 1)
    ring.append(-np.arange(2500, dtype=float)[:, None])
    index, rows, total = ring.latest_decimated(1000, 50)
    assert index[-1] == total - 1 == 2499 and rows[-1, 0] == -2499.0
    assert rows.shape[0] == 2 * 50 + 1 and np.all(np.diff(index) >= 0)

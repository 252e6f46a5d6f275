"""Preallocated ring buffers and peak-preserving decimation for the live display.

The processing thread appends blocks; the GUI thread reads the most recent
window. Storage is written twice (at ``i`` and ``i + capacity``) so that any
window of up to ``capacity`` samples is one contiguous slice: reading needs no
concatenation, and nothing is allocated while streaming.
"""

from __future__ import annotations

import threading

import numpy as np

from emgforce.errors import SignalError
from emgforce.live._kernels import minmax_bins

__all__ = ["RingBuffer", "minmax_decimate"]


class RingBuffer:
    """Fixed-capacity FIFO of ``(n_samples, n_channels)`` rows.

    Parameters
    ----------
    capacity : int
        Most recent samples kept.
    n_channels : int
        Columns of every appended block.
    dtype : numpy dtype, optional
        Storage type (default float64).

    Notes
    -----
    :meth:`append` and :meth:`latest` take an internal lock, so one writer
    thread and any number of reader threads may share the buffer. The arrays
    returned by :meth:`latest` are copies and stay valid after later appends.
    """

    def __init__(self, capacity: int, n_channels: int, dtype: np.dtype | type = np.float64) -> None:
        if int(capacity) < 1 or int(n_channels) < 1:
            raise SignalError(f"capacity and n_channels must be >= 1, got {capacity} and {n_channels}")
        self.capacity = int(capacity)
        self.n_channels = int(n_channels)
        self._data = np.zeros((2 * self.capacity, self.n_channels), dtype=dtype)
        self._head = 0  # next write position in [0, capacity)
        self._total = 0  # samples ever appended
        self._lock = threading.Lock()

    @property
    def total(self) -> int:
        """Samples appended since creation (or the last :meth:`clear`)."""
        return self._total

    def __len__(self) -> int:
        return min(self._total, self.capacity)

    def clear(self) -> None:
        """Forget every sample (keeps the storage)."""
        with self._lock:
            self._head = 0
            self._total = 0

    def append(self, block: np.ndarray) -> None:
        """Append ``block`` of shape ``(n, n_channels)`` (or ``(n,)`` for one channel)."""
        block = np.asarray(block)
        if block.ndim == 1 and self.n_channels == 1:
            block = block[:, None]
        if block.ndim != 2 or block.shape[1] != self.n_channels:
            raise SignalError(f"expected a block of shape (n, {self.n_channels}), got {block.shape}")
        n = block.shape[0]
        if n == 0:
            return
        cap = self.capacity
        if n > cap:  # only the newest capacity rows can survive
            block = block[n - cap :]
        with self._lock:
            self._write(block)
            self._total += n

    def _write(self, block: np.ndarray) -> None:
        cap = self.capacity
        m = block.shape[0]
        start = self._head
        first = min(m, cap - start)
        # primary copy [start, start+first) and its mirror [start+cap, ...)
        self._data[start : start + first] = block[:first]
        self._data[start + cap : start + cap + first] = block[:first]
        rest = m - first
        if rest:
            self._data[:rest] = block[first:]
            self._data[cap : cap + rest] = block[first:]
        self._head = (start + m) % cap

    def latest(self, n: int | None = None) -> tuple[np.ndarray, int]:
        """Return ``(rows, first_index)``: a copy of the newest ``n`` samples, oldest first.

        ``first_index`` is the index of ``rows[0]`` counted over every sample
        ever appended, so ``first_index / fs`` is its time. ``n`` defaults to
        everything held and is clipped to what is available.
        """
        with self._lock:
            held = min(self._total, self.capacity)
            n = held if n is None else max(0, min(int(n), held))
            end = self._head + self.capacity  # mirror keeps [end - n, end) contiguous
            rows = self._data[end - n : end].copy()
            return rows, self._total - n

    def latest_decimated(self, n: int, n_bins: int) -> tuple[np.ndarray, np.ndarray, int]:
        """Peak-preserving view of the newest ``n`` samples for drawing.

        Returns ``(index, rows, total)``: ``index`` and ``rows`` as
        :func:`minmax_decimate` gives them, with ``index`` counted over every
        sample ever appended (float, for plotting), and :attr:`total` at the
        time of the read (so the newest sample is ``total - 1``). The newest
        sample is always the last row (appended after the last bin's extremes
        if they are older), so a curve ends at "now" and its last value is the
        current one, not the last bin's maximum. Decimation runs on a view of
        the storage under the lock, so nothing the size of the window is copied.
        """
        with self._lock:
            held = min(self._total, self.capacity)
            n = max(0, min(int(n), held))
            end = self._head + self.capacity
            view = self._data[end - n : end]
            idx, rows = minmax_decimate(view, n_bins)
            if n and idx[-1] < n - 1:
                idx = np.append(idx, float(n - 1))
                rows = np.vstack([rows, view[-1:]])
            return idx + (self._total - n), rows, self._total


def minmax_decimate(data: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Reduce ``data`` (n, c) to at most ``2 * n_bins`` rows keeping every bin's extremes.

    Each bin of ``ceil(n / n_bins)`` consecutive samples contributes its
    minimum and its maximum (per channel), so a line drawn through the result
    covers exactly the vertical range of the original within each bin: no peak
    is lost, however long the window. Inputs with ``n <= 2 * n_bins`` rows are
    returned unchanged.

    Parameters
    ----------
    data : ndarray, shape (n, c)
    n_bins : int
        Number of bins (about the plot width in pixels).

    Returns
    -------
    index : ndarray of float, shape (m,)
        Sample position of each output row (a bin's min at its start, its max
        at its middle), for the x axis.
    rows : ndarray of float64, shape (m, c)
    """
    data = np.asarray(data)
    if data.ndim != 2:
        raise SignalError(f"data must be 2-D (n_samples, n_channels), got shape {data.shape}")
    if int(n_bins) < 1:
        raise SignalError(f"n_bins must be >= 1, got {n_bins}")
    n, c = data.shape
    if n <= 2 * n_bins:
        return np.arange(n, dtype=np.float64), data.copy()
    k = -(-n // int(n_bins))  # samples per bin
    m = -(-n // k)  # bins, the last one possibly partial
    mn = np.empty((m, c))
    mx = np.empty((m, c))
    minmax_bins(np.ascontiguousarray(data, dtype=np.float64), k, mn, mx)  # no copy for ring slices
    start = np.arange(m, dtype=np.float64) * k
    width = np.minimum(float(k), n - start)
    rows = np.empty((2 * m, c), dtype=np.float64)
    rows[0::2] = mn
    rows[1::2] = mx
    index = np.empty(2 * m, dtype=np.float64)
    index[0::2] = start
    index[1::2] = start + (width - 1) / 2.0
    return index, rows

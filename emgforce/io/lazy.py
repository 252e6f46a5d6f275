"""A stream's samples left in its HDF5 file, read a time window at a time.

:class:`StoredRows` stands in for ``StreamData.data`` when a recording is read
with ``read_recording(path, lazy=True)``: it has the shape of the sample grid
(lost samples included) and slicing it, e.g. ``data[a:b]`` or ``data[a:b, cols]``,
reads only the stored rows behind those grid rows, in physical units, NaN inside
gaps, equal to the same rows of an eager read. Whatever is not a plain row slice
reads the whole stream (``np.asarray(data)``), as the eager reader would have.
Every read is logged in :attr:`StoredRows.reads` (grid rows), so callers and tests
can tell how much of a stream was touched.
"""

from __future__ import annotations

__all__ = ["StoredRows"]

import logging
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

class StoredRows:
    """Lazily read ``(n_samples, n_channels)`` float64 samples of one stream of an HDF5 recording.

    Parameters
    ----------
    path : path-like
        The recording.
    dataset : str
        Name of the stream's data set in the file (``/streams/<name>/data``).
    n_stored : int
        Stored rows (received samples) that belong to the recording.
    gaps : ndarray, shape (k, 2)
        Validated gap table ``(sample_index, n_missing)``, sorted.
    conversion, offset : ndarray, shape (n_channels,)
        Physical value = stored value * conversion + offset (applied only when
        not 1 / 0, as the eager reader does).
    """

    ndim = 2
    dtype = np.dtype(np.float64)

    def __init__(self, path, dataset: str, n_stored: int, gaps: np.ndarray, conversion: np.ndarray,
                 offset: np.ndarray) -> None:
        self.path = Path(path)
        self.dataset = dataset
        self.gaps = np.asarray(gaps, dtype=np.int64).reshape(-1, 2)
        self.conversion = np.asarray(conversion, dtype=np.float64)
        self.offset = np.asarray(offset, dtype=np.float64)
        self.shape = (int(n_stored) + int(self.gaps[:, 1].sum()), len(self.conversion))
        # stored rows before each gap: grid row g holds stored row g - (lost samples before g)
        self._lost_before = np.concatenate(([0], np.cumsum(self.gaps[:, 1])))
        self.reads: list[tuple[int, int]] = []

    def __len__(self) -> int:
        return self.shape[0]

    @property
    def size(self) -> int:
        return self.shape[0] * self.shape[1]

    def __repr__(self) -> str:
        return f"<StoredRows {self.path.name}:{self.dataset} shape={self.shape}>"

    def __array__(self, dtype=None, copy=None):
        whole = self.read(0, self.shape[0])
        return whole if dtype is None else whole.astype(dtype, copy=False)

    def __getitem__(self, key):
        rows, cols = (key if isinstance(key, tuple) and len(key) == 2 else (key, slice(None)))
        if isinstance(rows, slice) and rows.step in (None, 1) and (isinstance(cols, (slice, int, np.integer))
                                                                   or _is_index_list(cols)):
            a, b, _ = rows.indices(self.shape[0])
            return self.read(a, max(a, b), cols)
        log.debug("%r[%r]: reading the whole stream", self, key)
        return np.asarray(self)[key]

    def _stored(self, g: int) -> int:
        """Stored row of grid row ``g`` (or of the first received row after it)."""
        k = int(np.searchsorted(self.gaps[:, 0], g, side="right"))  # gaps starting at or before g
        lost = self._lost_before[k]
        if k and g < self.gaps[k - 1, 0] + self.gaps[k - 1, 1]:  # inside gap k-1
            lost -= self.gaps[k - 1, 0] + self.gaps[k - 1, 1] - g
        return g - int(lost)

    def read(self, start: int, stop: int, cols=slice(None)) -> np.ndarray:
        """Grid rows ``start:stop`` (clipped) of the columns ``cols``, float64, NaN in gaps."""
        from emgforce.io.chunks import row_pieces
        from emgforce.io.format import refuse_foreign_storage
        from emgforce.io.reader import open_h5

        start, stop = max(0, int(start)), min(self.shape[0], int(stop))
        stop = max(start, stop)
        self.reads.append((start, stop))
        pick = np.arange(self.shape[1])[cols]
        out = np.full((stop - start,) + np.shape(pick), np.nan)
        pick = np.atleast_1d(pick)
        flat = out.reshape(stop - start, pick.size)
        r0, r1 = self._stored(start), self._stored(stop)
        if r1 <= r0:
            return out
        # grid rows of the received samples in the window
        where = self._received_rows(start, stop)
        scale = self.conversion[pick]
        shift = self.offset[pick]
        with open_h5(self.path) as f:
            dsid = f[self.dataset].id
            refuse_foreign_storage(dsid, self.path)
            for a, rows in row_pieces(dsid, r0, r1):
                slab = rows[:, pick].astype(np.float64)
                if np.any(scale != 1.0):
                    slab *= scale
                if np.any(shift != 0.0):
                    slab += shift
                flat[where[a - r0 : a - r0 + len(slab)] - start] = slab
        return out

    def _received_rows(self, start: int, stop: int) -> np.ndarray:
        """Grid indices of the received samples in ``start:stop``."""
        keep = np.ones(stop - start, dtype=bool)
        hit = (self.gaps[:, 0] < stop) & (self.gaps[:, 0] + self.gaps[:, 1] > start)
        for g0, n in self.gaps[hit]:
            keep[max(g0, start) - start:min(g0 + n, stop) - start] = False
        return start + np.flatnonzero(keep)


def _is_index_list(cols) -> bool:
    arr = np.asarray(cols)
    return arr.ndim == 1 and arr.dtype.kind in "iu"

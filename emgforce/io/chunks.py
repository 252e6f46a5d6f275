"""The stored rows of a 2-D HDF5 dataset, read a chunk at a time.

A recording's ``data`` sets are chunked by whole rows, each chunk with a
Fletcher-32 checksum. Through HDF5, most of a read goes into verifying that
checksum one word at a time, and each chunk is staged in a buffer HDF5 allocates
anew. Here each chunk is read raw (``H5Dread_chunk``) into a reused buffer and
verified by :mod:`emgforce.io.checksum`, vectorised: the same samples and the same
check, several times faster. Reads under 4 MiB, any other layout (contiguous,
compressed, chunks not spanning every column, non-native number types) and any
chunk HDF5 never allocated are read through HDF5 as before.

:func:`read_float64` also shares whole chunks out between emgforce's worker
threads (:mod:`emgforce._workers`): read, checked and converted in parallel.
"""

from __future__ import annotations

__all__ = ["read_float64", "row_pieces"]

import os
import threading
from collections.abc import Iterator

import numpy as np

from emgforce.io.format import h5py_module

#: rows read per step through HDF5 (the fallback): a few MB stays in cache between read and use
_SLAB_BYTES = 4 * 2**20
#: reads of fewer bytes go through HDF5, whose own check costs under 1 ms there: less than a
#: fresh process spends loading the checksum kernel (~20 ms; compiling it in a fresh
#: environment, ~0.23 s), so one-off small reads (a short session's windows) never pay it
_DIRECT_MIN_BYTES = 4 * 2**20
#: chunk buffers kept between reads, per thread, at most this many bytes in all (chunks are at
#: most 8 MiB: one or two kept)
_KEEP_BYTES = 16 * 2**20

_local = threading.local()


class _Plan:
    """How the raw chunks of a dataset map to numpy rows."""

    def __init__(self, chunk_rows: int, n_cols: int, dtype: np.dtype, has_checksum: bool) -> None:
        self.chunk_rows, self.n_cols, self.dtype, self.has_checksum = chunk_rows, n_cols, dtype, has_checksum
        self.raw_bytes = chunk_rows * n_cols * dtype.itemsize


def row_pieces(dsid, start: int, stop: int) -> Iterator[tuple[int, np.ndarray]]:
    """Rows ``start:stop`` of a 2-D dataset, in order, as ``(first_row, rows)`` pieces.

    Parameters
    ----------
    dsid : h5py.h5d.DatasetID
        A 2-D dataset of numbers (``ds.id`` of an ``h5py.Dataset``).
    start, stop : int
        Stored rows to read (``0 <= start <= stop <= ds.shape[0]``).

    Yields
    ------
    first_row : int
        Index of the piece's first row in the dataset.
    rows : ndarray, shape (k, n_columns)
        The rows, in the stored number type; a view into a buffer that the next
        piece overwrites: copy (or convert) it before asking for the next.

    Raises
    ------
    OSError
        A chunk fails its checksum (the message says "checksum", as HDF5's does).
    """
    plan = _direct_plan(dsid, stop - start)
    if plan is None:
        yield from _hyperslabs(dsid, start, stop)
        return
    for c0, a, b, buf, summed in _raw_chunks(dsid, start, stop, plan):
        if summed is None:
            yield from _hyperslabs(dsid, a, b)
            continue
        _verify(dsid, c0, buf, plan, summed)
        yield a, _rows(buf, plan)[a - c0 : b - c0]


def _raw_chunks(dsid, start: int, stop: int, plan: _Plan):
    """``(c0, a, b, buf, summed)`` for each chunk (first row ``c0``) holding rows ``a:b`` of ``start:stop``.

    The chunk is raw in ``buf`` (one buffer, overwritten by the next), with ``summed``
    from :func:`_read_raw`; None means HDF5 must read rows ``a:b``.
    """
    buf = _take_buffer(plan.raw_bytes + 4)
    try:
        for c0 in range(start - start % plan.chunk_rows, stop, plan.chunk_rows):
            yield c0, max(start, c0), min(stop, c0 + plan.chunk_rows), buf, _read_raw(dsid, c0, buf, plan)
    finally:
        _give_back(buf)


def _copy_rows(out: np.ndarray, start: int, pieces) -> None:
    """Put ``(first_row, rows)`` pieces into ``out``, whose row 0 is row ``start``."""
    for r, rows in pieces:
        out[r - start : r - start + len(rows)] = rows


def read_float64(dsid, start: int, stop: int, workers: int | None = None) -> np.ndarray:
    """Rows ``start:stop`` of a 2-D dataset as float64.

    With more than one worker and a file on the default (POSIX) driver, the
    chunks are shared out between the pool's threads, each reading its chunks
    with ``os.preadv`` at the offsets HDF5's chunk index gives (the bytes
    ``H5Dread_chunk`` would read), then checking and converting them: reading,
    checking and converting all release the GIL, so the threads run in parallel
    while the calling thread waits. Chunks that cannot be read so are read
    through HDF5 afterwards.

    Parameters
    ----------
    dsid : h5py.h5d.DatasetID
        A 2-D dataset of numbers.
    start, stop : int
        Stored rows to read.
    workers : int, optional
        Threads (default: :func:`emgforce._workers.get_workers`).

    Returns
    -------
    ndarray, shape (stop - start, n_columns)

    Raises
    ------
    OSError
        A chunk fails its checksum.
    """
    from emgforce._workers import get_workers, map_threads

    out = np.empty((stop - start, dsid.shape[1]), dtype=np.float64)
    plan = _direct_plan(dsid, stop - start)
    workers = get_workers(workers)
    if plan is None:
        _copy_rows(out, start, _hyperslabs(dsid, start, stop))
        return out
    n_chunks = -(-stop // plan.chunk_rows) - start // plan.chunk_rows
    # threads only when each gets several chunks: with one each, their wake-ups and the
    # memory bandwidth they share cost about what they save
    fd = _posix_handle(dsid) if n_chunks > workers > 1 else None
    if fd is None:  # one thread: raw chunks through HDF5, checked and converted here
        for c0, a, b, buf, summed in _raw_chunks(dsid, start, stop, plan):
            if summed is None:
                _copy_rows(out, start, _hyperslabs(dsid, a, b))
            else:
                _finish(dsid, c0, buf, plan, summed, out[a - start : b - start], a - c0)
        return out
    jobs = []
    for c0 in range(start - start % plan.chunk_rows, stop, plan.chunk_rows):
        a, b = max(start, c0), min(stop, c0 + plan.chunk_rows)
        jobs.append((c0, dsid.get_chunk_info_by_coord((c0, 0)), out[a - start : b - start], a - c0))
    # each thread takes every workers-th chunk, so neighbouring chunks are read side by side
    missed = map_threads(lambda mine: [job for job in mine if not _load(dsid, fd, plan, *job)],
                         [jobs[i::workers] for i in range(workers)])
    missed = [job for mine in missed for job in mine]
    for c0, _, rows_out, skip in missed:
        _copy_rows(out, start, row_pieces(dsid, c0 + skip, c0 + skip + len(rows_out)))
    return out


def _load(dsid, fd: int, plan: _Plan, c0: int, info, out: np.ndarray, skip: int) -> bool:
    """Read one chunk with ``os.preadv``, check it, convert its rows into ``out``; False if HDF5 must read it."""
    summed = None if info.byte_offset is None else _stored_as_planned(plan, info.filter_mask, info.size)
    if summed is None:
        return False
    size = plan.raw_bytes + 4 * summed
    buf = _take_buffer(size)
    try:
        if os.preadv(fd, [memoryview(buf)[:size]], info.byte_offset) != size:
            return False  # the file ends early: HDF5 says how
        _finish(dsid, c0, buf, plan, summed, out, skip)
    finally:
        _give_back(buf)
    return True


def _posix_handle(dsid) -> int | None:
    """The file descriptor behind ``dsid``'s file if HDF5 reads it with plain POSIX calls (else None)."""
    h5py = h5py_module()
    fid = h5py.h5i.get_file_id(dsid)
    if not hasattr(os, "preadv") or fid.get_access_plist().get_driver() != h5py.h5fd.SEC2:
        return None
    return fid.get_vfd_handle()


def _finish(dsid, c0: int, buf: np.ndarray, plan: _Plan, summed: bool, out: np.ndarray, skip: int) -> None:
    """Check one raw chunk and convert its rows ``skip:skip + len(out)`` into ``out`` (C-contiguous rows)."""
    rows = _rows(buf, plan)[skip : skip + len(out)]
    if not summed:
        out[...] = rows
        return
    from emgforce.io.checksum import fletcher32_converting

    # one pass over the chunk: checksum and (float32 samples) conversion while it is in cache
    checksum, converted = fletcher32_converting(buf[: plan.raw_bytes], plan.dtype, out.reshape(-1),
                                                skip * plan.n_cols)
    _check(dsid, c0, buf, plan, checksum)
    if not converted:
        out[...] = rows


def _read_raw(dsid, c0: int, buf: np.ndarray, plan: _Plan) -> bool | None:
    """Read the chunk starting at row ``c0`` raw into ``buf``.

    Returns whether it carries a checksum, or None if HDF5 must read it (never
    allocated: HDF5 supplies the fill value; or not stored as the pipeline says).
    """
    try:
        mask, view = dsid.read_direct_chunk((c0, 0), out=buf)
    except RuntimeError:
        return None
    return _stored_as_planned(plan, mask, len(view))


def _stored_as_planned(plan: _Plan, filter_mask: int, size: int) -> bool | None:
    """Whether a chunk of ``size`` stored bytes, ``filter_mask`` its skipped filters, carries a
    checksum; None if it is not stored as ``plan`` says (HDF5 must read it)."""
    summed = plan.has_checksum and not filter_mask & 1
    if filter_mask & ~1 or size != plan.raw_bytes + 4 * summed:
        return None
    return summed


def _verify(dsid, c0: int, buf: np.ndarray, plan: _Plan, summed: bool) -> None:
    if summed:
        from emgforce.io.checksum import fletcher32

        _check(dsid, c0, buf, plan, fletcher32(buf[: plan.raw_bytes]))


def _check(dsid, c0: int, buf: np.ndarray, plan: _Plan, checksum: int) -> None:
    """Raise if ``checksum`` is not the one stored after the chunk in ``buf``."""
    from emgforce.io.checksum import accepts

    stored = int.from_bytes(buf[plan.raw_bytes : plan.raw_bytes + 4].tobytes(), "little")
    if not accepts(stored, checksum):
        name = h5py_module().h5i.get_name(dsid).decode("utf-8", "replace")
        raise OSError(f"the chunk at row {c0} of {name} fails its Fletcher-32 checksum")


def _rows(buf: np.ndarray, plan: _Plan) -> np.ndarray:
    return buf[: plan.raw_bytes].view(plan.dtype).reshape(plan.chunk_rows, plan.n_cols)


def _direct_plan(dsid, n_rows: int) -> _Plan | None:
    """How to read ``n_rows`` raw rows of ``dsid`` as numpy rows; None if they cannot or should not be."""
    h5py = h5py_module()
    h5d, h5t, h5z = h5py.h5d, h5py.h5t, h5py.h5z
    shape = dsid.shape
    if len(shape) != 2 or n_rows * shape[1] * dsid.dtype.itemsize < _DIRECT_MIN_BYTES:
        return None
    dcpl = dsid.get_create_plist()
    if dcpl.get_layout() != h5d.CHUNKED:
        return None
    chunk = dcpl.get_chunk()
    filters = [dcpl.get_filter(i)[0] for i in range(dcpl.get_nfilters())]
    if chunk[1] != shape[1] or filters not in ([], [h5z.FILTER_FLETCHER32]):
        return None
    dtype = dsid.dtype
    # the file's number type must be exactly numpy's (no odd precision or padding), in native byte order
    if dtype.kind not in "iuf" or not dtype.isnative or dsid.get_type() != h5t.py_create(dtype):
        return None
    return _Plan(chunk[0], shape[1], dtype, bool(filters))


def _hyperslabs(dsid, start: int, stop: int) -> Iterator[tuple[int, np.ndarray]]:
    """Rows ``start:stop`` read through HDF5 (its filters and conversions), a few MB at a time."""
    h5py = h5py_module()
    n_cols = dsid.shape[1]
    dtype = dsid.dtype.newbyteorder("=")
    if stop <= start or not n_cols:
        return
    dcpl = dsid.get_create_plist()
    rows = dcpl.get_chunk()[0] if dcpl.get_layout() == h5py.h5d.CHUNKED else 1
    step = rows * max(1, _SLAB_BYTES // (rows * n_cols * dtype.itemsize))
    buf = np.empty((min(step, stop - start), n_cols), dtype=dtype)
    file_space = dsid.get_space()
    for a in range(start, stop, step):
        b = min(stop, a + step)
        file_space.select_hyperslab((a, 0), (b - a, n_cols))
        slab = buf[: b - a]  # leading rows: C-contiguous, exactly the selection's size
        dsid.read(h5py.h5s.create_simple(slab.shape), file_space, slab)
        yield a, slab


def _take_buffer(n_bytes: int) -> np.ndarray:
    """A byte buffer of at least ``n_bytes``: one this thread kept, if one is big enough.

    Reusing buffers saves the page faults of fresh ones on every read, which cost
    as much as the read itself on small files. A buffer is taken out of the kept
    ones while in use, so interleaved reads never share one.
    """
    kept = getattr(_local, "kept", None)
    if kept:
        for i, buf in enumerate(kept):
            if buf.size >= n_bytes:
                return kept.pop(i)
    return np.empty(n_bytes, dtype=np.uint8)


def _give_back(buf: np.ndarray) -> None:
    kept = getattr(_local, "kept", None)
    if kept is None:
        kept = _local.kept = []
    if sum(b.size for b in kept) + buf.size <= _KEEP_BYTES:
        kept.append(buf)

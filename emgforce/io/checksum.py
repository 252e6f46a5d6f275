"""HDF5's Fletcher-32 chunk checksum, computed by emgforce.

Every chunk of a format 1.1 recording carries a Fletcher-32 checksum (HDF5's
``fletcher32`` filter). HDF5 verifies it one 16-bit word at a time, which costs
more than reading the chunk; :mod:`emgforce.io.chunks` reads chunks raw and
verifies them here instead, vectorised, with HDF5's result to the bit, and
converts float samples to float64 in the same pass over the chunk.

HDF5's definition (``H5_checksum_fletcher32``): the data are big-endian 16-bit
words (a last odd byte is the high byte of a word) summed in blocks of 360 words,
``sum1 += word; sum2 += sum1`` in unsigned 32-bit arithmetic, both sums folded to
16 bits plus carry (``(s & 0xffff) + (s >> 16)``) after each block and twice at the
end; the checksum is ``sum2 << 16 | sum1``, stored after the chunk little-endian.
"""

from __future__ import annotations

__all__ = ["accepts", "fletcher32", "fletcher32_converting"]

import numpy as np
from numba import njit

_U = np.uint32
_NO_F32, _NO_F64 = np.empty(0, np.float32), np.empty(0)


@njit("uint32(uint8[::1], float32[::1], float64[::1], float64[::1], int64, float64[::1])", cache=True, nogil=True)
def _fletcher32(b, f32, f64, dst, first, spare):
    # Per block of m words w_i (i = 0..m-1): sum1 grows by sum(w_i) and sum2 by
    # m * sum1 + sum((m - i) * w_i). Exact mod 2**32, like HDF5's sequential sums, and
    # the fixed-length inner loop vectorises (the sequential one cannot).
    # While a block is in cache, its elements go to dst[e - first] (f32 or f64 is b read
    # as float32 or float64, the other one empty; both empty: no copy). A whole block
    # that is not all inside first:first + dst.size goes to ``spare`` (180 elements)
    # instead: a branch around the copy, or indexing with offsets numba cannot prove
    # non-negative, would stop it vectorising. Those blocks' elements that do belong in
    # dst, and the last, partial block's, are copied at the end.
    n_words = b.size // 2
    n_full = n_words // 360
    per_block = 180 if f32.size else 90  # elements in a block of 720 bytes
    last = first + dst.size if f32.size or f64.size else first
    s1 = _U(0)
    s2 = _U(0)
    for blk in range(n_full):
        start = blk * 360
        a = _U(0)
        c = _U(0)
        for i in range(360):
            w = (_U(b[2 * (start + i)]) << _U(8)) | _U(b[2 * (start + i) + 1])
            a = _U(a + w)
            c = _U(c + _U(360 - i) * w)
        s2 = _U(s2 + _U(360) * s1 + c)
        s1 = _U(s1 + a)
        s1 = _U((s1 & _U(0xFFFF)) + (s1 >> _U(16)))
        s2 = _U((s2 & _U(0xFFFF)) + (s2 >> _U(16)))
        e0 = blk * per_block
        inside = e0 >= first and e0 + per_block <= last
        lo = e0 - first if inside else 0
        if f32.size:
            d = dst[lo : lo + 180] if inside else spare
            s32 = f32[e0 : e0 + 180]
            for j in range(180):
                d[j] = s32[j]
        elif f64.size:
            d = dst[lo : lo + 90] if inside else spare
            s64 = f64[e0 : e0 + 90]
            for j in range(90):
                d[j] = s64[j]
    m = n_words - n_full * 360
    if m:
        start = n_full * 360
        a = _U(0)
        c = _U(0)
        for i in range(m):
            w = (_U(b[2 * (start + i)]) << _U(8)) | _U(b[2 * (start + i) + 1])
            a = _U(a + w)
            c = _U(c + _U(m - i) * w)
        s2 = _U(s2 + _U(m) * s1 + c)
        s1 = _U(s1 + a)
        s1 = _U((s1 & _U(0xFFFF)) + (s1 >> _U(16)))
        s2 = _U((s2 & _U(0xFFFF)) + (s2 >> _U(16)))
    if b.size % 2:
        s1 = _U(s1 + (_U(b[b.size - 1]) << _U(8)))
        s2 = _U(s2 + s1)
        s1 = _U((s1 & _U(0xFFFF)) + (s1 >> _U(16)))
        s2 = _U((s2 & _U(0xFFFF)) + (s2 >> _U(16)))
    s1 = _U((s1 & _U(0xFFFF)) + (s1 >> _U(16)))
    s2 = _U((s2 & _U(0xFFFF)) + (s2 >> _U(16)))
    # elements of blocks partly inside first:last, and of the partial block
    whole_lo = -(-first // per_block) * per_block
    whole_hi = max(whole_lo, min(last // per_block, n_full) * per_block)
    for lo, hi in ((first, min(whole_lo, last)), (max(whole_hi, first), last)):
        if hi > lo:
            d = dst[lo - first : hi - first]
            if f32.size:
                s32 = f32[lo:hi]
                for j in range(hi - lo):
                    d[j] = s32[j]
            else:
                s64 = f64[lo:hi]
                for j in range(hi - lo):
                    d[j] = s64[j]
    return _U((s2 << _U(16)) | s1)


def _bytes(data) -> np.ndarray:
    b = np.frombuffer(memoryview(data).cast("B"), dtype=np.uint8)
    # numba's signature is for writeable arrays; a copy only for read-only input
    return b if b.flags.writeable else b.copy()


def fletcher32(data) -> int:
    """HDF5's Fletcher-32 checksum of a byte buffer.

    Parameters
    ----------
    data : bytes-like or ndarray
        The bytes (any C-contiguous buffer; arrays are taken as their raw bytes).

    Returns
    -------
    int
        The checksum, as HDF5's ``fletcher32`` filter computes it.
    """
    return int(_fletcher32(_bytes(data), _NO_F32, _NO_F64, _NO_F64, 0, _NO_F64))


def fletcher32_converting(raw: np.ndarray, dtype: np.dtype, out: np.ndarray, first: int) -> tuple[int, bool]:
    """Fletcher-32 of ``raw``, converting some of its elements to float64 in the same pass.

    Parameters
    ----------
    raw : ndarray of uint8
        The bytes, C-contiguous, writeable.
    dtype : numpy.dtype
        What ``raw`` holds. Native float32 and float64 are converted; anything
        else is only summed.
    out : ndarray of float64, 1-D, C-contiguous
        Receives elements ``first:first + out.size`` of ``raw`` read as ``dtype``.
    first : int
        First element converted.

    Returns
    -------
    checksum : int
    converted : bool
        Whether ``out`` was filled (else the caller converts).
    """
    n = raw.size - raw.size % dtype.itemsize
    f32 = raw[:n].view(np.float32) if dtype == np.float32 else _NO_F32
    f64 = raw[:n].view(np.float64) if dtype == np.float64 else _NO_F64
    converted = bool(f32.size or f64.size)
    spare = np.empty(180)  # per call: threads may convert side by side
    return int(_fletcher32(raw, f32, f64, out if converted else _NO_F64, first, spare)), converted


def accepts(stored: int, computed: int) -> bool:
    """Whether a stored checksum matches the computed one, as HDF5 decides.

    Like HDF5, the checksum is also accepted with the bytes of each 16-bit half
    swapped: versions before HDF5 1.6.3 stored it so on some machines.
    """
    swapped = ((computed & 0x00FF00FF) << 8) | ((computed >> 8) & 0x00FF00FF)
    return stored in (computed, swapped)

"""HDF5's Fletcher-32 chunk checksum, computed by emgforce.

Every chunk of a format 1.1 recording carries a Fletcher-32 checksum (HDF5's
``fletcher32`` filter). HDF5 verifies it one 16-bit word at a time, which costs
more than reading the chunk; :mod:`emgforce.io.chunks` reads chunks raw and
verifies them here instead, vectorised, with HDF5's result to the bit, and
converts float32 samples to float64 in the same pass over the chunk.

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
_NO_F32, _NO_F64 = np.empty(0, np.float32), np.empty(0)  # "no conversion"


@njit("UniTuple(uint32, 2)(uint8[::1], float32[::1], int64, int64, float64[::1], float64[::1])", cache=True,
      nogil=True)
def _whole_blocks(b, f32, blk_lo, blk_hi, dst, spare):
    # Per block of 360 words w_i: sum1 grows by sum(w_i) and sum2 by 360 * sum1 +
    # sum((360 - i) * w_i). Exact mod 2**32, like HDF5's sequential sums, and the
    # fixed-length inner loop vectorises (the sequential one cannot).
    # While block blk_lo <= blk < blk_hi is in cache, its 180 floats (f32 is b read as
    # float32) go to dst[180 * (blk - blk_lo):]; the other blocks are copied to
    # ``spare`` (180 elements) instead: a branch around the copy would stop it vectorising.
    # The last, partial block is summed by the caller (a smaller kernel compiles faster).
    s1 = _U(0)
    s2 = _U(0)
    for blk in range(b.size // 720):
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
        if f32.size:  # (the same for every block: LLVM moves the test out of the loop)
            inside = blk_lo <= blk < blk_hi
            lo = 180 * (blk - blk_lo) if inside else 0
            d = dst[lo : lo + 180] if inside else spare
            src = f32[180 * blk : 180 * blk + 180]
            for j in range(180):
                d[j] = src[j]
    return s1, s2


def _fold(s: int) -> int:
    return (s & 0xFFFF) + (s >> 16)


def _fletcher32(b: np.ndarray, f32: np.ndarray, blk_lo: int, blk_hi: int, dst: np.ndarray,
                spare: np.ndarray) -> int:
    """The checksum of ``b``: the whole blocks by the kernel, then the rest as HDF5 sums it."""
    s1, s2 = (int(v) for v in _whole_blocks(b, f32, blk_lo, blk_hi, dst, spare))
    rest = b[b.size - b.size % 720 :]
    m = rest.size // 2
    if m:
        w = rest[: 2 * m].view(">u2").astype(np.int64)
        s2 = _fold((s2 + m * s1 + int(np.dot(np.arange(m, 0, -1), w))) & 0xFFFFFFFF)
        s1 = _fold((s1 + int(w.sum())) & 0xFFFFFFFF)
    if rest.size % 2:
        s1 = _fold(s1 + (int(rest[-1]) << 8))
        s2 = _fold(s2 + s1)
    return (_fold(_fold(s2)) << 16) | _fold(_fold(s1))


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
    return _fletcher32(_bytes(data), _NO_F32, 0, 0, _NO_F64, _NO_F64)


def fletcher32_converting(raw: np.ndarray, dtype: np.dtype, out: np.ndarray, first: int) -> tuple[int, bool]:
    """Fletcher-32 of ``raw``, converting float32 elements to float64 in the same pass.

    Parameters
    ----------
    raw : ndarray of uint8
        The bytes, C-contiguous, writeable.
    dtype : numpy.dtype
        What ``raw`` holds. Native float32 is converted (the blocks of 720 bytes
        wholly inside the range while they are in cache, the few elements at
        either end by numpy); anything else is only summed.
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
    if dtype != np.float32 or not dtype.isnative:
        return _fletcher32(raw, _NO_F32, 0, 0, _NO_F64, _NO_F64), False
    f32 = raw[: raw.size - raw.size % 4].view(np.float32)
    last = first + out.size
    n_whole = raw.size // 720  # blocks of 360 words = 180 floats
    blk_lo = min(-(-first // 180), n_whole)
    blk_hi = max(blk_lo, min(last // 180, n_whole))
    a, b = 180 * blk_lo - first, 180 * blk_hi - first  # out[a:b] comes from whole blocks
    if b <= a:
        a = b = out.size
    spare = np.empty(180)  # per call: threads may convert side by side
    checksum = _fletcher32(raw, f32, blk_lo, blk_hi, out[a:b], spare)
    out[:a] = f32[first : first + a]
    out[b:] = f32[first + b : last]
    return checksum, True


def accepts(stored: int, computed: int) -> bool:
    """Whether a stored checksum matches the computed one, as HDF5 decides.

    Like HDF5, the checksum is also accepted with the bytes of each 16-bit half
    swapped: versions before HDF5 1.6.3 stored it so on some machines.
    """
    swapped = ((computed & 0x00FF00FF) << 8) | ((computed >> 8) & 0x00FF00FF)
    return stored in (computed, swapped)

"""Fletcher-32 as emgforce computes it equals the checksum HDF5 stores with every chunk."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.io.checksum import accepts, fletcher32, fletcher32_converting


def _hdf5_checksum(tmp_path, data: bytes) -> int:
    """The checksum HDF5's fletcher32 filter stores after a one-chunk dataset holding ``data``."""
    path = tmp_path / "c.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("d", data=np.frombuffer(data, np.uint8), chunks=(len(data),), fletcher32=True)
    with h5py.File(path, "r") as f:
        mask, raw = f["d"].id.read_direct_chunk((0,))
    assert mask == 0 and raw[:-4] == data
    return int.from_bytes(raw[-4:], "little")


@settings(max_examples=60, deadline=None)
@given(data=st.one_of(
    st.binary(min_size=1, max_size=3000),  # odd and even lengths, partial last block
    st.integers(1, 2000).map(lambda n: b"\xff" * n),  # every word 0xffff: where sum2 wraps past 2**32
    st.integers(1, 2000).map(lambda n: b"\x00" * n),
))
def test_equals_what_hdf5_stores(tmp_path_factory, data):
    assert fletcher32(data) == _hdf5_checksum(tmp_path_factory.mktemp("c"), data)


def test_a_long_buffer_and_a_closed_form(tmp_path):
    data = np.random.default_rng(3).integers(0, 256, 720 * 1000 + 7, dtype=np.uint8).tobytes()
    assert fletcher32(data) == _hdf5_checksum(tmp_path, data)
    # one word w: sum1 = w, sum2 = w (each folded once per block and twice at the end)
    assert fletcher32(b"\x12\x34") == (0x1234 << 16) | 0x1234


def test_any_buffer_type_and_read_only_input():
    raw = np.arange(1000, dtype=np.float32)
    expected = fletcher32(raw.tobytes())
    assert fletcher32(raw) == fletcher32(memoryview(raw.tobytes())) == fletcher32(bytearray(raw.tobytes())) == expected
    frozen = raw.copy()
    frozen.flags.writeable = False
    assert fletcher32(frozen) == expected


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 5000),  # with float32 also the blocks wholly inside or outside the range
    dtype=st.sampled_from(["float32", "float64", "int16", "int32"]),
    window=st.tuples(st.floats(0, 1), st.floats(0, 1)),
)
def test_converting_gives_the_same_checksum_and_the_elements(n, dtype, window):
    values = np.random.default_rng(n).standard_normal(n) * 1000
    raw = np.frombuffer(values.astype(dtype).tobytes(), np.uint8).copy()
    first = int(window[0] * n)
    count = int(window[1] * (n - first))
    out = np.full(count, np.nan)
    checksum, converted = fletcher32_converting(raw, np.dtype(dtype), out, first)
    assert checksum == fletcher32(raw)
    assert converted == (dtype == "float32")
    if converted:
        np.testing.assert_array_equal(out, raw.view(dtype)[first : first + count].astype(np.float64))
    else:
        assert np.isnan(out).all()  # left for the caller


def test_accepts_the_byte_swapped_form_hdf5_accepts():
    c = fletcher32(b"emgforce")
    swapped = ((c & 0x00FF00FF) << 8) | ((c >> 8) & 0x00FF00FF)
    assert accepts(c, c) and accepts(swapped, c)
    assert not accepts(c ^ 1, c)


@pytest.mark.parametrize("flip", [0, 1, 719, 720, 5000])
def test_one_flipped_bit_changes_it(flip):
    data = bytearray(np.random.default_rng(0).integers(0, 256, 6000, dtype=np.uint8).tobytes())
    before = fletcher32(data)
    data[flip] ^= 0x04
    assert fletcher32(data) != before

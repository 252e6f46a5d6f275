"""Low-level reads of attributes, members and tables give what h5py's high-level API gives."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from emgforce.io import h5read


@pytest.fixture
def f(tmp_path):
    with h5py.File(tmp_path / "a.h5", "w", track_order=False) as f:
        g = f.create_group("g")
        g.attrs["float"] = 2.5
        g.attrs["int"] = np.int16(-3)
        g.attrs["floats"] = np.array([1.0, 2.0, 3.5], dtype="<f4")
        g.attrs["bytes"] = np.bytes_("héllo".encode())
        g.attrs["byte array"] = np.array([b"a", b"bc", b""], dtype="S2")
        g.attrs["vlen str"] = "vlen ü"
        g.attrs["empty"] = h5py.Empty("f8")
        for name in ("zeta", "alpha", "Mid", "beta"):
            g.create_group(name)
        f.create_group("bare")
        f.create_group("attrs only").attrs["a"] = 1
        f.create_dataset("t", data=np.array([(1, b"x"), (2, b"yz")], dtype=[("k", ">i4"), ("v", "S2")]))
        yield f


def test_attributes_numbers_as_float64_fixed_text_as_bytes(f):
    gid = f["g"].id
    assert h5read.attribute(gid, "float") == 2.5 and h5read.attribute(gid, "float").dtype == np.float64
    assert h5read.attribute(gid, "int") == -3.0
    np.testing.assert_array_equal(h5read.attribute(gid, "floats"), [1.0, 2.0, 3.5])
    assert h5read.attribute(gid, "bytes").item().decode() == "héllo"
    assert h5read.attribute(gid, "byte array").tolist() == [b"a", b"bc", b""]
    assert h5read.attribute(gid, "vlen str") == f["g"].attrs["vlen str"] == "vlen ü"  # h5py's own reading
    assert h5read.attribute(gid, "empty") is None


def test_a_missing_attribute_is_the_default_or_a_key_error(f):
    assert h5read.attribute(f["g"].id, "nope", 7) == 7
    with pytest.raises(KeyError, match="nope"):
        h5read.attribute(f["g"].id, "nope")


def test_children_names_and_emptiness(f):
    assert h5read.child(f.id, "g", "group") is not None
    assert h5read.child(f.id, "g", "dataset") is None and h5read.child(f.id, "t", "group") is None
    assert h5read.child(f.id, "missing", "group") is None
    assert h5read.names(f["g"].id) == list(f["g"]) == ["Mid", "alpha", "beta", "zeta"]
    assert h5read.is_empty(f["bare"].id) and h5read.is_empty(f["g/alpha"].id)
    assert not h5read.is_empty(f["g"].id) and not h5read.is_empty(f["attrs only"].id)


def test_tables_in_native_byte_order(f):
    table = h5read.table(f["t"].id)
    assert table.dtype["k"].isnative
    assert table["k"].tolist() == [1, 2] and table["v"].tolist() == [b"x", b"yz"]
    np.testing.assert_array_equal(table, f["t"][()])

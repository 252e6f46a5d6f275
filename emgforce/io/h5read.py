"""Small reads from HDF5 through h5py's low-level API: attributes, objects, whole tables.

A recording's header is a few dozen attributes and small tables. Through h5py's
high-level objects each costs ~20 us of Python around a few us of HDF5, which
outweighs the samples of a short file; these helpers do the same reads with
the low-level calls alone. Each takes the low-level id of the parent object.
"""

from __future__ import annotations

__all__ = ["attribute", "child", "is_empty", "names", "table"]

from typing import Any

import numpy as np

from emgforce.io.format import h5py_module

_MISSING = object()


class _Parent:
    """The one thing h5py's ``AttributeManager`` needs of its object: the id."""

    def __init__(self, oid) -> None:
        self.id = oid


def attribute(oid, name: str, default: Any = _MISSING) -> Any:
    """Attribute ``name`` of an object.

    Parameters
    ----------
    oid : h5py ObjectID
        The object's low-level id (``obj.id``).
    name : str
        The attribute.
    default
        Returned when there is no such attribute (default: raise ``KeyError``).

    Returns
    -------
    ndarray or None or object
        Numbers as float64 (0-d for a scalar), fixed-length strings as bytes
        (``S`` arrays), ``None`` for an empty attribute; anything else (variable
        strings, compounds) as h5py's high-level API returns it.
    """
    h5py = h5py_module()
    h5a, h5s, h5t = h5py.h5a, h5py.h5s, h5py.h5t
    try:
        attr = h5a.open(oid, name.encode())
    except KeyError:
        if default is _MISSING:
            raise KeyError(f"no attribute {name!r}") from None
        return default
    space = attr.get_space()
    if space.get_simple_extent_type() == h5s.NULL:
        return None
    tid = attr.get_type()
    cls = tid.get_class()
    if cls in (h5t.INTEGER, h5t.FLOAT):
        out = np.empty(space.shape, dtype=np.float64)
        attr.read(out, mtype=h5t.NATIVE_DOUBLE)
        return out
    if cls == h5t.STRING and not tid.is_variable_str():
        out = np.empty(space.shape, dtype=f"S{tid.get_size()}")
        attr.read(out, mtype=tid)  # the bytes as stored, no conversion
        return out
    return h5py.AttributeManager(_Parent(oid))[name]


def child(oid, name: str, kind: str):
    """The ``"group"`` or ``"dataset"`` ``name`` (a path below ``oid``), or None if absent or of another kind."""
    h5py = h5py_module()
    try:
        obj = h5py.h5o.open(oid, name.encode())
    except KeyError:
        return None
    return obj if isinstance(obj, h5py.h5g.GroupID if kind == "group" else h5py.h5d.DatasetID) else None


def names(gid) -> list[str]:
    """Names of a group's members, in name order (as iterating an ``h5py.Group`` gives them)."""
    return [gid.get_objname_by_idx(i).decode("utf-8") for i in range(gid.get_num_objs())]


def is_empty(gid) -> bool:
    """Whether a group has neither members nor attributes."""
    return gid.get_num_objs() == 0 and h5py_module().h5a.get_num_attrs(gid) == 0


def table(dsid) -> np.ndarray:
    """The whole of a (small) dataset, in its stored type (native byte order)."""
    h5s = h5py_module().h5s
    dtype = dsid.dtype
    out = np.empty(dsid.shape, dtype=dtype if dtype.isnative else dtype.newbyteorder("="))
    if out.size:
        dsid.read(h5s.ALL, h5s.ALL, out)
    return out

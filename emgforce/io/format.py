"""Schema of the emgforce HDF5 session format: names, dtypes and small h5py helpers.

Everything here is shared by the writer and the reader so the two cannot drift
apart. The format itself is specified in ``docs/format.md``. ``h5py`` is only
imported inside functions so that ``import emgforce.io`` stays light.
"""

from __future__ import annotations

__all__ = [
    "CHANNEL_ATTRS",
    "CLOCK",
    "COMPLETE",
    "DATA",
    "END_REASON",
    "EVENTS",
    "EVENT_DTYPE",
    "EVENT_KINDS",
    "FORMAT_VERSION",
    "GAPS",
    "KEY_BYTES",
    "KIND_BYTES",
    "LABEL_BYTES",
    "LIBVER",
    "METADATA",
    "PLATE",
    "STATUS",
    "STATUS_DTYPE",
    "STREAMS",
    "SUBJECT",
    "SUBJECT_ID_BYTES",
    "SUBJECT_NOTES_BYTES",
    "VALUE_BYTES",
    "VERSION_ATTR",
    "check_dict",
    "check_not_truncated",
    "check_version",
    "decode_str",
    "encode_str",
    "fixed_str_array",
    "h5py_module",
    "read_dict",
    "refuse_external_links",
    "refuse_foreign_storage",
    "write_dict",
]

import os
import struct
from collections.abc import Mapping
from typing import Any

import numpy as np

from emgforce.errors import RecordingFormatError, RecordingVersionError, UnsafeRecordingError

#: version written into every file (``major.minor``); readers accept any minor of their major
FORMAT_VERSION = "1.1"
VERSION_ATTR = "emgforce_format_version"
#: HDF5 file-format bounds: 1.10 objects (SWMR needs >= 1.10), readable by any HDF5 >= 1.10
LIBVER = ("v110", "v110")

STREAMS = "streams"
SUBJECT = "subject"
EVENTS = "events"
STATUS = "status"
METADATA = "metadata"
DATA = "data"
GAPS = "gaps"
CLOCK = "clock"
PLATE = "plate"

#: HDF5 filter options of every chunked dataset: a Fletcher-32 checksum per chunk (format 1.1)
CHECKSUM = {"fletcher32": True}
#: a gap table may not claim more lost samples than this many seconds *and* this many times the stored ones
MAX_MISSING_S = 3600.0
MAX_MISSING_RATIO = 10.0

#: fixed string lengths in bytes (UTF-8); SWMR needs fixed-length strings
LABEL_BYTES = 64
KIND_BYTES = 8
KEY_BYTES = 64
VALUE_BYTES = 1024
#: longest subject id (UTF-8 bytes): what C3D's SUBJECTS:NAMES can carry on export
SUBJECT_ID_BYTES = 255
#: longest subject notes (UTF-8 bytes): well inside one HDF5 object-header message (64 KiB)
SUBJECT_NOTES_BYTES = 16384

EVENT_DTYPE = np.dtype([("label", f"S{LABEL_BYTES}"), ("kind", f"S{KIND_BYTES}"), ("time_s", "<f8")])
STATUS_DTYPE = np.dtype([("key", f"S{KEY_BYTES}"), ("value", f"S{VALUE_BYTES}")])
EVENT_KINDS = ("start", "stop", "mark")

#: per-channel attributes of a stream's ``data`` dataset (arrays, one element per channel)
CHANNEL_ATTRS = ("channel_names", "kind", "unit", "muscle", "side", "conversion", "offset")

#: status keys the writer reserves
END_REASON = "end_reason"
COMPLETE = "complete"

# a marker attribute saying how a sequence in a stored dict came in
_SEQ_ATTR = "_emgforce_sequence"


def h5py_module():
    """Import h5py on first use (kept out of ``import emgforce``)."""
    import h5py

    return h5py


def encode_str(value: str, n_bytes: int, what: str) -> bytes:
    """UTF-8 encode ``value``, refusing what would not fit a fixed-length field."""
    raw = str(value).encode("utf-8")
    if b"\x00" in raw:
        raise ValueError(f"{what} {value!r} contains a NUL character, which fixed-length strings cannot hold")
    if len(raw) > n_bytes:
        raise ValueError(f"{what} {value!r} is {len(raw)} bytes long; the format allows at most {n_bytes}")
    return raw


def decode_str(value: Any) -> str:
    """Inverse of :func:`encode_str` for attribute values and array elements."""
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8")
    return str(value)


def fixed_str_array(values: list[str]) -> np.ndarray:
    """A fixed-length byte-string array wide enough for ``values`` (at least 1 byte)."""
    raw = [str(v).encode("utf-8") for v in values]
    width = max([1] + [len(r) for r in raw])
    return np.array(raw, dtype=f"S{width}")


def check_version(version: Any, where: str) -> str:
    """Return the version string, or raise if its major differs from ours."""
    text = decode_str(version)
    major = text.split(".", 1)[0]
    if not major.isdigit():
        raise RecordingFormatError(f"{where}: unreadable format version {text!r}; the file is damaged")
    if int(major) != int(FORMAT_VERSION.split(".", 1)[0]):
        raise RecordingVersionError(
            f"{where} uses emgforce format {text}, this emgforce reads {FORMAT_VERSION.split('.')[0]}.x; "
            "install an emgforce release that supports it, or convert the file with that release"
        )
    return text


def superblock_eof(path: str | os.PathLike) -> int | None:
    """The end-of-file address a version 2/3 HDF5 superblock records (None for other files)."""
    with open(path, "rb") as fh:
        head = fh.read(48)
    if len(head) < 44 or head[:8] != b"\x89HDF\r\n\x1a\n" or head[8] < 2 or head[9] != 8:
        return None  # older superblocks: HDF5's own open checks them
    return struct.unpack("<Q", head[28:36])[0]


def check_not_truncated(path: str | os.PathLike) -> None:
    """Raise if the file is shorter than the end-of-file address in its superblock.

    The SWMR read path of HDF5 skips this check, and a file cut short (a partial
    copy, a full disk) would then fail later with an obscure error.
    """
    eof = superblock_eof(path)
    size = os.path.getsize(path)
    if eof is not None and size < eof:
        raise RecordingFormatError(
            f"{path} is truncated ({size} of {eof} bytes): the copy is incomplete or the disk was full; "
            "copy the file again from its source, or rescue its readable part with `emgforce info --salvage`"
        )


# --- untrusted files ---------------------------------------------------------------
# External links, external storage and virtual datasets would make emgforce read
# (and export) whatever local file a file's author pointed them at; emgforce never
# writes them. Links are checked once per file, a dataset's storage whenever it is
# opened for reading (a dataset never read cannot leak anything).


def refuse_external_links(f, path: str | os.PathLike) -> None:
    """Raise :class:`UnsafeRecordingError` if any link of the open file ``f`` points into another file."""
    h5py = h5py_module()

    def problem(name: bytes, info) -> str | None:  # a non-None return stops the visit (raising inside it cannot)
        if info.type == h5py.h5l.TYPE_EXTERNAL:
            target = f.id.links.get_val(name)[0].decode("utf-8", "replace")
            return f"/{name.decode('utf-8', 'replace')} is a link into another file ({target}); refused"
        return None

    found = f.id.links.visit(problem, info=True)
    if found:
        raise UnsafeRecordingError(f"{path}: {found}")


def refuse_foreign_storage(dsid, path: str | os.PathLike) -> None:
    """Raise :class:`UnsafeRecordingError` if the dataset ``dsid`` keeps its data in other files."""
    h5py = h5py_module()
    dcpl = dsid.get_create_plist()
    external = dcpl.get_external_count() > 0
    if external or dcpl.get_layout() == h5py.h5d.VIRTUAL:
        name = h5py.h5i.get_name(dsid).decode("utf-8", "replace")
        what = "external storage" if external else "a virtual dataset"
        raise UnsafeRecordingError(
            f"{path}: {name} uses {what}, which reads other files; emgforce never writes it and refuses to read it "
            "from an untrusted file"
        )


# --- generic dict storage (plate description, metadata) ------------------------------


def _storable(key: str, value: Any) -> str:
    """How :func:`write_dict` stores ``value``: "dict", "none", "str", "scalar" or "array"."""
    if "/" in key or key in ("", ".", _SEQ_ATTR):
        raise TypeError(f"cannot store key {key!r}: keys must be non-empty and contain no '/'")
    if isinstance(value, Mapping):
        return "dict"
    if value is None:
        return "none"
    texts = [value] if isinstance(value, str) else value if isinstance(value, (list, tuple)) else []
    if isinstance(value, np.ndarray) and value.dtype.kind == "U":
        texts = value.ravel().tolist()
    for t in (t for t in texts if isinstance(t, str)):
        if "\x00" in t:
            raise TypeError(f"cannot store {key!r}: fixed-length HDF5 strings cannot hold NUL characters")
        try:
            t.encode("utf-8")
        except UnicodeEncodeError:
            raise TypeError(
                f"cannot store {key!r}: {t!r} is not valid Unicode (a lone surrogate, e.g. from a mis-decoded "
                "file name); decode the text properly first"
            ) from None
    if isinstance(value, str):
        return "str"
    if isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        return "scalar"
    if isinstance(value, (np.ndarray, list, tuple)):
        kind = np.asarray(value).dtype.kind
        if kind in "biufSU":
            return "array"
        raise TypeError(f"cannot store {key!r}: arrays must hold numbers or strings of one type, got {kind!r} items")
    raise TypeError(f"cannot store {key!r} of type {type(value).__name__}: use numbers, strings, arrays or dicts")


def check_dict(mapping: Mapping[str, Any]) -> None:
    """Raise ``TypeError`` (naming the key) if :func:`write_dict` could not store ``mapping``."""
    for key, value in mapping.items():
        if _storable(str(key), value) == "dict":
            check_dict(value)


def write_dict(group, mapping: Mapping[str, Any]) -> None:
    """Store a dict in an HDF5 group: arrays as datasets, scalars and strings as attributes.

    Nested dicts become sub-groups; lists/tuples of numbers or strings become
    datasets remembered as such; ``None`` becomes an empty attribute. Anything
    else raises ``TypeError`` naming the key (checked before anything is written).
    """
    check_dict(mapping)
    _write_dict(group, mapping)


def _write_dict(group, mapping: Mapping[str, Any]) -> None:
    h5py = h5py_module()
    for key, value in mapping.items():
        key = str(key)
        how = _storable(key, value)
        if how == "dict":
            _write_dict(group.create_group(key), value)
        elif how == "none":
            group.attrs[key] = h5py.Empty("f8")
        elif how == "str":
            group.attrs[key] = np.bytes_(value.encode("utf-8"))
        elif how == "scalar":
            group.attrs[key] = value
        else:
            arr = np.asarray(value)
            if arr.dtype.kind == "U":
                arr = np.char.encode(arr, "utf-8")
            ds = group.create_dataset(key, data=arr)
            if not isinstance(value, np.ndarray):
                ds.attrs[_SEQ_ATTR] = np.bytes_(type(value).__name__)


def read_dict(group) -> dict[str, Any]:
    """Inverse of :func:`write_dict`."""
    h5py = h5py_module()
    out: dict[str, Any] = {}
    for key, value in group.attrs.items():
        if isinstance(value, h5py.Empty):
            out[key] = None
        elif isinstance(value, (bytes, np.bytes_, str)):
            out[key] = decode_str(value)
        elif isinstance(value, np.generic):
            out[key] = value.item()
        else:
            out[key] = value
    for key, item in group.items():
        if isinstance(item, h5py.Group):
            out[key] = read_dict(item)
            continue
        refuse_foreign_storage(item.id, item.file.filename)
        arr = item[()]
        if isinstance(arr, np.ndarray) and arr.dtype.kind == "S":
            arr = np.char.decode(arr, "utf-8")
        seq = item.attrs.get(_SEQ_ATTR)
        if seq is not None:
            values = np.asarray(arr).tolist()
            out[key] = tuple(values) if decode_str(seq) == "tuple" else values
        else:
            out[key] = arr
    return out

"""A minimal XDF 1.0 writer for tests (chunk layout of the XDF specification: FileHeader,
StreamHeader, Samples, ClockOffset, StreamFooter), so the importer is tested on LabRecorder-like
files made from the simulator's signals."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np


def _chunk(tag: int, content: bytes) -> bytes:
    body = struct.pack("<H", tag) + content
    return b"\x08" + struct.pack("<Q", len(body)) + body


def _varlen(n: int) -> bytes:
    return b"\x08" + struct.pack("<Q", n)


def _header(name: str, stype: str, labels, units, fs: float, fmt: str) -> bytes:
    chans = "".join(f"<channel><label>{lab}</label><unit>{u}</unit></channel>" for lab, u in zip(labels, units))
    return (f"<?xml version=\"1.0\"?><info><name>{name}</name><type>{stype}</type>"
            f"<channel_count>{len(labels)}</channel_count><nominal_srate>{fs}</nominal_srate>"
            f"<channel_format>{fmt}</channel_format><desc><channels>{chans}</channels></desc></info>").encode()


def write_xdf(path: Path, streams: list[dict], offsets_s: dict[int, float] | None = None) -> Path:
    """Write ``streams``: dicts with id, name, type, labels, units, fs, format ('float32' or
    'string'), times (s, the sender's clock) and values ((n, ch) array or list of str).
    ``offsets_s[id]``: constant clock offset of that sender (receiver = sender + offset)."""
    out = bytearray(b"XDF:")
    out += _chunk(1, b'<?xml version="1.0"?><info><version>1.0</version></info>')
    for s in streams:
        out += _chunk(2, struct.pack("<I", s["id"]) + _header(s["name"], s["type"], s["labels"], s["units"],
                                                             s["fs"], s["format"]))
    for s in streams:
        times, values = s["times"], s["values"]
        for a in range(0, len(times), 1000):  # LabRecorder writes samples in chunks
            body = bytearray(struct.pack("<I", s["id"]) + _varlen(len(times[a:a + 1000])))
            for t, v in zip(times[a:a + 1000], values[a:a + 1000]):
                body += b"\x08" + struct.pack("<d", t)
                if s["format"] == "string":
                    text = str(v).encode()
                    body += _varlen(len(text)) + text
                else:
                    body += np.asarray(v, dtype="<f4").tobytes()
            out += _chunk(3, bytes(body))
        off = (offsets_s or {}).get(s["id"], 0.0)
        for t in np.arange(times[0], times[-1] + 5.0, 5.0):
            out += _chunk(4, struct.pack("<Idd", s["id"], float(t), off))
        out += _chunk(6, struct.pack("<I", s["id"]) + b'<?xml version="1.0"?><info></info>')
    path.write_bytes(bytes(out))
    return path

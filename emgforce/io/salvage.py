"""Rescue what is readable from a damaged recording into a new, clean file.

``emgforce info --salvage OUT.h5 FILE.h5`` calls :func:`salvage`. Samples are
read chunk by chunk; a chunk that fails (checksum, truncated file) becomes a
gap in the copy, so every sample kept stays at its own time. Tables that
cannot be read (events, subject, metadata) are left out and reported.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from emgforce._runs import run_bounds
from emgforce.errors import RecordingError
from emgforce.io import format as fmt
from emgforce.io.reader import _dataset, _parse_time, _read_events, _read_status, _read_stream, _read_subject, open_h5
from emgforce.io.recording import Recording, Subject
from emgforce.io.writer import write_recording

__all__ = ["SalvageReport", "salvage"]

log = logging.getLogger(__name__)


@dataclass
class SalvageReport:
    """What :func:`salvage` kept and lost."""

    source: str
    target: str
    kept_samples: dict[str, int] = field(default_factory=dict)
    lost_samples: dict[str, int] = field(default_factory=dict)
    lost_parts: list[str] = field(default_factory=list)

    def format(self) -> str:
        lines = [f"salvaged {self.source} into {self.target}"]
        for name, n in self.kept_samples.items():
            lines.append(f"  {name}: {n} samples kept, {self.lost_samples.get(name, 0)} unreadable (now gaps)")
        lines += [f"  lost: {p}" for p in self.lost_parts]
        return "\n".join(lines)


def salvage(source: str | Path, target: str | Path, *, overwrite: bool = False) -> SalvageReport:
    """Copy every readable sample, event and table of ``source`` into the new recording ``target``.

    Parameters
    ----------
    source : path
        The damaged recording (never modified).
    target : path
        The new file (format of this emgforce, ``end_reason`` saying it was salvaged).
    overwrite : bool
        Replace ``target`` if it exists.

    Raises
    ------
    RecordingError
        Nothing at all could be read (not HDF5, no stream readable), or the
        file reads other files (:class:`~emgforce.errors.UnsafeRecordingError`).
    """
    source, target = Path(source), Path(target)
    if source.resolve() == target.resolve():
        raise RecordingError(f"salvage writes a new file; give an output other than {source}")
    report = SalvageReport(str(source), str(target))
    # a file cut short (full disk, partial copy): HDF5 opens it only at its full length, so read a
    # zero-padded copy; chunks lying in the padding are known unreadable and become gaps
    padded = _padded_copy(source, target)
    try:
        with open_h5(padded or source) as f:
            fmt.refuse_external_links(f, source)
            part = _Parts(report)
            if padded:
                report.lost_parts.append(f"the end of the file ({padded.stat().st_size - source.stat().st_size} bytes)")
            subject = part.read("the subject", lambda: _read_subject(f[fmt.SUBJECT].id)) or Subject(id="anonymous")
            events = part.read("the events", lambda: _read_events(_dataset(f.id, fmt.EVENTS, source), source)) or []
            status = part.read("the status table", lambda: _read_status(_dataset(f.id, fmt.STATUS, source), source)) or {}
            metadata = part.read("the metadata", lambda: fmt.read_dict(f[fmt.METADATA])) or {}
            names = part.read("the stream list", lambda: list(f[fmt.STREAMS])) or []
            limit = source.stat().st_size
            streams = {}
            for name in names:
                stream = part.read(f"stream {name!r}",
                                   lambda: _salvage_stream(f[fmt.STREAMS][name], name, source, report, limit))
                if stream is not None:
                    streams[name] = stream
            start = part.read("the start time", lambda: _parse_time(f.attrs.get("start_time")))
            device = part.read("the device name", lambda: fmt.decode_str(f.attrs.get("device", b""))) or ""
    finally:
        if padded:
            padded.unlink(missing_ok=True)
    if not streams:
        raise RecordingError(f"{source}: no stream could be read; nothing to salvage ({'; '.join(report.lost_parts)})")
    metadata.update({k: v for k, v in status.items() if k not in (fmt.END_REASON, fmt.COMPLETE)})
    metadata["salvaged_from"] = str(source)
    reason = f"salvaged by emgforce info --salvage; originally: {status.get(fmt.END_REASON, 'not closed')}"
    rec = Recording(streams, subject, events, start_time=start, device=device,
                    metadata=metadata, end_reason=reason)
    write_recording(rec, target, overwrite=overwrite)
    log.info("%s", report.format())
    return report


class _Parts:
    """Read one part of the file; a failure is recorded in the report instead of raised."""

    def __init__(self, report: SalvageReport) -> None:
        self.report = report

    def read(self, what: str, fn):
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - salvage keeps going whatever failed
            self.report.lost_parts.append(f"{what} ({type(exc).__name__}: {exc})")
            return None


def _padded_copy(source: Path, target: Path) -> Path | None:
    """A copy of ``source`` zero-padded to the length its superblock records, if it is shorter; else None."""
    eof = fmt.superblock_eof(source)
    if eof is None or os.path.getsize(source) >= eof:
        return None
    padded = target.with_name(f".{target.name}.padded")
    shutil.copyfile(source, padded)
    with open(padded, "r+b") as fh:
        fh.truncate(eof)
    return padded


def _salvage_stream(group, name: str, source: Path, report: SalvageReport, limit: int):
    skeleton = _read_stream(group.id, name, source, load_data=False)  # attributes, gaps, clock: no samples
    ds = group[fmt.DATA]
    n_stored = ds.shape[0]
    conversion = np.array([c.conversion for c in skeleton.channels])
    offset = np.array([c.offset for c in skeleton.channels])
    stored = np.full((n_stored, len(skeleton.channels)), np.nan)
    readable = np.zeros(n_stored, dtype=bool)
    step = ds.chunks[0] if ds.chunks else max(1, n_stored)
    for lo in range(0, n_stored, step):
        hi = min(lo + step, n_stored)
        if ds.chunks:
            info = ds.id.get_chunk_info_by_coord((lo, 0))
            if info.byte_offset is not None and info.byte_offset + info.size > limit:
                continue  # in the zero padding of a truncated file
        try:
            stored[lo:hi] = ds[lo:hi].astype(np.float64) * conversion + offset
            readable[lo:hi] = True
        except Exception as exc:  # noqa: BLE001 - checksum, truncation: this chunk becomes a gap
            log.info("%s: rows %d-%d of stream %r unreadable: %s", source, lo, hi - 1, name, exc)
    # stored row r is sample received[r]; the unreadable ones join the gaps
    n_samples = skeleton.n_samples
    received = np.flatnonzero(skeleton.received_mask)[:n_stored]
    have = np.zeros(n_samples, dtype=bool)
    have[received[readable]] = True
    data = np.full((n_samples, len(skeleton.channels)), np.nan)
    data[received[readable]] = stored[readable]
    report.kept_samples[name] = int(readable.sum())
    report.lost_samples[name] = int((~readable).sum())
    starts, stops = run_bounds(~have)  # the gaps: (start, length) of every run of lost samples
    return replace(skeleton, data=data, gaps=np.column_stack([starts, stops - starts]).astype(np.int64).reshape(-1, 2))

"""``emgforce convert IN OUT``: C3D to emgforce HDF5 and back, chosen by the file suffixes."""

from __future__ import annotations

__all__ = ["C3D_SUFFIXES", "HDF5_SUFFIXES", "register", "run"]

import argparse
import sys
from pathlib import Path

C3D_SUFFIXES = (".c3d",)
HDF5_SUFFIXES = (".h5", ".hdf5")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "convert",
        help="convert a C3D file to an emgforce HDF5 recording, or back",
        description="Convert IN.c3d to OUT.h5 (analog EMG, force platforms, events) or IN.h5 to OUT.c3d "
        "for Vicon, Visual3D or OpenSim. The direction follows the suffixes (.c3d, .h5/.hdf5).",
    )
    p.add_argument("input", type=Path, help="input file (.c3d or .h5)")
    p.add_argument("output", type=Path, help="output file (.h5 or .c3d)")
    p.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    p.add_argument(
        "--emg-channels",
        default=None,
        metavar="LABELS",
        help="comma-separated C3D analog labels that are EMG (default: labels mentioning EMG or a known muscle)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    src, dst = args.input, args.output
    src_kind, dst_kind = _kind(src), _kind(dst)
    if src_kind is None or dst_kind is None or src_kind == dst_kind:
        print(
            f"emgforce convert: cannot convert {src.name} to {dst.name}: give one .c3d and one .h5/.hdf5 file",
            file=sys.stderr,
        )
        return 2
    if src_kind == "c3d":
        from emgforce.io import write_recording
        from emgforce.io.c3d import read_c3d

        emg = [c.strip() for c in args.emg_channels.split(",") if c.strip()] if args.emg_channels else None
        try:
            rec = read_c3d(src, emg_channels=emg)
        except KeyError as exc:
            print(f"emgforce convert: {exc.args[0]}", file=sys.stderr)
            return 2
        out = write_recording(rec, dst, overwrite=args.overwrite)
    else:
        from emgforce.io import read_recording
        from emgforce.io.c3d import write_c3d

        rec = read_recording(src)
        out = write_c3d(rec, dst, overwrite=args.overwrite)
    streams = ", ".join(f"{s.name} ({s.n_channels} ch, {s.fs_hz:g} Hz)" for s in rec.streams.values())
    plates = sum(1 for s in rec.streams.values() if s.plate)
    print(f"wrote {out}: {streams}; {plates} force plate(s); {len(rec.events)} event(s)")
    return 0


def _kind(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in C3D_SUFFIXES:
        return "c3d"
    if suffix in HDF5_SUFFIXES:
        return "h5"
    return None

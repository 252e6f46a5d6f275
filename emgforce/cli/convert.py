"""``emgforce convert IN OUT``: C3D, XDF or delimited text to emgforce HDF5, and HDF5 to C3D, by the file suffixes."""

from __future__ import annotations

__all__ = ["C3D_SUFFIXES", "HDF5_SUFFIXES", "register", "run"]

import argparse
import sys
from pathlib import Path

from emgforce.cli._inputs import add_input_options, open_input

C3D_SUFFIXES = (".c3d",)
HDF5_SUFFIXES = (".h5", ".hdf5")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "convert",
        help="convert a C3D, XDF or text export to an emgforce HDF5 recording, or HDF5 to C3D",
        description="Convert IN.c3d, IN.xdf or a delimited-text export (IN.csv/.tsv/.txt, with --columns) to OUT.h5 "
        "(EMG with muscle/side tags, force platforms, events and recognised trials), or IN.h5 to OUT.c3d for Vicon, "
        "Visual3D or OpenSim. The direction follows the suffixes.",
    )
    p.add_argument("input", type=Path, help="input file (.c3d, .xdf, .csv/.tsv/.txt or .h5)")
    p.add_argument("output", type=Path, help="output file (.h5 or .c3d)")
    p.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    p.add_argument(
        "--emg-channels",
        default=None,
        metavar="LABELS",
        help="comma-separated C3D analog labels that are EMG (default: labels mentioning EMG or a known muscle)",
    )
    add_input_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emgforce.io.load import detect_format

    src, dst = args.input, args.output
    src_kind, dst_kind = detect_format(src), _kind(dst)
    if src_kind is None or dst_kind is None or src_kind == dst_kind or "hdf5" not in (src_kind, dst_kind):
        print(
            f"emgforce convert: cannot convert {src.name} to {dst.name}: give a .c3d, .xdf, .csv/.tsv/.txt or .h5 input "
            "and a .h5/.hdf5 output (or .h5 to .c3d)",
            file=sys.stderr,
        )
        return 2
    if dst_kind == "hdf5":
        from emgforce.io import write_recording

        kwargs = {}
        if args.emg_channels:
            if src_kind != "c3d":
                print("emgforce convert: --emg-channels applies to C3D input; use --channel for other formats", file=sys.stderr)
                return 2
            kwargs["emg_channels"] = [c.strip() for c in args.emg_channels.split(",") if c.strip()]
        rec = open_input(args, src, **kwargs)
        if rec is None:
            return 2
        out = write_recording(rec, dst, overwrite=args.overwrite)
    else:
        from emgforce.io.c3d import write_c3d

        rec = open_input(args, src)
        if rec is None:
            return 2
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
        return "hdf5"
    return None

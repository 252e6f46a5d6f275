"""``emgforce batch FOLDER``: analyse every session under a folder, in parallel."""

from __future__ import annotations

__all__ = ["register", "run"]

import argparse
import sys
from pathlib import Path

from emgforce.cli.analyze import add_analysis_options, analysis_kwargs


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "batch",
        help="analyse all sessions under a folder (local cores or a Dask cluster)",
        description="Analyse every *.h5 / *.c3d under FOLDER; each session's report goes to "
        "OUT/<relative path>/ and all tidy rows into OUT/tidy.csv. A file that fails is "
        "reported and skipped (exit status 1 when any file failed).",
    )
    p.add_argument("folder", type=Path, help="folder searched recursively for session files")
    p.add_argument("-o", "--out", type=Path, default=None, help="output folder (default: FOLDER/batch-report)")
    p.add_argument("-j", "--jobs", type=int, default=None, help="local worker processes (default: all cores)")
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDR",
        help="Dask scheduler address (e.g. tcp://10.0.0.5:8786): run on that cluster instead of local cores",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--no-figures", action="store_true", help="skip each session's PNG figures and HTML page")
    add_analysis_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emgforce.batch import find_sessions, run_batch

    if args.jobs is not None and args.jobs < 1:
        print("emgforce batch: error: --jobs must be at least 1", file=sys.stderr)
        return 2
    try:
        paths = find_sessions(args.folder)
    except FileNotFoundError as exc:
        print(f"emgforce batch: error: {exc}", file=sys.stderr)
        return 1
    out = args.out or args.folder / "batch-report"
    # our own output folder may sit inside FOLDER: never analyse earlier reports
    paths = [p for p in paths if out.resolve() not in p.resolve().parents]
    if not paths:
        print(f"emgforce batch: no session files (*.h5, *.hdf5, *.c3d) under {args.folder}", file=sys.stderr)
        return 1
    result = run_batch(
        paths,
        out,
        root=args.folder,
        jobs=args.jobs,
        scheduler=args.scheduler,
        figures=not args.no_figures,
        progress=not args.no_progress,
        **analysis_kwargs(args),
    )
    for f in result.failures:
        print(f"skipped {f.path}: {f.error}", file=sys.stderr)
    print(f"{len(result.succeeded)} of {result.n_sessions} sessions analysed; combined table: {result.csv_path}")
    return 0 if not result.failures else 1

"""``emgforce analyze SESSION``: task analysis of one session, report written to a folder."""

from __future__ import annotations

__all__ = ["NORMALISATIONS", "add_analysis_options", "analysis_kwargs", "register", "run"]

import argparse
import sys
from pathlib import Path

NORMALISATIONS = ("mvc", "peak_task", "none")


def add_analysis_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``analyze`` and ``batch``."""
    parser.add_argument(
        "--normalisation",
        choices=NORMALISATIONS,
        default="mvc",
        help="EMG amplitude normalisation: %%MVC (default), %% of the channel's peak over the tasks, or none (volts)",
    )
    parser.add_argument(
        "--fallback",
        choices=("peak_task", "none"),
        default="peak_task",
        help="normalisation used for channels without an MVC trial when --normalisation mvc (default peak_task)",
    )
    parser.add_argument(
        "--task",
        default=None,
        help="task of a recording without trial events (e.g. stance_double for a static C3D trial)",
    )
    parser.add_argument(
        "--no-events",
        action="store_true",
        help="ignore rep/lift/touchdown events and segment inside trials from the signals",
    )


def analysis_kwargs(args: argparse.Namespace) -> dict:
    return {
        "normalisation": args.normalisation,
        "fallback": args.fallback,
        "task": args.task,
        "segmentation": "signals" if args.no_events else "auto",
    }


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "analyze",
        help="analyse one session (HDF5 or C3D) and write its report",
        description="Segment the trials, compute per-trial/per-side metrics and symmetry, and write "
        "report.json, tidy.csv, PNG figures and report.html to OUTDIR.",
    )
    p.add_argument("session", type=Path, help="session file (.h5 written by emgforce, or .c3d)")
    p.add_argument("-o", "--outdir", type=Path, default=None, help="report folder (default: SESSION without suffix + '-report')")
    p.add_argument("--no-figures", action="store_true", help="skip the PNG figures and the HTML page")
    add_analysis_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emgforce.report.write import write_report
    from emgforce.tasks.analyze import analyze_session

    if not args.session.is_file():
        print(f"emgforce analyze: error: {args.session} does not exist", file=sys.stderr)
        return 1
    outdir = args.outdir or args.session.with_name(args.session.stem + "-report")
    result = analyze_session(args.session, **analysis_kwargs(args))
    paths = write_report(result, outdir, figures=not args.no_figures)
    for line in result.summary:
        print(line)
    for m in result.all_messages():
        if m.level != "info":
            where = f" [{m.trial}]" if m.trial else ""
            print(f"{m.level}{where}: {m.text}")
    print(f"report written to {outdir} ({', '.join(sorted(p.name for p in paths.values()))})")
    return 0

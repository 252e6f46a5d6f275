"""``emgforce progress SESSION... -o DIR``: a patient's progress across sessions."""

from __future__ import annotations

__all__ = ["register", "run"]

import argparse
from pathlib import Path

from emgforce.cli.analyze import (
    add_analysis_options,
    add_report_options,
    analysis_kwargs,
    report_template,
)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "progress",
        help="one patient's progress across sessions (GM %%MVC per side, LSI, sway over time)",
        description="Order a patient's sessions by date and show, per task, the GM activation per side, the limb "
        "symmetry index and the single-leg stance sway over time, with the change since the first session and "
        "whether it exceeds the smallest detectable change of the rep-to-rep spread. Writes progress.html, "
        "progress.pdf and progress.csv to OUTDIR.",
    )
    p.add_argument("sessions", nargs="+", type=Path, metavar="SESSION",
                   help="session files (.h5, .c3d) or saved report.json files of one patient, in any order")
    p.add_argument("-o", "--outdir", type=Path, required=True, help="output folder (created if missing)")
    add_analysis_options(p)
    add_report_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emgforce.report.progress import progress
    from emgforce.report.progress_report import write_progress

    template = report_template(args)
    result = progress(args.sessions, **analysis_kwargs(args))
    paths = write_progress(result, args.outdir, template=template)
    for line in result.summary:
        print(line)
    for m in result.messages:
        print(f"note: {m}")
    print(f"progress of {result.patient} ({len(result.sessions)} sessions) written to {args.outdir} "
          f"({', '.join(sorted(p.name for p in paths.values()))})")
    return 0

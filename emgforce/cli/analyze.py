"""``emgforce analyze SESSION``: task analysis of one session, report written to a folder."""

from __future__ import annotations

__all__ = [
    "NORMALIZATIONS",
    "add_analysis_options",
    "add_report_options",
    "analysis_kwargs",
    "register",
    "report_template",
    "run",
]

import argparse
import sys
from pathlib import Path

from emgforce.cli import _precompile
from emgforce.cli._inputs import add_input_options, open_input

NORMALIZATIONS = ("mvc", "peak_task", "none")


def add_analysis_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``analyze`` and ``batch``."""
    parser.add_argument(
        "--normalization",
        "--normalisation",  # the spelling of emgforce <= 0.1, kept for one release
        choices=NORMALIZATIONS,
        default="mvc",
        help="EMG amplitude normalization: %%MVC (default), %% of the channel's peak over the tasks, or none (volts)",
    )
    parser.add_argument(
        "--fallback",
        choices=("peak_task", "none"),
        default="peak_task",
        help="normalization used for channels without an MVC trial when --normalization mvc (default peak_task)",
    )
    parser.add_argument(
        "--task",
        default=None,
        help="task of a recording without trial events (e.g. stance_double for a static C3D trial)",
    )
    parser.add_argument(
        "--notch",
        default="auto",
        type=_notch,
        metavar="auto|off|HZ",
        help="EMG mains notch: auto (default: 50 or 60 Hz when hum is detected, reported), off, or a frequency",
    )
    parser.add_argument(
        "--no-events",
        action="store_true",
        help="ignore rep/lift/touchdown events and segment inside trials from the signals",
    )


def add_report_options(parser: argparse.ArgumentParser) -> None:
    """Options of the written reports, shared by ``analyze``, ``batch``, ``demo`` and ``progress``."""
    parser.add_argument(
        "--template",
        type=Path,
        default=None,
        metavar="TOML",
        help="report template: lab name, logo, title, footer, sections and figures (see docs: clinical reports)",
    )


def report_template(args: argparse.Namespace):
    """The :class:`emgforce.report.template.ReportTemplate` of ``--template`` (default template without it)."""
    from emgforce.report.template import load_template

    return load_template(args.template)


def refuse_existing_report(outdir: Path, marker: str, overwrite: bool) -> None:
    """Raise unless ``outdir`` holds no earlier report (its ``marker`` file) or ``overwrite`` was given."""
    from emgforce.errors import ReportExistsError

    if not overwrite and (outdir / marker).exists():
        raise ReportExistsError(f"{outdir} already holds a report ({marker}); choose another folder or pass --overwrite")


def analysis_kwargs(args: argparse.Namespace) -> dict:
    return {
        "normalization": args.normalization,
        "fallback": args.fallback,
        "task": args.task,
        "segmentation": "signals" if args.no_events else "auto",
        "notch_hz": args.notch,
    }


def _notch(text: str) -> float | str | None:
    """``--notch`` value: ``"auto"``, None (off) or a frequency in Hz."""
    if text.lower() in ("auto", "off", "none", "0"):
        return None if text.lower() != "auto" else "auto"
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be auto, off or a frequency in Hz, got {text!r}")
    return value


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "analyze",
        help="analyse one session (HDF5 or C3D) and write its report",
        description="Segment the trials, compute per-trial/per-side metrics and symmetry, and write "
        "report.json, tidy.csv, PNG figures, a self-contained report.html and report.pdf to OUTDIR.",
    )
    p.add_argument("session", type=Path, help="session file (.h5 written by emgforce, .c3d, .xdf, or .csv/.tsv/.txt export)")
    p.add_argument("-o", "--outdir", type=Path, default=None, help="report folder (default: SESSION without suffix + '-report')")
    p.add_argument("--no-figures", action="store_true", help="skip the PNG figures, the HTML page and the PDF")
    p.add_argument("--overwrite", action="store_true", help="replace the report in OUTDIR if there is one")
    add_analysis_options(p)
    add_report_options(p)
    add_input_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emgforce.report.write import write_report
    from emgforce.tasks.analyze import analyze_session

    if not args.session.is_file():
        print(f"emgforce analyze: error: {args.session} does not exist", file=sys.stderr)
        return 1
    outdir = args.outdir or args.session.with_name(args.session.stem + "-report")
    template = report_template(args)  # a bad template fails before the analysis
    refuse_existing_report(outdir, "report.json", args.overwrite)
    outdir.mkdir(parents=True, exist_ok=True)  # an unusable folder fails now, not after the analysis
    helper = _precompile.start()  # first run only: compiles the last kernels on another core
    try:
        rec = open_input(args, args.session, lazy=True)  # an HDF5 session is read window by window
        if rec is None:
            return 2
        # the decimated traces serve the figures only (one more sweep over a long session)
        result = analyze_session(rec, keep_traces=not args.no_figures, **analysis_kwargs(args))
        paths = write_report(result, outdir, figures=not args.no_figures, template=template)
    finally:
        _precompile.stop(helper)
    for line in result.summary:
        print(line)
    for m in result.all_messages():
        if m.level != "info":
            where = f" [{m.trial}]" if m.trial else ""
            print(f"{m.level}{where}: {m.text}")
    print(f"report written to {outdir} ({', '.join(sorted(p.name for p in paths.values()))})")
    return 0

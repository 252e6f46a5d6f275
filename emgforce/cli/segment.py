"""``emgforce segment SESSION -o trials.csv``: the trials of a recording as an editable table."""

from __future__ import annotations

__all__ = ["register", "run"]

import argparse
import sys
from pathlib import Path

from emgforce.cli._inputs import add_input_options, open_input


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "segment",
        help="write the trials of a recording (from its events, or found from the signals) as an editable CSV",
        description="Write label,start,stop,task,side,source,confidence for every trial: from the file's events "
        "when they name the protocol's tasks, else found from the plate loads and the GM EMG (source 'auto'). "
        "Review and correct the table, then pass it to `emgforce analyze SESSION --trials trials.csv`.",
    )
    p.add_argument("session", type=Path, help="recording (.h5, .c3d, .xdf or a .csv/.tsv/.txt export)")
    p.add_argument("-o", "--output", type=Path, required=True, help="trial table to write (.csv)")
    p.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    p.add_argument("--signals", action="store_true", help="find the trials from the signals even when events name them")
    add_input_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emgforce.io.trial_events import TableTrial, write_trial_table
    from emgforce.tasks.analyze import find_trials

    if args.output.exists() and not args.overwrite:
        print(f"emgforce segment: error: {args.output} exists; choose another name or pass --overwrite", file=sys.stderr)
        return 1
    rec = open_input(args, args.session, lazy=True)  # the signals are read piece by piece
    if rec is None:
        return 2
    rows, notes = find_trials(rec, from_signals=args.signals)
    if not rows:
        print("emgforce segment: error: no trial found in the events or the signals; " + "; ".join(notes), file=sys.stderr)
        return 1
    table = [TableTrial(r.label, r.start_s, r.stop_s, getattr(r, "source", "events"), getattr(r, "confidence", None))
             for r in rows]
    write_trial_table(table, args.output)
    for note in notes:
        print(note)
    auto = sum(1 for r in table if r.source == "auto")
    print(f"wrote {args.output}: {len(table)} trials ({auto} found from the signals)")
    return 0

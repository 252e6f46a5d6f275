"""Analyse every session in a folder and compare GM activation across sessions.

:func:`emgforce.batch.run_batch` analyses each ``*.h5`` / ``*.c3d`` file under
the folder in parallel (local processes, or a Dask cluster with
``--scheduler``), writes each session's report under the output folder and
all tidy rows into one ``tidy.csv``; a file that fails is reported and
skipped. This script then summarises the combined rows with plain Python:
mean GM activation per task and side, one line per session.

Run::

    python examples/batch_folder.py sessions/ --out sessions-report --jobs 4
    python examples/batch_folder.py sessions/ --scheduler tcp://10.0.0.5:8786
"""

from __future__ import annotations

import argparse
import logging
from collections import defaultdict
from pathlib import Path

from emgforce.batch import find_sessions, run_batch

#: tasks whose GM activation is compared (trial labels carry the side for one-sided tasks)
TASKS = ("stance", "squat", "bridge", "single_leg_bridge")


def gm_by_session(rows) -> dict[str, dict[tuple[str, str], float]]:
    """file -> (task, side of the muscle) -> mean GM activation (%MVC) over that task's trials."""
    acc: dict[str, dict[tuple[str, str], list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if r["metric"] == "emg_mean" and r["task"] in TASKS and r["muscle"].startswith("GM_") and r["rep"] in ("", None):
            # in one-sided tasks only the stance/working side's muscle is of interest
            if r["trial_side"] and r["side"] != r["trial_side"]:
                continue
            acc[r["file"]][(r["task"], r["side"])].append(float(r["value"]))
    return {f: {k: sum(v) / len(v) for k, v in d.items()} for f, d in acc.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="folder searched recursively for sessions")
    parser.add_argument("--out", type=Path, default=None, help="report folder (default: FOLDER/batch-report)")
    parser.add_argument("--jobs", type=int, default=None, help="local worker processes (default: all cores)")
    parser.add_argument("--scheduler", default=None, help="Dask scheduler address instead of local processes")
    parser.add_argument("--no-figures", action="store_true", help="JSON and CSV only (faster)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    paths = find_sessions(args.folder)
    if not paths:
        print(f"no session files under {args.folder}")
        return 1
    out = args.out or args.folder / "batch-report"
    result = run_batch(paths, out, root=args.folder, jobs=args.jobs, scheduler=args.scheduler,
                       figures=not args.no_figures, progress=False)
    print(f"{len(result.succeeded)} of {result.n_sessions} sessions analysed; combined table: {result.csv_path}")
    for failure in result.failures:
        print(f"  failed: {failure.path}: {failure.error}")

    table = gm_by_session(result.rows)
    columns = [(task, side) for task in TASKS for side in ("left", "right")]
    print(f"{'session':30s}" + "".join(f"{task[:12]}_{side[0].upper()}".rjust(16) for task, side in columns))
    for file, values in sorted(table.items()):
        cells = "".join(f"{values[c]:16.1f}" if c in values else f"{'-':>16s}" for c in columns)
        print(f"{file[:30]:30s}{cells}")
    return 0 if not result.failures else 1


if __name__ == "__main__":
    raise SystemExit(main())

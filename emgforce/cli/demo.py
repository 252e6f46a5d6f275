"""``emgforce demo OUTDIR``: record a simulated lab session into HDF5 and report it.

The simulated device (``emgforce.drivers.sim``) plays the scripted protocol as fast as
possible; its blocks and trial markers go through the same recorder
(:class:`emgforce.record.Recorder`, writing with :class:`emgforce.io.RecordingWriter`)
a lab recording uses. The file is then read back, summarised and analysed
(:func:`report_session`: the same analysis and report as ``emgforce analyze``).
"""

from __future__ import annotations

__all__ = [
    "ANALYSIS_DIR",
    "SESSION_FILE",
    "TRUTH_FILE",
    "record_simulated_session",
    "register",
    "report_session",
    "run",
    "truth_summary",
]

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Callable, TextIO

from emgforce._progress import draw_bar

SESSION_FILE = "session.h5"
TRUTH_FILE = "ground_truth.json"
ANALYSIS_DIR = "analysis"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "demo",
        help="simulate a lab session, record it to HDF5 and write a report",
        description=(
            "Simulate a hip-abductor lab session (MVCs, stance, single-leg stance, squats, bridges) "
            "with synchronised sEMG and a force plate, record it to OUTDIR/session.h5, write "
            "OUTDIR/report.md and OUTDIR/summary.json (what was recorded), analyse it as 'emgforce analyze' "
            "does into OUTDIR/analysis/ (report.html, report.json, tidy.csv, figures), and keep the "
            "simulator's ground truth in OUTDIR/ground_truth.json to check the analysis against."
        ),
    )
    p.add_argument("outdir", type=Path, help="output directory (created if missing)")
    p.add_argument("--seed", type=int, default=0, help="simulator seed (default 0); same seed, same session")
    p.add_argument("--short", action="store_true", help="short protocol (under 2 min of data) instead of the full 7 min")
    p.add_argument(
        "--weak-side",
        choices=("left", "right", "none"),
        default="left",
        help="side of the simulated weak gluteus medius (default left)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing OUTDIR/session.h5")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--no-analysis", action="store_true", help="record and summarise only (no OUTDIR/analysis/)")
    p.set_defaults(func=run)


def _progress_bar(stream: TextIO, width: int = 30) -> Callable[[float, float], None]:
    """A one-line progress bar: call with (done, total) in seconds of data."""
    t0 = time.monotonic()
    last = [-1.0, 0.0]  # time of the last redraw, fraction drawn

    def update(done: float, total: float) -> None:
        frac = min(1.0, done / total) if total > 0 else 1.0
        now = time.monotonic()
        if last[1] >= 1.0 or (frac < 1.0 and now - last[0] < 0.1):  # at most 10 redraws a second
            return
        last[:] = [now, frac]
        draw_bar(stream, frac, f"{100 * frac:3.0f}% {done:6.1f}/{total:.1f} s of data  {now - t0:5.1f} s",
                 prefix="recording ", width=width)

    return update


def record_simulated_session(
    path: Path,
    *,
    seed: int = 0,
    short: bool = False,
    weak_side: str | None = "left",
    overwrite: bool = False,
    progress: Callable[[float, float], None] | None = None,
):
    """Simulate a session and record it to ``path`` with :class:`emgforce.record.Recorder`.

    The simulated device runs as fast as possible through the same reader ->
    queue -> :class:`~emgforce.io.RecordingWriter` path as lab hardware.
    ``progress(done_s, total_s)`` is called about 10 times a second.

    Returns
    -------
    emgforce.drivers.sim.GroundTruth
        What the simulated subject really did (kept out of the recording).

    Raises
    ------
    RecordingExistsError
        ``path`` exists and ``overwrite`` is False.
    RecordingError
        The recording ended with an error.
    """
    from emgforce.drivers.sim import Protocol, SimulatedDevice
    from emgforce.errors import RecordingError
    from emgforce.io import Subject
    from emgforce.record import Recorder

    protocol = Protocol.short() if short else Protocol.default()
    device = SimulatedDevice(protocol, seed=seed, block_s=0.5, weak_side=weak_side)
    truth = device.ground_truth  # simulates the session now
    subject = Subject(id=f"sim-{seed}", body_mass_kg=truth.body_mass_kg, affected_side=weak_side)
    # unpaced, the simulator outruns the writer: the reader waits for queue room instead of dropping
    recorder = Recorder(device, path, subject, overwrite=overwrite, backpressure=True)
    recorder.start()
    try:
        while recorder.wait(timeout=0.1) is None:
            if progress:
                progress(recorder.status().samples.get("emg", 0) / truth.emg_fs_hz, device.duration_s)
    except KeyboardInterrupt:
        recorder.stop("interrupted")
        recorder.wait()
        raise
    summary = recorder.summary
    if not summary.ok:
        raise RecordingError(f"recording {path} failed: {summary.error}")
    if progress:
        progress(summary.duration_s, device.duration_s)
    return truth


def truth_summary(truth) -> dict:
    """The ground truth of a simulated session that a report can be checked against (JSON-ready)."""
    return {
        "weak_side": truth.weak_side,
        "body_mass_kg": truth.body_mass_kg,
        "channels": list(truth.channel_names),
        "mvc_amplitude_v": truth.mvc_amplitude_v.tolist(),
        "trials": [
            {
                "label": t.label,
                "start_s": t.start_s,
                "stop_s": t.stop_s,
                "mean_pct_mvc": dict(zip(truth.channel_names, t.mean_pct_mvc.round(3).tolist())),
            }
            for t in truth.trials
        ],
        "events": [{"label": e.label, "kind": e.kind, "time_s": e.time_s} for e in truth.events],
    }


def report_session(path: Path, outdir: Path, *, analysis: bool = True) -> dict[str, Path]:
    """Read the recording back and write its summary and, with ``analysis``, the task analysis
    (:func:`emgforce.tasks.analyze.analyze_session`, :func:`emgforce.report.write.write_report`)
    into ``outdir / ANALYSIS_DIR``; returns artefact name -> path."""
    from emgforce.io import read_recording
    from emgforce.report.summary import SUMMARY_JSON, write_summary

    recording = read_recording(path)
    report = write_summary(recording, outdir)
    artefacts = {"report": report, "summary": report.parent / SUMMARY_JSON}
    if analysis:
        from emgforce.report.write import write_report
        from emgforce.tasks.analyze import analyze_session

        paths = write_report(analyze_session(recording), outdir / ANALYSIS_DIR)
        artefacts["analysis"] = paths.get("html", paths["json"])
    return artefacts


def run(args: argparse.Namespace) -> int:
    outdir = Path(args.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / SESSION_FILE
    if path.exists() and not args.overwrite:  # say so before simulating, in the command's terms
        from emgforce.errors import RecordingExistsError

        raise RecordingExistsError(f"{path} exists; choose another OUTDIR or pass --overwrite to replace it")
    weak = None if args.weak_side == "none" else args.weak_side
    print(f"simulating {'a short' if args.short else 'the full'} lab session (seed {args.seed})...", file=sys.stderr)
    truth = record_simulated_session(
        path,
        seed=args.seed,
        short=args.short,
        weak_side=weak,
        overwrite=args.overwrite,
        progress=None if args.no_progress else _progress_bar(sys.stderr),
    )
    truth_path = outdir / TRUTH_FILE
    truth_path.write_text(json.dumps(truth_summary(truth), indent=2) + "\n", encoding="utf-8")
    if not args.no_analysis:
        print("analysing the session...", file=sys.stderr)
    artefacts = {"recording": path, **report_session(path, outdir, analysis=not args.no_analysis),
                 "ground truth": truth_path}
    for name, p in artefacts.items():
        print(f"{name + ':':<14} {p}")
    return 0

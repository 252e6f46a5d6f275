"""Analyse one session and plot it: GM activation per task and side, COP of single-leg stance.

Runs the standard task analysis (:func:`emgforce.tasks.analyze_session`), prints
the GM activation of every task on each side with the left/right symmetry
summary, writes the full report (JSON, tidy CSV, figures, HTML) and draws one
overview figure of its own with matplotlib: the GM envelopes in %MVC over the
whole session with the trials shaded, and the stabilogram of each single-leg
stance trial (or of each loaded plate when the recording has no such trial).

Run::

    python examples/analyze_and_plot.py session.h5 --out session-report
    python examples/analyze_and_plot.py trial.c3d --task stance_double --out trial-report
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from emgforce.forceplate import Plate, center_of_pressure
from emgforce.report.write import write_report
from emgforce.signal import emg_envelope
from emgforce.tasks import analyze_session, load_session


def gm_table(result) -> list[str]:
    """One line per trial: mean GM activation on each side."""
    lines = []
    for trial in result.trials:
        cells = []
        for m in trial.metrics:
            if m.name == "emg_mean" and m.muscle and m.muscle.startswith("GM_"):
                unit = "%MVC" if m.unit == "%" else m.unit
                cells.append(f"{m.muscle} {m.value:6.1f} {unit}")
        if cells:
            lines.append(f"{trial.label:26s} " + "   ".join(cells))
    return lines


_NORM_UNIT = {"mvc": "%MVC", "peak_task": "% of task peak"}


def stabilogram_panels(rec) -> list[tuple[str, str, tuple[float, float]]]:
    """(title, force stream, time window) per COP panel: single-leg stance trials, else every plate."""
    stance = [t for t in rec.trials() if t.task == "stance"]
    if stance and rec.force is not None and rec.force.plate:
        return [(t.label, "force", (t.start_s, t.stop_s)) for t in stance]
    return [(name, name, (0.0, s.duration_s)) for name, s in rec.streams.items() if s.plate]


def plot_overview(rec, result, path: Path) -> Path:
    """GM envelopes over the session (trials shaded) above the COP of each stabilogram panel."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    emg = rec.emg
    cols = emg.select(muscle="gluteus_medius") or list(range(min(2, emg.n_channels)))
    env = emg_envelope(emg.data[:, cols], emg.fs_hz)  # zero-phase 20-450 Hz band-pass, 6 Hz envelope
    names = [emg.channels[i].name for i in cols]
    # normalise by the analysis' own references, so the curves match the report's numbers
    refs = [result.reference.get(n, {}).get("value") for n in names]
    norms = {result.normalization.get(n, "none") for n in names}
    unit = _NORM_UNIT.get(norms.pop(), emg.channels[cols[0]].unit) if len(norms) == 1 else "mixed units"
    panels = []
    for title, stream, window in stabilogram_panels(rec):
        cop = center_of_pressure(rec.segment(stream, window), Plate.from_dict(rec.streams[stream].plate))
        if cop.valid.any():  # NaN while the foot is off the plate
            panels.append((title, cop.cop_m))

    fig = plt.figure(figsize=(12, 7 if panels else 3.5))
    grid = fig.add_gridspec(2 if panels else 1, max(1, len(panels)))
    top = fig.add_subplot(grid[0, :])
    t = emg.times_s
    step = max(1, int(emg.fs_hz / 100))  # draw at 100 Hz
    for j, name in enumerate(names):
        top.plot(t[::step], env[::step, j] * (100.0 / refs[j] if refs[j] else 1.0), lw=0.8, label=name)
    for trial in rec.trials():
        top.axvspan(trial.start_s, trial.stop_s, color="0.9", zorder=0)
        top.text(trial.start_s, 0, trial.label, rotation=90, fontsize=6, va="bottom")
    top.set_xlabel("session time (s)")
    top.set_ylabel(f"{'GM' if emg.select(muscle='gluteus_medius') else 'EMG'} envelope ({unit})")
    top.legend(loc="upper right")
    for k, (title, cop) in enumerate(panels):
        ax = fig.add_subplot(grid[1, k])
        ax.plot(100 * cop[:, 0], 100 * cop[:, 1], lw=0.5)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("ML (cm)")
        ax.set_ylabel("AP (cm)")
        ax.set_aspect("equal", adjustable="datalim")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("session", type=Path, help="emgforce .h5 recording or a .c3d file")
    parser.add_argument("--out", type=Path, default=None, help="report folder (default: SESSION-report)")
    parser.add_argument("--task", default=None, help="task of a recording without trial events (e.g. stance_double)")
    parser.add_argument("--no-figures", action="store_true", help="skip the report's own PNG/HTML figures")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    out = args.out or args.session.with_name(args.session.stem + "-report")

    rec = load_session(args.session)
    result = analyze_session(rec, task=args.task)
    print(f"{result.session}: {len(result.trials)} trials, EMG normalised by "
          f"{sorted(set(result.normalization.values())) or ['-']}")
    print("\n".join(gm_table(result)))
    for line in result.summary:
        print("*", line)
    for msg in result.all_messages():
        if msg.level != "info":
            print(f"[{msg.level}] {msg.trial or 'session'}: {msg.text}")

    files = write_report(result, out, figures=not args.no_figures)
    overview = plot_overview(rec, result, Path(out) / "overview.png")
    print(f"report: {', '.join(sorted(p.name for p in files.values()))}, {overview.name} in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

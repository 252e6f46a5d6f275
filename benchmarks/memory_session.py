"""Peak memory of long sessions (issue 13, target 3); a script, not part of the test suite.

Generates a session of ``--minutes`` (default 60) with 64 EMG channels at 2 kHz (float32)
and one force plate at 1 kHz, by tiling the short simulated protocol (its 6 EMG channels
repeated across 64, its events shifted per repetition), written block by block (bounded
memory). Then runs each job in a fresh interpreter and reports its peak RSS
(``ru_maxrss``), wall time and CPU time (user + system, steadier on a shared machine):

* ``chunked-envelope``: :func:`emgforce.signal.emg_envelope_chunked` of all 64 channels,
  from the file's dataset into a float64 dataset of a scratch file (out of core);
* ``read+envelope``: ``read_recording`` then the in-memory ``emg_envelope`` (the old way);
* ``analyze``: ``emgforce analyze --no-figures`` on the session (read lazily, enveloped per trial
  window, see ``emgforce.tasks.windows``);
* ``analyze-traces``: ``analyze_session`` keeping the decimated whole-session envelope traces the
  figures draw (one more piecewise sweep), without drawing them.

Run: ``python benchmarks/memory_session.py --minutes 60 --jobs analyze,analyze-traces`` (the
generated file is ~1.9 GB per hour; ``read+envelope`` needs several GB for an hour).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N_CH = 64

JOBS = {
    "chunked-envelope": """
import h5py
from emgforce.signal import emg_envelope_chunked
with h5py.File(SESSION, "r") as f, h5py.File(SCRATCH, "w") as g:
    src = f["streams/emg/data"]
    out = g.create_dataset("env", shape=src.shape, dtype="f8", chunks=(20000, src.shape[1]))
    emg_envelope_chunked(src, float(src.attrs["fs_hz"]), out, chunk_s=10.0)
""",
    "read+envelope": """
from emgforce.io import read_recording
from emgforce.signal import emg_envelope
rec = read_recording(SESSION)
env = emg_envelope(rec.streams["emg"].data, rec.streams["emg"].fs_hz)
""",
    "analyze": """
from emgforce.cli import main
assert main(["analyze", "--no-figures", "--overwrite", "-o", OUTDIR, SESSION]) == 0
""",
    "analyze-traces": """
from emgforce.tasks.analyze import analyze_session
result = analyze_session(SESSION, keep_traces=True)
""",
}


def generate(path: Path, minutes: float) -> None:
    import numpy as np

    from emgforce.cli import main as cli
    from emgforce.io import RecordingWriter, read_recording
    from emgforce.streams import Block, ChannelInfo, StreamInfo

    with tempfile.TemporaryDirectory() as tmp:
        cli(["demo", "--short", "--no-analysis", "--no-progress", tmp])
        short = read_recording(Path(tmp) / "session.h5")
    emg, force = short.streams["emg"], short.streams["force"]
    reps = int(np.ceil(minutes * 60.0 / short.duration_s))
    chans = tuple(ChannelInfo(c.name if k < len(emg.channels) else f"EMG{k + 1:02d}", "emg", c.unit,
                              c.muscle if k < len(emg.channels) else None, c.side if k < len(emg.channels) else None)
                  for k, c in ((k, emg.channels[k % len(emg.channels)]) for k in range(N_CH)))
    infos = [StreamInfo("emg", emg.fs_hz, chans, dtype="float32"),
             StreamInfo("force", force.fs_hz, force.channels, dtype="float32", plate=force.plate)]
    emg64 = np.tile(np.nan_to_num(emg.data), (1, -(-N_CH // emg.data.shape[1])))[:, :N_CH].astype(np.float32)
    frc = np.nan_to_num(force.data).astype(np.float32)
    with RecordingWriter(path, infos, short.subject, device="memory-benchmark") as w:
        for r in range(reps):
            w.append(Block("emg", emg64, r * len(emg64)))
            w.append(Block("force", frc, r * len(frc)))
            for e in short.events:
                w.add_event(e.label, e.kind, e.time_s + r * short.duration_s)


def run_job(name: str, session: Path, workdir: Path) -> dict:
    code = (f"SESSION, SCRATCH, OUTDIR = {str(session)!r}, {str(workdir / 'scratch.h5')!r}, {str(workdir / 'out')!r}\n"
            + JOBS[name]
            + "\nimport resource, json\nu = resource.getrusage(resource.RUSAGE_SELF)\n"
            + "print(json.dumps([u.ru_maxrss, u.ru_utime + u.ru_stime]))\n")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode:
        return {"job": name, "error": proc.stderr.strip().splitlines()[-1:], "wall_s": wall}
    rss_kb, cpu_s = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"job": name, "peak_rss_mb": round(rss_kb / 1024), "wall_s": round(wall, 1), "cpu_s": round(cpu_s, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--jobs", default=",".join(JOBS), help=f"comma-separated, from {list(JOBS)}")
    ap.add_argument("--workdir", type=Path, default=None, help="where the session goes (default: a temporary folder)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        workdir = Path(tmp)
        session = workdir / "session.h5"
        t0 = time.perf_counter()
        generate(session, args.minutes)
        size = session.stat().st_size / 2**20
        print(json.dumps({"session_minutes": args.minutes, "file_mb": round(size), "generate_s": round(time.perf_counter() - t0, 1)}))
        for name in args.jobs.split(","):
            print(json.dumps(run_job(name, session, workdir)), flush=True)


if __name__ == "__main__":
    main()

"""Cold start of ``emgforce analyze`` (issue 13, target 4); a script, not part of the test suite.

Makes the short demo session, then runs ``emgforce analyze --no-figures`` on it in fresh
interpreters, in pairs: *cold* with ``NUMBA_CACHE_DIR`` pointing at an empty folder (every
kernel compiles; with that variable set numba reads and writes no other cache, so
``__pycache__`` files of earlier runs do not count), then *warm* on the cache the cold run
left (what users see from the second run on). Each run reports its wall and CPU time and
the numba compilations it did (top-level ``numba:compile`` events and their durations).
A last job times a warm ``import emgforce.signal`` (with and after numpy).

Run: ``python benchmarks/cold_start.py --pairs 3`` (~10 s a pair). Target: cold within
3 s of warm; warm ``import emgforce.signal`` under 0.3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Runs the CLI in-process and prints, as its last line, its own wall and CPU time and the
# top-level compile events (nested ones are inside their caller's duration).
ANALYZE = """
import json, resource, time
t0 = time.perf_counter()
from numba.core import event

compiles, starts = [], []

class Timer(event.Listener):
    def on_start(self, ev):
        starts.append(time.perf_counter())

    def on_end(self, ev):
        dt = time.perf_counter() - starts.pop()
        if not starts:
            fn = ev.data["dispatcher"].py_func
            compiles.append((f"{fn.__module__}.{fn.__qualname__}", round(dt, 3)))

event.register("numba:compile", Timer())
from emgforce.cli import main
rc = main(["analyze", "--no-figures", "--overwrite", "-o", OUTDIR, SESSION])
ru = resource.getrusage(resource.RUSAGE_SELF)
rc_ = resource.getrusage(resource.RUSAGE_CHILDREN)  # the first run's compile helper, if it ran
print(json.dumps({"rc": rc, "wall_s": time.perf_counter() - t0, "cpu_s": ru.ru_utime + ru.ru_stime,
                  "helper_cpu_s": rc_.ru_utime + rc_.ru_stime, "compiles": compiles}))
"""

IMPORT = """
import json, time
t0 = time.perf_counter()
import numpy
t1 = time.perf_counter()
import emgforce.signal
t2 = time.perf_counter()
print(json.dumps({"with_numpy_s": t2 - t0, "after_numpy_s": t2 - t1, "module": emgforce.signal.__file__}))
"""


def run(code: str, cache: Path, **names: str) -> dict:
    """``code`` in a fresh interpreter with ``NUMBA_CACHE_DIR=cache``: its last output line, parsed.

    It runs in the cache's parent folder: ``python -c`` imports from its working directory
    first, so a source checkout there would shadow the installed emgforce.
    """
    head = "".join(f"{k} = {v!r}\n" for k, v in names.items())
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", head + code], capture_output=True, text=True,
                          env={**os.environ, "NUMBA_CACHE_DIR": str(cache)}, cwd=cache.parent)
    if proc.returncode:
        sys.exit(f"run failed:\n{proc.stderr}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_s"] = time.perf_counter() - t0  # with interpreter start-up and exit
    return out


def line(label: str, r: dict) -> str:
    compiled = sum(dt for _, dt in r["compiles"])
    return (f"{label}: process {r['process_s']:.2f} s, in-process wall {r['wall_s']:.2f} s, CPU {r['cpu_s']:.2f} s "
            f"(+ {r['helper_cpu_s']:.2f} s in the compile helper), {len(r['compiles'])} compilations {compiled:.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=3, help="cold/warm pairs (default 3)")
    ap.add_argument("--events", action="store_true", help="list each cold run's compilations")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        demo = subprocess.run([sys.executable, "-m", "emgforce", "demo", "--short", "--no-analysis", "--no-progress",
                               str(work / "demo")], capture_output=True, text=True, cwd=work,
                              env={**os.environ, "NUMBA_CACHE_DIR": str(work / "demo-cache")})
        if demo.returncode:
            sys.exit(f"demo failed:\n{demo.stderr}")
        names = {"SESSION": str(work / "demo" / "session.h5"), "OUTDIR": str(work / "out")}
        gaps, cpu_gaps = [], []
        for k in range(args.pairs):
            cache = work / f"cache{k}"
            cold = run(ANALYZE, cache, **names)
            warm = run(ANALYZE, cache, **names)
            gaps.append(cold["process_s"] - warm["process_s"])
            cpu_gaps.append(cold["cpu_s"] - warm["cpu_s"])
            print(line(f"pair {k + 1} cold", cold))
            if args.events:
                for name, dt in cold["compiles"]:
                    print(f"    {dt:6.3f} s  {name}")
            print(line(f"pair {k + 1} warm", warm))
            print(f"pair {k + 1}: cold - warm = {gaps[-1]:.2f} s (CPU {cpu_gaps[-1]:.2f} s)", flush=True)
        imports = [run(IMPORT, work / "cache0") for _ in range(5)]
        print(f"cold - warm over {args.pairs} pairs: min {min(gaps):.2f} s, max {max(gaps):.2f} s (target < 3 s); "
              f"in CPU time min {min(cpu_gaps):.2f} s, max {max(cpu_gaps):.2f} s")
        print(f"emgforce: {Path(imports[0]['module']).parents[1]}")
        for key, what in (("with_numpy_s", "numpy + emgforce.signal"), ("after_numpy_s", "emgforce.signal after numpy")):
            times = [r[key] for r in imports]
            print(f"warm import {what}: min {min(times):.3f} s, max {max(times):.3f} s (target < 0.3 s)")


if __name__ == "__main__":
    main()

"""Signal core: import + first call in a fresh interpreter, numba cache cold and warm.

Each round starts ``python -c SCRIPT`` in a subprocess. ``cold`` points
``NUMBA_CACHE_DIR`` at an empty directory, so every kernel compiles; ``warm``
reuses a cache filled beforehand (what users see from the second run on). The
reference does the same job with scipy.signal alone (no compilation at all).

Run: ``python -m pytest benchmarks/test_signal_import.py --benchmark-only``.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SCRIPT = """
import numpy as np
x = np.random.default_rng(0).standard_normal((4000, 16))
from emgforce.signal import StreamEnvelope, emg_envelope
emg_envelope(x, 2000.0)
StreamEnvelope(2000.0, 16).process(x[:20])
"""

SCIPY_SCRIPT = """
import numpy as np
x = np.random.default_rng(0).standard_normal((4000, 16))
import scipy.signal as ss
pre = ss.butter(2, (20, 450), btype="bandpass", fs=2000.0, output="sos")
lp = ss.butter(2, 6.0, fs=2000.0, output="sos")
ss.sosfiltfilt(lp, np.abs(ss.sosfiltfilt(pre, x - x.mean(axis=0), axis=0)), axis=0)
ss.sosfilt(lp, np.abs(ss.sosfilt(pre, x[:20], axis=0, zi=ss.sosfilt_zi(pre)[:, :, None] * x[0])[0]), axis=0)
"""


def run(script: str, cache_dir) -> None:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache_dir))
    subprocess.run([sys.executable, "-c", script], env=env, check=True)


@pytest.mark.benchmark(group="signal-import-first-call")
def test_import_first_call_cold_cache(benchmark, tmp_path):
    dirs = iter(range(100))

    def setup():
        return (SCRIPT, tmp_path / f"cold{next(dirs)}"), {}

    benchmark.pedantic(run, setup=setup, rounds=2, warmup_rounds=0)


@pytest.mark.benchmark(group="signal-import-first-call")
def test_import_first_call_warm_cache(benchmark, tmp_path):
    run(SCRIPT, tmp_path)  # fill the cache
    benchmark.pedantic(run, args=(SCRIPT, tmp_path), rounds=5, warmup_rounds=0)


@pytest.mark.benchmark(group="signal-import-first-call")
def test_import_first_call_scipy_reference(benchmark, tmp_path):
    benchmark.pedantic(run, args=(SCIPY_SCRIPT, tmp_path), rounds=5, warmup_rounds=0)

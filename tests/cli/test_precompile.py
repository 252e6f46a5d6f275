"""The compile helper of a first ``emgforce analyze``: it fills a cold numba cache, and only then."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from emgforce.cli import _precompile

# Runs in a fresh interpreter on an empty NUMBA_CACHE_DIR (the helper as `analyze` starts it).
START = """
import sys
from emgforce.cli import _precompile as p
p.available_cpus = lambda: 2  # whatever this machine has
assert p.cache_is_cold()
helper = p.start()
assert helper is not None
sys.exit(helper.wait())
"""

# Then, on the cache the helper left: what it compiled loads, nothing compiles.
AFTER = """
import json
import numpy as np
from numba.core import event
from emgforce.cli import _precompile as p

compiled = []

class Listener(event.Listener):
    def on_start(self, ev):
        compiled.append(ev.data["dispatcher"].py_func.__qualname__)

    def on_end(self, ev):
        pass

event.register("numba:compile", Listener())
import emgforce.tasks._kernels
from emgforce.forceplate import sample_entropy
sample_entropy(np.random.default_rng(3).standard_normal(400).cumsum(), 2, 0.2)
before = list(compiled)
still_cold = p.cache_is_cold()
from emgforce.signal import _kernels
_kernels.add_block_sums(np.ones((10, 2)), np.zeros(2), np.zeros(2, np.int64))  # what analyze compiles first
p.available_cpus = lambda: 2
print(json.dumps({"compiled": before, "cold_before": still_cold, "cold_after": p.cache_is_cold(),
                  "started_when_warm": p.start() is not None, "sweep_compiled": compiled[len(before):]}))
"""


def run(code, cache):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache), "EMGFORCE_PRECOMPILE": "1"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cache.parent, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_helper_fills_a_cold_cache_and_starts_only_then(tmp_path):
    cache = tmp_path / "numba-cache"
    run(START, cache)
    got = json.loads(run(AFTER, cache).strip().splitlines()[-1])
    assert got["compiled"] == []  # the ramp fit and sample entropy came from the helper's cache
    assert got["cold_before"] is True  # the helper does not compile the mean sweep...
    assert got["sweep_compiled"] == ["_block_sums"]  # ...the command does, first
    assert got["cold_after"] is False
    assert got["started_when_warm"] is False


def test_off_switch_and_one_cpu_start_nothing(monkeypatch):
    monkeypatch.setattr(_precompile, "cache_is_cold", lambda: True)
    monkeypatch.setattr(_precompile, "available_cpus", lambda: 2)
    monkeypatch.setenv(_precompile.ENV, "0")
    assert _precompile.start() is None
    monkeypatch.setenv(_precompile.ENV, "1")
    monkeypatch.setattr(_precompile, "available_cpus", lambda: 1)
    assert _precompile.start() is None
    monkeypatch.setattr(_precompile, "available_cpus", lambda: 2)
    monkeypatch.setattr(_precompile, "cache_is_cold", lambda: False)
    assert _precompile.start() is None


def test_stop_ends_a_helper_still_running():
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    t0 = time.perf_counter()
    _precompile.stop(sleeper)
    assert sleeper.poll() is not None and time.perf_counter() - t0 < 5
    _precompile.stop(sleeper)  # already ended: nothing to do
    _precompile.stop(None)

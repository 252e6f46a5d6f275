"""Sway density (numba run-length scan) vs the same definition in plain numpy.

Run: ``python -m pytest benchmarks/test_forceplate_sway_density.py --benchmark-only``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from emgforce.forceplate import sway_density

FS_HZ = 100.0
N = int(60 * FS_HZ)  # 60 s of quiet stance at 100 Hz
RADIUS_M = 0.003


@pytest.fixture(scope="module")
def cop():
    rng = np.random.default_rng(0)
    return np.cumsum(rng.normal(size=(N, 2)), axis=0) * 2e-4  # mm-scale random-walk sway


def sway_density_numpy(cop, fs, radius):
    """Per sample: distances to every sample, first one beyond ``radius`` on each side (O(N^2))."""
    n = cop.shape[0]
    counts = np.empty(n - 1)
    for t in range(n - 1):
        out = np.hypot(*(cop - cop[t]).T) > radius
        after = np.flatnonzero(out[t + 1:])
        before = np.flatnonzero(out[:t][::-1])
        stop = t + 1 + (after[0] if after.size else n - t - 1)
        start = t - 1 - (before[0] if before.size else t)
        counts[t] = (stop - 1) - (start + 1)
    b, a = signal.butter(4, 2.5 / (0.5 * fs))
    return signal.filtfilt(b, a, counts / fs)


@pytest.mark.benchmark(group="sway-density-60s-100Hz")
def test_sway_density_numba(benchmark, cop):
    sway_density(cop[:100], FS_HZ, RADIUS_M)  # compile / load the cache outside the timing
    got = benchmark(sway_density, cop, FS_HZ, RADIUS_M)
    np.testing.assert_allclose(got, sway_density_numpy(cop, FS_HZ, RADIUS_M), rtol=0, atol=1e-12)


@pytest.mark.benchmark(group="sway-density-60s-100Hz")
def test_sway_density_reference_numpy(benchmark, cop):
    benchmark.pedantic(sway_density_numpy, args=(cop, FS_HZ, RADIUS_M), rounds=3, iterations=1)

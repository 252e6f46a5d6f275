"""Force-plate benchmarks: COP (numba vs numpy), sample entropy (numba vs numpy), all sway descriptors.

Run: ``python -m pytest benchmarks/test_forceplate.py --benchmark-only``.
"""

from __future__ import annotations

import numpy as np
import pytest

from emgforce.forceplate import Plate, center_of_pressure, sample_entropy, sway_descriptors

COP_FS_HZ = 1000.0
COP_N = int(600 * COP_FS_HZ)  # 10 min at 1 kHz


@pytest.fixture(scope="module")
def plate_forces():
    rng = np.random.default_rng(0)
    f = rng.normal(0, 1, (COP_N, 6)) * [20, 20, 300, 30, 30, 5] + [0, 0, 400, 0, 0, 0]
    plate = Plate.level("AMTI6", (0.6, 0.4), (0.3, 0.2, 0.0), origin_m=[0.001, -0.002, 0.04])
    return f, plate


def cop_numpy(f, plate, threshold):
    """The same result as center_of_pressure(frame="lab") as plain numpy expressions."""
    rot, o = plate.rotation, plate.origin_m
    load = plate.load_sign * (f[:, :3] @ rot[2])
    valid = np.isfinite(f).all(axis=1) & (load > threshold) & (f[:, 2] != 0)
    fz = np.where(valid, f[:, 2], 1.0)
    dz = -o[2]
    x = (dz * f[:, 0] - f[:, 4]) / fz
    y = (f[:, 3] + dz * f[:, 1]) / fz
    tz = f[:, 5] - x * f[:, 1] + y * f[:, 0]
    xy = np.column_stack([x + o[0], y + o[1]])
    cop = plate.centre_m[:2] + xy @ rot[:2, :2].T
    cop[~valid] = np.nan
    return cop, np.where(valid, rot[2, 2] * tz, np.nan), valid, load


@pytest.mark.benchmark(group="cop")
def test_cop_numba_10min_1khz(benchmark, plate_forces):
    f, plate = plate_forces
    center_of_pressure(f[:10], plate)  # compile / load the cache outside the timing
    res = benchmark(center_of_pressure, f, plate)
    ref = cop_numpy(f, plate, 20.0)
    np.testing.assert_allclose(res.cop_m, ref[0], rtol=1e-12, equal_nan=True)


@pytest.mark.benchmark(group="cop")
def test_cop_reference_numpy_10min_1khz(benchmark, plate_forces):
    f, plate = plate_forces
    benchmark(cop_numpy, f, plate, 20.0)


def sampen_numpy(x, m=2, r=0.2):
    """Plain numpy SampEn: one vectorised row of Chebyshev distances per template (O(N^2))."""
    tol = r * np.std(x)
    n = x.size
    tm = np.lib.stride_tricks.sliding_window_view(x, m + 1)[: n - m]
    a = b = 0
    for i in range(n - m - 1):
        d = np.abs(tm[i + 1:] - tm[i])
        dm = d[:, :m].max(axis=1) <= tol
        b += int(dm.sum())
        a += int((dm & (d[:, m] <= tol)).sum())
    return -np.log(a / b)


@pytest.fixture(scope="module")
def entropy_series():
    # 60 s of a 100 Hz COP-like series: a random walk with some white noise
    rng = np.random.default_rng(1)
    return np.cumsum(rng.normal(size=6000)) + 3 * rng.normal(size=6000)


@pytest.mark.benchmark(group="entropy")
def test_sample_entropy_numba_6000(benchmark, entropy_series):
    sample_entropy(entropy_series[:100])
    value = benchmark(sample_entropy, entropy_series, 2, 0.2)
    assert value == pytest.approx(sampen_numpy(entropy_series), rel=1e-12)


@pytest.mark.benchmark(group="entropy")
def test_sample_entropy_reference_numpy_6000(benchmark, entropy_series):
    benchmark.pedantic(sampen_numpy, args=(entropy_series,), rounds=3, iterations=1)


@pytest.mark.benchmark(group="sway")
def test_sway_all_descriptors_60s_1khz(benchmark):
    """Total time of every descriptor (10 Hz low-pass, no resampling) on 60 s of COP at 1 kHz.

    No reference implementation exists for the whole set; the figure is reported as is.
    """
    rng = np.random.default_rng(2)
    cop = np.cumsum(rng.normal(0, 1e-4, (60_000, 2)), axis=0)
    sway_descriptors(cop[:20_000], 1000.0)
    res = benchmark.pedantic(sway_descriptors, args=(cop, 1000.0), rounds=3, iterations=1)
    assert np.isfinite(res["sample_entropy_ml"])

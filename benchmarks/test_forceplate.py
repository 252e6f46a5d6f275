"""Force-plate benchmarks: COP (numba vs numpy), sample entropy (numba vs numpy), all sway
descriptors (ours vs the same set in plain numpy/scipy).

Run: ``python -m pytest benchmarks/test_forceplate.py --benchmark-only``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal, spatial, stats

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
    cop = plate.center_m[:2] + xy @ rot[:2, :2].T
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


@pytest.fixture(scope="module")
def cop_100hz():
    """60 s of a smooth, mean-reverting COP at 100 Hz (10 Hz low-pass at 1 kHz, decimated), in m."""
    w = np.cumsum(np.random.default_rng(2).normal(size=60_000)) * 1e-4
    w -= np.convolve(w, np.ones(5001) / 5001, "same")
    return signal.sosfiltfilt(signal.butter(4, 10.0, fs=1000.0, output="sos"), w)[::10]


def antropy_or_skip():
    """antropy (``pip install emgforce[bench]``) is an optional reference."""
    return pytest.importorskip("antropy")


@pytest.mark.benchmark(group="entropy-antropy-6000")
def test_sample_entropy_numba_6000_vs_antropy(benchmark, entropy_series):
    sample_entropy(entropy_series[:100])
    benchmark(sample_entropy, entropy_series, 2, 0.2)


@pytest.mark.benchmark(group="entropy-antropy-6000")
def test_sample_entropy_antropy_6000_reference(benchmark, entropy_series):
    antropy = antropy_or_skip()
    value = benchmark(antropy.sample_entropy, entropy_series, order=2)
    assert value == pytest.approx(sample_entropy(entropy_series, 2, 0.2), rel=1e-12)


@pytest.mark.benchmark(group="entropy-antropy-cop-60s-100Hz")
def test_sample_entropy_numba_cop_60s_vs_antropy(benchmark, cop_100hz):
    sample_entropy(cop_100hz[:100])
    benchmark(sample_entropy, cop_100hz, 2, 0.2)


@pytest.mark.benchmark(group="entropy-antropy-cop-60s-100Hz")
def test_sample_entropy_antropy_cop_60s_reference(benchmark, cop_100hz):
    antropy = antropy_or_skip()
    value = benchmark(antropy.sample_entropy, cop_100hz, order=2)
    assert value == pytest.approx(sample_entropy(cop_100hz, 2, 0.2), rel=1e-12)


SWAY_FS_HZ = 1000.0
SWAY_GROUP = "sway-all-descriptors-60s-1kHz"
#: relative tolerance of reference vs ours; the largest gap (~3e-11) is the short-term Hurst
#: exponent, a log-log fit starting at the 1 ms lag where the FFT and the direct MSD round apart
SWAY_RTOL = 1e-9


def sampen_kdtree(x, m=2, r=0.2):
    """SampEn counting template pairs with ``scipy.spatial.cKDTree.count_neighbors`` (Chebyshev).

    ``count_neighbors`` of a tree with itself counts ordered pairs within r, self-pairs
    included, without listing them: (count - n_templates) / 2 distinct pairs.
    """
    tol = r * np.std(x)
    nt = x.size - m
    templates = np.lib.stride_tricks.sliding_window_view(x, m + 1)[:nt]

    def pairs(width):
        tree = spatial.cKDTree(templates[:, :width])
        return (tree.count_neighbors(tree, tol, p=np.inf) - nt) // 2

    return -np.log(pairs(m + 1) / pairs(m))


def sway_reference(cop, fs, lowpass_hz=10.0, p=0.95, band=(0.15, 5.0), short=(0.0, 1.0), long=(2.5, 10.0)):
    """Every descriptor of ``sway_descriptors`` (its defaults) written in plain numpy/scipy.

    The same definitions (Prieto et al. 1996; Schubert & Kirchner 2014; Collins & De Luca
    1993; Richman & Moorman 2000) as a user would code them: ``sosfiltfilt`` low-pass,
    ``ConvexHull`` + ``pdist`` for the planar range, ``scipy.signal.welch`` defaults with
    ``nperseg = n // 2``, the mean square displacement lag by lag from its definition, and
    sample entropy by k-d tree pair counting (:func:`sampen_kdtree`).
    """
    sos = signal.butter(2, lowpass_hz, fs=fs, output="sos")
    cop = signal.sosfiltfilt(sos, cop, axis=0)
    n = cop.shape[0]
    dur = n / fs
    c = cop - cop.mean(axis=0)
    rd = np.hypot(c[:, 0], c[:, 1])
    out = {}

    def axes(name, unit, ml, ap, res):
        out.update({f"{name}_ml{unit}": ml, f"{name}_ap{unit}": ap, f"{name}{unit}": res})

    mdist = np.abs(c).mean(axis=0)
    axes("mean_distance", "_m", *mdist, rd.mean())
    axes("rms_distance", "_m", *c.std(axis=0), np.sqrt((rd**2).mean()))
    hull = cop[spatial.ConvexHull(cop).vertices]
    axes("range", "_m", *np.ptp(cop, axis=0), spatial.distance.pdist(hull).max())
    d = np.diff(cop, axis=0)
    path = [*np.abs(d).sum(axis=0), np.hypot(d[:, 0], d[:, 1]).sum()]
    axes("path_length", "_m", *path)
    vel = np.array(path) / dur
    axes("mean_velocity", "_m_s", *vel)
    circle = np.pi * (rd.mean() + stats.norm.ppf(p) * rd.std()) ** 2
    sqdet = np.sqrt(np.linalg.det(np.cov(c.T)))
    fq = stats.f.ppf(p, 2, n - 2)
    out["area_confidence_circle95_m2"] = circle
    out["area_prediction_ellipse95_m2"] = np.pi * sqdet * fq * 2 * (n - 1) * (n + 1) / (n * (n - 2))
    out["area_confidence_ellipse95_m2"] = np.pi * sqdet * fq * 2 * (n - 1) / (n * (n - 2))
    out["sway_area_per_second_m2_s"] = np.abs(c[1:, 0] * c[:-1, 1] - c[:-1, 0] * c[1:, 1]).sum() / (2 * dur)
    axes("mean_frequency", "_hz", *(vel[:2] / (4 * np.sqrt(2) * mdist)), vel[2] / (2 * np.pi * rd.mean()))

    (f, pml), (_, pap) = (signal.welch(x, fs, nperseg=n // 2) for x in c.T)
    mf = [np.trapezoid(f * q, f) / np.trapezoid(q, f) for q in (pml, pap)]
    axes("mean_frequency_psd", "_hz", *mf, (mf[0] * pml.sum() + mf[1] * pap.sum()) / (pml.sum() + pap.sum()))
    for sfx, series in (("_ml", c[:, 0]), ("_ap", c[:, 1]), ("", rd)):
        f, g = signal.welch(series, fs, nperseg=n // 2)
        sel = (f >= band[0]) & (f <= band[1])
        f, g = f[sel], g[sel]
        df = f[1] - f[0]
        mu0, mu1, mu2 = (np.sum(f**k * g) * df for k in range(3))
        cum = np.cumsum(g) * df
        out[f"total_power{sfx}_m2"] = mu0
        for q in (50, 80, 95):
            out[f"f{q}{sfx}_hz"] = f[np.argmax(cum >= q / 100 * mu0)]
        out[f"centroidal_frequency{sfx}_hz"] = np.sqrt(mu2 / mu0)
        out[f"frequency_dispersion{sfx}"] = np.sqrt(1 - mu1**2 / (mu0 * mu2))

    # FD-CC: diameter of the confidence circle; FD-CE: sqrt(d1 d2) of Prieto's AREA-CE ellipse
    for key, area in (("fractal_dimension_cc", circle), ("fractal_dimension_ce", 2 * np.pi * fq * sqdet)):
        out[key] = np.log(n) / np.log(n * 2 * np.sqrt(area / np.pi) / path[2])

    lags = np.arange(1, int(long[1] * fs) + 1)
    msd_ml, msd_ap = (np.array([np.mean((x[k:] - x[:-k]) ** 2) for k in lags]) for x in cop.T)
    dt = lags / fs
    s_sel = (dt > short[0]) & (dt <= short[1])
    l_sel = (dt >= long[0]) & (dt <= long[1])
    for sfx, msd in (("_ml", msd_ml), ("_ap", msd_ap), ("", msd_ml + msd_ap)):
        a_s, b_s = np.polyfit(dt[s_sel], msd[s_sel], 1)
        a_l, b_l = np.polyfit(dt[l_sel], msd[l_sel], 1)
        out[f"diffusion_short{sfx}_m2_s"] = a_s / 2
        out[f"diffusion_long{sfx}_m2_s"] = a_l / 2
        out[f"hurst_short{sfx}"] = np.polyfit(np.log(dt[s_sel]), np.log(msd[s_sel]), 1)[0] / 2
        out[f"hurst_long{sfx}"] = np.polyfit(np.log(dt[l_sel]), np.log(msd[l_sel]), 1)[0] / 2
        tc = (b_l - b_s) / (a_s - a_l) if a_s > a_l else np.nan  # the fits cross only if so
        out[f"critical_time{sfx}_s"] = tc
        out[f"critical_msd{sfx}_m2"] = a_s * tc + b_s

    for sfx, series in (("_ml", cop[:, 0]), ("_ap", cop[:, 1]), ("", rd)):
        out[f"sample_entropy{sfx}"] = sampen_kdtree(series)
    return out


def assert_same_descriptors(ref, ours):
    assert set(ref) == set(ours.keys())
    keys = sorted(ref)
    np.testing.assert_allclose([ref[k] for k in keys], [ours[k] for k in keys], rtol=SWAY_RTOL, equal_nan=True)


@pytest.fixture(scope="module")
def sway_cop():
    # 60 s of a 2-D random walk at 1 kHz, metres
    rng = np.random.default_rng(2)
    return np.cumsum(rng.normal(0, 1e-4, (60_000, 2)), axis=0)


def test_sway_reference_matches_ours_15s():
    """Plain test (not run under --benchmark-only): the reference computes the same 66 numbers.

    On 15 s of a mean-reverting (Ornstein-Uhlenbeck, 1 s time constant) COP, so the
    short- and long-term diffusion fits cross and every descriptor, critical point
    included, is a number.
    """
    rng = np.random.default_rng(3)
    cop = signal.lfilter([1.0], [1.0, -(1.0 - 1.0 / SWAY_FS_HZ)], rng.normal(0, 1e-4, (15_000, 2)), axis=0)
    ours = sway_descriptors(cop, SWAY_FS_HZ)
    assert not ours.reasons
    assert_same_descriptors(sway_reference(cop, SWAY_FS_HZ), ours)


@pytest.mark.benchmark(group=SWAY_GROUP)
def test_sway_all_descriptors_60s_1khz(benchmark, sway_cop):
    """Every descriptor (10 Hz low-pass, no resampling) of 60 s of COP at 1 kHz, ours."""
    sway_descriptors(sway_cop[:20_000], SWAY_FS_HZ)  # compile / load the numba cache outside the timing
    res = benchmark.pedantic(sway_descriptors, args=(sway_cop, SWAY_FS_HZ), rounds=3, iterations=1)
    assert not res.reasons and np.isfinite(res["sample_entropy_ml"])


@pytest.mark.benchmark(group=SWAY_GROUP)
def test_sway_all_descriptors_reference_numpy_scipy_60s_1khz(benchmark, sway_cop):
    """The same descriptors by :func:`sway_reference`; its values are checked against ours."""
    ref = benchmark.pedantic(sway_reference, args=(sway_cop, SWAY_FS_HZ), rounds=3, iterations=1)
    assert_same_descriptors(ref, sway_descriptors(sway_cop, SWAY_FS_HZ))

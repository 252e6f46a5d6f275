"""Real recordings: BTK C3D plates (vs the file's own parameters and ezc3d) and the Duarte data sets."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from scipy import signal, stats

from emgforce.forceplate import (
    Plate,
    center_of_pressure,
    forces_from_raw,
    mean_velocity,
    prediction_ellipse_area,
    spectral_mean_frequency,
    sway_descriptors,
)

pytestmark = pytest.mark.realdata


def load_c3d(path):
    ezc3d = pytest.importorskip("ezc3d")  # an installed extra here; never skipped in CI
    c = ezc3d.c3d(str(path), extract_forceplat_data=True)
    fp = c["parameters"]["FORCE_PLATFORM"]
    plates = []
    analogs = c["data"]["analogs"][0]
    for i in range(int(fp["USED"]["value"][0])):
        corners = np.asarray(fp["CORNERS"]["value"])[:, :, i].T  # (4, 3) mm
        origin = np.asarray(fp["ORIGIN"]["value"])[:, i]
        channels = np.asarray(fp["CHANNEL"]["value"])[:, i] - 1
        plates.append(
            {
                "type": int(fp["TYPE"]["value"][i]),
                "corners": corners,
                "origin": origin,
                "analog": analogs[channels].T,  # (n, 6): N and N*mm
                "ezc3d_cop_mm": c["data"]["platform"][i]["center_of_pressure"].T,
            }
        )
    return plates


def cop_from_parameters(pl, threshold_n):
    """COP in the lab (mm) straight from CORNERS/ORIGIN and the scaled analogs, plain numpy.

    Plate axes from the corners (C3D: corner 1 in +x+y, 2 in -x+y, 3 -x-y,
    4 +x-y); ORIGIN is the surface centre relative to the plate origin, so the
    surface lies at z = ORIGIN_z above it. Loaded when the reaction force
    points up in the lab.
    """
    c = pl["corners"]
    ex = (c[0] + c[3] - c[1] - c[2]) / np.linalg.norm(c[0] + c[3] - c[1] - c[2])
    ey = (c[0] + c[1] - c[2] - c[3]) / np.linalg.norm(c[0] + c[1] - c[2] - c[3])
    ez = np.cross(ex, ey)
    fx, fy, fz, mx, my, mz = pl["analog"].T
    h = pl["origin"][2]
    x = (h * fx - my) / fz - pl["origin"][0]
    y = (mx + h * fy) / fz - pl["origin"][1]
    lab = c.mean(axis=0) + np.outer(x, ex) + np.outer(y, ey)
    load = fx * ez[0] + fy * ez[1] + fz * ez[2]
    return lab[:, :2], load > threshold_n


@pytest.mark.parametrize("name", ["FunctionalStatic", "FunctionalWalk"])
def test_btk_cop_matches_file_parameters_and_ezc3d(shared_data, name):
    plates = load_c3d(shared_data / "btk" / f"{name}.c3d")
    assert [p["type"] for p in plates] == [2, 2, 2]
    for i, pl in enumerate(plates):
        plate = Plate.from_c3d(pl["type"], pl["corners"], pl["origin"], name=f"PF{i + 1}")
        with np.errstate(divide="ignore", invalid="ignore"):
            ref_mm, ref_valid = cop_from_parameters(pl, 20.0)
        res = center_of_pressure(forces_from_raw(pl["analog"], plate), plate, fz_threshold_n=20.0)
        np.testing.assert_array_equal(res.valid, ref_valid)
        np.testing.assert_allclose(res.cop_m[res.valid] * 1000, ref_mm[ref_valid], atol=1e-9)
        np.testing.assert_allclose(res.cop_m[res.valid] * 1000, pl["ezc3d_cop_mm"][res.valid, :2], atol=1e-9)
        assert np.isnan(res.cop_m[~res.valid]).all()
        if name == "FunctionalStatic":
            # plates 1 and 2 carry one foot each (~290-310 N); plate 3 is unloaded
            expected = [True, True, False][i]
            assert res.valid.all() if expected else not res.valid.any()
            if expected:
                assert 250 < np.median(res.fz_n) < 350
        else:
            # each plate carries one foot contact; unloaded, the naive COP runs metres off the plate
            assert 0.1 < res.fraction_valid < 0.3
            naive = pl["ezc3d_cop_mm"][~res.valid, :2]
            assert np.nanmax(np.abs(naive - plate.center_m[:2] * 1000)) > 3000
        # the thresholded COP stays on the plate (plate frame, relative to its centre), against
        # metres for the naive one; 10 cm margin: at heel strike/toe-off this file's COP lies up
        # to ~6 cm beyond the nominal CORNERS (ezc3d's COP, matched above, does the same)
        on_plate = center_of_pressure(forces_from_raw(pl["analog"], plate), plate, frame="plate")
        half = [np.linalg.norm(plate.corners_m[0] - plate.corners_m[1]) / 2,
                np.linalg.norm(plate.corners_m[0] - plate.corners_m[3]) / 2]
        assert (np.abs(on_plate.cop_m[on_plate.valid]) <= np.add(half, 0.10)).all()


def published(path):
    with open(path, newline="") as fh:
        row = next(csv.DictReader(fh, delimiter="\t"))
    return {k: row[k] for k in ("COParea", "COPvelo", "COPmfreq")}


def duarte_cop_cm(shared_data, trial):
    if trial == "BDS00010":
        d = np.loadtxt(shared_data / "duarte" / "BDS00010.txt", skiprows=1)
        return d[:, 7:9]  # COPx (ML), COPy (AP), cm
    d = np.loadtxt(shared_data / "duarte" / "PDS13CF1grf.txt", skiprows=1)
    return d[:, [16, 18]] * 100.0  # net COP X and Z (horizontal; Y is vertical), m -> cm


@pytest.mark.parametrize("trial", ["BDS00010", "PDS13CF1"])
def test_duarte_published_values_are_reproduced(shared_data, trial):
    pub = published(shared_data / "duarte" / f"{trial}.info.tsv")
    # the .info.tsv files publish full double precision (16-17 significant digits, checked here),
    # so we compare at 1e-9 relative, tighter than the 1e-6 the issue asks for (we agree to ~1e-12)
    assert all(len(v.replace(".", "").lstrip("0")) >= 15 for v in pub.values())
    cop_cm = duarte_cop_cm(shared_data, trial)
    assert cop_cm.shape == (6000, 2)
    cop_m = cop_cm / 100.0
    fs = 100.0
    area_cm2 = prediction_ellipse_area(cop_m) * 1e4
    velo_cm_s = mean_velocity(cop_m, fs).resultant * 100
    mfreq = spectral_mean_frequency(cop_m, fs).resultant
    assert area_cm2 == pytest.approx(float(pub["COParea"]), rel=1e-9)
    assert velo_cm_s == pytest.approx(float(pub["COPvelo"]), rel=1e-9)
    assert mfreq == pytest.approx(float(pub["COPmfreq"]), rel=1e-9)
    # the same through sway_descriptors on raw COP
    res = sway_descriptors(cop_m, fs, lowpass_hz=None)
    assert res["area_prediction_ellipse95_m2"] * 1e4 == pytest.approx(float(pub["COParea"]), rel=1e-9)
    assert res["mean_velocity_m_s"] * 100 == pytest.approx(float(pub["COPvelo"]), rel=1e-9)
    assert res["mean_frequency_psd_hz"] == pytest.approx(float(pub["COPmfreq"]), rel=1e-9)
    # the default (10 Hz low-pass) shortens the path: it is a different, documented definition
    filt = sway_descriptors(cop_m, fs)
    assert filt["mean_velocity_m_s"] < res["mean_velocity_m_s"]


def test_duarte_definitions_written_out_independently(shared_data):
    """SOURCES.md's definitions in plain numpy/scipy give the published BDS00010 values."""
    pub = published(shared_data / "duarte" / "BDS00010.info.tsv")
    cop = duarte_cop_cm(shared_data, "BDS00010")
    n = cop.shape[0]
    s = np.linalg.svd(np.cov(cop.T), compute_uv=False)
    f = stats.f.ppf(0.95, 2, n - 2) * 2 * (n - 1) * (n + 1) / (n * (n - 2))
    area = np.pi * np.sqrt(f * s[0]) * np.sqrt(f * s[1])
    assert area == pytest.approx(float(pub["COParea"]), rel=1e-9)
    num = den = 0.0
    for x in cop.T:
        fr, p = signal.welch(x, 100, "hann", nperseg=n // 2, noverlap=n // 4, nfft=n // 2, detrend="constant")
        num += np.trapezoid(fr * p, fr) / np.trapezoid(p, fr) * p.sum()
        den += p.sum()
    assert num / den == pytest.approx(float(pub["COPmfreq"]), rel=1e-9)
    # our functions agree with this write-out to rounding
    assert prediction_ellipse_area(cop) == pytest.approx(area, rel=1e-12)
    assert spectral_mean_frequency(cop, 100).resultant == pytest.approx(num / den, rel=1e-12)


def test_duarte_cop_from_the_plate_wrench_matches_the_published_cop(shared_data):
    """BDS00010 ships Fx..Mz and the authors' COP (cm): our COP from the wrench reproduces it.

    The authors' plate has its origin on the top surface with z up, so COPx = -My/Fz and
    COPy = Mx/Fz; the file's six decimals bound the agreement (~6e-7 cm).
    """
    d = np.loadtxt(shared_data / "duarte" / "BDS00010.txt", skiprows=1)
    plate = Plate.level("AMTI6", (0.5, 0.5), z_down=False, sign_convention="reaction")
    res = center_of_pressure(d[:, 1:7], plate, frame="lab")
    assert res.valid.all() and 500 < np.median(res.fz_n) < 600
    np.testing.assert_allclose(res.cop_m * 100, d[:, 7:9], rtol=0, atol=2e-6)
    # and the descriptors of that COP give the published mean velocity
    pub = published(shared_data / "duarte" / "BDS00010.info.tsv")
    assert mean_velocity(res.cop_m, 100.0).resultant * 100 == pytest.approx(float(pub["COPvelo"]), rel=1e-4)

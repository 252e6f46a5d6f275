"""Plate model, raw -> forces, zeroing and COP against closed forms written out here."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.errors import ForcePlateError
from emgforce.forceplate import Plate, center_of_pressure, forces_from_raw, zero_offset


def wrench_about_origin(cop_xy, force, tz, surface_z):
    """Fx..Mz about the origin for a force applied at (x, y, surface_z) plus a free moment (plate frame)."""
    n = force.shape[0]
    r = np.column_stack([cop_xy, np.full(n, surface_z)])
    m = np.cross(r, force)
    m[:, 2] += tz
    return np.column_stack([force, m])


def circle_load(n=2000, radius=0.05, fz=700.0, seed=0):
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    cop = np.column_stack([0.03 + radius * np.cos(t), -0.02 + radius * np.sin(t)])
    force = np.column_stack([rng.normal(0, 20, n), rng.normal(0, 20, n), np.full(n, fz)])
    tz = rng.normal(0, 2, n)
    return cop, force, tz


# ---------------------------------------------------------------- plate model
def test_plate_dict_round_trip_keeps_every_field():
    p = Plate.level("AMTI6", (0.5, 0.4), (1.0, 2.0, 0.0), origin_m=[0.001, -0.002, 0.04],
                    calibration_matrix=np.eye(6) * 2, gains=np.arange(1, 7), name="left")
    d = p.to_dict()
    assert set(d) == {"type", "corners_m", "origin_m", "gains", "sign_convention", "name", "calibration_matrix"}
    # what an HDF5 attribute read gives back: bytes strings
    d2 = {k: (v.encode() if isinstance(v, str) else v) for k, v in d.items()}
    q = Plate.from_dict(d2)
    for k in d:
        np.testing.assert_array_equal(np.asarray(q.to_dict()[k]), np.asarray(d[k]))
    k = Plate.level("KISTLER8", a_m=0.12, b_m=0.2, az0_m=-0.05).to_dict()
    assert Plate.from_dict(k).to_dict()["az0_m"] == -0.05
    np.testing.assert_allclose(Plate.from_dict(k).origin_m, [0, 0, 0.05])


def test_level_plate_axes_follow_c3d_corner_order():
    p = Plate.level("BERTEC6", (0.6, 0.4), (0.0, 0.0, 0.0))
    # z-down plate: plate x = lab x, plate y = lab -y, plate z = lab -z
    np.testing.assert_allclose(p.rotation, np.diag([1.0, -1.0, -1.0]), atol=1e-15)
    corner1 = p.corners_m[0]
    assert corner1[0] > 0 and corner1[1] < 0  # +x+y quadrant of the plate frame
    assert np.allclose(Plate.level("AMTI6", z_down=False).rotation, np.eye(3))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"type": "AMTI7"}, "unknown plate type"),
        ({"type": "AMTI6", "corners_m": np.zeros((3, 3))}, "corners_m must have shape"),
        ({"type": "AMTI6", "gains": [1, 1, 1, 1, 1, 0]}, "non-zero"),
        ({"type": "AMTI6", "sign_convention": "up"}, "sign_convention"),
        ({"type": "KISTLER8"}, "Kistler sensor offsets"),
        ({"type": "AMTI6", "calibration_matrix": np.eye(8)}, "calibration_matrix must have shape"),
        ({"type": "AMTI6", "origin_m": [0, np.nan, 0]}, "NaN"),
    ],
)
def test_bad_plate_descriptions_are_refused(kwargs, message):
    base = {"corners_m": Plate.level("AMTI6").corners_m}
    with pytest.raises(ForcePlateError, match=message):
        Plate(**{**base, **kwargs})


def test_wrong_channel_count_for_plate_type():
    with pytest.raises(ForcePlateError, match=r"\(n_samples, 8\)"):
        forces_from_raw(np.zeros((10, 6)), Plate.level("KISTLER8", a_m=0.1, b_m=0.2, az0_m=-0.04))
    with pytest.raises(ForcePlateError, match=r"\(n_samples, 6\)"):
        forces_from_raw(np.zeros((10, 8)), Plate.level("AMTI6"))
    with pytest.raises(ForcePlateError, match="forces_from_raw"):
        center_of_pressure(np.zeros((10, 8)), Plate.level("AMTI6"))


# ---------------------------------------------------------------- raw -> forces
def test_amti_gains_and_calibration_matrix():
    rng = np.random.default_rng(1)
    cal = np.eye(6) * 100 + rng.normal(0, 1, (6, 6))  # sensitivity with cross-talk
    gains = np.array([4000.0, 4000, 2000, 1000, 1000, 2000])
    p = Plate.level("AMTI6", calibration_matrix=cal, gains=gains)
    volts = rng.normal(0, 1, (50, 6))
    expected = np.stack([cal @ (v / gains) for v in volts])
    np.testing.assert_allclose(forces_from_raw(volts, p), expected, rtol=1e-12)


def kistler_channels(cop, force, tz, a, b, az0):
    """Eight Kistler sensor outputs for a force at cop (surface z = az0) and free moment tz."""
    fx, fy, fz = force.T
    # moments about the sensor-plane centre, then sensor loads that produce them
    mx = cop[:, 1] * fz - az0 * fy
    my = az0 * fx - cop[:, 0] * fz
    mz = tz + cop[:, 0] * fy - cop[:, 1] * fx
    xe, ye = -my / fz, mx / fz  # effective vertical-load position
    sx, sy = np.array([1, -1, -1, 1]), np.array([1, 1, -1, -1])  # sensors 1..4 at (sx a, sy b)
    fzi = fz[:, None] / 4 * (1 + xe[:, None] / a * sx) * (1 + ye[:, None] / b * sy)
    delta = mz / (2 * b)  # torque carried by the x shears only
    return np.column_stack([fx / 2 - delta, fx / 2 + delta, fy / 2, fy / 2, fzi])


def test_kistler_eight_channels_give_cop_and_free_moment():
    a, b, az0 = 0.12, 0.2, -0.045
    cop, force, tz = circle_load()
    gains = np.full(8, 10.0)
    raw = kistler_channels(cop, force, tz, a, b, az0) * gains
    p = Plate.level("KISTLER8", (0.4, 0.6), a_m=a, b_m=b, az0_m=az0, gains=gains)
    f = forces_from_raw(raw, p)
    np.testing.assert_allclose(f[:, :3], force, rtol=1e-12)
    res = center_of_pressure(f, p, frame="plate")
    np.testing.assert_allclose(res.cop_m, cop, atol=1e-12)
    np.testing.assert_allclose(res.free_moment_nm, tz, atol=1e-10)


def test_c3d_type1_channels_become_moments_about_origin():
    cop, force, tz = circle_load(200)
    origin = np.array([0.002, -0.001, 0.04])
    # C3D ORIGIN = -origin_m; this synthetic load pushes down on a z-down plate: "action"
    p = Plate.from_c3d(1, Plate.level("AMTI6").corners_m * 1000, -origin * 1000, sign_convention="action")
    raw = np.column_stack([force, cop * 1000, tz * 1000])  # N, mm, N*mm
    res = center_of_pressure(forces_from_raw(raw, p), p, frame="plate")
    np.testing.assert_allclose(res.cop_m, cop, atol=1e-12)
    np.testing.assert_allclose(res.free_moment_nm, tz, atol=1e-9)


def test_c3d_type4_calibration_and_units():
    rng = np.random.default_rng(3)
    cal = np.eye(6) + rng.normal(0, 0.05, (6, 6))
    p = Plate.from_c3d(4, Plate.level("AMTI6").corners_m * 1000, [0, 0, -40], cal)
    analog = rng.normal(0, 100, (20, 6))
    expected = analog @ cal.T * np.array([1, 1, 1, 1e-3, 1e-3, 1e-3])  # N*mm -> N*m
    np.testing.assert_allclose(forces_from_raw(analog, p), expected, rtol=1e-12)
    with pytest.raises(ForcePlateError, match="CAL_MATRIX"):
        Plate.from_c3d(4, p.corners_m * 1000, [0, 0, -40])


def test_zero_offset_removes_the_unloaded_mean():
    rng = np.random.default_rng(4)
    data = rng.normal(0, 0.01, (3000, 6)) + np.arange(6)
    data[1000:] += 500
    z, off = zero_offset(data, seconds=(0.0, 0.5), fs=2000.0, return_offset=True)
    np.testing.assert_allclose(off, data[:1000].mean(axis=0))
    np.testing.assert_allclose(z, data - data[:1000].mean(axis=0))
    np.testing.assert_allclose(zero_offset(data, indices=(0, 1000)), z)
    with pytest.raises(ForcePlateError, match="either indices"):
        zero_offset(data)
    with pytest.raises(ForcePlateError, match="outside"):
        zero_offset(data, indices=(2900, 4000))
    data[:1000, 2] = np.nan
    with pytest.raises(ForcePlateError, match=r"channels \[2\]"):
        zero_offset(data, indices=(0, 1000))


# ---------------------------------------------------------------- COP
@pytest.mark.parametrize("z_down", [True, False])
def test_cop_on_a_circle_plate_and_lab_frames(z_down):
    cop, force, tz = circle_load()
    origin = np.array([0.001, -0.002, 0.04 if z_down else -0.04])  # origin 40 mm below the surface
    surface_z = -origin[2]
    conv = "action" if z_down else "reaction"
    p = Plate.level("AMTI6", (0.5, 0.4), (1.2, 0.3, 0.0), origin_m=origin, z_down=z_down, sign_convention=conv)
    # wrench measured about the origin: lever arm from the origin to the COP on the surface
    f = wrench_about_origin(cop - origin[:2], force, tz, surface_z)
    res = center_of_pressure(f, p, frame="plate")
    np.testing.assert_allclose(res.cop_m, cop, atol=1e-12)
    np.testing.assert_allclose(res.free_moment_nm, tz, atol=1e-10)
    assert res.valid.all()
    np.testing.assert_allclose(res.fz_n, 700.0)
    lab = center_of_pressure(f, p, frame="lab")
    ysign = -1.0 if z_down else 1.0
    np.testing.assert_allclose(lab.cop_m, np.column_stack([1.2 + cop[:, 0], 0.3 + ysign * cop[:, 1]]), atol=1e-12)
    np.testing.assert_allclose(lab.free_moment_nm, ysign * tz, atol=1e-10)


def test_cop_on_a_rotated_plate_in_lab_frame():
    ang = np.deg2rad(30)
    rz = np.array([[np.cos(ang), -np.sin(ang), 0], [np.sin(ang), np.cos(ang), 0], [0, 0, 1]])
    base = Plate.level("AMTI6", (0.6, 0.4), z_down=False)
    centre = np.array([0.5, -0.4, 0.1])
    p = Plate("AMTI6", base.corners_m @ rz.T + centre, sign_convention="reaction")
    cop, force, tz = circle_load(500)
    res = center_of_pressure(wrench_about_origin(cop, force, tz, 0.0), p, frame="lab")
    expected = (np.column_stack([cop, np.zeros(len(cop))]) @ rz.T + centre)[:, :2]
    np.testing.assert_allclose(res.cop_m, expected, atol=1e-12)


def test_cop_masks_low_load_and_nan_without_dividing():
    cop, force, tz = circle_load(100)
    force[:, 2] = np.linspace(-50, 200, 100)  # through zero: naive division would blow up
    p = Plate.level("AMTI6")
    f = wrench_about_origin(cop, force, tz, 0.0)
    f[50, 4] = np.nan
    with np.errstate(all="raise"):  # no divide-by-zero warnings anywhere
        res = center_of_pressure(f, p, fz_threshold_n=20.0, frame="plate")
    expected_valid = (force[:, 2] > 20.0) & np.isfinite(f).all(axis=1)
    np.testing.assert_array_equal(res.valid, expected_valid)
    assert np.isnan(res.cop_m[~expected_valid]).all() and np.isnan(res.free_moment_nm[~expected_valid]).all()
    np.testing.assert_allclose(res.cop_m[expected_valid], cop[expected_valid], atol=1e-12)
    assert np.isnan(res.fz_n[50]) and res.fz_n[0] == -50.0
    none = center_of_pressure(f[:10], p, fz_threshold_n=20.0)
    assert not none.valid.any() and none.fraction_valid == 0.0
    with pytest.raises(ForcePlateError, match="Plate.from_dict"):
        center_of_pressure(f, p.to_dict())
    with pytest.raises(ForcePlateError, match="fz_threshold_n"):
        center_of_pressure(f, p, fz_threshold_n="twenty")


def test_reaction_convention_flips_the_load_test():
    cop, force, tz = circle_load(50)
    f = wrench_about_origin(cop, force, tz, 0.0)
    act = center_of_pressure(f, Plate.level("AMTI6", sign_convention="action"))
    rea = center_of_pressure(f, Plate.level("AMTI6", sign_convention="reaction"))
    assert act.valid.all() and not rea.valid.any()
    np.testing.assert_allclose(rea.fz_n, -act.fz_n)


@settings(max_examples=40, deadline=None)
@given(scale=st.floats(0.05, 50), flip=st.booleans(), seed=st.integers(0, 1000))
def test_cop_is_invariant_to_scaling_the_wrench(scale, flip, seed):
    cop, force, tz = circle_load(64, seed=seed)
    p = Plate.level("BERTEC6", origin_m=[0.0, 0.0, 0.03])
    f = wrench_about_origin(cop, force, tz, -0.03)
    s = -scale if flip else scale
    conv = "reaction" if flip else "action"
    a = center_of_pressure(f, p, fz_threshold_n=0.0)
    b = center_of_pressure(f * s, Plate.level("BERTEC6", origin_m=[0.0, 0.0, 0.03], sign_convention=conv),
                           fz_threshold_n=0.0)
    np.testing.assert_allclose(b.cop_m, a.cop_m, atol=1e-12)
    np.testing.assert_allclose(b.free_moment_nm, s * a.free_moment_nm, rtol=1e-9, atol=1e-9)


def test_cop_matches_the_plain_numpy_expression():
    rng = np.random.default_rng(7)
    f = rng.normal(0, 1, (5000, 6)) * [20, 20, 300, 30, 30, 5] + [0, 0, 200, 0, 0, 0]
    p = Plate.level("AMTI6", origin_m=[0.001, 0.002, 0.04])
    res = center_of_pressure(f, p, frame="plate", fz_threshold_n=20.0)
    h = -0.04
    fz = f[:, 2]
    ok = fz > 20
    x = np.where(ok, (h * f[:, 0] - f[:, 4]) / np.where(ok, fz, 1.0), np.nan) + 0.001
    y = np.where(ok, (f[:, 3] + h * f[:, 1]) / np.where(ok, fz, 1.0), np.nan) + 0.002
    np.testing.assert_allclose(res.cop_m, np.column_stack([x, y]), rtol=1e-12, equal_nan=True)


def test_c3d_type3_origin_holds_the_kistler_offsets():
    a, b, az0 = 0.12, 0.2, -0.045
    cop, force, tz = circle_load(300)
    p = Plate.from_c3d(3, Plate.level("AMTI6", (0.4, 0.6)).corners_m * 1000, [a * 1000, b * 1000, az0 * 1000],
                       sign_convention="action")
    assert (p.a_m, p.b_m, p.az0_m) == pytest.approx((a, b, az0))
    res = center_of_pressure(forces_from_raw(kistler_channels(cop, force, tz, a, b, az0), p), p, frame="plate")
    np.testing.assert_allclose(res.cop_m, cop, atol=1e-12)

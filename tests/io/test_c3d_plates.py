"""C3D import of every FORCE_PLATFORM TYPE ezc3d supports (1-4) on synthetic files,
checked against ezc3d's own force-platform output; analog OFFSET handling against
the C3D formula; muscle/side guessing."""

from __future__ import annotations

import struct

import ezc3d
import numpy as np
import pytest

from emgforce.errors import RecordingFormatError
from emgforce.forceplate.cop import center_of_pressure
from emgforce.forceplate.plate import Plate
from emgforce.io.c3d import guess_muscle_side, read_c3d

from ._helpers import int_param

FS = 1000.0
N = 400


def _rotated_corners_mm(angle_deg: float, centre=(300.0, 500.0), size=(600.0, 400.0)) -> np.ndarray:
    """Corners (3, 4) of a z-down plate turned by ``angle_deg`` about the lab z axis.

    Plate axes: x = R(angle) lab-x, y = -(R(angle) lab-y), z = -lab z; C3D
    corner order (+x+y, -x+y, -x-y, +x-y) in plate axes.
    """
    a = np.deg2rad(angle_deg)
    ex = np.array([np.cos(a), np.sin(a), 0.0])
    ey = -np.array([-np.sin(a), np.cos(a), 0.0])
    w, d = size[0] / 2, size[1] / 2
    quads = [(1, 1), (-1, 1), (-1, -1), (1, -1)]
    c = np.array([np.r_[centre, 0.0] + sx * w * ex + sy * d * ey for sx, sy in quads])
    return c.T


def _loads(rng, n=N):
    """Reaction wrench in a z-down plate frame: Fz < 0 (loaded), small shear, COP inside."""
    t = np.arange(n) / FS
    fz = -(600 + 50 * np.sin(2 * np.pi * 1.3 * t) + rng.normal(0, 2, n))
    fz[:40] = -5.0 + rng.normal(0, 1, 40)  # unloaded start: below the 20 N threshold
    fx = 20 * np.sin(2 * np.pi * 0.7 * t)
    fy = -15 * np.cos(2 * np.pi * 0.9 * t)
    cop_x = 0.05 * np.sin(2 * np.pi * 0.5 * t)  # m, plate frame, about the surface centre
    cop_y = -0.03 + 0.02 * np.cos(2 * np.pi * 0.4 * t)
    tz = 2.0 * np.sin(2 * np.pi * 0.3 * t)
    return fx, fy, fz, cop_x, cop_y, tz


def _write(path, analogs: np.ndarray, labels, units, plate_type, corners, origin, channels, cal=None, poly=None):
    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [100.0]
    c["parameters"]["POINT"]["UNITS"]["value"] = ["mm"]
    c["parameters"]["ANALOG"]["RATE"]["value"] = [FS]
    c["parameters"]["ANALOG"]["LABELS"]["value"] = list(labels)
    c.add_parameter("ANALOG", "UNITS", list(units))
    c["data"]["points"] = np.zeros((4, 0, analogs.shape[0] // 10))
    c["data"]["analogs"] = analogs.T[np.newaxis]
    int_param(c, "FORCE_PLATFORM", "USED", [1])
    int_param(c, "FORCE_PLATFORM", "TYPE", [plate_type])
    int_param(c, "FORCE_PLATFORM", "ZERO", [0, 0])
    int_param(c, "FORCE_PLATFORM", "CHANNEL", np.asarray(channels).reshape(-1, 1))
    c.add_parameter("FORCE_PLATFORM", "CORNERS", corners.reshape(3, 4, 1))
    c.add_parameter("FORCE_PLATFORM", "ORIGIN", np.asarray(origin, float).reshape(3, 1))
    if cal is not None:
        c.add_parameter("FORCE_PLATFORM", "CAL_MATRIX", cal.reshape(6, 6, 1))
    c.write(str(path))
    return path


def _check_against_ezc3d(path):
    rec = read_c3d(path)
    ref = ezc3d.c3d(str(path), extract_forceplat_data=True)["data"]["platform"][0]
    plate = Plate.from_dict(rec.force.plate)
    res = center_of_pressure(rec.force.data, plate, fz_threshold_n=20.0)
    np.testing.assert_allclose(res.fz_n, ref["force"][2], rtol=1e-6, atol=1e-4)
    valid = ref["force"][2] > 20.0
    assert 0 < valid.sum() < len(valid)
    np.testing.assert_array_equal(res.valid, valid)
    np.testing.assert_allclose(res.cop_m[valid], ref["center_of_pressure"][:2, valid].T / 1000.0, atol=1e-7)
    np.testing.assert_allclose(np.linalg.norm(rec.force.data[:, :3], axis=1), np.linalg.norm(ref["force"], axis=0), rtol=1e-6)
    return rec, res


@pytest.mark.parametrize("angle", [0.0, 30.0, 90.0])
def test_type2_rotated_plate(tmp_path, angle):
    rng = np.random.default_rng(1)
    fx, fy, fz, cx, cy, tz = _loads(rng)
    h = 0.040  # sensor origin 40 mm below the surface (ORIGIN z = -40 mm, surface relative to origin)
    # moments about the sensor origin for a force at (cx, cy, -h) relative to it (plate z down)
    mx = cy * fz - (-h) * fy
    my = (-h) * fx - cx * fz
    mz = cx * fy - cy * fx + tz
    data = np.column_stack([fx, fy, fz, mx * 1000, my * 1000, mz * 1000, rng.normal(0, 1e-4, N)])
    path = _write(tmp_path / "t2.c3d", data, ["Fx1", "Fy1", "Fz1", "Mx1", "My1", "Mz1", "GM_L"],
                  ["N", "N", "N", "Nmm", "Nmm", "Nmm", "V"], 2, _rotated_corners_mm(angle), [0.0, 0.0, -40.0], range(1, 7))
    rec, res = _check_against_ezc3d(path)
    # plate-frame COP is the one we built the moments from
    res_plate = center_of_pressure(rec.force.data, Plate.from_dict(rec.force.plate), frame="plate")
    np.testing.assert_allclose(res_plate.cop_m[res.valid], np.column_stack([cx, cy])[res.valid], atol=1e-6)
    assert rec.emg.channels[0].muscle == "gluteus_medius" and rec.emg.channels[0].side == "left"


def test_type2_origin_sign_is_normalised(tmp_path):
    """Some writers store ORIGIN with z > 0; ezc3d/BTK flip it, and so do we."""
    rng = np.random.default_rng(2)
    fx, fy, fz, cx, cy, tz = _loads(rng)
    h = 0.035
    data = np.column_stack([fx, fy, fz, (cy * fz + h * fy) * 1e3, (-h * fx - cx * fz) * 1e3, (cx * fy - cy * fx + tz) * 1e3])
    path = _write(tmp_path / "o.c3d", data, ["a", "b", "c", "d", "e", "f"], ["N", "N", "N", "Nmm", "Nmm", "Nmm"],
                  2, _rotated_corners_mm(10.0), [0.0, 0.0, 35.0], range(1, 7))
    rec, _ = _check_against_ezc3d(path)
    assert Plate.from_dict(rec.force.plate).origin_m[2] == pytest.approx(h)


def test_type4_calibration_matrix(tmp_path):
    rng = np.random.default_rng(3)
    fx, fy, fz, cx, cy, tz = _loads(rng)
    h = 0.045
    wrench = np.column_stack([fx, fy, fz, (cy * fz + h * fy) * 1e3, (-h * fx - cx * fz) * 1e3, (cx * fy - cy * fx + tz) * 1e3])
    # an asymmetric calibration (sensitivities and cross-talk): volts = inv(cal) @ wrench
    cal = np.diag([500.0, 500.0, 1000.0, 300e3, 250e3, 200e3]) @ (np.eye(6) + 0.02 * rng.standard_normal((6, 6)))
    volts = wrench @ np.linalg.inv(cal).T
    path = _write(tmp_path / "t4.c3d", volts, [f"ch{i}" for i in range(6)], ["V"] * 6, 4,
                  _rotated_corners_mm(-20.0), [0.0, 0.0, -45.0], range(1, 7), cal=cal)
    rec, _ = _check_against_ezc3d(path)
    # the file's reaction comes back as the force on the (z-down) plate
    np.testing.assert_allclose(rec.force.data[:, :3], -wrench[:, :3], rtol=1e-5, atol=1e-3)
    assert rec.force.plate["sign_convention"] == "action"


def test_type1_cop_channels(tmp_path):
    rng = np.random.default_rng(4)
    fx, fy, fz, cx, cy, tz = _loads(rng)
    data = np.column_stack([fx, fy, fz, cx * 1000, cy * 1000, tz * 1000])
    path = _write(tmp_path / "t1.c3d", data, ["Fx", "Fy", "Fz", "Px", "Py", "Tz"], ["N", "N", "N", "mm", "mm", "Nmm"],
                  1, _rotated_corners_mm(45.0), [0.0, 0.0, -30.0], range(1, 7))
    rec, res = _check_against_ezc3d(path)
    res_plate = center_of_pressure(rec.force.data, Plate.from_dict(rec.force.plate), frame="plate")
    np.testing.assert_allclose(res_plate.cop_m[res.valid], np.column_stack([cx, cy])[res.valid], atol=1e-6)
    # stored as the force on the plate (action): the free moment on the plate is -Tz of the reaction
    np.testing.assert_allclose(res_plate.free_moment_nm[res.valid], -tz[res.valid], atol=1e-6)


def test_type3_kistler_eight_channels(tmp_path):
    rng = np.random.default_rng(5)
    n = N
    t = np.arange(n) / FS
    fz_i = -(150 + 20 * rng.random((n, 4)) + 10 * np.sin(2 * np.pi * t)[:, None])
    fz_i[:40] = -1.0
    fx12, fx34 = 5 * np.sin(t), -4 * np.cos(t)
    fy14, fy23 = 3 * np.cos(2 * t), 2 * np.sin(3 * t)
    data = np.column_stack([fx12, fx34, fy14, fy23, fz_i])
    a, b, az0 = 120.0, 200.0, -45.0  # mm: Kistler sensor offsets, surface above the sensor plane
    path = _write(tmp_path / "t3.c3d", data, [f"k{i}" for i in range(8)], ["N"] * 8, 3,
                  _rotated_corners_mm(15.0), [a, b, az0], range(1, 9))
    rec, res = _check_against_ezc3d(path)
    # closed form (Kistler manual): COP about the sensor plane centre, shifted by az0
    fz = fz_i.sum(axis=1)
    fx = fx12 + fx34
    my = a / 1000 * (-fz_i[:, 0] + fz_i[:, 1] + fz_i[:, 2] - fz_i[:, 3])
    ax = (-my + az0 / 1000 * fx) / fz
    res_plate = center_of_pressure(rec.force.data, Plate.from_dict(rec.force.plate), frame="plate")
    np.testing.assert_allclose(res_plate.cop_m[res.valid, 0], ax[res.valid], atol=1e-7)  # float32 file


def test_unsupported_plate_type_is_refused(tmp_path):
    data = np.zeros((N, 6))
    path = _write(tmp_path / "t5.c3d", data, list("abcdef"), ["N"] * 6, 2, _rotated_corners_mm(0), [0, 0, -40], range(1, 7))
    c = ezc3d.c3d(str(path))
    int_param(c, "FORCE_PLATFORM", "TYPE", [5])
    c.write(str(path))
    with pytest.raises(RecordingFormatError, match="TYPE 5"):
        read_c3d(path)


def test_plate_channel_outside_the_analogs_is_refused(tmp_path):
    data = np.zeros((N, 6))
    path = _write(tmp_path / "bad.c3d", data, list("abcdef"), ["N"] * 6, 2, _rotated_corners_mm(0), [0, 0, -40], range(3, 9))
    with pytest.raises(RecordingFormatError, match="CHANNEL"):
        read_c3d(path)


def _param_records(blob: bytes):
    """(group name, parameter name, type, dims, data offset) of every parameter (C3D spec layout)."""
    start = (blob[0] - 1) * 512 + 4
    groups, records, pos = {}, [], start
    while True:
        n_name = abs(struct.unpack_from("<b", blob, pos)[0])
        gid = struct.unpack_from("<b", blob, pos + 1)[0]
        name = blob[pos + 2 : pos + 2 + n_name].decode()
        link = pos + 2 + n_name
        step = struct.unpack_from("<H", blob, link)[0]
        if gid < 0:
            groups[-gid] = name
        else:
            kind, ndim = struct.unpack_from("<bB", blob, link + 2)
            dims = list(blob[link + 4 : link + 4 + ndim])
            records.append((gid, name, kind, dims, link + 4 + ndim))
        if step == 0 or n_name == 0:
            break
        pos = link + step
    return [(groups.get(g, "?"), name, kind, dims, at) for g, name, kind, dims, at in records]


def _patch_param(blob: bytearray, group: str, name: str, values) -> None:
    """Overwrite the values of an INT (type 2) or FLOAT (type 4) parameter in place."""
    for g, n, kind, dims, at in _param_records(bytes(blob)):
        if (g, n) == (group, name):
            count = int(np.prod(dims)) if dims else 1
            assert count == len(values) and kind in (2, 4)
            blob[at : at + abs(kind) * count] = struct.pack(f"<{count}{'h' if kind == 2 else 'f'}", *values)
            return
    raise AssertionError(f"{group}:{name} not in the file")


def test_signed_negative_offsets_follow_the_c3d_formula(tmp_path):
    """physical = (raw - OFFSET) * SCALE * GEN_SCALE, with OFFSET signed unless FORMAT is UNSIGNED."""
    rng = np.random.default_rng(6)
    values = rng.normal(0, 1, (N, 3))
    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [100.0]
    c["parameters"]["ANALOG"]["RATE"]["value"] = [FS]
    c["parameters"]["ANALOG"]["LABELS"]["value"] = ["EMG1", "EMG2", "EMG3"]
    c.add_parameter("ANALOG", "SCALE", [0.5, 2.0, 1.0])
    c.add_parameter("ANALOG", "GEN_SCALE", [2.0])
    c["data"]["points"] = np.zeros((4, 0, N // 10))
    c["data"]["analogs"] = values.T[np.newaxis]
    path = tmp_path / "offset.c3d"
    c.write(str(path))
    # the file now stores raw = value / (SCALE * GEN_SCALE) with OFFSET 0; declare OFFSET -100, 7, 0
    blob = bytearray(path.read_bytes())
    _patch_param(blob, "ANALOG", "OFFSET", [-100, 7, 0])
    path.write_bytes(bytes(blob))
    assert list(ezc3d.c3d(str(path))["parameters"]["ANALOG"]["OFFSET"]["value"]) == [-100, 7, 0]
    raw = values / (np.array([0.5, 2.0, 1.0]) * 2.0)
    expected = (raw - np.array([-100, 7, 0])) * np.array([0.5, 2.0, 1.0]) * 2.0
    rec = read_c3d(path)
    np.testing.assert_allclose(rec.emg.data, expected, rtol=1e-6, atol=1e-5)


def test_unsigned_integer_samples_follow_the_c3d_formula(tmp_path):
    """16-bit unsigned samples with OFFSET 32768 (stored as int16 -32768), integer file:
    ezc3d reads the words as signed; the values above 32767 must not wrap."""
    rng = np.random.default_rng(8)
    n, per_frame = 200, 10
    raw = rng.integers(2000, 63000, size=(n, 2)).astype(np.uint16)  # many words >= 32768
    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [100.0]
    c["parameters"]["ANALOG"]["RATE"]["value"] = [100.0 * per_frame]
    c["parameters"]["ANALOG"]["LABELS"]["value"] = ["EMG1", "EMG2"]
    c.add_parameter("ANALOG", "FORMAT", ["UNSIGNED"])
    c["data"]["points"] = np.zeros((4, 0, n // per_frame))
    c["data"]["analogs"] = raw.astype(float).T[np.newaxis]
    path = tmp_path / "int.c3d"
    c.write(str(path))
    blob = bytearray(path.read_bytes())
    # turn it into an integer file: positive POINT:SCALE (header words 7-8 and parameter), int16 words
    struct.pack_into("<f", blob, 12, 1.0)
    _patch_param(blob, "POINT", "SCALE", [1.0])
    _patch_param(blob, "ANALOG", "SCALE", [0.01, 0.02])
    _patch_param(blob, "ANALOG", "OFFSET", [-32768, -32768])
    data_start = (struct.unpack_from("<h", blob, 16)[0] - 1) * 512
    words = np.frombuffer(bytes(blob[data_start : data_start + 4 * raw.size]), "<f4").reshape(n, 2)
    assert np.array_equal(words, raw)
    blob[data_start:] = words.astype(np.uint16).tobytes()
    path.write_bytes(bytes(blob))
    expected = (raw.astype(float) - 32768.0) * np.array([0.01, 0.02])
    rec = read_c3d(path)
    np.testing.assert_allclose(rec.emg.data, expected, atol=1e-9)


@pytest.mark.parametrize(
    "label, expected",
    [
        ("GM_L", ("gluteus_medius", "left")),
        ("GM_R", ("gluteus_medius", "right")),
        ("L_GMed", ("gluteus_medius", "left")),
        ("RGMED", ("gluteus_medius", "right")),
        ("GMedR.EMG4", ("gluteus_medius", "right")),
        ("Glut Med Left", ("gluteus_medius", "left")),
        ("gluteus medius right", ("gluteus_medius", "right")),
        ("Gluteus Maximus L", ("gluteus_maximus", "left")),
        ("GMAX_R", ("gluteus_maximus", "right")),
        ("TFL left.EMG7", ("tensor_fasciae_latae", "left")),
        ("R TFL", ("tensor_fasciae_latae", "right")),
        ("Delt_ant.EMG1", (None, None)),
        ("Sensor 12.EMG12", (None, None)),
        ("EMG1", (None, None)),
        ("Voltage.3", (None, None)),
        ("LeftFootSwitch", (None, "left")),
        ("GM L/R", ("gluteus_medius", None)),
        ("GM TFL left", (None, "left")),
    ],
)
def test_guess_muscle_side(label, expected):
    assert guess_muscle_side(label) == expected


def test_type3_kistler_cop_correction_matches_ezc3d(tmp_path):
    # FPCOPPOLY coefficients of a calibration sheet's size: a few mm of correction over the plate
    poly = np.array([1e-14, 2e-10, 3e-7, -2e-14, 1e-9, 0.012, 1e-14, -2e-10, -2e-7, 1e-14, -1e-9, -0.02])
    rng = np.random.default_rng(9)
    t = np.arange(N) / FS
    fz_i = -(150 + 60 * rng.random((N, 4)) + 40 * np.sin(2 * np.pi * t)[:, None] * [1, -1, 1, -1])
    fz_i[:40] = -1.0
    data = np.column_stack([5 * np.sin(t), -4 * np.cos(t), 3 * np.cos(2 * t), 2 * np.sin(3 * t), fz_i])
    args = ([f"k{i}" for i in range(8)], ["N"] * 8, 3, _rotated_corners_mm(15.0), [120.0, 200.0, -45.0], range(1, 9))
    plain = read_c3d(_write(tmp_path / "plain.c3d", data, *args))
    path = _write(tmp_path / "poly.c3d", data, *args)
    c = ezc3d.c3d(str(path))
    c.add_parameter("FORCE_PLATFORM", "FPCOPPOLY", poly.reshape(6, 2, 1, order="F"))
    c.write(str(path))
    rec, res = _check_against_ezc3d(path)  # ezc3d applies Kistler's correction: the COPs agree
    before = center_of_pressure(plain.force.data, Plate.from_dict(plain.force.plate))
    shift = np.linalg.norm(res.cop_m[res.valid] - before.cop_m[res.valid], axis=1)
    assert 1e-4 < shift.max() < 0.01  # the correction moved the COP, by millimetres
    np.testing.assert_array_equal(rec.force.data[:, :3], plain.force.data[:, :3])  # forces untouched
    np.testing.assert_allclose(res.free_moment_nm[res.valid], before.free_moment_nm[res.valid], atol=1e-9)
    assert "FPCOPPOLY" in rec.metadata["c3d_plates"]["force"]

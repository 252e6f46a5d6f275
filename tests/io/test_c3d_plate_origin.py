"""One ORIGIN rule for C3D plates: ``Plate.from_c3d`` and ``read_c3d`` build the same plate.

Vicon writes FORCE_PLATFORM:ORIGIN with the sign flipped (z > 0); ezc3d and BTK
take a positive z as the flipped sign. Built from such a file's parameters,
``Plate.from_c3d`` must give the COP of the load that made the file (closed
form below) and of ezc3d, and the plate ``read_c3d`` stores.
"""

from __future__ import annotations

import ezc3d
import numpy as np
import pytest

from emgforce.forceplate import center_of_pressure
from emgforce.io.c3d import _int_param, read_c3d
from emgforce.plates import Plate, forces_from_raw

FS = 1000.0
N = 500
ANGLE_DEG = 20.0
CENTRE_MM = (250.0, 400.0)
ORIGIN_FILE_MM = np.array([12.0, -9.0, 41.0])  # Vicon style: plate origin seen from the surface, z > 0


def _axes(angle_deg):
    """Plate axes (z down) in the lab for a plate turned about lab z."""
    a = np.deg2rad(angle_deg)
    ex = np.array([np.cos(a), np.sin(a), 0.0])
    ey = -np.array([-np.sin(a), np.cos(a), 0.0])
    return ex, ey


def _vicon_file(path):
    """A TYPE 2 plate with a known COP path (plate frame, about the surface centre) and its wrench."""
    rng = np.random.default_rng(5)
    t = np.arange(N) / FS
    fz = -(700 + 40 * np.sin(2 * np.pi * 1.1 * t))
    fx, fy = 25 * np.sin(2 * np.pi * 0.6 * t), -20 * np.cos(2 * np.pi * 0.8 * t)
    cop = np.column_stack([0.06 * np.sin(2 * np.pi * 0.5 * t), -0.04 + 0.03 * np.cos(2 * np.pi * 0.3 * t)])
    tz = rng.normal(0, 0.5, N)
    # lever arm from the plate origin to the COP on the surface (plate frame, z down: the
    # origin lies ORIGIN_FILE_MM[2] below the surface, offset by its x, y)
    o = ORIGIN_FILE_MM / 1000.0
    r = np.column_stack([cop[:, 0] - o[0], cop[:, 1] - o[1], np.full(N, -o[2])])
    f = np.column_stack([fx, fy, fz])
    m = np.cross(r, f) + np.column_stack([np.zeros(N), np.zeros(N), tz])
    ex, ey = _axes(ANGLE_DEG)
    w, d = 300.0, 200.0
    corners = np.array([np.r_[CENTRE_MM, 0.0] + sx * w * ex + sy * d * ey for sx, sy in [(1, 1), (-1, 1), (-1, -1), (1, -1)]])
    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [100.0]
    c["parameters"]["POINT"]["UNITS"]["value"] = ["mm"]
    c["parameters"]["ANALOG"]["RATE"]["value"] = [FS]
    c["parameters"]["ANALOG"]["LABELS"]["value"] = ["Fx1", "Fy1", "Fz1", "Mx1", "My1", "Mz1"]
    c.add_parameter("ANALOG", "UNITS", ["N", "N", "N", "Nmm", "Nmm", "Nmm"])
    c["data"]["points"] = np.zeros((4, 0, N // 10))
    c["data"]["analogs"] = np.column_stack([f, m * 1000.0]).T[np.newaxis]
    _int_param(c, "FORCE_PLATFORM", "USED", [1])
    _int_param(c, "FORCE_PLATFORM", "TYPE", [2])
    _int_param(c, "FORCE_PLATFORM", "ZERO", [0, 0])
    _int_param(c, "FORCE_PLATFORM", "CHANNEL", np.arange(1, 7).reshape(-1, 1))
    c.add_parameter("FORCE_PLATFORM", "CORNERS", corners.T.reshape(3, 4, 1))
    c.add_parameter("FORCE_PLATFORM", "ORIGIN", ORIGIN_FILE_MM.reshape(3, 1))
    c.write(str(path))
    lab = np.asarray(CENTRE_MM) / 1000.0 + cop[:, :1] * ex[:2] + cop[:, 1:] * ey[:2]
    return path, lab


@pytest.fixture(scope="module")
def vicon(tmp_path_factory):
    return _vicon_file(tmp_path_factory.mktemp("c3d") / "vicon.c3d")


def test_from_c3d_flips_a_positive_origin_like_read_c3d(vicon):
    path, lab_cop = vicon
    c = ezc3d.c3d(str(path), extract_forceplat_data=True)
    params = c["parameters"]["FORCE_PLATFORM"]
    origin = np.asarray(params["ORIGIN"]["value"], float).reshape(3)
    assert origin[2] > 0
    plate = Plate.from_c3d(2, np.asarray(params["CORNERS"]["value"]).reshape(3, 4), origin)
    analog = c["data"]["analogs"][0].T
    res = center_of_pressure(forces_from_raw(analog, plate), plate)
    # the load's own COP (closed form) and ezc3d's
    np.testing.assert_allclose(res.cop_m[:, :2], lab_cop, atol=1e-9)
    np.testing.assert_allclose(res.cop_m[:, :2], c["data"]["platform"][0]["center_of_pressure"][:2].T / 1000.0, atol=1e-7)
    # ORIGIN used as given (the old from_c3d) would put the COP centimetres off
    wrong = Plate("C3D_TYPE2", plate.corners_m, origin_m=-origin / 1000.0, calibration_matrix=plate.calibration_matrix,
                  sign_convention="reaction")
    off = center_of_pressure(forces_from_raw(analog, wrong), wrong).cop_m[:, :2]
    assert np.max(np.linalg.norm(off - lab_cop, axis=1)) > 0.01
    # one code path: read_c3d stores the same geometry
    stored = Plate.from_dict(read_c3d(path).force.plate)
    np.testing.assert_allclose(stored.origin_m, plate.origin_m, atol=1e-12)
    np.testing.assert_allclose(stored.corners_m, plate.corners_m, atol=1e-12)


def test_type1_origin_keeps_only_its_depth():
    corners = Plate.level("AMTI6").corners_m * 1000
    p = Plate.from_c3d(1, corners, [5.0, -3.0, -40.0])
    np.testing.assert_allclose(p.origin_m, [0.0, 0.0, 0.04])
    q = Plate.from_c3d(1, corners, [5.0, -3.0, 40.0])  # Vicon sign
    np.testing.assert_allclose(q.origin_m, p.origin_m)

"""A C3D file read and written back is the same file to ezc3d: analogs, points, plates, events, TRIAL.

Also: a truncated file is refused by name, an export gets the user's umask and leaves no temp file.
"""

from __future__ import annotations

import os
import subprocess
import sys

import ezc3d
import numpy as np
import pytest

from emgforce.errors import C3DTruncatedError
from emgforce.io import read_recording, write_recording
from emgforce.io._c3d_file import C3DFile
from emgforce.io.c3d import read_c3d, write_c3d

FILES = ["pyomeca/markers_analogs.c3d", "btk/FunctionalStatic.c3d", "btk/FunctionalWalk.c3d"]


def _events(c3d):
    ev = c3d["parameters"]["EVENT"]
    n = int(ev["USED"]["value"][0])
    if n == 0:
        return []
    times = np.asarray(ev["TIMES"]["value"], dtype=float).reshape(2, -1, order="F" if np.ndim(ev["TIMES"]["value"]) == 1 else "C")
    return sorted(
        (str(ev["CONTEXTS"]["value"][i]).strip(), str(ev["LABELS"]["value"][i]).strip(), round(60 * times[0, i] + times[1, i], 6))
        for i in range(n)
    )


@pytest.fixture(scope="module", params=FILES)
def pair(request, shared_data, tmp_path_factory):
    src = shared_data / request.param
    out = tmp_path_factory.mktemp("c3d") / "back.c3d"
    write_c3d(read_c3d(src), out)
    return (ezc3d.c3d(str(src), extract_forceplat_data=True), ezc3d.c3d(str(out), extract_forceplat_data=True),
            read_c3d(src))


@pytest.mark.realdata
def test_analog_channels_come_back_equal(pair):
    a, b, _ = pair
    assert b["parameters"]["ANALOG"]["LABELS"]["value"] == a["parameters"]["ANALOG"]["LABELS"]["value"]
    units = lambda c: [u.strip() for u in c["parameters"]["ANALOG"]["UNITS"]["value"]]  # noqa: E731
    assert units(b) == units(a)
    assert b["header"]["analogs"]["frame_rate"] == a["header"]["analogs"]["frame_rate"]
    np.testing.assert_allclose(b["data"]["analogs"], a["data"]["analogs"], rtol=2e-7, atol=1e-9)


@pytest.mark.realdata
def test_points_residuals_and_first_frame_come_back_equal(pair):
    a, b, rec = pair
    assert b["parameters"]["POINT"]["LABELS"]["value"] == a["parameters"]["POINT"]["LABELS"]["value"]
    assert b["header"]["points"]["frame_rate"] == a["header"]["points"]["frame_rate"]
    assert b["header"]["points"]["first_frame"] == a["header"]["points"]["first_frame"]
    assert b["parameters"]["POINT"]["UNITS"]["value"] == a["parameters"]["POINT"]["UNITS"]["value"]
    np.testing.assert_array_equal(np.isnan(b["data"]["points"]), np.isnan(a["data"]["points"]))
    np.testing.assert_allclose(b["data"]["points"], a["data"]["points"], rtol=2e-7, equal_nan=True)
    np.testing.assert_array_equal(b["data"]["meta_points"]["residuals"], a["data"]["meta_points"]["residuals"])
    # imported: every point as x, y, z, residual in metres (trajectories), NaN where invalid
    markers = rec.streams["markers"]
    n_points = a["data"]["points"].shape[1]
    assert markers.n_channels == 4 * n_points and markers.fs_hz == a["header"]["points"]["frame_rate"]
    groups = {lab for g in rec.metadata["c3d_file"]["points"]["groups"].values() for lab in g}
    first = next(i for i, lab in enumerate(a["parameters"]["POINT"]["LABELS"]["value"]) if lab not in groups)
    xyz = markers.data[:, 4 * first : 4 * first + 3].T
    np.testing.assert_allclose(xyz, a["data"]["points"][:3, first] / 1000.0, equal_nan=True)
    assert markers.channels[4 * first].unit == "m"


@pytest.mark.realdata
def test_plates_events_and_trial_come_back_equal(pair):
    a, b, _ = pair
    assert len(b["data"]["platform"]) == len(a["data"]["platform"])
    for pa, pb in zip(a["data"]["platform"], b["data"]["platform"]):
        for key in ("force", "moment"):
            scale = np.nanmax(np.abs(pa[key]))
            np.testing.assert_allclose(pb[key], pa[key], atol=1e-6 * scale)
        loaded = np.abs(pa["force"][2]) > 20.0  # the COP is defined where the plate carries a load
        np.testing.assert_allclose(pb["center_of_pressure"][:, loaded], pa["center_of_pressure"][:, loaded], atol=1e-3)
        np.testing.assert_array_equal(pb["origin"], pa["origin"])
        np.testing.assert_allclose(pb["corners"], pa["corners"], atol=1e-4)
    assert _events(b) == _events(a)
    for name, entry in a["parameters"]["TRIAL"].items():
        if name != "__METADATA__":
            np.testing.assert_array_equal(b["parameters"]["TRIAL"][name]["value"], entry["value"])
    zero = lambda c: list(c["parameters"]["FORCE_PLATFORM"]["ZERO"]["value"])  # noqa: E731
    if len(a["data"]["platform"]):
        assert zero(b) == zero(a)


@pytest.mark.realdata
def test_the_round_trip_survives_an_hdf5_recording(shared_data, tmp_path):
    src = shared_data / "btk/FunctionalWalk.c3d"
    h5 = write_recording(read_c3d(src), tmp_path / "walk.h5")
    out = write_c3d(read_recording(h5), tmp_path / "walk.c3d")
    a, b = ezc3d.c3d(str(src)), ezc3d.c3d(str(out))
    np.testing.assert_allclose(b["data"]["analogs"], a["data"]["analogs"], rtol=2e-7, atol=1e-9)
    np.testing.assert_allclose(b["data"]["points"], a["data"]["points"], rtol=2e-7, equal_nan=True)
    assert _events(b) == _events(a)


def test_zero_baseline_is_subtracted_when_the_file_asks_and_restored_on_export(shared_data, tmp_path):
    src = ezc3d.c3d(str(shared_data / "btk/FunctionalStatic.c3d"))
    src_path = tmp_path / "zero.c3d"
    src["parameters"]["FORCE_PLATFORM"]["ZERO"]["value"] = np.array([1, 10])  # the mean of frames 1..10
    src.write(str(src_path))
    raw = ezc3d.c3d(str(src_path))["data"]["analogs"][0].T  # (samples, channels), file units
    rec = read_c3d(src_path)
    plain = read_c3d(shared_data / "btk/FunctionalStatic.c3d")  # ZERO 0,10: no baseline
    per_frame = 9  # 1080 Hz analogs, 120 Hz frames
    baseline = raw[: 10 * per_frame, :6].mean(axis=0)
    # plate 1 is z-down: the stored force on the plate is minus the file's reaction, in N and N*m
    np.testing.assert_allclose(rec.streams["force"].data[:, :3], -(raw[:, :3] - baseline[:3]), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(rec.streams["force"].data[:, 3:], -(raw[:, 3:6] - baseline[3:6]) * 1e-3, rtol=1e-9,
                               atol=1e-12)
    assert not np.allclose(rec.streams["force"].data, plain.streams["force"].data)
    out = write_c3d(rec, tmp_path / "back.c3d")
    np.testing.assert_allclose(ezc3d.c3d(str(out))["data"]["analogs"][0].T, raw, rtol=2e-7, atol=1e-9)


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.999])
def test_truncated_file_is_refused_by_name(shared_data, tmp_path, keep):
    blob = (shared_data / "btk/FunctionalWalk.c3d").read_bytes()
    cut = tmp_path / "cut.c3d"
    cut.write_bytes(blob[: int(len(blob) * keep)])
    with pytest.raises(C3DTruncatedError, match="truncated: its header announces 438 frames"):
        read_c3d(cut)


def test_export_follows_the_umask_and_leaves_no_temp_file(shared_data, tmp_path):
    rec = read_c3d(shared_data / "pyomeca/markers_analogs.c3d")
    old = os.umask(0o027)
    try:
        out = write_c3d(rec, tmp_path / "a.c3d")
    finally:
        os.umask(old)
    assert oct(out.stat().st_mode & 0o777) == oct(0o640)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.c3d"]


def test_an_interrupted_export_leaves_nothing_and_a_killed_one_is_cleaned_up(shared_data, tmp_path, monkeypatch):
    rec = read_c3d(shared_data / "pyomeca/markers_analogs.c3d")
    target = tmp_path / "b.c3d"

    def interrupted(self, path, ezc3d_module):
        with open(path, "wb") as fh:
            fh.write(b"half a file")
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(C3DFile, "write", interrupted)
        with pytest.raises(KeyboardInterrupt):
            write_c3d(rec, target)
    assert list(tmp_path.iterdir()) == []
    # an export killed outright (SIGKILL) leaves its temp file; the next export to that name removes it
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".b.c3d.{int(dead.stdout)}.tmp.c3d"
    stale.write_bytes(b"half a file")
    write_c3d(rec, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.c3d"]

"""``emgforce convert``: C3D -> HDF5 -> C3D, read back with h5py-based reader and ezc3d."""

from __future__ import annotations

import subprocess
import sys

import ezc3d
import h5py
import numpy as np
import pytest

from emgforce.cli import main
from emgforce.io import read_recording


@pytest.fixture(scope="module")
def walk(shared_data):
    return shared_data / "btk/FunctionalWalk.c3d"


def test_c3d_to_h5_and_back(walk, tmp_path, capsys):
    h5 = tmp_path / "walk.h5"
    assert main(["convert", str(walk), str(h5)]) == 0
    assert "3 force plate(s)" in capsys.readouterr().out
    with h5py.File(h5, "r") as f:  # a real HDF5 file with one group per stream
        assert {"force", "force2", "force3", "emg", "analog"} <= set(f["streams"])
    rec = read_recording(h5)
    ref = ezc3d.c3d(str(walk))
    assert rec.streams["emg"].fs_hz == ref["parameters"]["ANALOG"]["RATE"]["value"][0]
    analogs = [s for s in rec.streams.values() if s.name != "markers"]  # markers: the POINT data
    assert sum(s.n_channels for s in analogs) == ref["parameters"]["ANALOG"]["USED"]["value"][0]
    assert len(rec.events) == ref["parameters"]["EVENT"]["USED"]["value"][0]
    labels = list(ref["parameters"]["ANALOG"]["LABELS"]["value"])
    np.testing.assert_allclose(rec.emg.channel("EMG2"), ref["data"]["analogs"][0, labels.index("EMG2")])

    back = tmp_path / "walk.c3d"
    assert main(["convert", str(h5), str(back)]) == 0
    out = ezc3d.c3d(str(back), extract_forceplat_data=True)
    assert out["parameters"]["FORCE_PLATFORM"]["USED"]["value"][0] == 3
    assert out["parameters"]["ANALOG"]["RATE"]["value"][0] == 1080.0
    assert out["parameters"]["EVENT"]["USED"]["value"][0] == 11
    orig = ezc3d.c3d(str(walk), extract_forceplat_data=True)
    for a, b in zip(orig["data"]["platform"], out["data"]["platform"]):
        loaded = a["force"][2] > 20
        np.testing.assert_allclose(b["center_of_pressure"][:, loaded], a["center_of_pressure"][:, loaded], atol=1e-3)  # mm


def test_refuses_to_overwrite_without_flag(walk, tmp_path, capsys):
    h5 = tmp_path / "walk.h5"
    h5.write_bytes(b"keep me")
    assert main(["convert", str(walk), str(h5)]) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert h5.read_bytes() == b"keep me"
    assert main(["convert", str(walk), str(h5), "--overwrite"]) == 0
    assert read_recording(h5).metadata["force_plates"] == 3


def test_bad_arguments(walk, tmp_path, capsys):
    assert main(["convert", str(walk), str(tmp_path / "out.txt")]) == 2
    assert "and a .h5/.hdf5 output" in capsys.readouterr().err
    assert main(["convert", str(tmp_path / "missing.c3d"), str(tmp_path / "x.h5")]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["convert", str(walk), str(tmp_path / "x.h5"), "--emg-channels", "EMG1,nope"]) == 2
    assert "nope" in capsys.readouterr().err
    assert not (tmp_path / "x.h5").exists()


def test_emg_channel_option(walk, tmp_path):
    h5 = tmp_path / "sel.h5"
    assert main(["convert", str(walk), str(h5), "--emg-channels", "EMG1, EMG2"]) == 0
    assert read_recording(h5).emg.channel_names == ("EMG1", "EMG2")


def test_runs_as_a_command(walk, tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "emgforce", "convert", str(walk), str(tmp_path / "w.h5")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "w.h5").is_file()

"""Delimited-text exports: a real force-plate TSV (Santos & Duarte 2016) and EMGworks/MR3-like
exports written from the simulator's signals."""

import json

import numpy as np
import pytest

from emgforce.cli import main
from emgforce.errors import RecordingFormatError
from emgforce.io import read_recording
from emgforce.io.load import open_recording
from emgforce.io.text import ColumnMap, read_text
from tests.tasks.simsession import short_session

# the authors' plate: moments about the surface, z up, COP = (-My, Mx) / Fz (their COPx/COPy columns)
DUARTE_PLATE = {"type": "AMTI6", "corners_m": [[0.25, 0.25, 0], [-0.25, 0.25, 0], [-0.25, -0.25, 0], [0.25, -0.25, 0]],
                "origin_m": [0, 0, 0], "sign_convention": "reaction"}


def test_real_force_plate_tsv(shared_data):
    raw = np.loadtxt(shared_data / "duarte" / "BDS00010.txt", skiprows=1)
    rec = read_text(shared_data / "duarte" / "BDS00010.txt", ColumnMap(plate=DUARTE_PLATE))
    f = rec.force
    assert f.fs_hz == 100.0 and f.channel_names == ("Fx", "Fy", "Fz", "Mx", "My", "Mz")
    np.testing.assert_array_equal(f.data, raw[:, 1:7])
    assert rec.streams["analog"].channel_names == ("COPx", "COPy")
    from emgforce.forceplate import Plate, center_of_pressure

    cop = np.asarray(center_of_pressure(f.data, Plate.from_dict(f.plate)).cop_m)[:, :2]
    np.testing.assert_allclose(cop * 100, raw[:, 7:9], atol=1e-5)  # the authors' COP (cm)


def test_two_plate_tsv_with_a_column_map(shared_data, tmp_path):
    raw = np.loadtxt(shared_data / "duarte" / "PDS13CF1grf.txt", skiprows=1)
    cmap = {"plates": [{"columns": {"Fx": "RGRF_X", "Fy": "RGRF_Z", "Fz": "RGRF_Y"}},
                       {"columns": {"Fx": "LGRF_X", "Fy": "LGRF_Z", "Fz": "LGRF_Y"}}]}
    (tmp_path / "cols.json").write_text(json.dumps(cmap))
    rec = open_recording(shared_data / "duarte" / "PDS13CF1grf.txt", columns=tmp_path / "cols.json")
    np.testing.assert_array_equal(rec.streams["force"].channel("Fz"), raw[:, 2])  # Y is vertical
    np.testing.assert_array_equal(rec.streams["force2"].channel("Fz"), raw[:, 5])
    assert rec.force.fs_hz == 100.0


@pytest.fixture(scope="module")
def sess():
    return short_session(seed=3)


def _emgworks_like(sess, path, unit="mV", scale=1e3):
    """Preamble, no time column, ';' delimited, labels 'L GMED: EMG 1 [mV]' as EMGworks writes them."""
    labels = {"GM_L": "L GMED: EMG 1", "GM_R": "R GMED: EMG 2", "TFL_L": "LT TFL", "TFL_R": "RT TFL",
              "GMAX_L": "L GMAX: EMG 5", "GMAX_R": "R GMAX: EMG 6"}
    names = [labels[c.name] for c in sess.emg_info.channels]
    n = 4000
    body = "\n".join(";".join(f"{v:.6f}" for v in row) for row in sess.emg[:n] * scale)
    path.write_text("Delsys EMGworks export\nSampling rate: 2000 Hz\n\n" + ";".join(f"{x} [{unit}]" for x in names)
                    + "\n" + body + "\n")
    return names, n


def test_emg_export_with_preamble_units_and_labels(sess, tmp_path):
    names, n = _emgworks_like(sess, tmp_path / "emg.csv")
    rec = open_recording(tmp_path / "emg.csv")
    emg = rec.emg
    assert emg.fs_hz == 2000.0 and emg.channel_names == tuple(names)
    np.testing.assert_allclose(emg.data, np.round(sess.emg[:n] * 1e3, 6) / 1e3, rtol=0, atol=1e-12)
    assert [(c.muscle, c.side) for c in emg.channels] == [(c.muscle, c.side) for c in sess.emg_info.channels]
    assert "preamble" in rec.metadata["import_notes"][0]


def test_convert_text_to_hdf5(sess, tmp_path, capsys):
    names, n = _emgworks_like(sess, tmp_path / "emg.csv", unit="uV", scale=1e6)
    out = tmp_path / "emg.h5"
    assert main(["convert", str(tmp_path / "emg.csv"), str(out), "--channel", f"{names[0]}=TFL:R"]) == 0
    back = read_recording(out)
    np.testing.assert_allclose(back.emg.data, np.round(sess.emg[:n] * 1e6, 6) / 1e6, atol=1e-12)
    assert (back.emg.channels[0].muscle, back.emg.channels[0].side) == ("tensor_fasciae_latae", "right")
    assert back.emg.channels[1].muscle == "gluteus_medius"


@pytest.mark.parametrize(("text", "match"), [
    ("a;b\nx;y\n", "no header line"),
    ("EMG1,EMG2\n1,2\n3,4\n5,6\n", "no time column and no rate"),
    ("time,foo\n0,1\n0.1,2\n0.2,3\n", "no EMG or force column"),
    ("time,Fz\n0,1\n0,2\n0,3\n", "does not increase"),
])
def test_bad_exports_say_what_is_wrong(tmp_path, text, match):
    (tmp_path / "x.csv").write_text(text)
    with pytest.raises(RecordingFormatError, match=match):
        read_text(tmp_path / "x.csv")


def test_column_map_errors(tmp_path):
    (tmp_path / "x.csv").write_text("time,Fz\n0,1\n0.1,2\n0.2,3\n")
    with pytest.raises(RecordingFormatError, match="'EMG9' of the column map is not in the file"):
        read_text(tmp_path / "x.csv", ColumnMap(emg=["EMG9"]))
    (tmp_path / "m.json").write_text('{"emgs": []}')
    with pytest.raises(ValueError, match="unknown column-map keys"):
        read_text(tmp_path / "x.csv", tmp_path / "m.json")

"""C3D import of every public C3D file in ../shared/data, checked against the files
themselves (raw bytes, parameters, SOURCES.md) and against ezc3d's force-platform module."""

from __future__ import annotations

import struct

import ezc3d
import numpy as np
import pytest

from emgforce.forceplate.cop import center_of_pressure
from emgforce.forceplate.plate import Plate
from emgforce.io.c3d import read_c3d

pytestmark = pytest.mark.realdata

FILES = ["pyomeca/markers_analogs.c3d", "btk/FunctionalStatic.c3d", "btk/FunctionalWalk.c3d"]


def _raw_first_frame(path) -> np.ndarray:
    """The first frame's analog words, decoded straight from the file (C3D spec).

    Float files only (POINT:SCALE < 0), Intel (84) or DEC (85) processors.
    Returns shape (analog samples per frame, n_channels), unscaled.
    """
    blob = path.read_bytes()
    param_block = blob[0]
    processor = blob[(param_block - 1) * 512 + 3]
    words = struct.unpack("<256h", blob[:512])
    n_points, data_start, per_frame = words[1], words[8], words[9]
    n_analog = words[2] // per_frame
    n_words = 4 * n_points + per_frame * n_analog
    raw = np.frombuffer(blob, dtype=np.uint8, count=4 * n_words, offset=(data_start - 1) * 512).reshape(-1, 4)
    if processor == 84:
        values = raw.copy().view("<f4").ravel()
    elif processor == 85:  # DEC: swap the 16-bit halves, then the exponent is off by 2
        values = raw[:, [2, 3, 0, 1]].copy().view("<f4").ravel() / 4.0
    else:
        raise AssertionError(f"processor {processor} not handled by this test decoder")
    return values[4 * n_points :].reshape(per_frame, n_analog).astype(np.float64)


def _physical(raw: np.ndarray, params) -> np.ndarray:
    analog = params["ANALOG"]
    offset = np.asarray(analog["OFFSET"]["value"], dtype=float)
    if analog.get("FORMAT", {}).get("value", [""])[:1] == ["UNSIGNED"]:
        offset = np.mod(offset, 65536)  # the int16 parameter holds an unsigned 16-bit offset
    return (raw - offset) * np.asarray(analog["SCALE"]["value"], float) * float(analog["GEN_SCALE"]["value"][0])


@pytest.fixture(scope="module", params=FILES)
def case(request, shared_data):
    path = shared_data / request.param
    return request.param, path, read_c3d(path), ezc3d.c3d(str(path), extract_forceplat_data=True)


def test_counts_and_rates_agree_with_the_file(case):
    name, path, rec, ref = case
    params = ref["parameters"]
    analogs = [s for s in rec.streams.values() if s.name != "markers"]  # markers: the POINT data
    n_analog = int(params["ANALOG"]["USED"]["value"][0])
    rate = float(params["ANALOG"]["RATE"]["value"][0])
    n_plates = int(params["FORCE_PLATFORM"]["USED"]["value"][0])
    n_samples = ref["data"]["analogs"].shape[2]
    # every analog channel lands in exactly one stream (a plate stream has 6 components from 6 channels)
    assert sum(s.n_channels for s in analogs) == n_analog
    assert all(s.fs_hz == rate and s.n_samples == n_samples for s in analogs)
    assert rec.metadata["force_plates"] == n_plates
    assert len([s for s in rec.streams.values() if s.plate]) == n_plates
    expected = {  # SOURCES.md
        "pyomeca/markers_analogs.c3d": (38, 2000.0, 11600, 0),
        "btk/FunctionalStatic.c3d": (36, 1080.0, 5895, 3),
        "btk/FunctionalWalk.c3d": (36, 1080.0, 3942, 3),
    }[name]
    assert (n_analog, rate, n_samples, n_plates) == expected


def test_analog_values_follow_the_c3d_scaling_formula(case):
    name, path, rec, ref = case
    expected = _physical(_raw_first_frame(path), ref["parameters"])
    labels = list(ref["parameters"]["ANALOG"]["LABELS"]["value"])
    for stream in rec.streams.values():
        if stream.plate or stream.name == "markers":
            continue
        for j, ch in enumerate(stream.channels):
            col = labels.index(ch.name)
            np.testing.assert_allclose(stream.data[: len(expected), j], expected[:, col], rtol=1e-6, atol=1e-9)


def test_units_come_from_analog_units(case):
    name, path, rec, ref = case
    params = ref["parameters"]
    units = dict(zip(params["ANALOG"]["LABELS"]["value"], params["ANALOG"]["UNITS"]["value"]))
    for stream in rec.streams.values():
        if stream.name == "markers":
            continue
        if stream.plate:
            assert [c.unit for c in stream.channels] == ["N", "N", "N", "N*m", "N*m", "N*m"]
        else:
            assert all(c.unit == units[c.name] for c in stream.channels)


def test_plates_agree_with_ezc3d_force_platform_module(case):
    name, path, rec, ref = case
    platforms = ref["data"]["platform"]
    plate_streams = [rec.streams[n] for n in ("force", "force2", "force3") if n in rec.streams]
    assert len(plate_streams) == len(platforms)
    for stream, pf in zip(plate_streams, platforms):
        plate = Plate.from_dict(stream.plate)
        np.testing.assert_allclose(plate.corners_m, pf["corners"].T / 1000.0, atol=1e-9)
        res = center_of_pressure(stream.data, plate, fz_threshold_n=20.0)
        # ezc3d's global force: the vertical component is the load on the plate
        np.testing.assert_allclose(res.fz_n, pf["force"][2], rtol=1e-9, atol=1e-6)
        ez_valid = pf["force"][2] > 20.0
        np.testing.assert_array_equal(res.valid, ez_valid)
        ez_cop = pf["center_of_pressure"][:2].T / 1000.0
        np.testing.assert_allclose(res.cop_m[ez_valid], ez_cop[ez_valid], atol=1e-9)
        # the force magnitude is frame-independent
        np.testing.assert_allclose(
            np.linalg.norm(stream.data[:, :3], axis=1), np.linalg.norm(pf["force"], axis=0), rtol=1e-9, atol=1e-6
        )


def test_file_without_plates_says_so(shared_data):
    rec = read_c3d(shared_data / "pyomeca/markers_analogs.c3d")
    assert rec.metadata["force_plates"] == 0
    assert rec.force is None
    assert not any(s.plate for s in rec.streams.values())
    # 16 surface EMG + 16 IM EMG (Delsys names), 6 Voltage.N channels (SOURCES.md)
    assert rec.emg.n_channels == 32
    assert "Delt_ant.EMG1" in rec.emg.channel_names and "Sensor 12.EMG12" in rec.emg.channel_names
    assert rec.streams["analog"].channel_names == tuple(f"Voltage.{i}" for i in range(1, 7))
    assert all(c.kind == "emg" for c in rec.emg.channels)


def test_static_trial_loads_two_plates_and_masks_the_unloaded_one(shared_data):
    rec = read_c3d(shared_data / "btk/FunctionalStatic.c3d")
    loads = []
    for name in ("force", "force2", "force3"):
        s = rec.streams[name]
        res = center_of_pressure(s.data, Plate.from_dict(s.plate))
        loads.append(np.nanmean(res.fz_n))
        if name == "force3":
            assert not res.valid.any() and np.isnan(res.cop_m).all()
        else:
            assert res.valid.all()
            # the COP lies on the plate's top surface
            corners = Plate.from_dict(s.plate).corners_m
            assert (res.cop_m >= corners[:, :2].min(axis=0)).all() and (res.cop_m <= corners[:, :2].max(axis=0)).all()
    assert 280 < loads[0] < 320 and 280 < loads[1] < 320 and abs(loads[2]) < 20  # SOURCES.md: ~290-310 N each
    # Recording.force is the first plate, its Fz channel positive under load like every other source
    assert 280 < np.mean(rec.force.channel("Fz")) < 320
    assert rec.subject.body_mass_kg == 60.0  # PROCESSING:Bodymass
    assert rec.emg.channel_names[:2] == ("EMG1", "EMG2")


def test_walk_events_line_up_with_plate_contacts(shared_data):
    """Event times count from the first frame: each plate's contact starts at a
    Foot Strike and ends at a Foot Off, within 1.5 camera frames (120 Hz)."""
    rec = read_c3d(shared_data / "btk/FunctionalWalk.c3d")
    assert len(rec.events) == 11
    assert all(e.kind == "mark" for e in rec.events)
    assert {e.label for e in rec.events} == {"Left Foot Strike", "Right Foot Strike", "Left Foot Off", "Right Foot Off"}
    assert all(0 <= e.time_s <= rec.duration_s for e in rec.events)
    strikes = np.array([e.time_s for e in rec.events if e.label.endswith("Foot Strike")])
    offs = np.array([e.time_s for e in rec.events if e.label.endswith("Foot Off")])
    for name in ("force", "force2", "force3"):
        s = rec.streams[name]
        res = center_of_pressure(s.data, Plate.from_dict(s.plate))
        loaded = np.flatnonzero(res.valid)
        assert 600 < np.nanmax(res.fz_n) < 800  # SOURCES.md: Fz up to ~695 N
        assert np.min(np.abs(strikes - loaded[0] / s.fs_hz)) < 1.5 / 120
        assert np.min(np.abs(offs - loaded[-1] / s.fs_hz)) < 1.5 / 120
        # unloaded: naive COP would run off the plate, the threshold masks it
        assert np.isnan(res.cop_m[~res.valid]).all()


def test_emg_channel_selection(shared_data):
    path = shared_data / "btk/FunctionalWalk.c3d"
    rec = read_c3d(path, emg_channels=["EMG1", "EMG2"])
    assert rec.emg.channel_names == ("EMG1", "EMG2")
    assert "EMG3" in rec.streams["analog"].channel_names
    with pytest.raises(KeyError, match="nope"):
        read_c3d(path, emg_channels=["nope"])
    with pytest.raises(KeyError, match="force platform"):
        read_c3d(path, emg_channels=["PF1Fx"])

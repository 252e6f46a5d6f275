"""C3D export: recordings written with write_c3d read back by read_c3d and by ezc3d."""

from __future__ import annotations

from datetime import datetime, timezone

import ezc3d
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.streams import ChannelInfo
from emgforce.errors import RecordingExistsError, RecordingWriteError
from emgforce.forceplate.cop import center_of_pressure
from emgforce.forceplate.plate import Plate
from emgforce.io import Event, Recording, StreamData, Subject
from emgforce.io.c3d import read_c3d, write_c3d

FORCE = (
    ChannelInfo("Fx", "force", "N"),
    ChannelInfo("Fy", "force", "N"),
    ChannelInfo("Fz", "force", "N"),
    ChannelInfo("Mx", "moment", "N*m"),
    ChannelInfo("My", "moment", "N*m"),
    ChannelInfo("Mz", "moment", "N*m"),
)


def _plate_wrench(n: int, fs: float, plate: Plate, rng, load_n: float = 700.0) -> np.ndarray:
    """Six components about the plate origin, in the plate frame and sign convention,
    for a load whose COP wanders over the plate (closed form from the COP)."""
    t = np.arange(n) / fs
    up = plate.rotation.T @ np.array([0.0, 0.0, 1.0])  # lab z in plate axes
    load = load_n + 30 * np.sin(2 * np.pi * 0.8 * t)
    load[: n // 10] = 2.0  # unloaded at the start
    f_lab_reaction = np.column_stack([10 * np.sin(t), -8 * np.cos(t), load])
    f = f_lab_reaction @ plate.rotation  # lab -> plate axes (rows)
    cop = np.column_stack([0.08 * np.sin(2 * np.pi * 0.3 * t), 0.05 * np.cos(2 * np.pi * 0.2 * t), np.zeros(n)])
    r = cop - plate.origin_m  # COP relative to the origin, plate axes (on the top surface)
    m = np.cross(r, f) + np.outer(0.5 * np.sin(t), up)
    w = np.hstack([f, m])
    return -w if plate.sign_convention == "action" else w


@pytest.fixture
def session():
    rng = np.random.default_rng(7)
    fs_emg, fs_force, dur = 2000.0, 1000.0, 2.0
    emg_ch = (
        ChannelInfo("GM_L", "emg", "V", "gluteus_medius", "left"),
        ChannelInfo("GM_R", "emg", "V", "gluteus_medius", "right"),
        ChannelInfo("probe 3", "emg", "mV", "tensor_fasciae_latae", "left"),
    )
    emg = StreamData("emg", fs_emg, emg_ch, rng.normal(0, 1e-4, (int(dur * fs_emg), 3)))
    p1 = Plate.level("AMTI6", (0.6, 0.4), (0.3, 0.2, 0.0), z_down=True, origin_m=[0.001, -0.002, 0.040],
                     sign_convention="action", name="left")
    p2 = Plate.level("BERTEC6", (0.5, 0.5), (-0.4, 0.3, 0.0), z_down=False, origin_m=[0.0, 0.0, -0.030],
                     sign_convention="reaction", name="right")
    n_f = int(dur * fs_force)
    force = StreamData("force", fs_force, FORCE, _plate_wrench(n_f, fs_force, p1, rng), plate=p1.to_dict())
    force2 = StreamData("force_right", fs_force, FORCE, _plate_wrench(n_f, fs_force, p2, rng, 400.0), plate=p2.to_dict())
    aux = StreamData("aux", fs_force, (ChannelInfo("trigger", "trigger", "V"),), (rng.random((n_f, 1)) > 0.5) * 5.0)
    events = [
        Event("stance_left", "start", 0.25),
        Event("Left Foot Strike", "mark", 0.5),
        Event("lift", "mark", 0.75),
        Event("stance_left", "stop", 1.75),
    ]
    return Recording(
        {"emg": emg, "force": force, "force_right": force2, "aux": aux},
        Subject("P01", body_mass_kg=71.5, affected_side="right", height_m=1.74),
        events,
        start_time=datetime(2026, 3, 4, 10, 30, 0, tzinfo=timezone.utc),
        device="sim",
    )


def test_roundtrip_restores_streams_events_subject(session, tmp_path):
    path = write_c3d(session, tmp_path / "s.c3d")
    back = read_c3d(path)
    assert set(back.streams) == set(session.streams)
    emg = back.emg
    assert emg.channels == session.emg.channels  # names, kinds, units, muscles, sides
    np.testing.assert_allclose(emg.data, session.emg.data[: emg.n_samples], rtol=1e-6, atol=1e-12)
    # 1 kHz streams were interpolated to 2 kHz: every second sample is an original one
    assert back.streams["aux"].fs_hz == 2000.0
    np.testing.assert_allclose(back.streams["aux"].data[::2], session.streams["aux"].data, rtol=1e-6)
    assert emg.n_samples == 3999  # the common span of the 1 kHz and 2 kHz grids
    assert [(e.label, e.kind) for e in back.events] == [(e.label, e.kind) for e in session.events]
    np.testing.assert_allclose([e.time_s for e in back.events], [e.time_s for e in session.events], atol=1e-6)
    assert back.subject == session.subject
    assert back.start_time == session.start_time and back.device == "sim"
    assert [t.label for t in back.trials()] == ["stance_left"]


@pytest.mark.parametrize("name", ["force", "force_right"])
def test_roundtrip_keeps_cop_and_load(session, tmp_path, name):
    path = write_c3d(session, tmp_path / "s.c3d")
    back = read_c3d(path)
    orig = session.streams[name]
    got_stream = back.streams[name]
    got = center_of_pressure(got_stream.data[::2], Plate.from_dict(got_stream.plate))
    ref = center_of_pressure(orig.data[: len(got.valid)], Plate.from_dict(orig.plate))
    np.testing.assert_array_equal(got.valid, ref.valid)
    np.testing.assert_allclose(got.cop_m[ref.valid], ref.cop_m[ref.valid], atol=1e-6)
    np.testing.assert_allclose(got.fz_n, ref.fz_n, rtol=1e-6, atol=1e-4)
    # the free moment follows the plate's sign convention (action or reaction)
    sign = 1.0 if got_stream.plate["sign_convention"] == orig.plate["sign_convention"] else -1.0
    np.testing.assert_allclose(got.free_moment_nm[ref.valid], sign * ref.free_moment_nm[ref.valid], atol=1e-4)


def test_written_file_reads_in_ezc3d(session, tmp_path):
    """What Vicon/Visual3D users get: labels, rates, TYPE 2 plates whose COP (ezc3d's
    own computation) is the COP of the original recording."""
    path = write_c3d(session, tmp_path / "s.c3d")
    c = ezc3d.c3d(str(path), extract_forceplat_data=True)
    params = c["parameters"]
    labels = params["ANALOG"]["LABELS"]["value"]
    assert labels[:6] == ["Force.Fx1", "Force.Fy1", "Force.Fz1", "Moment.Mx1", "Moment.My1", "Moment.Mz1"]
    assert {"GM_L", "GM_R", "probe 3", "trigger"} <= set(labels)
    assert params["ANALOG"]["RATE"]["value"][0] == 2000.0
    assert params["ANALOG"]["UNITS"]["value"][3] == "Nmm"
    assert list(params["FORCE_PLATFORM"]["TYPE"]["value"]) == [2, 2]
    assert params["SUBJECTS"]["NAMES"]["value"] == ["P01"]
    assert params["PROCESSING"]["Bodymass"]["value"][0] == pytest.approx(71.5)
    for name, pf in zip(("force", "force_right"), c["data"]["platform"]):
        orig = session.streams[name]
        ez_load = pf["force"][2, ::2]
        ref = center_of_pressure(orig.data[: len(ez_load)], Plate.from_dict(orig.plate))
        np.testing.assert_allclose(ez_load, ref.fz_n, rtol=1e-5, atol=1e-3)
        ez_cop = pf["center_of_pressure"][:2, ::2].T / 1000.0
        np.testing.assert_allclose(ez_cop[ref.valid], ref.cop_m[ref.valid], atol=1e-6)
    contexts = params["EVENT"]["CONTEXTS"]["value"]
    assert params["EVENT"]["LABELS"]["value"][1] == "Foot Strike" and contexts[1] == "Left"


@settings(deadline=None, max_examples=12)
@given(
    angle=st.floats(-180, 180),
    z_down=st.booleans(),
    action=st.booleans(),
    h=st.floats(0.0, 0.08),
)
def test_any_level_plate_exports_to_the_same_cop(tmp_path_factory, angle, z_down, action, h):
    rng = np.random.default_rng(0)
    base = Plate.level("AMTI6", (0.6, 0.4), (0.1, -0.2, 0.0), z_down=z_down)
    a = np.deg2rad(angle)
    rot = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    centre = base.center_m
    corners = (base.corners_m - centre) @ rot.T + centre
    origin = [0.0, 0.0, h if z_down else -h]
    plate = Plate("AMTI6", corners, origin_m=origin, sign_convention="action" if action else "reaction")
    wrench = _plate_wrench(300, 1000.0, plate, rng)
    rec = Recording({"force": StreamData("force", 1000.0, FORCE, wrench, plate=plate.to_dict())}, Subject("x"))
    path = write_c3d(rec, tmp_path_factory.mktemp("h") / "p.c3d")
    ref = center_of_pressure(wrench, plate)  # 300 samples at 1 kHz: whole 100 Hz frames
    pf = ezc3d.c3d(str(path), extract_forceplat_data=True)["data"]["platform"][0]
    np.testing.assert_allclose(pf["center_of_pressure"][:2].T[ref.valid] / 1000.0, ref.cop_m[ref.valid], atol=1e-6)
    np.testing.assert_allclose(pf["force"][2], ref.fz_n, rtol=1e-5, atol=1e-3)


def test_real_files_roundtrip(shared_data, tmp_path):
    for name in ("btk/FunctionalWalk.c3d", "pyomeca/markers_analogs.c3d"):
        a = read_c3d(shared_data / name)
        b = read_c3d(write_c3d(a, tmp_path / "rt.c3d", overwrite=True))
        assert list(b.streams) == [s for s in a.streams if a.streams[s].plate] + [s for s in a.streams if not a.streams[s].plate]
        for key, s in a.streams.items():
            t = b.streams[key]
            assert t.channels == s.channels and t.n_samples == s.n_samples
            np.testing.assert_allclose(t.data, s.data, rtol=2e-7, atol=1e-6 * np.nanmax(np.abs(s.data)))
        assert [(e.label, e.kind) for e in b.events] == [(e.label, e.kind) for e in a.events]
        np.testing.assert_allclose([e.time_s for e in b.events], [e.time_s for e in a.events], atol=1e-6)


def test_refuses_to_overwrite_and_incompatible_rates(session, tmp_path):
    path = write_c3d(session, tmp_path / "s.c3d")
    with pytest.raises(RecordingExistsError):
        write_c3d(session, path)
    write_c3d(session, path, overwrite=True)
    odd = StreamData("odd", 300.0, (ChannelInfo("x", "aux", "V"),), np.zeros((600, 1)))
    rec = Recording({"emg": session.emg, "odd": odd}, session.subject)
    with pytest.raises(RecordingWriteError, match="300"):
        write_c3d(rec, tmp_path / "odd.c3d")
    assert not (tmp_path / "odd.c3d").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.c3d"]  # no temporary files left behind


def test_long_recording_is_not_cut_at_65535_frames(tmp_path):
    """ezc3d silently keeps only 65535 frames; the writer packs more samples per frame."""
    values = np.sin(np.arange(70000) / 50.0)[:, None]
    rec = Recording({"aux": StreamData("aux", 100.0, (ChannelInfo("x", "aux", "V"),), values)}, Subject("x"))
    back = read_c3d(write_c3d(rec, tmp_path / "long.c3d"))
    assert back.streams["aux"].n_samples == 70000
    np.testing.assert_allclose(back.streams["aux"].data, values, rtol=1e-6, atol=1e-7)


def test_long_event_labels_fit_the_recording_format(session, tmp_path):
    """C3D labels may be longer than the 64 bytes an HDF5 recording stores: they are cut, with a warning."""
    from emgforce.io import read_recording, write_recording

    long_label = "Left " + "very long Vicon event label " * 4
    rec = Recording(dict(session.streams), session.subject, [Event(long_label, "mark", 0.5)])
    back = read_c3d(write_c3d(rec, tmp_path / "long.c3d"))
    (event,) = back.events
    assert len(event.label.encode("utf-8")) == 64 and long_label.startswith(event.label)
    write_recording(back, tmp_path / "long.h5")
    assert read_recording(tmp_path / "long.h5").events[0].label == event.label

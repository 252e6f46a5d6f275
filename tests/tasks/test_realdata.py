"""Task analysis of the real public recordings (../shared/data) against independent references."""

from __future__ import annotations

import numpy as np
import pytest

from emgforce.tasks.analyze import analyze_session

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def static(shared_data):
    path = shared_data / "btk" / "FunctionalStatic.c3d"
    return path, analyze_session(path, task="stance_double")


@pytest.fixture(scope="module")
def ezc3d_plates(static):
    """Forces and COP of each plate as computed by ezc3d itself (independent of emgforce)."""
    import ezc3d

    c = ezc3d.c3d(str(static[0]), extract_forceplat_data=True)
    return [(p["force"][2], p["center_of_pressure"][:2].T / 1000.0) for p in c["data"]["platform"]]


def test_load_split_between_the_feet(static, ezc3d_plates):
    _, res = static
    (tr,) = res.trials
    assert tr.label == "stance_double" and tr.segmentation == "events"
    split = {m.name: m.value for m in tr.metrics if m.name.startswith("load_pct")}
    # plates 1 and 2 carry one foot each (~290 and ~310 N); plate 3 is unloaded and left out
    assert set(split) == {"load_pct_force", "load_pct_force2"}
    fz1, fz2 = (np.mean(ezc3d_plates[i][0]) for i in (0, 1))
    assert split["load_pct_force"] == pytest.approx(100 * fz1 / (fz1 + fz2), abs=0.05)
    assert split["load_pct_force2"] == pytest.approx(100 * fz2 / (fz1 + fz2), abs=0.05)


def test_net_cop_sway_matches_ezc3d(static, ezc3d_plates):
    _, res = static
    (tr,) = res.trials
    (f1, c1), (f2, c2) = ezc3d_plates[:2]
    from scipy import signal

    net = (f1[:, None] * c1 + f2[:, None] * c2) / (f1 + f2)[:, None]
    # the documented preprocessing: zero-phase 2nd-order Butterworth low-pass at 10 Hz
    net = signal.sosfiltfilt(signal.butter(2, 10.0, fs=1080.0, output="sos"), net, axis=0)
    centred = net - net.mean(axis=0)
    rms = np.sqrt(np.mean(centred**2, axis=0))
    assert tr.metric("sway_rms_distance_ml_m").value == pytest.approx(rms[0], rel=0.03)
    assert tr.metric("sway_rms_distance_ap_m").value == pytest.approx(rms[1], rel=0.03)


def test_no_mvc_is_reported_for_the_c3d_emg(static):
    _, res = static
    assert any("no MVC trial" in m.text for m in res.messages)
    assert set(res.normalization.values()) == {"peak_task"}


def test_emg_only_c3d_without_plates(shared_data):
    """Real sEMG without force plates: EMG metrics, and the missing plate said, not crashed."""
    from emgforce.io.c3d import read_c3d

    path = shared_data / "pyomeca" / "markers_analogs.c3d"
    rec = read_c3d(path)
    res = analyze_session(rec, task="rest")
    assert any("no force stream" in m.text for m in res.messages)
    (tr,) = res.trials
    emg = [m for m in tr.metrics if m.name == "emg_mean"]
    assert len(emg) == len(rec.emg.select(kind="emg")) > 0
    flat = {m.muscle for m in emg if m.unit == "V"}
    # the file's unused inputs are all zero: said so, left in volts
    for ch in flat:
        assert np.all(rec.emg.channel(ch) == 0)
        assert any(ch in m.text and "flat" in m.text for m in res.messages)
    # %peak: the mean of an envelope over the window its 1 s peak came from lies below 100
    assert all(m.unit == "%peak" and 0 < m.value < 100 for m in emg if m.muscle not in flat)
    assert len(flat) < len(emg)
    assert not [m for m in res.all_messages() if m.level == "error"]


def test_sided_plates_give_a_load_symmetry(shared_data, ezc3d_plates):
    """Plates named left/right: the load split gets sides and a summary line (labels assumed here)."""
    import dataclasses

    from emgforce.io.c3d import read_c3d

    rec = read_c3d(shared_data / "btk" / "FunctionalStatic.c3d")
    for name, side in (("force", "left"), ("force2", "right")):
        s = rec.streams[name]
        rec.streams[name] = dataclasses.replace(s, plate={**s.plate, "name": side})
    res = analyze_session(rec, task="stance_double", keep_traces=False)
    (tr,) = res.trials
    fz1, fz2 = (np.mean(ezc3d_plates[i][0]) for i in (0, 1))
    assert tr.metric("load_pct", side="left").value == pytest.approx(100 * fz1 / (fz1 + fz2), abs=0.05)
    sym = next(s for s in res.symmetry if s.task == "stance_double")
    assert sym.lsi_pct == pytest.approx(100 * fz1 / fz2, rel=1e-3)
    assert any(line.startswith("Load in double-leg stance: left 48 %, right 52 %") for line in res.summary)


def test_two_plates_with_the_same_side_label(shared_data, ezc3d_plates):
    """Mislabelled plates (both "left"): the split is still reported, per plate, with a warning."""
    import dataclasses

    from emgforce.io.c3d import read_c3d

    rec = read_c3d(shared_data / "btk" / "FunctionalStatic.c3d")
    for name in ("force", "force2"):
        s = rec.streams[name]
        rec.streams[name] = dataclasses.replace(s, plate={**s.plate, "name": "left"})
    res = analyze_session(rec, task="stance_double", keep_traces=False)
    (tr,) = res.trials
    fz1, fz2 = (np.mean(ezc3d_plates[i][0]) for i in (0, 1))
    assert tr.metric("load_pct_force").value == pytest.approx(100 * fz1 / (fz1 + fz2), abs=0.05)
    assert any("same side label" in m.text for m in tr.messages)
    assert not [m for m in res.all_messages() if m.level == "error"]

"""Statistics of the simulated session, checked with independent references.

EMG: Welch spectra (scipy.signal), a plain band-pass/rectify/low-pass envelope
and the closed form E|x| = sigma*sqrt(2/pi) of a Gaussian carrier. Force plate:
the COP recomputed from forces and moments with the closed-form formula
(domain notes), body weight m*g, and RMS sway about the mean.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal as ss
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.drivers.sim import GroundTruth, Protocol, Step, simulate
from emgforce.constants import COP_FZ_THRESHOLD_N
from emgforce.naming import TASKS, parse_trial_label

G = 9.80665


def _window(fs: float, start_s: float, stop_s: float) -> slice:
    return slice(int(round(start_s * fs)), int(round(stop_s * fs)))


@pytest.fixture(scope="module")
def envelope_pct(sim_short):
    """%MVC per sample from a textbook envelope (20-450 Hz band-pass, rectify, 6 Hz low-pass)."""
    s, fs = sim_short, sim_short.emg_info.fs_hz
    b, a = ss.butter(2, [20, 450], btype="band", fs=fs)  # order 4 effective with filtfilt
    x = ss.filtfilt(b, a, s.emg, axis=0)
    bl, al = ss.butter(2, 6.0, fs=fs)
    env = ss.filtfilt(bl, al, np.abs(x), axis=0)
    ref = np.empty(env.shape[1])
    for c, ch in enumerate(s.emg_info.channels):
        t = s.truth.trial(f"mvc_{ch.side}")
        seg = env[_window(fs, t.start_s, t.stop_s), c]
        ref[c] = ss.convolve(seg, np.ones(int(fs)) / fs, mode="valid").max()  # max 1 s moving mean
    return env, ref


def _hold_windows(truth: GroundTruth, label: str) -> list[tuple[float, float]]:
    """Working phases of a trial: bridge holds, squat reps, single-leg stance after the lift."""
    t = truth.trial(label)
    task = parse_trial_label(label)[0]
    if task in ("bridge", "single_leg_bridge"):
        starts = [e.time_s for e in truth.events_between(t.start_s, t.stop_s, "hold") if e.kind == "start"]
        stops = [e.time_s for e in truth.events_between(t.start_s, t.stop_s, "hold") if e.kind == "stop"]
        return list(zip(starts, stops))
    if task == "squat":
        starts = [e.time_s for e in truth.events_between(t.start_s, t.stop_s, "rep") if e.kind == "start"]
        stops = [e.time_s for e in truth.events_between(t.start_s, t.stop_s, "rep") if e.kind == "stop"]
        return list(zip(starts, stops))
    if task == "stance":
        lift = truth.events_between(t.start_s, t.stop_s, "lift")[0].time_s
        return [(lift + 1.0, t.stop_s)]
    return [(t.start_s, t.stop_s)]


def _measured(env, ref, fs, windows) -> np.ndarray:
    parts = [env[_window(fs, a, b)] for a, b in windows]
    return 100.0 * np.concatenate(parts).mean(axis=0) / ref


# --- protocol ------------------------------------------------------------------------------


def test_protocols_cover_every_task_with_known_labels():
    for proto, lo, hi in ((Protocol.default(), 360, 480), (Protocol.short(), 60, 120)):
        assert lo <= proto.duration_s <= hi
        # side-lying abduction (the MVC posture) is a Step of custom protocols only (tests/tasks/test_side_lying.py)
        assert proto.tasks == set(TASKS) - {"side_lying_abduction"}
        sched = proto.schedule()
        assert all(a.stop_s < b.start_s for a, b in zip(sched, sched[1:]))
    labels = [t.label for t in Protocol.default().schedule()]
    assert labels.count("mvc_left") == 3 and labels.count("mvc_right") == 3
    assert "single_leg_bridge_right" in labels and "stance_double" in labels


def test_step_validation():
    with pytest.raises(ValueError, match="side"):
        Step("stance", duration_s=10)
    with pytest.raises(ValueError, match="reps"):
        Step("bridge")
    with pytest.raises(ValueError, match="duration_s"):
        Step("mvc", "left")
    with pytest.raises(ValueError, match="weak_side"):
        simulate(Protocol((Step("rest", duration_s=2),)), weak_side="up")


_steps = st.one_of(
    st.builds(Step, st.just("mvc"), st.sampled_from(["left", "right"]), duration_s=st.floats(2.0, 4.0)),
    st.builds(Step, st.just("rest"), duration_s=st.floats(1.0, 3.0), rest_after_s=st.floats(1.0, 2.0)),
    st.builds(Step, st.just("stance"), st.sampled_from(["left", "right"]), duration_s=st.floats(2.5, 8.0)),
    st.builds(Step, st.just("squat"), st.sampled_from(["left", "right"]), reps=st.integers(1, 2)),
    st.builds(Step, st.just("bridge"), reps=st.integers(1, 2), rest_after_s=st.floats(1.0, 2.0)),
)


@settings(max_examples=12, deadline=None)
@given(steps=st.lists(_steps, min_size=1, max_size=3), weak=st.sampled_from([None, "left", "right"]))
def test_any_protocol_simulates_consistently(steps, weak):
    """Every protocol yields matching stream lengths, paired markers inside the session, finite data."""
    proto = Protocol(tuple(steps), lead_in_s=1.0, tail_s=1.0)
    s = simulate(proto, seed=0, weak_side=weak)
    assert s.emg.shape == (round(proto.duration_s * 2000), 6) and s.force.shape[0] == round(proto.duration_s * 1000)
    assert np.isfinite(s.emg).all() and np.isfinite(s.force).all()
    assert [m.label for m in s.markers[::2]] == [st_.label for st_ in steps]
    assert all(0 < m.time_s < proto.duration_s for m in s.truth.events)
    assert (s.truth.activation_pct_mvc >= 0).all()


# --- EMG -------------------------------------------------------------------------------------


def test_emg_spectrum_is_semg_like(sim_short):
    """Welch spectrum on the MVC plateau: >= 90 % of power in 20-450 Hz, peak at 40-150 Hz, median
    frequency in the physiological range (MDF ~70-120 Hz in lower-limb muscles) and equal to the
    model spectrum's (numerical integral of the Shwedyk et al. 1977 shape) within 8 %."""
    s, fs = sim_short, sim_short.emg_info.fs_hz
    mdf_true = s.truth.median_frequency_hz()
    for c, ch in enumerate(s.emg_info.channels):
        t = s.truth.trial(f"mvc_{ch.side}")
        w = _window(fs, t.start_s + 1.2, t.stop_s - 1.2)
        f, p = ss.welch(s.emg[w, c], fs=fs, nperseg=256)  # 7.8 Hz bins, ~40 averages: a stable peak
        band = (f >= 20) & (f <= 450)
        assert p[band].sum() / p.sum() >= 0.90
        assert 40 <= f[np.argmax(p)] <= 150
        mdf = _median_frequency(s.emg[w, c], fs)
        assert 70 <= mdf <= 125
        assert mdf == pytest.approx(mdf_true[w, c].mean(), rel=0.08)


def test_emg_rms_matches_amplitude_model(sim_short):
    """RMS^2 in every trial = mean((A * act/100)^2) + noise floor^2 (5 uV), within 10 %."""
    s, fs, truth = sim_short, sim_short.emg_info.fs_hz, sim_short.truth
    for t in truth.trials:
        w = _window(fs, t.start_s, t.stop_s)
        drive = truth.mvc_amplitude_v * truth.activation_pct_mvc[w] / 100.0
        expected = np.sqrt(np.mean(drive**2, axis=0) + (5e-6) ** 2)
        np.testing.assert_allclose(np.sqrt(np.mean(s.emg[w] ** 2, axis=0)), expected, rtol=0.10, err_msg=t.label)


def test_mvc_reference_is_mvc_amplitude(sim_short, envelope_pct):
    """The max 1 s moving mean of the envelope in the MVC trials is the 100 %MVC amplitude:
    E|x| of a Gaussian with RMS A is A*sqrt(2/pi)."""
    _, ref = envelope_pct
    expected = sim_short.truth.mvc_amplitude_v * np.sqrt(2 / np.pi)
    np.testing.assert_allclose(ref, expected, rtol=0.08)


def test_envelope_tracks_true_activation_in_every_trial(sim_short, envelope_pct):
    """Per-trial mean %MVC from the envelope equals the truth within max(2 %MVC, 12 %)."""
    env, ref = envelope_pct
    fs, truth = sim_short.emg_info.fs_hz, sim_short.truth
    for t in truth.trials:
        measured = 100.0 * env[_window(fs, t.start_s, t.stop_s)].mean(axis=0) / ref
        tol = np.maximum(2.0, 0.12 * t.mean_pct_mvc)
        assert np.all(np.abs(measured - t.mean_pct_mvc) <= tol), (t.label, measured, t.mean_pct_mvc)


def test_task_levels_follow_plausibility_table(sim_short, envelope_pct):
    """Strong-side GM during the working phases: stance <= 20, bridge ~28, single-leg bridge ~47,
    squat ~64 %MVC (Ebert 2017, Ekstrom 2007, DiStefano 2009), ordered stance < bridge < SLB < squat."""
    env, ref = envelope_pct
    fs, truth = sim_short.emg_info.fs_hz, sim_short.truth
    gm_r = sim_short.emg_info.channel_names.index("GM_R")
    level = {
        label: _measured(env, ref, fs, _hold_windows(truth, label))[gm_r]
        for label in ("stance_right", "bridge", "single_leg_bridge_right", "squat_right")
    }
    assert 8 <= level["stance_right"] <= 20
    assert level["bridge"] == pytest.approx(28, abs=8)
    assert level["single_leg_bridge_right"] == pytest.approx(47, abs=10)
    assert level["squat_right"] == pytest.approx(64, abs=14)
    assert level["stance_right"] < level["bridge"] < level["single_leg_bridge_right"] < level["squat_right"]


def test_weak_side_gm_lower_and_contralateral_low(sim_short, envelope_pct):
    env, ref = envelope_pct
    fs, truth = sim_short.emg_info.fs_hz, sim_short.truth
    names = sim_short.emg_info.channel_names
    gm = {"left": names.index("GM_L"), "right": names.index("GM_R")}
    for task in ("stance", "squat", "single_leg_bridge"):
        by_side = {side: _measured(env, ref, fs, _hold_windows(truth, f"{task}_{side}")) for side in gm}
        # weak (left) GM works at ~0.6x the strong side's %MVC
        assert by_side["left"][gm["left"]] < 0.75 * by_side["right"][gm["right"]], task
        for side, other in (("left", "right"), ("right", "left")):
            contra = by_side[side][gm[other]]
            assert contra < 12 and contra < 0.6 * by_side[side][gm[side]], (task, side)


def test_activation_is_smooth_not_stepped(sim_short):
    """Drive changes by < 1 %MVC per millisecond (ramps), while MVC plateaus fluctuate ~5-15 %."""
    truth, fs = sim_short.truth, sim_short.emg_info.fs_hz
    step = np.abs(np.diff(truth.activation_pct_mvc, axis=0)).max()
    assert step * fs / 1000 < 1.0
    t = truth.trial("mvc_left")
    plateau = truth.activation_pct_mvc[_window(fs, t.start_s + 1.5, t.stop_s - 1.5), 0]
    assert 0.02 < plateau.std() / plateau.mean() < 0.2


def _median_frequency(x: np.ndarray, fs: float) -> float:
    """Median frequency of a Welch spectrum (cumulative power taken at each bin's upper edge)."""
    f, p = ss.welch(x, fs=fs, nperseg=512)
    cum = np.cumsum(p)
    return float(np.interp(cum[-1] / 2, cum, f + (f[1] - f[0]) / 2))


def test_fatigue_lowers_median_frequency():
    """A 24 s MVC: the Welch median frequency falls by >= 8 % from the first seconds to the last,
    as much as the model spectrum's (within 0.06 of the ratio)."""
    s = simulate(Protocol((Step("mvc", "left", duration_s=24.0),)), seed=3)
    fs, t = s.emg_info.fs_hz, s.truth.trial("mvc_left")
    true_mdf = s.truth.median_frequency_hz()[:, 0]
    early, late = _window(fs, t.start_s + 1.0, t.start_s + 3.0), _window(fs, t.stop_s - 6.0, t.stop_s - 1.0)
    ratio = _median_frequency(s.emg[late, 0], fs) / _median_frequency(s.emg[early, 0], fs)
    assert ratio < 0.92
    assert ratio == pytest.approx(true_mdf[late].mean() / true_mdf[early].mean(), abs=0.06)


def test_mains_hum_and_motion_artefacts_are_optional():
    proto = Protocol((Step("squat", "left", reps=2),))
    clean = simulate(proto, seed=1)
    hum = simulate(proto, seed=1, mains_hz=50.0)
    art = simulate(proto, seed=1, motion_artefacts=True)
    fs = clean.emg_info.fs_hz
    f, p_clean = ss.welch(clean.emg[:, 0], fs=fs, nperseg=4000)
    _, p_hum = ss.welch(hum.emg[:, 0], fs=fs, nperseg=4000)
    k50 = np.argmin(np.abs(f - 50))
    assert p_hum[k50] > 10 * p_clean[k50]
    # artefacts: large low-frequency (< 15 Hz) energy right after the rep onsets only
    bl, al = ss.butter(2, 15.0, fs=fs)
    low_art = ss.filtfilt(bl, al, art.emg - clean.emg, axis=0)
    onset = art.truth.events_between(0, 1e9, "rep")[0].time_s
    near = np.abs(low_art[_window(fs, onset, onset + 0.3)]).max()
    assert near > 1e-4
    np.testing.assert_array_equal(art.emg[: int(0.2 * fs)], clean.emg[: int(0.2 * fs)])


def test_channels_follow_naming_conventions():
    s = simulate(Protocol((Step("rest", duration_s=2.0),)), muscles=("GM", "gluteus_maximus"), emg_fs_hz=1500.0)
    assert s.emg_info.channel_names == ("GM_L", "GM_R", "GMAX_L", "GMAX_R") == s.truth.channel_names
    assert [(c.muscle, c.side, c.unit, c.kind) for c in s.emg_info.channels[:2]] == [
        ("gluteus_medius", "left", "V", "emg"),
        ("gluteus_medius", "right", "V", "emg"),
    ]
    assert s.emg.shape == (round(s.protocol.duration_s * 1500), 4) and s.emg_info.fs_hz == 1500.0
    with pytest.raises(ValueError, match="unknown muscle"):
        simulate(Protocol((Step("rest", duration_s=2.0),)), muscles=("biceps",))


def test_deterministic_by_seed():
    proto = Protocol((Step("stance", "left", duration_s=6.0),), lead_in_s=1.0, tail_s=1.0)
    a, b, c = simulate(proto, seed=7), simulate(proto, seed=7), simulate(proto, seed=8)
    np.testing.assert_array_equal(a.emg, b.emg)
    np.testing.assert_array_equal(a.force, b.force)
    np.testing.assert_array_equal(a.truth.activation_pct_mvc, b.truth.activation_pct_mvc)
    assert a.truth.events == b.truth.events
    assert not np.allclose(a.emg, c.emg)


# --- force plate -----------------------------------------------------------------------------


def _plate_axes_in_lab(corners: np.ndarray) -> np.ndarray:
    """Columns: plate x, y, z in the lab frame, from corners in C3D order (+x+y, -x+y, -x-y, +x-y)."""
    x = (corners[0] + corners[3]) - (corners[1] + corners[2])
    y = (corners[0] + corners[1]) - (corners[2] + corners[3])
    x, y = x / np.linalg.norm(x), y / np.linalg.norm(y)
    return np.column_stack([x, y, np.cross(x, y)])


def _cop_from_forces(force: np.ndarray, plate: dict) -> np.ndarray:
    """Lab COP from the closed form in the z-down plate frame: COPx = (-h*Fx - My)/Fz,
    COPy = (-h*Fy + Mx)/Fz, h = depth of the sensor origin below the surface."""
    h = plate["origin_m"][2]
    fx, fy, fz, mx, my = force[:, 0], force[:, 1], force[:, 2], force[:, 3], force[:, 4]
    with np.errstate(divide="ignore", invalid="ignore"):
        xy = np.column_stack([(-h * fx - my) / fz, (-h * fy + mx) / fz, np.zeros(len(fz))])
    corners = np.asarray(plate["corners_m"])
    return (xy @ _plate_axes_in_lab(corners).T + corners.mean(axis=0))[:, :2]


def test_plate_description_and_channels(sim_short):
    info = sim_short.force_info
    assert info.channel_names == ("Fx", "Fy", "Fz", "Mx", "My", "Mz")
    assert [c.unit for c in info.channels] == ["N"] * 3 + ["N*m"] * 3
    plate = info.plate
    corners = np.asarray(plate["corners_m"])
    assert corners.shape == (4, 3)
    assert np.ptp(corners[:, 0]) == pytest.approx(0.6) and np.ptp(corners[:, 1]) == pytest.approx(0.4)
    assert plate["origin_m"] == [0.0, 0.0, 0.04] and plate["sign_convention"] == "action"
    # AMTI-like z-down plate: x along lab x, z pointing down
    np.testing.assert_allclose(_plate_axes_in_lab(corners), np.diag([1.0, -1.0, -1.0]), atol=1e-12)
    np.testing.assert_array_equal(np.asarray(plate["calibration_matrix"]), np.eye(6))


def test_force_plate_package_reads_the_plate(sim_short):
    """The plate dict is a valid emgforce.forceplate.Plate and its COP agrees with the closed form."""
    from emgforce.forceplate import Plate, center_of_pressure

    plate = Plate.from_dict(sim_short.force_info.plate)
    res = center_of_pressure(sim_short.force, plate)
    ours = _cop_from_forces(sim_short.force, sim_short.force_info.plate)
    valid = np.asarray(res.valid)
    np.testing.assert_allclose(np.asarray(res.cop_m)[valid, :2], ours[valid], atol=1e-9)
    # where the package masks the COP the true load is below the threshold too (noise aside)
    assert np.mean(~np.isnan(sim_short.truth.cop_m[~valid, 0])) < 1e-3


def test_cop_from_forces_matches_truth(sim_short):
    cop = _cop_from_forces(sim_short.force, sim_short.force_info.plate)
    truth = sim_short.truth
    loaded = ~np.isnan(truth.cop_m[:, 0]) & (truth.fz_n > 100)
    assert loaded.mean() > 0.5
    err = cop[loaded] - truth.cop_m[loaded]
    assert np.sqrt(np.mean(err**2, axis=0)).max() < 1e-3  # < 1 mm RMS
    # the free moment closes the moment balance: Tz = Mz - COPx*Fy + COPy*Fx stays small
    f = sim_short.force
    tz = f[loaded, 5] - cop[loaded, 0] * f[loaded, 1] + cop[loaded, 1] * f[loaded, 0]
    assert np.abs(tz).max() < 2.0


def test_vertical_force_by_task(sim_short):
    s, fs, truth = sim_short, sim_short.force_info.fs_hz, sim_short.truth
    bw = truth.body_mass_kg * G
    fz = s.force[:, 2]

    def mean_fz(a, b):
        return fz[_window(fs, a, b)].mean()

    t = truth.trial("stance_double")
    assert mean_fz(t.start_s + 1, t.stop_s) == pytest.approx(bw, rel=0.02)
    t = truth.trial("stance_right")  # strong side: no balance loss
    lift = truth.events_between(t.start_s, t.stop_s, "lift")[0].time_s
    assert mean_fz(t.start_s + 0.6, lift - 0.1) == pytest.approx(0.5 * bw, rel=0.05)  # one foot on the plate
    assert mean_fz(lift + 0.5, t.stop_s) == pytest.approx(bw, rel=0.02)
    for label in ("mvc_left", "mvc_right", "rest"):  # side-lying / supine off the plate: no load, no COP
        t = truth.trial(label)
        w = _window(fs, t.start_s, t.stop_s)
        assert np.abs(fz[w]).max() < COP_FZ_THRESHOLD_N
        assert np.isnan(truth.cop_m[w]).all()
    t = truth.trial("bridge")
    holds = _hold_windows(truth, "bridge")
    rest_fz = mean_fz(t.start_s, holds[0][0] - 1.0)
    assert np.mean([mean_fz(a, b) for a, b in holds]) > 1.8 * rest_fz > 0.2 * bw
    for side in ("left", "right"):  # squat reps: COM acceleration moves Fz around body weight
        t = truth.trial(f"squat_{side}")
        w = fz[_window(fs, t.start_s + 1, t.stop_s)]
        assert w.min() < 0.93 * bw and w.max() > 1.07 * bw


def test_weak_side_balance_loss_is_a_force_jump(sim_short):
    truth, fs = sim_short.truth, sim_short.force_info.fs_hz
    bw = truth.body_mass_kg * G
    left, right = truth.trial("stance_left"), truth.trial("stance_right")
    touch = truth.events_between(left.start_s, left.stop_s, "touchdown")
    assert len(touch) == 1 and not truth.events_between(right.start_s, right.stop_s, "touchdown")
    td = touch[0].time_s
    fz = sim_short.force[:, 2]
    assert fz[_window(fs, td - 0.5, td - 0.1)].mean() > 0.97 * bw
    assert fz[_window(fs, td + 0.1, td + 0.4)].mean() < 0.7 * bw


def _sway_rms(cop: np.ndarray) -> np.ndarray:
    return np.sqrt(np.mean((cop - cop.mean(axis=0)) ** 2, axis=0))


def test_cop_sway_larger_and_ml_dominant_in_single_leg_stance(sim_short):
    """RMS sway about the mean: double-leg ~3-5 mm; single-leg larger, ML > AP, weak side worse."""
    truth, fs = sim_short.truth, sim_short.force_info.fs_hz
    cop = _cop_from_forces(sim_short.force, sim_short.force_info.plate)
    t = truth.trial("stance_double")
    double = _sway_rms(cop[_window(fs, t.start_s + 1, t.stop_s)])
    assert 0.0015 < double[0] < 0.005 and 0.002 < double[1] < 0.006
    single = {}
    for side in ("left", "right"):
        t = truth.trial(f"stance_{side}")
        lift = truth.events_between(t.start_s, t.stop_s, "lift")[0].time_s
        # before any balance loss (the weak side's touchdown comes >= 2 s after the lift)
        single[side] = _sway_rms(cop[_window(fs, lift + 0.5, lift + 2.0 if side == "left" else t.stop_s)])
    strong = single["right"]
    assert strong[0] > 2 * double[0] and strong[0] > 1.2 * strong[1]
    assert 0.005 < strong[0] < 0.012
    # the weak (left) side sways more, ML-dominant too, from the lift to its first touchdown
    t = truth.trial("stance_left")
    lift = truth.events_between(t.start_s, t.stop_s, "lift")[0].time_s
    touchdown = truth.events_between(t.start_s, t.stop_s, "touchdown")[0].time_s
    weak = _sway_rms(cop[_window(fs, lift + 0.5, touchdown - 0.1)])
    assert weak[0] > 1.2 * strong[0] and weak[0] > 1.2 * weak[1]
    weak_all = _sway_rms(truth.cop_m[_window(fs, t.start_s + 2.5, t.stop_s)])  # touchdown included
    assert weak_all[0] > strong[0]


def test_cop_sway_spectrum_is_low_frequency(sim_short):
    """>= 90 % of the (detrended) COP power lies below 2 Hz in quiet stance."""
    truth, fs = sim_short.truth, sim_short.force_info.fs_hz
    cop = _cop_from_forces(sim_short.force, sim_short.force_info.plate)
    t = truth.trial("stance_double")
    for axis in range(2):
        f, p = ss.welch(ss.detrend(cop[_window(fs, t.start_s + 1, t.stop_s), axis]), fs=fs, nperseg=4096)
        assert p[f < 2.0].sum() / p.sum() > 0.9

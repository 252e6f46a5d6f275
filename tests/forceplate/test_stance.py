"""Single-leg-stance events on synthetic trials whose event times are known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from emgforce.errors import ForcePlateError
from emgforce.forceplate import detect_balance_losses, detect_leg_lift, time_to_stabilization

FS = 1000.0
BW = 700.0


def trial(seed=0):
    """30 s: double stance (half the weight on each plate) until the lift at 3.0 s, then single-leg
    stance with a touch-down of the lifted foot at 10.0-10.6 s (load shared, second plate loaded),
    a stamp at 18.0-18.1 s (impact 1.4 BW) and a COP jump of 5 cm at 24.0 s."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(30 * FS)) / FS
    stance = np.where(t < 3.0, BW / 2, BW) + rng.normal(0, 5, t.size)
    other = np.where(t < 3.0, BW / 2, 0.0) + rng.normal(0, 1, t.size)
    td = (t >= 10.0) & (t < 10.6)
    stance[td] -= 300
    other[td] += 300
    stance[(t >= 18.0) & (t < 18.1)] = 1.4 * BW
    cop = np.column_stack([0.002 * np.sin(2 * np.pi * 0.7 * t), 0.004 * np.sin(2 * np.pi * 0.3 * t)])
    cop[t >= 24.0, 0] += 0.05
    return t, stance, other, cop


def test_leg_lift_from_the_stance_plate_the_other_plate_and_the_cop():
    t, stance, other, cop = trial()
    ev = detect_leg_lift(stance, FS, body_weight_n=BW)
    assert ev.kind == "lift" and ev.time_s == pytest.approx(3.0, abs=0.002)
    assert "body weight" in ev.reasons[0]
    est = detect_leg_lift(stance, FS)  # body weight estimated from the second half
    assert est.time_s == pytest.approx(3.0, abs=0.002) and "700 N" in est.reasons[0]
    ev2 = detect_leg_lift(stance, FS, other_fz_n=other)
    assert ev2.time_s == pytest.approx(3.0, abs=0.002) and "lifted foot" in ev2.reasons[0]
    # one plate under both feet: the ML COP moves under the stance foot
    both = np.where(t[:, None] < 3.0, cop, cop + [0.08, 0.0])
    ev3 = detect_leg_lift(stance, FS, cop_m=both, cop_shift_m=0.05)
    assert ev3.time_s == pytest.approx(3.0, abs=0.002) and "ML COP" in ev3.reasons[0]


def test_no_leg_lift_says_why():
    with pytest.raises(ForcePlateError, match="no leg lift found"):
        detect_leg_lift(np.full(5000, BW / 2), FS, body_weight_n=BW)
    with pytest.raises(ForcePlateError, match="cop_shift_m"):
        detect_leg_lift(np.full(5000, BW), FS, cop_m=np.zeros((5000, 2)))


def test_balance_losses_with_reasons():
    t, stance, other, cop = trial()
    events = detect_balance_losses(stance, FS, body_weight_n=BW, start_s=3.5, cop_m=cop, other_fz_n=other)
    assert [e.kind for e in events] == ["touchdown"] * 3
    td, stamp, jump = events
    assert td.time_s == pytest.approx(10.0, abs=0.002) and td.end_s == pytest.approx(10.6, abs=0.002)
    assert {r.split(":")[0] for r in td.reasons} == {"fz_drop", "second_plate_load"}
    assert stamp.time_s == pytest.approx(18.0, abs=0.002) and stamp.end_s == pytest.approx(18.1, abs=0.002)
    assert [r.split(":")[0] for r in stamp.reasons] == ["fz_rise"] and "980 N" in stamp.reasons[0]
    assert jump.time_s == pytest.approx(24.0, abs=0.002) and jump.reasons[0].startswith("cop_jump")
    # without the extra signals only the force criteria remain
    only_fz = detect_balance_losses(stance, FS, body_weight_n=BW, start_s=3.5)
    assert [round(e.time_s, 1) for e in only_fz] == [10.0, 18.0]
    # double stance before the lift is not analysed when start_s is the lift
    assert detect_balance_losses(stance, FS, body_weight_n=BW, start_s=0.0)[0].time_s == 0.0


def test_balance_loss_spikes_shorter_than_min_duration_are_dropped():
    _, stance, _, _ = trial()
    stance[20000:20005] = 2 * BW  # 5 ms artefact
    times = [e.time_s for e in detect_balance_losses(stance, FS, body_weight_n=BW, start_s=3.5)]
    assert 20.0 not in [round(x, 3) for x in times]


def test_time_to_stabilization_colby_on_a_damped_oscillation():
    # ML sway after the lift: a 2 Hz burst decaying from 20 mm (tau 1 s) that ends at 3.0 s (a zero
    # crossing) over a steady 1 mm, 0.4 Hz sway; the 5 s reference holds two whole cycles, so the
    # band is exactly the steady sway's range +-1 mm
    t = np.arange(int(20 * FS)) / FS
    burst = np.where(t < 3.0, 0.020 * np.exp(-t) * np.sin(2 * np.pi * 2 * t), 0.0)
    x = burst + 0.001 * np.sin(2 * np.pi * 0.4 * t)
    res = time_to_stabilization(x, FS, method="colby", reference_s=5.0, hold_s=1.0)
    assert res.band == pytest.approx((-0.001, 0.001), rel=1e-9)
    # the burst alone exceeds 2 mm (band + steady sway) at its peaks until log(10) s
    assert np.log(0.020 / 0.002) - 0.25 < res.time_s <= 3.0
    inside = np.abs(x[:-5000]) <= 0.001 * (1 + 1e-12)
    first = next(i for i in range(inside.size) if inside[i:i + 1000].all())
    assert res.time_s == first / FS
    strict = time_to_stabilization(x, FS, method="colby", reference_s=5.0, hold_s=None)
    ref = x[-5000:]
    outside = np.flatnonzero((x[:-5000] < ref.min()) | (x[:-5000] > ref.max()))
    assert strict.time_s == (outside[-1] + 1) / FS >= res.time_s


def test_time_to_stabilization_sequential_average_write_out():
    rng = np.random.default_rng(1)
    t = np.arange(int(15 * FS)) / FS
    fz = BW + 400 * np.exp(-3 * t) + rng.normal(0, 10, t.size)
    onset = 1.0
    res = time_to_stabilization(fz, FS, onset_s=onset, method="sequential")
    post = fz[int(onset * FS):]
    seq = np.array([post[: k + 1].mean() for k in range(post.size)])
    ok = np.abs(seq - post.mean()) <= 0.25 * post.std()
    last_bad = np.flatnonzero(~ok)[-1]
    assert res.time_s == (last_bad + 1) / FS and res.reason is None
    assert res.band == pytest.approx((post.mean() - 0.25 * post.std(), post.mean() + 0.25 * post.std()))


def test_time_to_stabilization_never_and_bad_input():
    x = np.linspace(0, 1, 4000)  # a ramp never settles into its end range before the reference
    res = time_to_stabilization(np.r_[x, np.full(1000, 5.0)], FS, method="colby", reference_s=1.0, hold_s=None)
    assert np.isnan(res.time_s) and "still outside" in res.reason
    res = time_to_stabilization(np.r_[x, np.full(1000, 5.0)], FS, method="colby", reference_s=1.0)
    assert np.isnan(res.time_s) and "never 1 s inside" in res.reason
    with pytest.raises(ForcePlateError, match="method"):
        time_to_stabilization(x, FS, method="median")
    with pytest.raises(ForcePlateError, match="reference period"):
        time_to_stabilization(x, FS, method="colby", reference_s=10.0)
    with pytest.raises(ForcePlateError, match="NaN"):
        time_to_stabilization(np.r_[x, np.nan], FS)


def test_impossible_settings_are_refused_with_their_name():
    fz = np.r_[np.full(200, 350.0), np.full(800, 700.0)]
    for kwargs, name in (({"tolerance": -0.1}, "tolerance"), ({"tolerance": 1.0}, "tolerance"),
                         ({"min_hold_s": 0.0}, "min_hold_s")):
        with pytest.raises(ForcePlateError, match=name):
            detect_leg_lift(fz, 100.0, **kwargs)
    for kwargs, name in (({"body_weight_n": "heavy"}, "body_weight_n"), ({"body_weight_n": 0.0}, "body_weight_n"),
                         ({"body_weight_n": 700.0, "tolerance": 2.0}, "tolerance"),
                         ({"body_weight_n": 700.0, "cop_m": np.zeros((1000, 2)), "cop_window_s": -1}, "cop_window_s")):
        with pytest.raises(ForcePlateError, match=name):
            detect_balance_losses(fz, 100.0, **kwargs)
    for kwargs, name in (({"k_sd": -0.25}, "k_sd"), ({"method": "colby", "hold_s": -1.0}, "hold_s"),
                         ({"method": "colby", "reference_s": 0.0}, "reference_s")):
        with pytest.raises(ForcePlateError, match=name):
            time_to_stabilization(fz, 100.0, onset_s=2.0, **kwargs)

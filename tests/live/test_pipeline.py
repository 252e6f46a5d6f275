"""LivePipeline against closed forms (sine EMG, circling COP) and scipy."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import scipy.signal as ss
from scipy import stats

from emgforce.streams import Block, DeviceInfo, StreamInfo, ChannelInfo
from emgforce.errors import SignalError
from emgforce.live.pipeline import LivePipeline
from emgforce.live.trials import TrialController
from tests.live.conftest import run, steps

FS = 2000.0


def test_streamed_envelope_equals_the_offline_causal_envelope(scripted_device):
    """Blocks of irregular size through the pipeline give the envelope of the whole signal at once."""
    from emgforce.signal import emg_envelope

    rng = np.random.default_rng(3)
    x = rng.standard_normal((6000, 4)) * 1e-4
    info = DeviceInfo("x", (StreamInfo("emg", FS, tuple(ChannelInfo(n, muscle=None) for n in "abcd")),))
    pipe = LivePipeline(info, window_s=5.0)
    i = 0
    for n in rng.integers(1, 400, size=200):
        if i >= x.shape[0]:
            break
        pipe.feed([Block("emg", x[i : i + n], i)])
        i += n
    rows, first = pipe.emg_ring.latest()
    expected = emg_envelope(x, FS, zero_phase=False)
    assert first == 0 and rows.shape == x.shape
    np.testing.assert_allclose(rows, expected, rtol=1e-10, atol=1e-15)


def test_frame_now_is_the_newest_envelope_sample_under_heavy_decimation():
    from emgforce.signal import emg_envelope

    x = np.random.default_rng(5).standard_normal((16000, 2)) * 1e-4
    info = DeviceInfo("x", (StreamInfo("emg", FS, tuple(ChannelInfo(n, muscle=None) for n in "ab")),))
    pipe = LivePipeline(info, window_s=5.0)
    for i in range(0, x.shape[0], 100):
        pipe.feed([Block("emg", x[i : i + 100], i)])
    frame = pipe.frame(n_bins=50)  # 200 samples per bin
    expected = emg_envelope(x, FS, zero_phase=False)[-1]
    np.testing.assert_allclose(frame.emg_now, expected, rtol=1e-10)
    assert frame.emg_t_s[-1] == 0.0 and frame.emg_t_s[0] == pytest.approx(-5.0 + 1 / FS)


def test_conversion_and_offset_are_applied_before_the_envelope():
    from emgforce.signal import emg_envelope

    x = np.random.default_rng(0).standard_normal((3000, 1))
    ch = ChannelInfo("GM_L", muscle="gluteus_medius", side="left", conversion=2e-6, offset=5.0)
    pipe = LivePipeline(DeviceInfo("x", (StreamInfo("emg", FS, (ch,)),)))
    pipe.feed([Block("emg", x, 0)])
    np.testing.assert_allclose(pipe.emg_ring.latest()[0], emg_envelope(x * 2e-6 + 5.0, FS, zero_phase=False),
                               rtol=1e-9, atol=1e-15)


def test_envelope_level_of_a_sine_in_signal_units(scripted_device):
    """Rectified sine of amplitude A averages 2A/pi, times the band-pass gain at the carrier (scipy)."""
    amps = (1e-3, 2e-3, 0.5e-3, 1.5e-3)
    dev = scripted_device(steps([(0.0, amps)]), with_force=False)
    pipe = LivePipeline(dev.describe(), window_s=4.0)
    run(dev, pipe, 3.0)
    frame = pipe.frame()
    sos = ss.butter(2, (20.0, 450.0), btype="band", fs=FS, output="sos")
    _, h = ss.sosfreqz(sos, worN=np.array(dev.carriers_hz), fs=FS)
    expected = 2.0 / np.pi * np.array(amps) * np.abs(h)
    np.testing.assert_allclose(frame.emg_now, expected, rtol=0.01)
    assert frame.emg_unit == "V"
    assert not frame.emg_percent.any()
    assert frame.cop_now_m is None and np.isnan(frame.fz_n)
    assert pipe.emg_delay_s > 0.03  # the 6 Hz 2nd-order low-pass alone delays ~38 ms


def test_mvc_capture_gives_percent_mvc_in_closed_form(scripted_device):
    """MVC of amplitude 1 mV, then 0.5 mV left and 0.8 mV right: 50 and 80 %MVC, whatever the filters."""
    dev = scripted_device(steps([(0.0, (1e-3, 2e-3, 1e-3, 1e-3)), (6.0, (0.5e-3, 1.6e-3, 0.25e-3, 1e-3))]))
    pipe = LivePipeline(dev.describe(), window_s=10.0)
    ctl = TrialController(pipe)
    run(dev, pipe, 0.5)
    ctl.start_trial("mvc", "left")
    run(dev, pipe, 2.0)
    ref_left = ctl.stop_trial()
    assert set(ref_left) == {"GM_L", "TFL_L"}
    frame = pipe.frame()
    assert list(frame.emg_percent) == [True, False, True, False]
    assert frame.emg_unit == "%MVC / V"
    ctl.start_trial("mvc", "right")
    run(dev, pipe, 2.0)
    ctl.stop_trial()
    assert set(pipe.mvc_reference) == {"GM_L", "GM_R", "TFL_L", "TFL_R"}
    run(dev, pipe, 3.0)  # amplitudes change at 6 s; settle
    frame = pipe.frame()
    assert frame.emg_unit == "%MVC"
    np.testing.assert_allclose(frame.emg_now, [50.0, 80.0, 25.0, 100.0], rtol=0.005)
    # the whole visible history is in %MVC too: before the change it read 100
    before = frame.emg_t_s < -4.0
    np.testing.assert_allclose(frame.emg[before][-1], 100.0, rtol=0.005)
    assert [m.kind for m in ctl.markers] == ["start", "stop", "start", "stop"]
    assert [m.label for m in ctl.markers] == ["mvc_left"] * 2 + ["mvc_right"] * 2
    np.testing.assert_allclose([m.time_s for m in ctl.markers], [0.5, 2.5, 2.5, 4.5], atol=0.021)


def test_session_reference_is_the_largest_mvc_trial(scripted_device):
    dev = scripted_device(steps([(0.0, (1e-3,) * 4), (3.0, (2e-3,) * 4), (6.0, (1e-3,) * 4)]))
    pipe = LivePipeline(dev.describe(), window_s=10.0)
    ctl = TrialController(pipe)
    run(dev, pipe, 0.5)
    ctl.start_trial("mvc", "left")
    run(dev, pipe, 2.0)
    first = ctl.stop_trial()["GM_L"]
    run(dev, pipe, 1.0)
    ctl.start_trial("mvc", "left")
    run(dev, pipe, 2.0)
    second = ctl.stop_trial()["GM_L"]
    run(dev, pipe, 1.0)
    ctl.start_trial("mvc", "left")  # weaker third trial does not lower the reference
    run(dev, pipe, 2.0)
    third = ctl.stop_trial()["GM_L"]
    assert second == pytest.approx(2 * first, rel=0.01)
    assert third == second


def test_mvc_capture_ends_by_itself_after_its_duration(scripted_device):
    """mvc_duration_s=2: poll() leaves a 1.5 s capture running and ends it once 2 s of data passed."""
    dev = scripted_device(steps([(0.0, (1e-3, 2e-3, 1e-3, 1e-3))]), with_force=False)
    pipe = LivePipeline(dev.describe(), window_s=5.0)
    ctl = TrialController(pipe, mvc_duration_s=2.0)
    run(dev, pipe, 0.5)
    ctl.start_trial("mvc", "right")
    run(dev, pipe, 1.5)
    assert ctl.poll() is None and ctl.active is not None
    run(dev, pipe, 0.5)
    ref = ctl.poll()
    assert ctl.active is None and set(ref) == {"GM_R", "TFL_R"}
    assert [(m.label, m.kind) for m in ctl.markers] == [("mvc_right", "start"), ("mvc_right", "stop")]
    assert ctl.markers[1].time_s - ctl.markers[0].time_s == pytest.approx(2.0, abs=0.021)
    run(dev, pipe, 0.5)
    np.testing.assert_allclose(pipe.frame().emg_now[[1, 3]], [100.0, 100.0], rtol=0.005)


def test_too_short_mvc_capture_is_refused_with_advice(scripted_device):
    dev = scripted_device(steps([(0.0, (1e-3,) * 4)]), with_force=False)
    pipe = LivePipeline(dev.describe())
    ctl = TrialController(pipe)
    run(dev, pipe, 0.5)
    ctl.start_trial("mvc", "left")
    run(dev, pipe, 0.4)
    with pytest.raises(SignalError, match="at least 1 s"):
        ctl.stop_trial()
    assert pipe.mvc_reference == {}
    assert ctl.active is None and ctl.markers[-1].kind == "stop"


def test_cop_trail_velocity_and_ellipse_of_a_circle(scripted_device):
    """COP on a circle of radius r at f Hz: speed 2 pi r f; samples with covariance r^2/2 I."""
    r, f = 0.01, 0.5
    dev = scripted_device(steps([(0.0, (1e-3,) * 4)]), cop_radius_m=r, cop_hz=f)
    pipe = LivePipeline(dev.describe(), window_s=10.0)
    run(dev, pipe, 6.0)
    frame = pipe.frame(trail_s=4.0)  # two whole turns
    centre = np.array(dev.cop_centre_m)
    assert frame.cop_m.shape == (4000, 2)
    # the 10 Hz low-pass keeps a 0.5 Hz circle's radius
    np.testing.assert_allclose(np.hypot(*(frame.cop_m - centre).T), r, rtol=1e-3)
    assert frame.sway_velocity_m_s == pytest.approx(2 * np.pi * r * f, rel=2e-3)
    n = frame.cop_m.shape[0]
    k = stats.f.ppf(0.95, 2, n - 2) * 2 * (n - 1) * (n + 1) / (n * (n - 2))
    area = np.pi * k * r**2 / 2
    assert frame.ellipse_area_m2 == pytest.approx(area, rel=5e-3)
    radius = np.hypot(*(frame.ellipse_m - centre).T)
    np.testing.assert_allclose(radius, np.sqrt(k / 2) * r, rtol=5e-3)
    assert frame.fz_n == pytest.approx(700.0)
    np.testing.assert_allclose(frame.cop_now_m, frame.cop_m[-1])


def test_unloaded_plate_masks_the_cop(scripted_device):
    dev = scripted_device(steps([(0.0, (1e-3,) * 4)]), fz_n=5.0)
    pipe = LivePipeline(dev.describe())
    run(dev, pipe, 1.0)
    frame = pipe.frame()
    assert frame.cop_now_m is None and frame.cop_m.shape == (0, 2)
    assert np.isnan(frame.ellipse_area_m2) and np.isnan(frame.sway_velocity_m_s)
    assert frame.fz_n == pytest.approx(5.0)


def test_a_gap_keeps_time_and_is_logged(scripted_device, caplog):
    dev = scripted_device(steps([(0.0, (1e-3,) * 4)]), with_force=False)
    dev.open()
    dev.start()
    pipe = LivePipeline(dev.describe())
    pipe.feed(dev.read())
    dev.read()  # lost on the way
    with caplog.at_level(logging.WARNING):
        pipe.feed(dev.read())
    assert "40 samples missing" in caplog.text
    assert pipe.session_time_s == pytest.approx(0.06)
    assert pipe.emg_ring.total == 120


def test_an_empty_block_reporting_a_trailing_loss_keeps_time(scripted_device):
    dev = scripted_device(steps([(0.0, (1e-3,) * 4)]))
    pipe = LivePipeline(dev.describe())
    run(dev, pipe, 0.1)
    pipe.feed([Block("emg", np.empty((0, 4)), 210, missing=10), Block("force", np.empty((0, 6)), 110, missing=10)])
    assert pipe.session_time_s == pytest.approx(0.105)
    assert pipe.emg_ring.total == 210 and pipe.cop_ring.total == 110
    assert np.isnan(pipe.cop_ring.latest(10)[0]).all()  # the lost force samples carry no COP


def test_a_device_with_nothing_to_show_is_refused():
    info = DeviceInfo("x", (StreamInfo("aux", 100.0, (ChannelInfo("t", kind="trigger"),)),))
    with pytest.raises(SignalError, match="neither EMG"):
        LivePipeline(info)


def test_reference_for_unknown_channel_is_refused(scripted_device):
    pipe = LivePipeline(scripted_device(steps([(0.0, (1e-3,) * 4)])).describe())
    with pytest.raises(SignalError, match="unknown channel"):
        pipe.set_mvc_reference({"GM_X": 1.0})
    with pytest.raises(SignalError, match="positive"):
        pipe.set_mvc_reference({"GM_L": 0.0})


def test_reps_and_trials_are_marked_at_session_time(scripted_device):
    dev = scripted_device(steps([(0.0, (1e-3,) * 4)]), with_force=False)
    pipe = LivePipeline(dev.describe())
    seen = []
    ctl = TrialController(pipe, seen.append)
    run(dev, pipe, 1.0)
    ctl.start_trial("single_leg_bridge", "right")
    run(dev, pipe, 0.5)
    assert ctl.rep() == 1
    run(dev, pipe, 0.5)
    assert ctl.rep() == 2
    ctl.toggle_trial("single_leg_bridge", "right")
    assert ctl.active is None
    assert [(m.label, m.kind) for m in seen] == [
        ("single_leg_bridge_right", "start"), ("rep", "mark"), ("rep", "mark"), ("single_leg_bridge_right", "stop")]
    np.testing.assert_allclose([m.time_s for m in seen], [1.0, 1.5, 2.0, 2.0])
    with pytest.raises(ValueError, match="needs a side"):
        ctl.start_trial("stance")

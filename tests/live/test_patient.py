"""The patient view offscreen: bar heights against a known %MVC, the countdown ring and texts, two sizes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from emgforce.live.patient import (
    BACKGROUND, BAR_IN_BAND, BAR_OUT_OF_BAND_PATIENT, RING, RING_TRACK, TEXT, PatientState, PatientView,
)
from emgforce.live.pipeline import LivePipeline
from emgforce.live.trials import TrialController
from emgforce.live.window import LiveWindow
from tests.live.conftest import run, steps


def colour(image: QtGui.QImage, x: float, y: float) -> np.ndarray:
    c = image.pixelColor(int(round(x)), int(round(y)))
    return np.array([c.red(), c.green(), c.blue()])


def is_colour(image, x, y, rgb, tol=12) -> bool:
    return bool(np.abs(colour(image, x, y) - np.array(rgb[:3])).max() <= tol)


def column_runs(image, x, y0, y1, rgb):
    """Pixel rows in [y0, y1) of column ``x`` that have colour ``rgb``."""
    return [y for y in range(int(y0), int(y1)) if is_colour(image, x, y, rgb)]


def bar_fraction(image, view, side, fill):
    """Filled pixels of a bar's column over its whole track, as the screenshot shows it: one solid
    run from the bar's bottom up."""
    r = view.bar_rect(side)
    x = r.center().x()
    filled = column_runs(image, x, 0, image.height(), fill)
    track = [y for y in range(image.height()) if not is_colour(image, x, y, BACKGROUND, tol=4)
             and r.top() - 1 <= y <= r.bottom() + 1]
    assert filled and filled == list(range(filled[0], filled[-1] + 1)) and filled[-1] >= r.bottom() - 1.5
    return len(filled) / len(track), len(track)


STATE = PatientState(
    values_pct={"left": 50.0, "right": 80.0},
    target=(40.0, 60.0),
    instruction="single-leg bridge, left: lift and hold 3 s",
    countdown_s=2.4,
    countdown_total_s=3.0,
    reps=3,
    reps_target=10,
    note="last rep: 2.8 s in the green band",
)


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_patient_view_shows_bars_countdown_and_reps(app, size, tmp_path):
    view = PatientView(("left", "right"))
    view.resize(*size)
    view.set_state(STATE)
    view.show()
    app.processEvents()
    path = tmp_path / "patient.png"
    assert view.grab().save(str(path))
    image = QtGui.QImage(str(path))
    assert (image.width(), image.height()) == size

    # bars: the filled height over the whole track is value / top (top = 100 %MVC here), measured in pixels
    assert view.top_pct == 100.0
    for side, value, fill in (("left", 50.0, BAR_IN_BAND), ("right", 80.0, BAR_OUT_OF_BAND_PATIENT)):
        fraction, track = bar_fraction(image, view, side, fill)
        assert fraction == pytest.approx(value / 100.0, abs=2.0 / track)
    # in the band the bar is green, outside blue; the band shows behind the empty part of the track
    assert not column_runs(image, view.bar_rect("left").center().x(), 0, size[1], BAR_OUT_OF_BAND_PATIENT)
    assert not column_runs(image, view.bar_rect("right").center().x(), 0, size[1], BAR_IN_BAND)

    # countdown ring: 2.4 of 3 s left = 80 % of the circle, drawn clockwise from 12 o'clock
    ring = view.ring_rect()
    cx, cy = ring.center().x(), ring.center().y()
    radius = 0.5 * ring.width() - 0.045 * ring.width()  # middle of the ring's stroke
    for angle_deg, rgb in ((30, RING), (90, RING), (180, RING), (270, RING), (300, RING_TRACK), (340, RING_TRACK)):
        a = math.radians(angle_deg)  # clockwise from 12 o'clock; image y grows downwards
        assert is_colour(image, cx + radius * math.sin(a), cy - radius * math.cos(a), rgb, tol=20), angle_deg

    # texts: the countdown rounds up, the reps read "reps 3 / 10", each painted inside the view, not cut off
    texts = dict(view.drawn_texts)
    assert STATE.countdown_text == "3 s" and "3 s" in texts
    assert "reps 3 / 10" in texts and STATE.instruction in texts and STATE.note in texts
    assert "LEFT  50 %" in texts and "RIGHT  80 %" in texts
    full = QtCore.QRectF(0, 0, *size)
    for text, rect in view.drawn_texts:
        assert full.contains(rect), text
        white = sum(is_colour(image, x, y, TEXT, tol=40)
                    for x in np.linspace(rect.left(), rect.right() - 1, 60)
                    for y in np.linspace(rect.top(), rect.bottom() - 1, 30))
        assert white > 0, text  # something of the text was painted there
    # larger screen, larger type (readable from two metres)
    view.close()


def test_countdown_text_and_scale(app):
    assert PatientState(countdown_s=2.01).countdown_text == "3 s"
    assert PatientState(countdown_s=0.0).countdown_text == "0 s"
    assert PatientState().countdown_text == ""
    view = PatientView(("left",))
    view.resize(800, 600)
    view.set_state(PatientState(values_pct={"left": 150.0}, target=(40, 60)))
    # never clipped at 100: the scale grows past the largest value
    assert view.top_pct == pytest.approx(165.0)
    assert view.value_y("left", 150.0) > view.bar_rect("left").top()
    view.close()


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_the_operator_window_drives_the_patient_view(app, scripted_device, size, tmp_path):
    """MVC at 1 mV, then GM_L 0.5 mV (50 %MVC) and GM_R 0.8 mV (80 %MVC): the patient view shows them,
    bar heights read back from its screenshot."""
    dev = scripted_device(steps([(0.0, (1e-3,) * 4), (5.0, (0.5e-3, 0.8e-3, 0.2e-3, 0.3e-3))]), with_force=False)
    pipe = LivePipeline(dev.describe(), window_s=10.0)
    ctl = TrialController(pipe)
    window = LiveWindow(pipe, ctl, window_s=10.0, target=(40, 60))
    patient = window.open_patient_view(fullscreen=False)
    patient.resize(*size)
    run(dev, pipe, 0.5)
    for side in ("left", "right"):
        ctl.start_trial("mvc", side)
        run(dev, pipe, 2.0)
        ctl.stop_trial()
    ctl.start_trial("single_leg_bridge", "left")
    run(dev, pipe, 4.5)
    ctl.rep()
    window.refresh()
    state = patient.state
    assert state.values_pct["left"] == pytest.approx(50.0, rel=0.005)
    assert state.values_pct["right"] == pytest.approx(80.0, rel=0.005)
    assert state.instruction == "single leg bridge (left)" and state.reps == 1 and state.target == (40.0, 60.0)
    app.processEvents()
    path = tmp_path / "patient.png"
    assert patient.grab().save(str(path))
    image = QtGui.QImage(str(path))
    assert (image.width(), image.height()) == size
    for side, pct, fill in (("left", 50.0, BAR_IN_BAND), ("right", 80.0, BAR_OUT_OF_BAND_PATIENT)):
        fraction, track = bar_fraction(image, patient, side, fill)
        assert fraction == pytest.approx(pct / 100.0, abs=2.0 / track + 0.005)
    texts = dict(patient.drawn_texts)
    assert "reps 1" in texts and "single leg bridge (left)" in texts and "LEFT  50 %" in texts
    window.close()
    assert not patient.isVisible()  # closes with the operator window


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_operator_window_fits_1280x720_and_1920x1080(app, scripted_device, size):
    dev = scripted_device(steps([(0.0, (1e-3,) * 4)]))
    pipe = LivePipeline(dev.describe(), window_s=10.0)
    window = LiveWindow(pipe, TrialController(pipe), window_s=10.0)
    window.status_message = "MVC reference set: GM_L 0.000707, TFL_L 0.000707, GM_R 0.000707, TFL_R 0.000707"
    window.resize(*size)
    window.show()
    app.processEvents()
    run(dev, pipe, 1.0)
    window.refresh()
    app.processEvents()
    assert (window.width(), window.height()) == size
    frame = QtCore.QRect(0, 0, *size)
    controls = [window.task_box, window.side_box, window.trial_button, window.rep_button, window.rep_label,
                window.mvc_button, window.low_box, window.high_box, window.window_box, window.status]
    for w in controls:
        top_left = w.mapTo(window, QtCore.QPoint(0, 0))
        rect = QtCore.QRect(top_left, w.size())
        assert w.isVisible() and frame.contains(rect), (w, rect)
        if w is not window.status:
            assert w.width() >= w.minimumSizeHint().width(), w  # not squeezed
    # the whole status text fits in its label (wrapping, not cut off)
    text = window.status.text()
    assert "MVC reference set" in text
    need = window.status.fontMetrics().boundingRect(QtCore.QRect(0, 0, window.status.width(), 10_000),
                                                    int(QtCore.Qt.TextWordWrap), text)
    assert need.height() <= window.status.height()
    for plot in (window.emg_view, window.bar_plot, window.cop_plot):
        assert plot.width() > 150 and plot.height() > 300
    window.close()


def test_the_patient_view_goes_full_screen_on_the_only_screen(app):
    """Offscreen there is one screen: the view takes it, full screen (a second one would be preferred)."""
    from PySide6 import QtGui

    view = PatientView(("left", "right"))
    screen = view.show_on_patient_screen()
    app.processEvents()
    assert QtGui.QGuiApplication.screens() == [QtGui.QGuiApplication.primaryScreen()]
    assert screen is QtGui.QGuiApplication.primaryScreen() and view.screen() is screen
    assert view.isFullScreen() and view.geometry() == screen.geometry()
    view.close()


def test_audio_follows_the_working_side_in_the_window(app, scripted_device):
    """Right-side trial: the tone follows GM_R (80 %MVC -> 220 * 4 ** 0.8 Hz), not GM_L (50 %MVC)."""
    from emgforce.live.audio import AudioFeedback
    from tests.live.test_audio import peak_hz

    dev = scripted_device(steps([(0.0, (1e-3,) * 4), (5.0, (0.5e-3, 0.8e-3, 0.2e-3, 0.3e-3))]), with_force=False)
    pipe = LivePipeline(dev.describe(), window_s=10.0)
    ctl = TrialController(pipe)
    window = LiveWindow(pipe, ctl, window_s=10.0, target=(40, 60))
    window.audio = AudioFeedback("tone", fs=44100.0)
    run(dev, pipe, 0.5)
    for side in ("left", "right"):
        ctl.start_trial("mvc", side)
        run(dev, pipe, 2.0)
        ctl.stop_trial()
    ctl.start_trial("squat", "right")
    run(dev, pipe, 4.5)
    window.refresh()
    window.audio.render(4410)
    assert peak_hz(window.audio.render(44100)) == pytest.approx(220.0 * 4.0 ** 0.8, rel=0.01)
    window.close()

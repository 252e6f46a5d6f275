"""The live window offscreen: it opens, data flows, pixels sit where the closed form says, keys write events."""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtCore, QtGui
from PySide6.QtTest import QTest

from emgforce.live.pipeline import LivePipeline
from emgforce.live.session import LiveSession
from emgforce.live.trials import TrialController
from emgforce.live.window import BAR_IN_BAND, BAR_OUT_OF_BAND, SIDE_COLOURS, LiveWindow
from tests.live.conftest import run, steps


def wait(app, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.005)


def wait_until(app, condition, timeout_s=30.0):
    """Process events until ``condition()`` holds (generous timeout: the machine may be busy)."""
    end = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < end, "timed out waiting for the live display"
        app.processEvents()
        time.sleep(0.005)


def test_window_opens_and_live_data_flows(app, scripted_device):
    dev = scripted_device(steps([(0.0, (1e-3,) * 4)]), realtime=True, block_s=0.01)
    session = LiveSession(dev, window_s=5.0)
    window = LiveWindow(session.pipeline, session.controller, window_s=5.0, fps=60)
    session.start()
    window.show()
    window.start()
    try:
        # ten frames drawn with data, over at least a second of it
        wait_until(app, lambda: len(window.latencies_s) >= 10 and window.last_frame.session_time_s >= 1.0)
        assert session.running
    finally:
        window.close()
        session.stop()
    assert not session.running and not dev.opened
    frame = window.last_frame
    x, y = window.emg_curves[0].getData()
    assert x.size > 10 and np.all(np.diff(x) >= 0) and -5.0 <= x[0] and x[-1] <= 0.0
    assert y.max() > 0
    # every frame drew data received before it was drawn
    assert min(window.latencies_s) >= 0.0
    assert frame.cop_now_m is not None and frame.fz_n == pytest.approx(700.0)


def _pixel(image: QtGui.QImage, window, plot_widget, x, y):
    """Window-image pixel of the data point (x, y) of a PlotWidget / PlotItem's view box."""
    if isinstance(plot_widget, pg.PlotItem):
        view, vb = window.emg_view, plot_widget.vb
    else:
        view, vb = plot_widget, plot_widget.getPlotItem().vb
    scene = vb.mapViewToScene(QtCore.QPointF(x, y))
    local = view.mapFromScene(scene)
    p = view.mapTo(window, local)
    return p.x(), p.y()


def _colour(image, px, py):
    c = image.pixelColor(int(px), int(py))
    return np.array([c.red(), c.green(), c.blue()])


def _near(image, px, py, rgb, radius=3, tol=30):
    """Whether a pixel within ``radius`` of (px, py) (a square) has colour ``rgb``."""
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            if np.abs(_colour(image, px + dx, py + dy) - rgb).max() <= tol:
                return True
    return False


def test_screenshot_pixels_show_bars_and_curves_at_the_closed_form_level(app, scripted_device, tmp_path):
    """MVC at 1 mV, then GM_L 0.5 mV (50 %MVC, inside 40-60) and GM_R 0.8 mV (80 %MVC, outside)."""
    dev = scripted_device(steps([(0.0, (1e-3,) * 4), (5.0, (0.5e-3, 0.8e-3, 0.2e-3, 0.3e-3))]))
    pipe = LivePipeline(dev.describe(), window_s=10.0)
    ctl = TrialController(pipe)
    window = LiveWindow(pipe, ctl, window_s=10.0, target=(40, 60), trail_s=4.0)
    window.resize(1400, 700)
    window.show()
    run(dev, pipe, 0.5)
    ctl.start_trial("mvc", "left")
    run(dev, pipe, 2.0)
    ctl.stop_trial()
    ctl.start_trial("mvc", "right")
    run(dev, pipe, 2.0)
    ctl.stop_trial()
    run(dev, pipe, 4.5)  # 9 s: 4 s after the change
    app.processEvents()
    path = tmp_path / "live.png"
    window.screenshot(path)
    image = QtGui.QImage(str(path))
    assert image.width() == window.width() and image.height() == window.height()
    frame = window.last_frame
    np.testing.assert_allclose(frame.emg_now[:2], [50.0, 80.0], rtol=0.005)

    bars = window.bar_plot
    green, grey, white = np.array(BAR_IN_BAND), np.array(BAR_OUT_OF_BAND), np.array([255, 255, 255])
    # left bar (x=0) green up to 50, not above; right bar (x=1) grey up to 80, background above
    assert np.abs(_colour(image, *_pixel(image, window, bars, 0.0, 47.0)) - green).max() <= 10
    assert np.abs(_colour(image, *_pixel(image, window, bars, 0.0, 53.0)) - green).max() > 40  # band tint only
    assert np.abs(_colour(image, *_pixel(image, window, bars, 1.0, 77.0)) - grey).max() <= 10
    assert np.abs(_colour(image, *_pixel(image, window, bars, 1.0, 83.0)) - white).max() <= 10
    # GM envelopes: left curve at 50, right at 80, one second ago; nothing in between
    gm = window.emg_plots["gluteus_medius"]
    assert _near(image, *_pixel(image, window, gm, -1.0, 50.0), SIDE_COLOURS["left"])
    assert _near(image, *_pixel(image, window, gm, -1.0, 80.0), SIDE_COLOURS["right"])
    mid = _pixel(image, window, gm, -1.0, 65.0)
    assert not _near(image, *mid, SIDE_COLOURS["left"]) and not _near(image, *mid, SIDE_COLOURS["right"])
    # and before the change both read 100 %MVC (the right curve is drawn over the left one)
    assert _near(image, *_pixel(image, window, gm, -6.0, 100.0), SIDE_COLOURS["right"])
    assert not _near(image, *_pixel(image, window, gm, -6.0, 85.0), SIDE_COLOURS["right"])
    # the COP point is drawn where the device put it
    cop = frame.cop_now_m
    assert _near(image, *_pixel(image, window, window.cop_plot, cop[0], cop[1]), (214, 39, 40), radius=2)
    window.close()


def test_keys_write_trials_reps_and_an_mvc_into_the_recording(app, scripted_device, tmp_path):
    from emgforce.io import read_recording
    from emgforce.live.reference import reference_from_recording

    dev = scripted_device(steps([(0.0, (1e-3, 2e-3, 1e-3, 1e-3))]), realtime=True, block_s=0.01)
    out = tmp_path / "session.h5"
    session = LiveSession(dev, record_path=out, subject="S01", window_s=5.0)
    window = LiveWindow(session.pipeline, session.controller, window_s=5.0, fps=60)
    window.task_box.setCurrentText("single_leg_bridge")
    window.side_box.setCurrentText("right")
    session.start()
    window.show()
    window.activateWindow()
    window.start()
    pipe = session.pipeline

    def data_time_passes(seconds):
        end = pipe.session_time_s + seconds
        wait_until(app, lambda: pipe.session_time_s >= end)

    try:
        data_time_passes(0.3)
        QTest.keyClick(window, QtCore.Qt.Key_Space)
        data_time_passes(0.2)
        QTest.keyClick(window, QtCore.Qt.Key_R)
        data_time_passes(0.2)
        QTest.keyClick(window, QtCore.Qt.Key_R)
        data_time_passes(0.2)
        assert window.rep_label.text() == "reps: 2"
        QTest.keyClick(window, QtCore.Qt.Key_Space)
        window.side_box.setCurrentText("left")
        QTest.keyClick(window, QtCore.Qt.Key_M)
        assert window.mvc_button.text() == "Finish MVC [M]"
        data_time_passes(1.5)
        QTest.keyClick(window, QtCore.Qt.Key_M)
        data_time_passes(0.1)
    finally:
        window.close()
        session.stop()
    assert session.summary is not None and session.summary.ok
    live_ref = session.pipeline.mvc_reference
    assert set(live_ref) == {"GM_L", "TFL_L"}

    rec = read_recording(out)
    got = [(e.label, e.kind) for e in rec.events]
    assert got == [
        ("single_leg_bridge_right", "start"),
        ("rep", "mark"),
        ("rep", "mark"),
        ("single_leg_bridge_right", "stop"),
        ("mvc_left", "start"),
        ("mvc_left", "stop"),
    ]
    # marker times are the display's session time, on the recording's time line
    times = [e.time_s for e in rec.events]
    assert times == sorted(times) and times[0] >= 0.3 and times[-1] <= rec.duration_s
    (bridge,) = rec.trials(task="single_leg_bridge")
    assert bridge.side == "right" and bridge.duration_s >= 0.6
    assert len(rec.events_between(bridge.start_s, bridge.stop_s, label="rep")) == 2
    (mvc,) = rec.trials(task="mvc")
    assert mvc.duration_s >= 1.5
    # the reference rebuilt from the file equals the one captured live (same causal envelope)
    file_ref = reference_from_recording(out)
    assert set(file_ref) == {"GM_L", "TFL_L"}
    for name in live_ref:
        assert file_ref[name] == pytest.approx(live_ref[name], rel=1e-3)


def test_the_time_window_box_narrows_the_envelopes_and_is_bounded(app, scripted_device):
    dev = scripted_device(steps([(0.0, (1e-3,) * 4)]), with_force=False)
    pipe = LivePipeline(dev.describe(), window_s=8.0)
    window = LiveWindow(pipe, TrialController(pipe), window_s=8.0)
    window.show()
    run(dev, pipe, 9.0)
    window.window_box.setValue(3.0)  # as the user would
    window.refresh()
    x, _ = window.emg_curves[0].getData()
    assert -3.0 <= x[0] < -2.99 and x[-1] == 0.0
    (x0, x1), _ = window.emg_plots["gluteus_medius"].vb.viewRange()
    assert (x0, x1) == pytest.approx((-3.0, 0.0))
    window.set_window(60.0)  # more than the pipeline keeps
    window.refresh()
    assert window.window_s == 8.0 and window.emg_curves[0].getData()[0][0] >= -8.0
    assert not window.cop_plot.isVisible()  # no force plate on this device
    window.close()


def test_a_binding_whose_emit_drops_a_reference_to_true_is_refused(monkeypatch):
    """PySide6 6.12.0's fault, reproduced with ctypes: each emit() releases a reference to True it
    never took. The guard must refuse it (and pass the installed binding)."""
    import ctypes
    import types

    from emgforce.errors import DisplayError
    from emgforce.live import window as live_window

    live_window.check_qt_binding()  # the installed binding is sound
    dropped = []

    class LeakySignal:
        def __get__(self, obj, owner):
            return self

        def emit(self):
            ctypes.pythonapi.Py_DecRef(ctypes.py_object(True))
            dropped.append(1)

    monkeypatch.setattr(live_window, "QtCore", types.SimpleNamespace(QObject=object, Signal=LeakySignal))
    try:
        with pytest.raises(DisplayError, match="drops a reference to True.*install another version"):
            live_window.check_qt_binding()
    finally:
        for _ in dropped:  # give the references back
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    assert len(dropped) == 64


def test_bars_of_a_side_without_mvc_stay_empty_once_the_other_side_has_one(app, scripted_device):
    """MVC captured on the left only (1 mV), then GM_L at 0.5 mV: left bar 50 %MVC in the band,
    right bar empty and labelled, not its volts drawn on the %MVC axis."""
    dev = scripted_device(steps([(0.0, (1e-3,) * 4), (3.0, (0.5e-3, 0.8e-3, 0.2e-3, 0.3e-3))]), with_force=False)
    pipe = LivePipeline(dev.describe(), window_s=5.0)
    ctl = TrialController(pipe)
    window = LiveWindow(pipe, ctl, window_s=5.0, target=(40, 60))
    run(dev, pipe, 0.5)
    ctl.start_trial("mvc", "left")
    run(dev, pipe, 2.0)
    ctl.stop_trial()
    run(dev, pipe, 3.5)
    window.refresh()
    heights = window.bars.opts["height"]
    assert heights[0] == pytest.approx(50.0, rel=0.01) and heights[1] == 0.0
    assert [b.textItem.toPlainText() for b in window.bar_labels] == ["50", "no MVC"]
    assert window.bars.opts["brushes"] == [BAR_IN_BAND, BAR_OUT_OF_BAND]
    assert window.band.isVisible() and window.bar_plot.getAxis("left").labelText == "GM (%MVC)"
    # the envelopes: left channels in %MVC, right ones (no reference) not drawn on that axis
    names = [ch.name for ch in pipe.emg_channels]
    x, y = window.emg_curves[names.index("GM_L")].getData()
    assert y[-1] == pytest.approx(50.0, rel=0.01) and x[-1] == 0.0
    right_x, _ = window.emg_curves[names.index("GM_R")].getData()
    assert right_x is None or len(right_x) == 0
    assert window.emg_plots["gluteus_medius"].getAxis("left").labelText == "%MVC"
    assert "no MVC yet: GM_R TFL_R" in window.status.text()
    window.close()


def test_z_switches_between_the_zoomed_cop_and_the_whole_plate(app, scripted_device):
    """A 1 cm COP circle on a 0.6 m x 0.4 m plate: zoomed, the view is far smaller than the plate;
    Z shows the whole plate outline (and keeps it while data flows); Z again follows the COP."""
    dev = scripted_device(steps([(0.0, (1e-3,) * 4)]))
    pipe = LivePipeline(dev.describe(), window_s=5.0)
    window = LiveWindow(pipe, TrialController(pipe), window_s=5.0, trail_s=4.0)
    window.resize(1400, 700)
    window.show()
    window.activateWindow()
    run(dev, pipe, 2.0)
    window.refresh()
    app.processEvents()
    (x0, x1), (y0, y1) = window.cop_plot.getPlotItem().vb.viewRange()
    assert x1 - x0 < 0.3 and y1 - y0 < 0.3
    assert "Z: whole plate" in window.cop_text.toPlainText()
    QTest.keyClick(window, QtCore.Qt.Key_Z)
    run(dev, pipe, 1.0)
    window.refresh()
    (x0, x1), (y0, y1) = window.cop_plot.getPlotItem().vb.viewRange()
    corners = np.asarray(dev.describe().stream("force").plate["corners_m"])[:, :2]
    tol = 1e-9
    assert x0 <= corners[:, 0].min() + tol and x1 >= corners[:, 0].max() - tol
    assert y0 <= corners[:, 1].min() + tol and y1 >= corners[:, 1].max() - tol
    assert np.ptp(corners[:, 0]) == pytest.approx(0.6) and np.ptp(corners[:, 1]) == pytest.approx(0.4)
    assert not window.cop_zoom and "Z: zoom on the COP" in window.cop_text.toPlainText()
    QTest.keyClick(window, QtCore.Qt.Key_Z)
    run(dev, pipe, 1.0)
    window.refresh()
    (x0, x1), _ = window.cop_plot.getPlotItem().vb.viewRange()
    assert x1 - x0 < 0.3 and window.cop_zoom
    window.close()

"""The live biofeedback window (pyqtgraph on PySide6).

Draw-only: a QTimer asks the :class:`~emgforce.live.pipeline.LivePipeline`
for a :class:`~emgforce.live.pipeline.Frame` 30-60 times a second and pushes
it into the plot items. Qt and pyqtgraph are imported by this module only;
import it lazily.

Keys: Space start/stop the selected trial, R count a rep, M start/stop an MVC
capture for the selected side, Esc stop the running trial, Z zoom the
stabilogram, P open/close the patient view (:mod:`emgforce.live.patient`).

Latency is measured honestly: from the instant the newest drawn sample was
taken (:class:`~emgforce.live.pipeline.SampleClock`) to the end of the paint
that shows it (:class:`~emgforce.live.patient.PaintLatency`).
"""

from __future__ import annotations

import logging
import sys
import time
from collections import deque

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from emgforce.errors import DisplayError, EmgforceError
from emgforce.live.patient import BAR_IN_BAND, PaintLatency, PatientState, PatientView
from emgforce.live.pipeline import Frame, LivePipeline
from emgforce.live.trials import TrialController
from emgforce.io.channels import channel_tags
from emgforce.naming import MUSCLES, SIDES, TASKS

log = logging.getLogger(__name__)


def check_qt_binding() -> None:
    """Refuse a Qt binding known to crash the display.

    PySide6 6.12.0 returns a borrowed ``True`` from every ``Signal.emit()``;
    pyqtgraph emits on every redraw, so Python aborts (``bool_dealloc``)
    within a minute. Detected by behaviour, not by version number.
    """

    class _Probe(QtCore.QObject):
        fired = QtCore.Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(64):
        probe.fired.emit()
    if sys.getrefcount(True) < before - 32:
        import PySide6

        raise DisplayError(
            f"PySide6 {PySide6.__version__} drops a reference to True on every signal emit and would crash "
            "the live display; install another version, e.g. pip install 'PySide6-Essentials==6.11.3'"
        )


check_qt_binding()

__all__ = ["LiveWindow", "run_window", "SIDE_COLOURS", "BAR_IN_BAND", "BAR_OUT_OF_BAND"]

SIDE_COLOURS = {"left": (31, 119, 180), "right": (214, 39, 40), None: (90, 90, 90)}
BAR_OUT_OF_BAND = (150, 150, 150)
BAND_FILL = (44, 160, 44, 50)
COP_MIN_SPAN_M = 0.10  # smallest stabilogram view: sway of a few mm stays readable
GM = "gluteus_medius"


def _fmt(value: float, scale: float, spec: str) -> str:
    """``value * scale`` formatted, or a dash when undefined (plate unloaded, too few samples)."""
    return format(value * scale, spec) if np.isfinite(value) else "-"


def _channel_key(ch) -> tuple[str, str | None]:
    """(muscle or channel name, side) of an EMG channel."""
    muscle, side = channel_tags(ch)
    return (muscle, side) if muscle else (ch.name, side)


def _muscle_title(key: str) -> str:
    return MUSCLES[key][1] if key in MUSCLES else key.replace("_", " ")


class LiveWindow(PaintLatency, QtWidgets.QMainWindow):
    """EMG envelopes, GM activation bars with a target band, and the COP stabilogram.

    Parameters
    ----------
    pipeline : LivePipeline
    controller : TrialController
    window_s : float
        Time shown by the scrolling envelopes (<= ``pipeline.window_s``).
    target : (float, float)
        Target band of the GM bars, %MVC.
    fps : float
        Redraw rate of the QTimer.
    trail_s : float
        COP trail (and running ellipse / velocity) length.

    Attributes
    ----------
    patient : PatientView or None
        The patient view, once opened (:meth:`open_patient_view`, key P).
    guided : emgforce.live.guided.GuidedSet or None
        Set it to let a guided set drive trials, band and instructions.
    audio : emgforce.live.audio.AudioFeedback or None
        Set it (and start it) for sound following the working GM.
    latencies_s : deque of float
        Sample-to-painted latency of the recent frames (:class:`PaintLatency`).
    """

    #: emitted when the window is about to close (still drawable)
    closing = QtCore.Signal()

    def __init__(
        self,
        pipeline: LivePipeline,
        controller: TrialController,
        *,
        window_s: float = 10.0,
        target: tuple[float, float] = (40.0, 60.0),
        fps: float = 30.0,
        trail_s: float = 5.0,
        title: str = "emgforce live",
    ) -> None:
        super().__init__()
        self.pipeline = pipeline
        self.controller = controller
        self.window_s = min(float(window_s), pipeline.window_s)
        self.trail_s = min(float(trail_s), pipeline.window_s)
        self.target = (float(min(target)), float(max(target)))
        self.cop_zoom = True  # follow the COP trail at a readable scale; Z shows the whole plate
        self.frame_times: deque[float] = deque(maxlen=300)
        self.latencies_s: deque[float] = deque(maxlen=300)
        self.last_frame: Frame | None = None
        self.status_message = ""
        self._shown_device_trial = None
        self.setWindowTitle(title)
        pg.setConfigOptions(antialias=False, background="w", foreground="k")

        central = QtWidgets.QWidget()
        outer = QtWidgets.QVBoxLayout(central)
        plots = QtWidgets.QHBoxLayout()
        outer.addLayout(plots, stretch=1)
        self._build_emg(plots)
        self._build_bars(plots)
        self._build_cop(plots)
        outer.addLayout(self._build_controls())
        outer.addWidget(self.status)
        self.setCentralWidget(central)
        self.resize(1400, 700)  # resizable: nothing is cut off from 1280 x 720 up
        self.patient: PatientView | None = None
        self.guided = None  # a GuidedSet (emgforce.live.guided) driving trials and instructions
        self.guided_status = None
        self.audio = None  # an AudioFeedback (emgforce.live.audio) following the working GM

        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(max(1, int(round(1000.0 / fps))))
        self.timer.timeout.connect(self.refresh)

    # -- layout --------------------------------------------------------------
    def _build_emg(self, layout: QtWidgets.QHBoxLayout) -> None:
        self.emg_view = pg.GraphicsLayoutWidget()
        layout.addWidget(self.emg_view, stretch=5)
        self.emg_view.setVisible(bool(self.pipeline.emg_channels))  # a force plate alone
        groups: dict[str, list[int]] = {}
        self._emg_groups: dict[str, list[int]] = {}
        self._emg_top: dict[str, float] = {}
        self._sides = []
        for i, ch in enumerate(self.pipeline.emg_channels):
            key, side = _channel_key(ch)
            groups.setdefault(key, []).append(i)
            self._sides.append(side)
        self.emg_plots: dict[str, pg.PlotItem] = {}
        self.emg_curves: list[pg.PlotDataItem] = [None] * len(self.pipeline.emg_channels)
        for row, (key, cols) in enumerate(groups.items()):
            # the title names the channels in their curve colours (cheaper than a legend)
            names = " ".join(
                f"<span style='color: rgb{SIDE_COLOURS.get(self._sides[i], SIDE_COLOURS[None])}'>"
                f"{self.pipeline.emg_channels[i].name}</span>"
                for i in cols
            )
            plot = self.emg_view.addPlot(row=row, col=0, title=f"{_muscle_title(key)} &nbsp; {names}")
            plot.titleLabel.setMaximumHeight(22)
            plot.setXRange(-self.window_s, 0.0, padding=0)
            plot.setMouseEnabled(x=False, y=True)
            if row < len(groups) - 1:
                plot.hideAxis("bottom")  # one time axis, at the bottom (the x axes are linked)
            for i in cols:
                ch = self.pipeline.emg_channels[i]
                # 1-pixel cosmetic pens: wide lines cost several times more in the raster engine
                pen = pg.mkPen(SIDE_COLOURS.get(self._sides[i], SIDE_COLOURS[None]), width=1)
                curve = plot.plot(pen=pen, name=ch.name)
                curve.setClipToView(True)
                self.emg_curves[i] = curve
            if row:
                plot.setXLink(next(iter(self.emg_plots.values())))
            plot.enableAutoRange(x=False, y=False)  # re-ranging every frame would re-tick (repaint) the axes
            self.emg_plots[key] = plot
            self._emg_groups[key] = cols
            self._emg_top[key] = 0.0
        self._emg_unit = None
        if self.emg_plots:
            list(self.emg_plots.values())[-1].setLabel("bottom", "time", units="s")

    def _build_bars(self, layout: QtWidgets.QHBoxLayout) -> None:
        self.bar_plot = pg.PlotWidget(title="GM activation")
        self.bar_plot.setMouseEnabled(x=False, y=False)
        self.bar_plot.hideButtons()
        layout.addWidget(self.bar_plot, stretch=2)
        # one bar per side that has a gluteus medius channel
        self.bar_cols: dict[str, int] = {}
        for i, ch in enumerate(self.pipeline.emg_channels):
            key, side = _channel_key(ch)
            if key == GM and side in SIDES and side not in self.bar_cols:
                self.bar_cols[side] = i
        self.bar_sides = [s for s in SIDES if s in self.bar_cols]
        x = np.arange(len(self.bar_sides), dtype=float)
        self.band = pg.LinearRegionItem(
            values=self.target,
            orientation="horizontal",
            brush=pg.mkBrush(*BAND_FILL),
            pen=pg.mkPen(BAR_IN_BAND, width=1),
            movable=True,
        )
        self.band.sigRegionChangeFinished.connect(self._band_dragged)
        self.bar_plot.addItem(self.band)
        self.bars = pg.BarGraphItem(x=x, height=np.zeros_like(x), width=0.6, brushes=[BAR_OUT_OF_BAND] * len(x))
        self.bar_plot.addItem(self.bars)
        axis = self.bar_plot.getAxis("bottom")
        axis.setTicks([[(i, s) for i, s in enumerate(self.bar_sides)]])
        self.bar_plot.setVisible(bool(self.bar_sides))  # no gluteus medius channel: no bars
        self.bar_plot.setXRange(-0.6, max(len(x) - 0.4, 0.6), padding=0)
        self.bar_plot.setYRange(0, 100, padding=0)
        self._bar_unit: str | None = None
        self._bar_top = 0.0
        self.bar_labels = []
        for i in range(len(x)):
            label = pg.TextItem(anchor=(0.5, 1.0), color="k")
            label.setPos(i, 0)
            self.bar_plot.addItem(label)
            self.bar_labels.append(label)

    def _build_cop(self, layout: QtWidgets.QHBoxLayout) -> None:
        self.cop_plot = pg.PlotWidget(title="centre of pressure")
        self.cop_plot.setAspectLocked(True)
        self.cop_plot.setLabel("bottom", "ML (x)", units="m")
        self.cop_plot.setLabel("left", "AP (y)", units="m")
        # no grid: it is painted with the axes, which then repaint whenever the trail moves (~5 ms a frame)
        layout.addWidget(self.cop_plot, stretch=3)
        self.cop_plot.setVisible(self.pipeline.force_stream is not None)  # EMG-only devices: no stabilogram
        self.plate_outline = self.cop_plot.plot(pen=pg.mkPen((0, 0, 0), width=2))
        corners = self._plate_corners()
        if corners is not None:
            closed = np.vstack([corners, corners[:1]])
            self.plate_outline.setData(closed[:, 0], closed[:, 1])
            centre = corners.mean(axis=0)
            for angle, pos in ((90, centre[0]), (0, centre[1])):  # plate centre lines for orientation
                self.cop_plot.addItem(pg.InfiniteLine(pos=pos, angle=angle, pen=pg.mkPen((200, 200, 200))))
            self.show_plate()
        self.cop_trail = self.cop_plot.plot(pen=pg.mkPen((100, 100, 100), width=1))
        self.cop_ellipse = self.cop_plot.plot(pen=pg.mkPen((255, 127, 14), width=2))
        self.cop_point = pg.ScatterPlotItem(size=12, brush=pg.mkBrush(214, 39, 40), pen=None)
        self.cop_plot.addItem(self.cop_point)
        self.cop_text = pg.TextItem(anchor=(0, 0), color="k")
        self.cop_text.setParentItem(self.cop_plot.getPlotItem().vb)
        self.cop_text.setPos(5, 5)

    def show_plate(self) -> None:
        """Range the stabilogram on the whole plate outline."""
        corners = self._plate_corners()
        if corners is not None:
            self.cop_plot.setRange(xRange=(corners[:, 0].min(), corners[:, 0].max()),
                                   yRange=(corners[:, 1].min(), corners[:, 1].max()))

    def set_cop_zoom(self, on: bool) -> None:
        """Follow the COP trail at a readable scale (``True``) or show the whole plate (``False``)."""
        self.cop_zoom = bool(on)
        if not self.cop_zoom:
            self.show_plate()

    def toggle_cop_zoom(self) -> None:
        """Switch between following the COP and the whole plate (key Z)."""
        self.set_cop_zoom(not self.cop_zoom)

    def _plate_corners(self) -> np.ndarray | None:
        stream = self.pipeline.force_stream
        if stream is None or not stream.plate or "corners_m" not in stream.plate:
            return None
        return np.asarray(stream.plate["corners_m"], dtype=float)[:, :2]

    def _build_controls(self) -> QtWidgets.QHBoxLayout:
        row = QtWidgets.QHBoxLayout()
        self.task_box = QtWidgets.QComboBox()
        self.task_box.addItems([t for t in TASKS if t != "mvc"])
        self.task_box.setCurrentText("single_leg_bridge")
        self.side_box = QtWidgets.QComboBox()
        self.side_box.addItems(list(SIDES))
        self.trial_button = QtWidgets.QPushButton("Start trial [Space]")
        self.trial_button.clicked.connect(self.toggle_trial)
        self.rep_button = QtWidgets.QPushButton("Rep [R]")
        self.rep_button.clicked.connect(self.count_rep)
        self.mvc_button = QtWidgets.QPushButton("Capture MVC [M]")
        self.mvc_button.clicked.connect(self.toggle_mvc)
        self.low_box = QtWidgets.QDoubleSpinBox(decimals=0, minimum=0, maximum=500, value=self.target[0])
        self.high_box = QtWidgets.QDoubleSpinBox(decimals=0, minimum=0, maximum=500, value=self.target[1])
        self.low_box.valueChanged.connect(self._band_typed)
        self.high_box.valueChanged.connect(self._band_typed)
        self.window_box = QtWidgets.QDoubleSpinBox(
            decimals=0, minimum=1, maximum=self.pipeline.window_s, value=self.window_s, suffix=" s"
        )
        self.window_box.valueChanged.connect(self.set_window)
        self.status = QtWidgets.QLabel()
        # a status text of changing length must not re-layout (and so repaint) the plots every frame:
        # its own full-width line, two lines high, wrapping rather than cut off
        self.status.setSizePolicy(QtWidgets.QSizePolicy.Ignored, QtWidgets.QSizePolicy.Fixed)
        self.status.setWordWrap(True)
        self.status.setFixedHeight(2 * self.status.fontMetrics().lineSpacing() + 4)
        self.rep_label = QtWidgets.QLabel("reps: 0")
        font = self.rep_label.font()
        font.setPointSize(font.pointSize() + 6)
        font.setBold(True)
        self.rep_label.setFont(font)
        for text, widget in (
            ("task", self.task_box),
            ("side", self.side_box),
            (None, self.trial_button),
            (None, self.rep_button),
            (None, self.rep_label),
            (None, self.mvc_button),
            ("target %MVC", self.low_box),
            ("-", self.high_box),
            ("window", self.window_box),
        ):
            if text:
                row.addWidget(QtWidgets.QLabel(text))
            row.addWidget(widget)
        row.addStretch(1)
        for key, slot in (
            (QtCore.Qt.Key_Space, self.toggle_trial),
            (QtCore.Qt.Key_R, self.count_rep),
            (QtCore.Qt.Key_M, self.toggle_mvc),
            (QtCore.Qt.Key_Escape, self.stop_trial),
            (QtCore.Qt.Key_Z, self.toggle_cop_zoom),
            (QtCore.Qt.Key_P, self.toggle_patient_view),
        ):
            shortcut = QtGui.QShortcut(QtGui.QKeySequence(key), self)
            shortcut.setContext(QtCore.Qt.ApplicationShortcut)
            shortcut.activated.connect(slot)
        for widget in (self.trial_button, self.rep_button, self.mvc_button, self.task_box, self.side_box):
            widget.setFocusPolicy(QtCore.Qt.NoFocus)  # Space, R and M must reach the shortcuts
        return row

    def set_window(self, window_s: float) -> None:
        """Show the newest ``window_s`` seconds of envelopes (at most the pipeline's window)."""
        self.window_s = min(max(float(window_s), 1.0), self.pipeline.window_s)
        for plot in self.emg_plots.values():  # x axes are linked: one is enough, all is cheap
            plot.setXRange(-self.window_s, 0.0, padding=0)

    # -- target band -------------------------------------------------------------
    def set_target(self, low: float, high: float) -> None:
        """Set the GM target band (%MVC)."""
        self.target = (float(min(low, high)), float(max(low, high)))
        for box, value in ((self.low_box, self.target[0]), (self.high_box, self.target[1])):
            box.blockSignals(True)
            box.setValue(value)
            box.blockSignals(False)
        self.band.blockSignals(True)
        self.band.setRegion(self.target)
        self.band.blockSignals(False)

    def _band_dragged(self) -> None:
        self.set_target(*self.band.getRegion())

    def _band_typed(self) -> None:
        self.set_target(self.low_box.value(), self.high_box.value())

    # -- trial control -------------------------------------------------------------
    def _side(self) -> str | None:
        task = self.task_box.currentText()
        return self.side_box.currentText() if TASKS[task][0] else None

    def _run(self, action, *args):
        try:
            return action(*args)
        except EmgforceError as exc:
            self.status_message = str(exc)
            log.warning("%s", exc)
            return None

    def toggle_trial(self) -> None:
        """Start the selected trial, or stop the running one."""
        self._run(self.controller.toggle_trial, self.task_box.currentText(), self._side())
        self._update_controls()

    def stop_trial(self) -> None:
        self._run(self.controller.stop_trial)
        self._update_controls()

    def count_rep(self) -> None:
        if self.controller.active is None:
            self.status_message = "start a trial before counting reps"
        else:
            self.controller.rep()
        self._update_controls()

    def toggle_mvc(self) -> None:
        """Start an MVC capture for the selected side, or finish it and set the reference."""
        active = self.controller.active
        if active is not None and active.task == "mvc":
            ref = self._run(self.controller.stop_trial)
            if ref:
                self.status_message = "MVC reference set: " + ", ".join(f"{k} {v:.3g}" for k, v in ref.items())
        else:
            self._run(self.controller.start_trial, "mvc", self.side_box.currentText())
        self._update_controls()

    def _update_controls(self) -> None:
        active = self.controller.active
        mvc = active is not None and active.task == "mvc"
        if active is not None and active.source == "device" and active is not self._shown_device_trial:
            self._follow_device_trial(active)
        self.trial_button.setText("Stop trial [Space]" if active and not mvc else "Start trial [Space]")
        self.mvc_button.setText("Finish MVC [M]" if mvc else "Capture MVC [M]")
        self.rep_label.setText(f"reps: {self.controller.rep_count}")

    # -- patient view ------------------------------------------------------------------
    def open_patient_view(self, fullscreen: bool = True) -> PatientView:
        """Open the patient view (full screen on the second monitor when there is one)."""
        if self.patient is None:
            self.patient = PatientView(self.bar_sides or SIDES)
            self.closing.connect(self.patient.close)
        if fullscreen:
            self.patient.show_on_patient_screen()
        else:
            self.patient.show()
        if self.last_frame is not None:
            self.patient.set_state(self.patient_state(self.last_frame))
        return self.patient

    def toggle_patient_view(self) -> None:
        """Open or close the patient view (key P)."""
        if self.patient is not None and self.patient.isVisible():
            self.patient.close()
        else:
            self.open_patient_view()

    def patient_state(self, frame: Frame) -> PatientState:
        """What the patient view shows for ``frame``: GM %MVC per side, the instruction, countdown, reps."""
        values = {
            side: float(frame.emg_now[col]) if frame.emg_percent[col] else float("nan")
            for side, col in self.bar_cols.items()
        }
        g = self.guided_status
        if g is not None:
            note = "" if g.last_time_in_band_s is None else f"last rep: {g.last_time_in_band_s:.1f} s in the green band"
            return PatientState(values, g.target, g.instruction, g.countdown_s, g.countdown_total_s, g.reps,
                                g.reps_target, note)
        active = self.controller.active
        text = self.controller.describe(active.label) if active is not None else "rest"
        return PatientState(values, self.target, text, reps=self.controller.rep_count)

    def _working_pct(self, state: PatientState) -> float:
        """%MVC of the working side's GM: the guided set's or the trial's side, else the higher one."""
        spec = self.guided.spec if self.guided is not None else None
        active = self.controller.active
        side = spec.side if spec is not None else active.side if active is not None else None
        if side in state.values_pct:
            return state.values_pct[side]
        values = [v for v in state.values_pct.values() if np.isfinite(v)]
        return max(values) if values else float("nan")

    def _follow_device_trial(self, trial) -> None:
        """Show the trial the device started in the task and side boxes (once per trial, so the
        operator can still change them for the next one)."""
        self._shown_device_trial = trial
        for box, value in ((self.task_box, trial.task), (self.side_box, trial.side)):
            if value is not None and box.findText(value) >= 0:  # mvc is no task-box entry
                box.setCurrentText(value)

    # -- drawing -------------------------------------------------------------------
    def start(self) -> None:
        """Start redrawing."""
        self.timer.start()

    def refresh(self) -> Frame:
        """Pull one frame from the pipeline and draw it."""
        ref = self._run(self.controller.poll)
        if ref:
            self.status_message = "MVC reference set: " + ", ".join(f"{k} {v:.3g}" for k, v in ref.items())
        if self.guided is not None:  # may start or stop a set's trial and counts its reps
            self.guided_status = self._run(self.guided.update)
            if self.guided_status is not None and self.guided_status.target != self.target:
                self.set_target(*self.guided_status.target)  # the set's own band, in both views
        self._update_controls()  # device markers change trials and reps too; unchanged texts cost nothing
        width = max(100, int(self.emg_view.width()))
        frame = self.pipeline.frame(self.window_s, n_bins=width, trail_s=self.trail_s)
        self._draw_emg(frame)
        self._draw_bars(frame)
        self._draw_cop(frame)
        self._draw_status(frame)
        if (self.patient is not None and self.patient.isVisible()) or self.audio is not None:
            state = self.patient_state(frame)
            if self.patient is not None and self.patient.isVisible():
                self.patient.set_state(state, frame.newest_sample_time)
            if self.audio is not None:
                self.audio.target = state.target
                self.audio.set_level(self._working_pct(state))
        self.last_frame = frame
        self.frame_times.append(time.monotonic())
        self.expect_paint(frame.newest_sample_time)  # the latency is taken once this frame is on screen
        return frame

    def _draw_emg(self, frame: Frame) -> None:
        # once a channel is in %MVC, channels still without a reference are not drawn (their
        # volts would lie flat at "0 %MVC"); the status line says which ones wait for an MVC
        shown = frame.emg_percent if frame.emg_percent.any() else np.ones(len(self.emg_curves), bool)
        for i, curve in enumerate(self.emg_curves):
            if shown[i]:
                curve.setData(frame.emg_t_s, frame.emg[:, i])
            else:
                curve.setData([], [])
        unit = "%MVC" if frame.emg_percent.any() else frame.emg_unit
        if unit != self._emg_unit:
            self._emg_unit = unit
            for key, plot in self.emg_plots.items():
                self._emg_top[key] = 0.0  # new unit: range afresh
                if "%" in unit:  # units="" clears the SI-prefixed unit of the signal-unit label
                    plot.setLabel("left", unit, units="")
                else:
                    plot.setLabel("left", "", units=unit)
        if not frame.emg.shape[0]:
            return
        percent = unit == "%MVC"
        for key, plot in self.emg_plots.items():
            # grow at once, shrink only when the data use less than 40 % of the height: a steady axis
            cols = [i for i in self._emg_groups[key] if shown[i]]
            peak = float(np.nanmax(frame.emg[:, cols])) if cols else 0.0
            top = self._emg_top[key]
            if peak > top or peak < 0.4 * top:
                floor = 100.0 if percent else 0.0
                self._emg_top[key] = top = max(1.2 * peak, floor) if peak > 0 else max(floor, 1.0)
                plot.setYRange(-0.03 * top, top, padding=0)

    def _draw_bars(self, frame: Frame) -> None:
        if not self.bar_sides:
            return
        cols = [self.bar_cols[s] for s in self.bar_sides]
        is_pct = np.array([bool(frame.emg_percent[c]) for c in cols])
        values = np.nan_to_num(np.array([frame.emg_now[c] for c in cols]))
        # once one side has an MVC reference the bars are %MVC; a side without one shows no bar
        # rather than volts on a %MVC axis
        percent = bool(is_pct.any())
        if percent:
            values = np.where(is_pct, values, 0.0)
        low, high = self.target
        brushes = [BAR_IN_BAND if p and low <= v <= high else BAR_OUT_OF_BAND for p, v in zip(is_pct, values)]
        self.bars.setOpts(height=values, brushes=brushes)
        unit = "%MVC" if percent else frame.emg_unit
        if unit != self._bar_unit:  # relabel and rescale only when the unit changes
            self._bar_unit = unit
            self._bar_top = 0.0
            self.band.setVisible(percent)
            if percent:
                self.bar_plot.setLabel("left", "GM (%MVC)", units="")
            else:
                self.bar_plot.setLabel("left", "GM envelope", units=unit)
        need = max(100.0, high * 1.2, float(values.max()) * 1.1) if percent else float(values.max()) * 1.2
        if need > self._bar_top or (not percent and need < 0.5 * self._bar_top):
            self._bar_top = max(need, 1e-12)
            self.bar_plot.setYRange(0, self._bar_top, padding=0)
        for label, v, p in zip(self.bar_labels, values, is_pct):
            if percent:
                label.setText(f"{v:.0f}" if p else "no MVC")
            else:
                label.setText(pg.siFormat(v, precision=3, suffix=unit))
            label.setPos(label.pos().x(), v)

    def _draw_cop(self, frame: Frame) -> None:
        if self.pipeline.force_stream is None:
            return
        stride = max(1, frame.cop_m.shape[0] // 2000)  # COP is smooth: a stride keeps its shape
        trail = frame.cop_m[::stride]
        self.cop_trail.setData(trail[:, 0], trail[:, 1])
        if frame.cop_now_m is not None:
            self.cop_point.setData([frame.cop_now_m[0]], [frame.cop_now_m[1]])
        else:
            self.cop_point.setData([], [])
        if frame.ellipse_m is not None:
            self.cop_ellipse.setData(frame.ellipse_m[:, 0], frame.ellipse_m[:, 1])
        else:
            self.cop_ellipse.setData([], [])
        self._follow_cop(trail)
        self.cop_text.setText(
            f"Fz {_fmt(frame.fz_n, 1, '.0f')} N\n"
            f"sway velocity {_fmt(frame.sway_velocity_m_s, 1e3, '.1f')} mm/s\n"
            f"95% prediction ellipse {_fmt(frame.ellipse_area_m2, 1e4, '.2f')} cm²"
            + ("\nzoomed on the COP (Z: whole plate)" if self.cop_zoom else "\nwhole plate (Z: zoom on the COP)")
        )

    def _follow_cop(self, trail: np.ndarray) -> None:
        """Keep the trail in view at a readable scale; re-range only when it leaves the view's middle."""
        if trail.shape[0] < 2 or not self.cop_zoom:
            return
        lo, hi = trail.min(axis=0), trail.max(axis=0)
        (x0, x1), (y0, y1) = self.cop_plot.getPlotItem().vb.viewRange()
        span = max(COP_MIN_SPAN_M, 3.0 * float((hi - lo).max()))
        view = min(x1 - x0, y1 - y0)
        mx, my = 0.1 * (x1 - x0), 0.1 * (y1 - y0)
        inside = lo[0] >= x0 + mx and hi[0] <= x1 - mx and lo[1] >= y0 + my and hi[1] <= y1 - my
        if inside and span <= view <= 3.0 * span:
            return
        c = (lo + hi) / 2.0
        self.cop_plot.setRange(xRange=(c[0] - span / 2, c[0] + span / 2), yRange=(c[1] - span / 2, c[1] + span / 2),
                               padding=0)

    def _draw_status(self, frame: Frame) -> None:
        active = self.controller.active
        if active is not None:
            elapsed = self.pipeline.session_time_s - active.start_s
            trial = f"{self.controller.describe(active.label)} {elapsed:.1f} s"
        else:
            trial = "no trial"
        fps = self.fps
        parts = [f"t {frame.session_time_s:.1f} s", trial]
        if fps == fps:
            parts.append(f"{fps:.0f} fps")
        if self.latencies_s:
            parts.append(
                f"latency {1000 * np.median(self.latencies_s):.0f} ms "
                f"+ envelope {1000 * self.pipeline.emg_delay_s:.0f} ms"
            )
        if frame.emg_percent.any() and not frame.emg_percent.all():
            waiting = [ch.name for ch, p in zip(self.pipeline.emg_channels, frame.emg_percent) if not p]
            parts.append("no MVC yet: " + " ".join(waiting))
        g = self.guided_status
        if g is not None:
            countdown = PatientState(countdown_s=g.countdown_s).countdown_text  # as the patient reads it
            parts.append(f"guided: {g.instruction}" + (f" ({countdown})" if g.countdown_s else ""))
            if g.last_time_in_band_s is not None:
                parts.append(f"last rep {g.last_time_in_band_s:.1f} s in band")
        if self.status_message:
            parts.append(self.status_message)
        self.status.setText(" | ".join(parts))

    @property
    def fps(self) -> float:
        """Frame rate over the recent frames (NaN until two frames)."""
        if len(self.frame_times) < 2:
            return float("nan")
        span = self.frame_times[-1] - self.frame_times[0]
        return (len(self.frame_times) - 1) / span if span > 0 else float("nan")

    def screenshot(self, path) -> None:
        """Draw the newest data, render the window (works offscreen) and save it as an image."""
        self.refresh()
        if not self.grab().save(str(path)):
            raise OSError(f"could not write the screenshot {path} (is the folder there, the suffix .png?)")

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.timer.stop()
        self.closing.emit()
        super().closeEvent(event)


def run_window(window: LiveWindow, session, *, seconds: float | None = None, screenshot=None) -> None:
    """Start ``session`` (a :class:`~emgforce.live.session.LiveSession`), show ``window`` and run
    the Qt event loop until the window closes; then stop the session (closing its recording).

    Parameters
    ----------
    window : LiveWindow
        The window drawing ``session.pipeline``.
    session : LiveSession
        Not started yet.
    seconds : float, optional
        Close the window after this long (automated runs).
    screenshot : str or Path, optional
        Save a screenshot of the window as it closes.

    Raises
    ------
    EmgforceError
        Stopping the session failed (e.g. the recording could not be closed cleanly).
    DisplayError
        The screenshot could not be written.
    """
    import signal

    app = pg.mkQApp()
    failed: list[OSError] = []  # an exception in a Qt slot would only be printed: re-raise it below
    if screenshot is not None:

        def shoot() -> None:
            try:
                window.screenshot(screenshot)
            except OSError as exc:
                failed.append(exc)

        window.closing.connect(shoot)
    session.start()
    window.show()
    window.start()
    if seconds is not None:
        QtCore.QTimer.singleShot(int(seconds * 1000), window.close)
    # Ctrl-C in the terminal closes the window; the idle timer lets Python see the signal
    previous = signal.signal(signal.SIGINT, lambda *_: window.close())
    tick = QtCore.QTimer()
    tick.timeout.connect(lambda: None)
    tick.start(200)
    try:
        app.exec()
    finally:
        tick.stop()
        signal.signal(signal.SIGINT, previous)
        session.stop()
    if failed:
        raise DisplayError(str(failed[0]))

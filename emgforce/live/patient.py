"""The patient view: what the patient reads from two metres, full screen on a second monitor.

Per side one large gluteus medius bar against the target band (green while
inside it), the current instruction ("single-leg bridge, left: lift and hold
3 s", "rest 5 s"), a countdown ring for the hold or rest, and the rep count.
Draw-only, painted with QPainter; :class:`PatientState` is all it shows.
Imports Qt: import it explicitly (:mod:`emgforce.live.window` imports it after
refusing a broken Qt binding).
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field

from PySide6 import QtCore, QtGui, QtWidgets

__all__ = ["PaintLatency", "PatientState", "PatientView", "BACKGROUND", "BAR_IN_BAND", "BAR_OUT_OF_BAND_PATIENT", "TEXT"]

#: a bar inside the target band, in both views
BAR_IN_BAND = (44, 160, 44)

BACKGROUND = (16, 16, 24)
TEXT = (255, 255, 255)
TRACK = (60, 60, 72)
BAND = (44, 160, 44, 90)
BAR_OUT_OF_BAND_PATIENT = (90, 150, 230)
RING_TRACK = (60, 60, 72)
RING = (255, 200, 40)


@dataclass(frozen=True)
class PatientState:
    """What the patient view shows.

    Attributes
    ----------
    values_pct : dict of str to float
        %MVC of the working gluteus medius per side (``"left"``/``"right"``);
        NaN while the side has no MVC reference.
    target : (float, float)
        Target band, %MVC.
    instruction : str
    countdown_s, countdown_total_s : float or None
        Seconds left of the hold or rest, and its full length (the ring's 360 degrees).
    reps : int
    reps_target : int or None
    note : str
        A smaller second line (e.g. the last rep's time in the band).
    """

    values_pct: dict[str, float] = field(default_factory=dict)
    target: tuple[float, float] = (40.0, 60.0)
    instruction: str = ""
    countdown_s: float | None = None
    countdown_total_s: float | None = None
    reps: int = 0
    reps_target: int | None = None
    note: str = ""

    @property
    def countdown_text(self) -> str:
        """Whole seconds left, rounded up (``3 s`` for 2.1-3.0 s); empty without a countdown."""
        return "" if self.countdown_s is None else f"{math.ceil(max(self.countdown_s, 0.0) - 1e-9):d} s"

    @property
    def reps_text(self) -> str:
        """Reps done, e.g. ``reps 3 / 10``."""
        return f"reps {self.reps} / {self.reps_target}" if self.reps_target else f"reps {self.reps}"


def _colour(rgb) -> QtGui.QColor:
    return QtGui.QColor(*rgb)


class PaintLatency:
    """Mixin of a top-level widget: the latency of each frame, taken when Qt has painted it.

    :meth:`expect_paint` names the ``time.monotonic()`` instant the newest
    sample of the frame just drawn was taken; Qt paints every changed widget
    of a window while it handles the window's UpdateRequest, and once that is
    done the time since that instant goes to :attr:`latencies_s`.
    """

    _unpainted_sample_time = float("nan")

    def expect_paint(self, sample_time: float) -> None:
        self._unpainted_sample_time = sample_time

    def event(self, event) -> bool:  # noqa: D401 - Qt override
        handled = super().event(event)
        if event.type() == QtCore.QEvent.UpdateRequest:
            sample_time, self._unpainted_sample_time = self._unpainted_sample_time, float("nan")
            if math.isfinite(sample_time):
                self.latencies_s.append(time.monotonic() - sample_time)
        return handled


class PatientView(PaintLatency, QtWidgets.QWidget):
    """Big bars, instruction, countdown ring and rep count; see :class:`PatientState`.

    Parameters
    ----------
    sides : sequence of str
        The sides with a gluteus medius channel, left to right.
    """

    def __init__(self, sides=("left", "right"), parent=None) -> None:
        super().__init__(parent)
        self.sides = tuple(sides)
        self.state = PatientState(values_pct={s: float("nan") for s in self.sides})
        self.setWindowTitle("emgforce - patient view")
        self.setMinimumSize(640, 360)
        self.setAutoFillBackground(False)
        #: (text, rect) of every text drawn by the last paint (what the tests read back)
        self.drawn_texts: list[tuple[str, QtCore.QRectF]] = []
        #: seconds from the newest sample's instant to the end of the paint showing it, recent frames
        self.latencies_s: deque[float] = deque(maxlen=300)

    def set_state(self, state: PatientState, sample_time: float = float("nan")) -> None:
        """Show ``state``; ``sample_time`` (``time.monotonic()`` instant of the newest sample in it)
        makes the end of the paint that shows it a latency measurement (:attr:`latencies_s`)."""
        self.state = state
        self.expect_paint(sample_time)
        self.update()

    # -- geometry (pixels of this widget) -------------------------------------------------------
    @property
    def top_pct(self) -> float:
        """%MVC at the top of the bars: 100, or more when the band or a value reaches past it."""
        values = [v for v in self.state.values_pct.values() if math.isfinite(v)]
        return max(100.0, 1.25 * self.state.target[1], 1.1 * max(values, default=0.0))

    def header_rect(self) -> QtCore.QRectF:
        w, h = self.width(), self.height()
        return QtCore.QRectF(0.03 * w, 0.02 * h, 0.94 * w, 0.16 * h)

    def bar_rect(self, side: str) -> QtCore.QRectF:
        """Full-scale rectangle of a side's bar (0 %MVC at its bottom, :attr:`top_pct` at its top)."""
        w, h = self.width(), self.height()
        n = max(len(self.sides), 1)
        area_x, area_w = 0.04 * w, 0.56 * w
        slot = area_w / n
        i = self.sides.index(side)
        return QtCore.QRectF(area_x + (i + 0.2) * slot, 0.22 * h, 0.6 * slot, 0.62 * h)

    def value_y(self, side: str, value_pct: float) -> float:
        """Pixel row of ``value_pct`` on a side's bar."""
        r = self.bar_rect(side)
        return r.bottom() - r.height() * min(max(value_pct, 0.0), self.top_pct) / self.top_pct

    def ring_rect(self) -> QtCore.QRectF:
        w, h = self.width(), self.height()
        d = min(0.3 * w, 0.46 * h)
        return QtCore.QRectF(0.64 * w + (0.32 * w - d) / 2, 0.22 * h, d, d)

    def reps_rect(self) -> QtCore.QRectF:
        w, h = self.width(), self.height()
        return QtCore.QRectF(0.62 * w, 0.72 * h, 0.36 * w, 0.14 * h)

    # -- painting ---------------------------------------------------------------------------------
    def _font(self, px: float, bold: bool = True) -> QtGui.QFont:
        font = QtGui.QFont(self.font())
        font.setPixelSize(max(int(px), 8))
        font.setBold(bold)
        return font

    def _text(self, p: QtGui.QPainter, rect: QtCore.QRectF, text: str, px: float, flags=QtCore.Qt.AlignCenter,
              colour=TEXT, bold: bool = True) -> None:
        """Draw ``text`` in ``rect``, shrinking the font until it fits (never cut off)."""
        font = self._font(px, bold)
        while True:
            metrics = QtGui.QFontMetricsF(font)
            bound = metrics.boundingRect(rect, int(flags | QtCore.Qt.TextWordWrap), text)
            if (bound.width() <= rect.width() and bound.height() <= rect.height()) or font.pixelSize() <= 8:
                break
            font.setPixelSize(font.pixelSize() - 2)
        p.setFont(font)
        p.setPen(_colour(colour))
        p.drawText(rect, int(flags | QtCore.Qt.TextWordWrap), text)
        self.drawn_texts.append((text, QtCore.QRectF(rect)))

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        s = self.state
        self.drawn_texts = []
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.Antialiasing, True)
        p.fillRect(self.rect(), _colour(BACKGROUND))
        h = self.height()
        header = self.header_rect()
        self._text(p, QtCore.QRectF(header.x(), header.y(), header.width(), 0.7 * header.height()),
                   s.instruction, 0.07 * h)
        if s.note:
            self._text(p, QtCore.QRectF(header.x(), header.y() + 0.7 * header.height(), header.width(),
                                        0.3 * header.height()), s.note, 0.035 * h, bold=False)
        low, high = s.target
        for side in self.sides:
            r = self.bar_rect(side)
            p.fillRect(r, _colour(TRACK))
            band = QtCore.QRectF(r.x() - 0.08 * r.width(), self.value_y(side, high), 1.16 * r.width(),
                                 self.value_y(side, low) - self.value_y(side, high))
            p.fillRect(band, QtGui.QColor(*BAND))
            value = s.values_pct.get(side, float("nan"))
            label = "no MVC"
            if math.isfinite(value):
                inside = low <= value <= high
                top = self.value_y(side, value)
                # antialiasing off for the fill: its edge must sit on the pixel row of the value
                p.setRenderHint(QtGui.QPainter.Antialiasing, False)
                p.fillRect(QtCore.QRectF(r.x(), top, r.width(), r.bottom() - top),
                           _colour(BAR_IN_BAND if inside else BAR_OUT_OF_BAND_PATIENT))
                p.setRenderHint(QtGui.QPainter.Antialiasing, True)
                label = f"{value:.0f} %"
            self._text(p, QtCore.QRectF(r.x() - 0.3 * r.width(), r.bottom() + 0.01 * h, 1.6 * r.width(), 0.065 * h),
                       f"{side.upper()}  {label}", 0.05 * h)
        self._paint_ring(p)
        self._text(p, self.reps_rect(), s.reps_text, 0.09 * h)
        p.end()

    def _paint_ring(self, p: QtGui.QPainter) -> None:
        s = self.state
        ring = self.ring_rect()
        width = 0.09 * ring.width()
        inner = ring.adjusted(width / 2, width / 2, -width / 2, -width / 2)
        pen = QtGui.QPen(_colour(RING_TRACK), width)
        pen.setCapStyle(QtCore.Qt.FlatCap)
        p.setPen(pen)
        p.setBrush(QtCore.Qt.NoBrush)
        p.drawEllipse(inner)
        if s.countdown_s is not None and s.countdown_total_s:
            frac = min(max(s.countdown_s / s.countdown_total_s, 0.0), 1.0)
            pen.setColor(_colour(RING))
            p.setPen(pen)
            p.drawArc(inner, 90 * 16, int(round(-360 * 16 * frac)))  # from 12 o'clock, clockwise
        text = ring.adjusted(1.2 * width, 1.2 * width, -1.2 * width, -1.2 * width)
        self._text(p, text, s.countdown_text, 0.35 * ring.height())

    def show_on_patient_screen(self) -> QtGui.QScreen:
        """Show full screen on the second monitor when there is one, else on the primary; returns it."""
        screens = QtGui.QGuiApplication.screens()
        primary = QtGui.QGuiApplication.primaryScreen()
        screen = next((s for s in screens if s is not primary), primary)
        self.setScreen(screen)
        self.setGeometry(screen.geometry())
        self.showFullScreen()
        return screen

"""Lost samples judged from time stamps that jitter: a loss must persist before it is believed.

Sources without a sample counter (an LSL outlet) only have time stamps, and
time stamps taken when a chunk is sent are *late* by the sender's delivery
jitter, never early. A real loss of ``k`` samples moves every later time stamp
``k / fs`` ahead of the clock line for good; a late chunk moves only itself. So
:class:`GapJudge` keeps a line through the earliest time stamps (the lower
envelope, following slow drift of the sender's clock), and when samples run
ahead of it by more than ``tolerance_s`` it holds them back until either a
sample comes back onto the line (jitter: no gap, the held samples are released
in sequence) or the excess has lasted twice ``confirm_s`` of samples: then
its floor over the last ``confirm_s``, in whole samples, is the loss, placed
where the excess settled at that level. Nothing is held in the normal case; held
samples of a source that goes quiet are released after ``confirm_s`` of wall
time without a gap (nothing proves one).

Assumes some chunk arrives on time (within half a sample) in every
``confirm_s``; then a loss is counted exactly. Limits: a loss shorter than
``tolerance_s`` is taken as jitter (later samples are then placed up to that
much early); chunks right before a loss that were late by about the loss
itself (within half a sample) cannot be told from it, and the gap is placed
before them.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

#: fraction of a clean chunk's smallest (positive) excess the line moves up by, at most _CREEP_MAX
#: samples a chunk: follows a sender clock slower than nominal (50 ppm is 0.001 samples per 20)
#: without drifting off the on-time chunks
_CREEP = 0.1
_CREEP_MAX = 0.01


@dataclass
class Segment:
    """Samples released by :class:`GapJudge`: ``data`` starts at ``first_index`` with ``missing`` lost before it."""

    data: np.ndarray
    stamps: np.ndarray
    first_index: int
    missing: int


class GapJudge:
    """Index samples of a nominal-rate stream from their (jittery) time stamps.

    Parameters
    ----------
    fs_hz : float
        Nominal rate.
    first_index : int
        Index of the first sample pushed.
    tolerance_s : float
        Excess over the clock line taken as jitter without a second look
        (at least 1.5 sample periods).
    confirm_s : float
        Time within which some chunk arrives on time; an excess is judged
        after twice that many samples (held samples of a quiet source are
        released without a gap after that much wall time).
    clock : callable
        Monotonic time source (for the wall-time confirmation).
    """

    def __init__(self, fs_hz: float, first_index: int = 0, *, tolerance_s: float = 0.01, confirm_s: float = 0.25,
                 clock=time.monotonic) -> None:
        if not (fs_hz > 0 and tolerance_s >= 0 and confirm_s > 0):
            raise ValueError("fs_hz and confirm_s must be positive and tolerance_s not negative")
        self.fs = float(fs_hz)
        self.tolerance_s = max(float(tolerance_s), 1.5 / self.fs)
        self.confirm_s = float(confirm_s)
        self._confirm_n = max(1, math.ceil(confirm_s * self.fs))
        self._clock = clock
        self.next_index = int(first_index)
        self._line: float | None = None  # predicted time stamp of sample next_index
        self._held: list[tuple[np.ndarray, np.ndarray]] = []
        self._last_data = 0.0  # clock time of the last push with samples
        self.lost = 0

    @property
    def held_samples(self) -> int:
        return sum(len(t) for _, t in self._held)

    def push(self, data: np.ndarray, stamps: np.ndarray) -> list[Segment]:
        """Take a chunk (rows of ``data`` with their time stamps); return what can be released now.

        Call with an empty chunk to let a held excess be judged on wall time.
        """
        stamps = np.asarray(stamps, dtype=np.float64)
        if len(stamps):
            self._last_data = self._clock()
            self._held.append((data, stamps))
        if not self._held:
            return []
        data = np.concatenate([d for d, _ in self._held]) if len(self._held) > 1 else self._held[0][0]
        stamps = np.concatenate([t for _, t in self._held]) if len(self._held) > 1 else self._held[0][1]
        self._held = []
        out: list[Segment] = []
        while len(stamps):
            if self._line is None:
                self._line = float(stamps[0])
            excess = stamps - (self._line + np.arange(len(stamps)) / self.fs)
            late = np.flatnonzero(excess > self.tolerance_s)
            clean = len(stamps) if not len(late) else int(late[0])
            if clean:
                # only a batch that is all on the line moves the line
                self._release(out, data[:clean], stamps[:clean], excess if clean == len(stamps) else None, 0)
                data, stamps = data[clean:], stamps[clean:]
                continue
            back = np.flatnonzero(excess <= self.tolerance_s)
            if len(back):  # late samples followed by ones on the line: delivery jitter
                n = int(back[0])
                self._release(out, data[:n], stamps[:n], None, 0)
                data, stamps = data[n:], stamps[n:]
                continue
            if len(stamps) < 2 * self._confirm_n and self._clock() - self._last_data >= self.confirm_s:
                # the source went quiet: no later samples prove a loss, so none is counted
                self._release(out, data, stamps, None, 0)
                break
            if len(stamps) >= 2 * self._confirm_n:
                # the level the excess settled at (its floor over the last confirm_s); late samples below it
                # before are jitter: the loss starts where everything after stays at that level
                floor = np.minimum.accumulate(excess[::-1])[::-1]
                level = floor[len(stamps) - self._confirm_n]
                at = int(np.searchsorted(floor, level - 0.5 / self.fs))
                if at:
                    self._release(out, data[:at], stamps[:at], None, 0)
                    data, stamps, excess = data[at:], stamps[at:], excess[at:]
                missing = int(round(float(excess.min()) * self.fs))
                self.lost += missing
                self._line += missing / self.fs
                self.next_index += missing
                self._release(out, data, stamps, None, missing)
                break
            self._held = [(data, stamps)]  # not decided yet
            break
        return out

    def _release(self, out: list[Segment], data, stamps, excess, missing: int) -> None:
        if excess is not None and len(excess):
            low = float(excess.min())
            # the line is the lower envelope: down to any earlier sample, slowly up after a drifting clock
            self._line += low if low < 0 else min(_CREEP * low, _CREEP_MAX / self.fs)
        out.append(Segment(data, stamps, self.next_index, missing))
        self.next_index += len(stamps)
        self._line += len(stamps) / self.fs

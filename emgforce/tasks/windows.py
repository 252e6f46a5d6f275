"""The session's EMG read and enveloped window by window (bounded memory for long sessions).

:class:`SessionEmg` is what :attr:`emgforce.tasks.context.Context.emg` holds: the
raw EMG channels of a stream (in memory, or left in the file by
``read_recording(lazy=True)``) and their zero-phase envelope, computed per trial
window by :class:`~emgforce.signal.windowed.WindowedEnvelope` (equal to the
whole-session envelope) and normalised by the session's references. The
window last asked for and the one before stay cached, so a trial's many
requests cost one envelope.
"""

from __future__ import annotations

__all__ = ["Columns", "SessionEmg", "envelope_pieces"]

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from emgforce.io.recording import time_slice

#: rows of all channels enveloped at once when sweeping the whole session (traces, protocol)
PIECE_ROWS = 1 << 16
_CACHED = 2


class Columns:
    """Some columns of a time-major array or lazily read stream, sliced along time only.

    ``Columns(data, cols)[a:b]`` is ``data[a:b, cols]`` as float64; with ``finite``,
    NaN/inf become 0 (``np.nan_to_num``, for signals judged without their gaps).
    """

    def __init__(self, data, cols: Sequence[int], *, finite: bool = False) -> None:
        self.data = data
        self.cols = list(cols)
        self.finite = finite
        self.shape = (int(data.shape[0]), len(self.cols))

    def __getitem__(self, rows: slice) -> np.ndarray:
        x = np.asarray(self.data[rows, self.cols], dtype=np.float64)
        return np.nan_to_num(x, copy=False) if self.finite else x


def envelope_pieces(envelope, align: int = 1, rows: int = PIECE_ROWS, context: int = 0
                    ) -> Iterator[tuple[int, int, np.ndarray, np.ndarray]]:
    """The whole signal's envelope, piece by piece: ``(start, stop, raw, env)`` of consecutive pieces.

    Pieces start at multiples of ``align`` (and hold a multiple of it, but the last);
    each piece's ``raw`` and ``env`` also hold the ``context`` rows before its start
    (fewer at the signal's start), for statistics over sliding windows.
    """
    step = max(align, rows // align * align)
    for a in range(0, envelope.n, step):
        b = min(envelope.n, a + step)
        yield a, b, *_enveloped(envelope, max(0, a - context), b)


def _enveloped(envelope, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    """Raw rows ``a:b`` (a view of the padded read) and their envelope, the source read once."""
    pa, pb = envelope.padded(a, b)
    raw = np.asarray(envelope.source[pa:pb], dtype=np.float64)
    env = envelope(a, b, raw=raw)
    return raw[a - pa:b - pa], env


@dataclass
class _Block:
    start: int
    stop: int
    raw: np.ndarray
    volts: np.ndarray  # envelope, NaN where the raw sample is lost
    normalized: np.ndarray | None = None


class SessionEmg:
    """Raw and enveloped EMG of the session's channels over time windows.

    Parameters
    ----------
    envelope : WindowedEnvelope
        Over the raw channels (its ``source``).
    windows : sequence of (float, float)
        Where the analysis reads (trials, in s): a request inside one of them
        envelopes the whole window once.
    """

    def __init__(self, envelope, windows: Sequence[tuple[float, float]] = ()) -> None:
        self.envelope = envelope
        self.fs = envelope.fs
        self.n_samples = envelope.n
        spans = {(s.start, s.stop) for s in (self._rows(a, b) for a, b in windows) if s.stop > s.start}
        self.windows = [slice(a, b) for a, b in sorted(spans, key=lambda s: (s[1] - s[0], s[0]))]
        self.refs: np.ndarray | None = None  # per channel value at 100 (set once the references are known)
        self._blocks: list[_Block] = []

    def _rows(self, start_s: float, stop_s: float) -> slice:
        return time_slice(start_s, stop_s, self.fs, self.n_samples)

    def _block(self, sl: slice) -> _Block:
        for blk in self._blocks:
            if blk.start <= sl.start and sl.stop <= blk.stop:
                return blk
        span = next((w for w in self.windows if w.start <= sl.start and sl.stop <= w.stop), sl)
        raw, volts = _enveloped(self.envelope, span.start, span.stop)
        raw = raw.copy()  # the padding is not kept
        volts[~np.isfinite(raw)] = np.nan
        blk = _Block(span.start, span.stop, raw, volts)
        self._blocks = [blk, *self._blocks][:_CACHED]
        return blk

    def _take(self, start_s: float, stop_s: float, what: str) -> np.ndarray:
        sl = self._rows(start_s, stop_s)
        if sl.stop <= sl.start:
            return np.empty((0, self.envelope.source.shape[1]))
        blk = self._block(sl)
        if what == "normalized" and blk.normalized is None:
            blk.normalized = self.normalize(blk.volts)
        return getattr(blk, what)[sl.start - blk.start:sl.stop - blk.start]

    def raw(self, start_s: float, stop_s: float) -> np.ndarray:
        """Raw rows between two times (all channels, NaN in gaps)."""
        return self._take(start_s, stop_s, "raw")

    def volts(self, start_s: float, stop_s: float) -> np.ndarray:
        """Envelope rows between two times in volts (NaN where a sample was lost)."""
        return self._take(start_s, stop_s, "volts")

    def normalized(self, start_s: float, stop_s: float) -> np.ndarray:
        """Envelope rows between two times, normalised by :attr:`refs`."""
        return self._take(start_s, stop_s, "normalized")

    def normalize(self, volts: np.ndarray) -> np.ndarray:
        from emgforce.signal import percent_mvc

        return percent_mvc(volts, self.refs)

    def trace(self, step: int) -> np.ndarray:
        """Every ``step``-th row of the normalised envelope of the whole session (rows 0, step, ...)."""
        parts = []
        for _, _, raw, env in envelope_pieces(self.envelope, align=step, rows=max(PIECE_ROWS, 2 * self.envelope.padding)):
            env[~np.isfinite(raw)] = np.nan
            parts.append(self.normalize(env[::step]))
        return np.concatenate(parts)

"""Per-channel statistics of a long recording in one chunked sweep, equal to the whole signal's.

:class:`ChannelSweep` is fed the signal chunk by chunk, in time order, and gives
what the whole-signal functions would: the :class:`~emgforce.signal.QualityReport`
of :func:`~emgforce.signal.check_quality` (NaN/inf counts, flat channels, clipped
plateaus, the last followed across chunk edges), and the channel means after
linear interpolation of the non-finite samples (the DC that
:func:`~emgforce.signal.emg_envelope` removes with ``nonfinite="interpolate"``;
the interpolated stretches are summed in closed form, so the mean equals the
whole signal's to rounding).
"""

from __future__ import annotations

__all__ = ["ChannelSweep", "sweep_channels"]

from collections.abc import Callable

import numpy as np

from emgforce._runs import run_bounds
from emgforce.errors import SignalError
from emgforce.signal._lazy import kernels as _kernels
from emgforce.signal.quality import QualityReport

CHUNK_ROWS = 1 << 16  # a multiple of the kernels' 4096-row summation block


class _Plateaus:
    """Samples in runs of >= ``min_run`` equal to the running extreme (max or min) of each channel."""

    def __init__(self, n_ch: int, min_run: int, high: bool) -> None:
        self.high = high  # follows the maximum, else the minimum
        self.fill = -np.inf if high else np.inf
        self.value = np.full(n_ch, self.fill)  # extreme so far
        self.total = np.zeros(n_ch, dtype=np.int64)  # samples in closed runs long enough
        self.run = np.zeros(n_ch, dtype=np.int64)  # open run at the end of the last chunk
        self.min_run = min_run

    def add(self, x: np.ndarray, finite: np.ndarray | None) -> None:
        """Next rows; ``finite`` is their finite mask (None: all finite)."""
        y = x if finite is None else np.where(finite, x, self.fill)
        top = y.max(axis=0) if self.high else y.min(axis=0)
        better = top > self.value if self.high else top < self.value
        self.value[better] = top[better]
        self.total[better] = 0
        self.run[better] = 0
        eq = x == self.value
        for c in np.flatnonzero(eq.any(axis=0) | (self.run > 0)):
            starts, stops = run_bounds(eq[:, c])
            lengths = stops - starts
            if lengths.size and starts[0] == 0:
                lengths[0] += self.run[c]
            else:
                self._close(c, self.run[c])
            self.run[c] = 0
            if lengths.size and stops[-1] == x.shape[0]:
                self.run[c], lengths = lengths[-1], lengths[:-1]
            self.total[c] += int(lengths[lengths >= self.min_run].sum())

    def _close(self, c: int, length: int) -> None:
        if length >= self.min_run:
            self.total[c] += length

    def finish(self) -> np.ndarray:
        for c in np.flatnonzero(self.run):
            self._close(c, self.run[c])
        self.run[:] = 0
        return self.total


class ChannelSweep:
    """Statistics of a time-major ``(n, n_channels)`` signal fed in chunks (see the module notes).

    Parameters
    ----------
    n_channels : int
    min_run : int
        Shortest plateau at a channel's extreme that counts as clipping (as
        :func:`~emgforce.signal.check_quality` without ``limits``).
    channel_names : sequence of str, optional
        Labels for the quality report.
    """

    def __init__(self, n_channels: int, *, min_run: int = 3, channel_names=None) -> None:
        if min_run < 2:
            raise SignalError(f"min_run must be at least 2, got {min_run}")
        n_ch = int(n_channels)
        self.names = tuple(str(c) for c in (channel_names if channel_names is not None else range(n_ch)))
        if len(self.names) != n_ch:
            raise SignalError(f"{len(self.names)} channel names for {n_ch} channels")
        self.n = 0
        self.n_nan = np.zeros(n_ch, dtype=np.int64)
        self.n_inf = np.zeros(n_ch, dtype=np.int64)
        self.rows_nonfinite = 0  # rows with a NaN/inf sample in any channel
        self._sum = np.zeros(n_ch)
        self._bad = np.zeros(n_ch, dtype=np.int64)
        self._filled = np.zeros(n_ch)  # interpolated values of the closed non-finite stretches
        self._last = np.full(n_ch, np.nan)  # last finite value
        self._pending = np.zeros(n_ch, dtype=np.int64)  # non-finite samples since it
        self._high = _Plateaus(n_ch, min_run, high=True)
        self._low = _Plateaus(n_ch, min_run, high=False)

    def add(self, chunk) -> None:
        """Feed the next rows (time-major, the same channels every time)."""
        x = np.ascontiguousarray(chunk, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.n_nan.size:
            raise SignalError(f"chunks must have shape (rows, {self.n_nan.size}), got {x.shape}")
        if not x.shape[0]:
            return
        finite = np.isfinite(x)
        all_finite = bool(finite.all())
        if not all_finite:
            n_bad = (~finite).sum(axis=0)
            n_nan = np.isnan(x).sum(axis=0)
            self.n_nan += n_nan
            self.n_inf += n_bad - n_nan
            self.rows_nonfinite += int((~finite).any(axis=1).sum())
        _kernels.add_block_sums(x if all_finite else np.where(finite, x, 0.0), self._sum, self._bad)
        for c in np.flatnonzero(~finite.all(axis=0) | (self._pending > 0)):
            self._fill(c, x[:, c], np.flatnonzero(finite[:, c]))
        last_ok = finite[-1]
        self._last[last_ok] = x[-1, last_ok]
        self._high.add(x, None if all_finite else finite)
        self._low.add(x, None if all_finite else finite)
        self.n += x.shape[0]

    def _fill(self, c: int, col: np.ndarray, ok: np.ndarray) -> None:
        """Sum of the interpolated values of the non-finite stretches of channel ``c`` closed in ``col``."""
        if not ok.size:
            self._pending[c] += col.size
            return
        first = col[ok[0]]
        k = self._pending[c] + ok[0]
        if k:  # the stretch before the first finite sample: interpolated, or the first value held
            left = self._last[c]
            self._filled[c] += k * (first if np.isnan(left) else 0.5 * (left + first))
        gap = np.diff(ok) - 1
        inner = gap > 0
        self._filled[c] += float(np.sum(gap[inner] * 0.5 * (col[ok[:-1][inner]] + col[ok[1:][inner]])))
        self._pending[c] = col.size - 1 - ok[-1]
        self._last[c] = col[ok[-1]]

    def mean_interpolated(self) -> np.ndarray:
        """Channel means with non-finite samples linearly interpolated (edges hold the nearest
        finite value); NaN for a channel without a finite sample."""
        trailing = np.where(self._pending > 0, self._pending * self._last, 0.0)
        return (self._sum + self._filled + trailing) / max(self.n, 1)

    def quality(self) -> QualityReport:
        """What :func:`~emgforce.signal.check_quality` reports for the whole signal (no ``limits``)."""
        flat = ~(self._high.value > self._low.value)
        n_sat = self._high.finish() + self._low.finish()
        n_sat[flat] = 0
        return QualityReport(self.n, self.n_nan.copy(), self.n_inf.copy(), n_sat, flat, self.names)


def sweep_channels(source, *, chunk_rows: int = CHUNK_ROWS, visit: Callable[[np.ndarray], None] | None = None,
                   **kwargs) -> ChannelSweep:
    """One :class:`ChannelSweep` over ``source`` (sliceable along time, ``(n, n_channels)``), chunk by chunk.

    ``visit``, if given, also sees every chunk (another one-pass statistic); ``kwargs`` go to
    :class:`ChannelSweep`.
    """
    n, n_ch = (int(k) for k in source.shape)
    sweep = ChannelSweep(n_ch, **kwargs)
    for a in range(0, n, chunk_rows):
        chunk = np.asarray(source[a:min(n, a + chunk_rows)], dtype=np.float64)
        sweep.add(chunk)
        if visit is not None:
            visit(chunk)
    return sweep

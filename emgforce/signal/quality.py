"""Per-channel quality flags (NaN, inf, saturation) and the non-finite sample policy.

Policy for NaN/inf samples in the envelope functions (``nonfinite=``):

``"raise"`` (default)
    :class:`~emgforce.errors.SignalError` naming the channels and counts.
``"zero"``
    The sample becomes 0 after DC removal: the channel's finite mean offline
    (0 with ``remove_dc=False``), 0 in the causal/streaming chain, which has
    no mean.
``"hold"``
    The channel's last finite value (0 before the first one); causal, so
    the streaming classes offer it too.
``"interpolate"``
    Linear interpolation between the neighbouring finite samples (edges
    take the nearest finite value); offline only.

Whatever is replaced is logged (warning) with per-channel counts; call
:func:`check_quality` for the counts as data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from emgforce._runs import run_bounds
from emgforce.errors import SignalError
from emgforce.signal import _codes
from emgforce.signal._lazy import kernels as _kernels
from emgforce.signal._arrays import to_2d

__all__ = ["QualityReport", "check_quality", "NONFINITE_POLICIES"]

logger = logging.getLogger(__name__)

NONFINITE_POLICIES = ("raise", "zero", "hold", "interpolate")
POLICY_CODES = {"raise": _codes.NONFINITE_RAISE, "zero": _codes.NONFINITE_ZERO, "hold": _codes.NONFINITE_HOLD}


@dataclass(frozen=True)
class QualityReport:
    """Counts of suspicious samples per channel.

    Attributes
    ----------
    n_samples : int
        Samples per channel.
    n_nan, n_inf, n_saturated : ndarray of int, shape (n_channels,)
        NaN samples, +-inf samples, and samples judged saturated (clipped).
    flat : ndarray of bool, shape (n_channels,)
        Channels whose finite samples are all equal (or that have none): a
        disconnected or switched-off sensor.
    channel_names : tuple of str
        Names given to :func:`check_quality` (or ``"0"``, ``"1"``, ...).
    """

    n_samples: int
    n_nan: np.ndarray
    n_inf: np.ndarray
    n_saturated: np.ndarray
    flat: np.ndarray
    channel_names: tuple[str, ...]

    @property
    def nonfinite(self) -> np.ndarray:
        """True for channels holding any NaN or inf."""
        return (self.n_nan + self.n_inf) > 0

    @property
    def saturated(self) -> np.ndarray:
        """True for channels with saturated samples."""
        return self.n_saturated > 0

    @property
    def ok(self) -> np.ndarray:
        """True for channels with no flag at all."""
        return ~(self.nonfinite | self.saturated | self.flat)

    def summary(self) -> str:
        """One line per flagged channel, or ``"all channels ok"``."""
        lines = []
        for i, name in enumerate(self.channel_names):
            parts = [f"{k} {int(v[i])}" for k, v in
                     (("NaN", self.n_nan), ("inf", self.n_inf), ("saturated", self.n_saturated)) if v[i]]
            if self.flat[i]:
                parts.insert(0, "flat (constant)")
            if parts:
                lines.append(f"{name}: " + ", ".join(parts) + f" of {self.n_samples} samples")
        return "\n".join(lines) if lines else "all channels ok"


def check_quality(x, *, axis: int = 0, limits=None, min_run: int = 3, channel_names=None) -> QualityReport:
    """Flag NaN, inf and saturated samples per channel.

    Parameters
    ----------
    x : array_like
        Signal, ``axis`` is time; other dimensions are channels.
    axis : int
        Time axis.
    limits : float or (float, float), optional
        Known input range of the amplifier/ADC in signal units; samples at or
        beyond it count as saturated. A single value means ``(-v, +v)``.
        Without limits, a sample counts as saturated when it equals its
        channel's finite maximum or minimum inside a run of at least
        ``min_run`` identical consecutive samples (the flat top of a clipped
        signal). A flat channel is flagged as flat, not saturated.
    min_run : int
        Shortest plateau that counts as clipping when ``limits`` is None.
    channel_names : sequence of str, optional
        Labels for the report.

    Returns
    -------
    QualityReport
    """
    x = np.asarray(x)
    x2, _ = to_2d(x, axis)
    n, n_ch = x2.shape
    names = tuple(str(c) for c in (channel_names if channel_names is not None else range(n_ch)))
    if len(names) != n_ch:
        raise SignalError(f"{len(names)} channel names for {n_ch} channels")
    n_nan = np.isnan(x2).sum(axis=0)
    n_inf = np.isinf(x2).sum(axis=0)
    finite = np.where(np.isfinite(x2), x2, np.nan)
    with np.errstate(all="ignore"):
        flat = ~(np.nanmax(finite, axis=0, initial=-np.inf) > np.nanmin(finite, axis=0, initial=np.inf))
    if limits is not None:
        lo, hi = (-abs(float(limits)), abs(float(limits))) if np.ndim(limits) == 0 else map(float, limits)
        if not lo < hi:
            raise SignalError(f"limits must be (low, high) with low < high in signal units, got {limits!r}")
        n_sat = ((x2 <= lo) | (x2 >= hi)).sum(axis=0)
    else:
        if min_run < 2:
            raise SignalError(f"min_run must be at least 2, got {min_run}")
        n_sat = np.array([0 if flat[c] else _plateau_count(x2[:, c], min_run) for c in range(n_ch)],
                         dtype=np.int64)
    return QualityReport(n, n_nan.astype(np.int64), n_inf.astype(np.int64), n_sat, flat, names)


def _plateau_count(col: np.ndarray, min_run: int) -> int:
    finite = col[np.isfinite(col)]
    if finite.size == 0:
        return 0
    total = 0
    for extreme in {finite.max(), finite.min()}:
        starts, stops = run_bounds(col == extreme)
        runs = stops - starts
        total += int(runs[runs >= min_run].sum())
    return total


def check_policy(policy: str, *, streaming: bool = False) -> str:
    """Validate a ``nonfinite`` policy name."""
    allowed = NONFINITE_POLICIES[:3] if streaming else NONFINITE_POLICIES
    if policy not in allowed:
        raise SignalError(f"nonfinite must be one of {allowed}, got {policy!r}"
                          + ("; 'interpolate' needs future samples, use 'hold'" if policy == "interpolate" else ""))
    return policy


def raise_nonfinite(counts: np.ndarray, n_samples: int) -> None:
    """SignalError naming the channels that hold NaN/inf samples."""
    bad = {int(c): int(k) for c, k in enumerate(counts) if k}
    raise SignalError(
        f"NaN/inf samples in channels {bad} (channel index: count) of {n_samples} samples; "
        "check the recording with emgforce.signal.check_quality, or pass nonfinite='zero'|'hold'|'interpolate'"
    )


def apply_policy(x2: np.ndarray, policy: str, *, dc_removed: bool = True, counts: np.ndarray | None = None
                 ) -> np.ndarray:
    """Handle non-finite samples of a time-major float64 array (offline).

    Returns ``x2`` itself when every sample is finite, else a repaired copy;
    ``"zero"`` puts the channel's finite mean when the caller removes DC
    afterwards (so the sample ends up 0), else 0. ``counts`` (non-finite
    samples per channel) may be passed when already known. Logs what it
    replaced.
    """
    if counts is None:
        counts = _kernels.mean_and_nonfinite(x2)[1]
    if not counts.any():
        return x2
    if policy == "raise":
        raise_nonfinite(counts, x2.shape[0])
    logger.warning("replacing non-finite samples (policy %r), per channel: %s", policy,
                   {int(c): int(k) for c, k in enumerate(counts) if k})
    y = x2.copy()
    bad = ~np.isfinite(y)
    if policy == "hold":
        for c in np.flatnonzero(counts):
            col = y[:, c]
            idx = np.where(bad[:, c], 0, np.arange(col.size))
            np.maximum.accumulate(idx, out=idx)
            held = col[idx]
            held[bad[idx, c]] = 0.0  # nothing finite yet
            col[:] = held
    elif policy == "interpolate":
        t = np.arange(y.shape[0])
        for c in np.flatnonzero(counts):
            good = ~bad[:, c]
            if not good.any():
                raise SignalError(f"channel {c} holds no finite sample; nothing to interpolate from")
            y[bad[:, c], c] = np.interp(t[bad[:, c]], t[good], y[good, c])
    else:
        for c in np.flatnonzero(counts):
            good = ~bad[:, c]
            y[bad[:, c], c] = y[good, c].mean() if dc_removed and good.any() else 0.0
    return y

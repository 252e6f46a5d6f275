"""Muscle onset/offset detection: Hodges & Bui, TKEO-conditioned (Solnik), double threshold (Bonato).

All three turn raw EMG into a per-sample active/inactive decision, then apply
the same timing rules: a change of state counts only when held for
``min_duration_s`` (onset above and offset below threshold), bursts closer
than ``min_gap_s`` are merged into one, and bursts shorter than
``min_burst_s`` are dropped. The defaults of the last two were chosen on real
sEMG so that each voluntary contraction is reported once (validation in
``docs/metrics.md``); Hodges & Bui's own 25-50 ms rules alone split a
contraction wherever its envelope dips under the threshold.

References: Hodges P.W., Bui B.H. (1996) Electroencephalogr Clin Neurophysiol
101:511-519; Solnik S. et al. (2010) Eur J Appl Physiol 110:489-498; Bonato P.
et al. (1998) IEEE Trans Biomed Eng 45:287-299.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emgforce._docs import fill_doc
from emgforce.constants import (
    ONSET_BASELINE_S,
    ONSET_FALSE_ALARM,
    ONSET_K_SD,
    ONSET_MIN_BURST_S,
    ONSET_MIN_DURATION_S,
    ONSET_MIN_GAP_S,
)
from emgforce.errors import SignalError
from emgforce.signal._lazy import kernels as _kernels
from emgforce.signal._lazy import scipy_optimize as optimize
from emgforce.signal._lazy import scipy_stats as stats
from emgforce.signal._arrays import check_fs, check_positive, to_2d
from emgforce.signal.envelope import linear_envelope, tkeo
from emgforce.signal.filters import filter_zero_phase
from emgforce.signal.pipeline import EnvelopeParams, design, emg_envelope
from emgforce.signal.quality import raise_nonfinite

__all__ = ["Burst", "detect_onsets", "ONSET_METHODS"]

ONSET_METHODS = ("hodges", "tkeo", "bonato")


@dataclass(frozen=True)
class Burst:
    """One activation burst of one channel.

    Attributes
    ----------
    channel : int
        Column of the input.
    label : str
        Channel name (or the column index as text).
    onset : int
        First active sample.
    offset : int
        First sample after the burst (exclusive end), so ``x[onset:offset]``
        is the burst.
    fs : float
        Sampling rate in Hz, for the times below.
    """

    channel: int
    label: str
    onset: int
    offset: int
    fs: float

    @property
    def onset_s(self) -> float:
        """Onset time, s from the first sample."""
        return self.onset / self.fs

    @property
    def offset_s(self) -> float:
        """Offset time (first sample after the burst), s from the first sample."""
        return self.offset / self.fs

    @property
    def duration_s(self) -> float:
        """Burst duration, s."""
        return (self.offset - self.onset) / self.fs


@fill_doc
def detect_onsets(x, fs: float, *, method: str = "hodges", baseline=(0.0, ONSET_BASELINE_S), k: float = ONSET_K_SD,
                  min_duration_s: float = ONSET_MIN_DURATION_S, min_burst_s: float = ONSET_MIN_BURST_S,
                  min_gap_s: float = ONSET_MIN_GAP_S, smooth_hz: float = 50.0,
                  false_alarm: float = ONSET_FALSE_ALARM, m: int = 5, r0: int = 1,
                  params: EnvelopeParams | None = None, axis: int = 0, channel_names=None) -> list[Burst]:
    """Detect activation bursts (onset/offset sample indices) in every channel of raw EMG.

    Parameters
    ----------
    x : array_like
        Raw EMG; ``axis`` is time, other dimensions are channels.
    %(fs)s
    method : {"hodges", "tkeo", "bonato"}
        ``"hodges"``: linear envelope (band-pass, rectify, ``smooth_hz``
        low-pass) above baseline mean + ``k`` SD. ``"tkeo"``: the same
        threshold on the rectified, ``smooth_hz``-low-passed Teager-Kaiser
        energy of the band-passed signal (Solnik 2010). ``"bonato"``: double
        threshold on the band-passed signal: pairs of samples normalised by the
        baseline variance, ``g = (y[2i]**2 + y[2i+1]**2) / var0``, exceed
        ``zeta`` (chi-square, 2 d.o.f.); a sample is active when at least
        ``r0`` of the ``m`` pairs ending there exceed it; ``zeta`` is set so
        that rest is flagged with probability ``false_alarm``.
    baseline : (float, float) or ndarray
        Rest interval ``(start_s, stop_s)`` inside ``x`` (default: the first
        0.5 s, so record at least 0.5 s of rest first), or a separate raw rest
        recording (ndarray, same channels). Check it is truly at rest: a
        baseline picked automatically as the quietest window was tried on real
        sEMG and rejected (it underestimates the rest SD: 25-490 false bursts).
    k : float
        Threshold in baseline SDs (Hodges & Bui, TKEO).
    min_duration_s : float
        How long the signal must stay above (onset) or below (offset) the
        threshold for the change to count.
    min_gap_s : float
        Bursts separated by a shorter pause are one burst (default 0.3 s).
    min_burst_s : float
        Shortest burst reported, after merging (default 0.3 s; lower both for
        short ballistic or gait bursts).
    smooth_hz : float
        Low-pass of the Hodges/TKEO detection envelope (50 Hz in Hodges & Bui).
    false_alarm, m, r0 : float, int, int
        Bonato's detector: false-alarm probability at rest, window of pairs and
        pairs required.
    params : EnvelopeParams, optional
        Band-pass/notch settings of the conditioning (defaults from constants).
    axis : int
        Time axis.
    channel_names : sequence of str, optional
        Labels of the channels.

    Returns
    -------
    list of Burst
        Sorted by channel, then onset.

    Raises
    ------
    SignalError
        NaN/inf samples (repair them first, e.g. with the ``nonfinite``
        policies of :func:`~emgforce.signal.emg_envelope`), a flat baseline, or
        bad parameters.
    """
    fs = check_fs(fs)
    if method not in ONSET_METHODS:
        raise SignalError(f"method must be one of {ONSET_METHODS}, got {method!r}")
    x2, _ = to_2d(x, axis)
    n, n_ch = x2.shape
    names = tuple(str(c) for c in (channel_names if channel_names is not None else range(n_ch)))
    if len(names) != n_ch:
        raise SignalError(f"{len(names)} channel names for {n_ch} channels")
    for name, v in (("min_duration_s", min_duration_s), ("min_burst_s", min_burst_s), ("min_gap_s", min_gap_s)):
        if not (np.isfinite(v) and v >= 0):
            raise SignalError(f"{name} must be >= 0 s, got {v!r}")
    params = params or EnvelopeParams()
    bad = _kernels.mean_and_nonfinite(x2)[1]
    if bad.any():
        raise_nonfinite(bad, n)

    if not isinstance(baseline, np.ndarray) and np.ndim(baseline) == 1 and len(baseline) == 2:
        i0, i1 = int(round(baseline[0] * fs)), int(round(baseline[1] * fs))
        if not 0 <= i0 < i1 <= n:
            raise SignalError(f"baseline {baseline} s is not an interval inside the {n / fs:.3f} s signal")
        detect = _detection_signal(x2, fs, method, smooth_hz, params)
        base = detect[i0:i1]
    else:
        b2, _ = to_2d(baseline, axis)
        if b2.shape[1] != n_ch:
            raise SignalError(f"baseline recording has {b2.shape[1]} channels, the signal {n_ch}")
        detect = _detection_signal(x2, fs, method, smooth_hz, params)
        base = _detection_signal(b2, fs, method, smooth_hz, params)
    if base.shape[0] < 2:
        raise SignalError("baseline holds fewer than 2 samples; give a longer rest interval")

    if method == "bonato":
        active = _bonato_active(detect, base, false_alarm, m, r0)
    else:
        mu, sd = base.mean(axis=0), base.std(axis=0, ddof=1)
        k = check_positive(k, "k (threshold in baseline SDs)")
        if not np.all(sd > 0):
            raise SignalError(f"baseline is flat (SD 0) in channels {np.flatnonzero(sd <= 0).tolist()}")
        active = detect > mu + k * sd

    hold = max(1, int(round(min_duration_s * fs)))
    shortest = int(round(min_burst_s * fs))
    gap = int(round(min_gap_s * fs))
    bursts = []
    for c in range(n_ch):
        for on, off in _bursts(active[:, c], hold, shortest, gap):
            bursts.append(Burst(c, names[c], int(on), int(off), fs))
    return bursts


def _detection_signal(x2: np.ndarray, fs: float, method: str, smooth_hz: float,
                      params: EnvelopeParams) -> np.ndarray:
    if method == "hodges":
        return emg_envelope(x2, fs, params=params, method="lowpass", lowpass_hz=smooth_hz)
    pre = design(params, fs, {}).pre_sos
    y = x2 - x2.mean(axis=0)
    if len(pre):
        y = filter_zero_phase(y, pre)
    if method == "bonato":
        return y
    return linear_envelope(tkeo(y), fs, cutoff_hz=smooth_hz)


def _bonato_active(y: np.ndarray, base: np.ndarray, false_alarm: float, m: int, r0: int) -> np.ndarray:
    if not 0 < false_alarm < 1:
        raise SignalError(f"false_alarm must be in (0, 1), got {false_alarm!r}")
    if not (isinstance(m, (int, np.integer)) and isinstance(r0, (int, np.integer)) and 1 <= r0 <= m):
        raise SignalError(f"need integers 1 <= r0 <= m, got r0={r0!r}, m={m!r}")
    var0 = base.var(axis=0, ddof=1)
    if not np.all(var0 > 0):
        raise SignalError(f"baseline is flat (variance 0) in channels {np.flatnonzero(var0 <= 0).tolist()}")
    # Per-pair probability p so that P(at least r0 of m pairs above) = false_alarm at rest.
    p = optimize.brentq(lambda q: stats.binom.sf(r0 - 1, m, q) - false_alarm, 1e-15, 1 - 1e-15)
    zeta = -2.0 * np.log(p)  # chi-square(2): P(g > zeta) = exp(-zeta / 2)
    n = y.shape[0]
    n_pairs = n // 2
    g = (y[0:2 * n_pairs:2] ** 2 + y[1:2 * n_pairs:2] ** 2) / var0
    above = (g > zeta).astype(np.int64)
    csum = np.concatenate([np.zeros((1, y.shape[1]), dtype=np.int64), np.cumsum(above, axis=0)])
    lo = np.maximum(np.arange(1, n_pairs + 1) - m, 0)
    count = csum[1:] - csum[lo]  # pairs above among the (up to) m ending at each pair
    pair_active = count >= r0
    active = np.zeros(y.shape, dtype=bool)
    active[0:2 * n_pairs:2] = pair_active
    active[1:2 * n_pairs:2] = pair_active
    if n % 2:
        active[-1] = pair_active[-1] if n_pairs else False
    return active


def _bursts(active: np.ndarray, hold: int, shortest: int, gap: int = 0) -> list[tuple[int, int]]:
    """Two-state detector: on after ``hold`` active samples, off after ``hold`` inactive ones.

    Onset is the first sample of an active run of at least ``hold`` samples;
    offset the first sample of the next inactive run of at least ``hold``
    samples (or the end). Bursts less than ``gap`` samples apart are merged,
    then bursts shorter than ``shortest`` are dropped.
    """
    if active.size == 0:
        return []
    change = np.flatnonzero(active[1:] != active[:-1]) + 1
    starts = np.concatenate(([0], change))
    stops = np.concatenate((change, [active.size]))
    values = active[starts]
    long_runs = (stops - starts) >= hold
    out = []
    on = None
    for a, v, is_long in zip(starts, values, long_runs):
        if not is_long:
            continue
        if on is None and v:
            on = a
        elif on is not None and not v:
            out.append((on, a))
            on = None
    if on is not None:
        out.append((on, active.size))
    merged: list[tuple[int, int]] = []
    for a, b in out:
        if merged and a - merged[-1][1] < gap:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return [(a, b) for a, b in merged if b - a >= shortest]

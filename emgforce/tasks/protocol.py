"""The protocol's trials found from the signals alone, for recordings without trial events.

:func:`segment_protocol` reads the total plate load (in body weights) and the
GM envelopes of the two sides (each relative to its own session maximum) in
0.1 s epochs and recognises the tasks of the GM protocol by their patterns:

* **MVC**: feet off the plates, one side's GM above half its session maximum for
  >= 1.5 s and at 70 % of it on average;
  the side is that GM's. **Rest**: off the plates, both GM quiet for >= 3 s,
  before the first or after the last MVC (pauses between MVCs look the same).
* **Bridges**: lying with the feet on the plates (load 10-35 % of body
  weight) and repetitions that raise it (35-75 %); consecutive repetitions
  with the same GM pattern form one trial: both GM alike -> supine bridge, one
  clearly more active -> single-leg bridge on that side.
* **Standing** (load >= 75 % of body weight for >= 2 s, dips under 1 s such as
  a touch-down merged): GM bursting (envelope varies > 30 %) -> single-leg squat,
  else one GM clearly more active -> single-leg stance on that side, else
  double-leg stance. A single-leg stance window starts with the double stance
  (one foot on the plate) before the lift, which the onset analysis needs.

Each trial carries ``source="auto"`` and a confidence in [0, 1] (how clear its
pattern was); :func:`emgforce.io.trial_events.write_trial_table` writes them as
an editable table that ``--trials`` reads back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from emgforce._runs import merge_runs, true_runs
from emgforce.naming import trial_label

__all__ = ["AutoTrial", "protocol_from_recording", "segment_protocol"]

EPOCH_S = 0.1
#: one GM is "clearly more active" when its relative envelope is this many times the other's
SIDE_RATIO = 2.2  # a weak GM is ~0.6 of the other in bilateral tasks; the working GM of a one-legged task 3-10x
OFF_LOAD, SUPINE_LOAD, STANDING_LOAD = 0.1, 0.35, 0.75
_PIECE_ROWS = 1 << 20  # two channels enveloped at a time: a few minutes per piece


@dataclass(frozen=True)
class AutoTrial:
    """A trial found by :func:`segment_protocol` (times in seconds from the recording start)."""

    label: str
    start_s: float
    stop_s: float
    confidence: float
    source: str = "auto"


def _epochs(x: np.ndarray, fs: float, n: int) -> np.ndarray:
    """Mean of each 0.1 s epoch (NaN-aware), first ``n`` epochs."""
    k = max(int(round(EPOCH_S * fs)), 1)
    m = min(x.shape[0] // k, n)
    with np.errstate(invalid="ignore"):
        return np.nanmean(x[: m * k].reshape(m, k, *x.shape[1:]), axis=1)


def _side(gm: np.ndarray) -> tuple[str | None, float]:
    """Side whose GM is clearly more active over the epochs (None: alike), and the confidence."""
    left, right = (float(np.nanmean(gm[:, k])) for k in (0, 1))
    if not (left > 0 and right > 0):
        return None, 0.3
    ratio = left / right
    r = abs(math.log(ratio)) / math.log(SIDE_RATIO)  # 1 at the threshold
    conf = float(np.clip(abs(r - 1.0), 0.0, 1.0)) * 0.5 + 0.5
    if r < 1.0:
        return None, conf
    return ("left" if ratio > 1 else "right"), conf


def segment_protocol(load_bw: np.ndarray | None, gm: np.ndarray, fs_load: float, fs_emg: float,
                     max_plate_share: np.ndarray | None = None) -> list[AutoTrial]:
    """Trials of the GM protocol from the plate load and the GM envelopes (see the module notes).

    Parameters
    ----------
    load_bw : ndarray, shape (n,) or None
        Total vertical load of the plates in body weights (None: no plates;
        only MVCs can then be found).
    gm : ndarray, shape (m, 2)
        Left and right GM linear envelopes, each divided by its session maximum.
    fs_load, fs_emg : float
        Their sampling rates.
    max_plate_share : ndarray, shape (n,), optional
        With a plate under each foot: the largest plate's share of the load
        (above 85 %: standing on one leg), at ``fs_load``.

    Returns
    -------
    list of AutoTrial
        In time order.
    """
    return _segment(load_bw, _epochs(np.asarray(gm, dtype=float), fs_emg, 10**12), fs_load, max_plate_share)


def _segment(load_bw: np.ndarray | None, g: np.ndarray, fs_load: float,
             max_plate_share: np.ndarray | None) -> list[AutoTrial]:
    """:func:`segment_protocol` from the GM envelopes' epoch means ``g``."""
    n = g.shape[0]
    if load_bw is not None:
        load = _epochs(np.asarray(load_bw, dtype=float), fs_load, n)
        n = min(n, load.shape[0])
        load, g = np.nan_to_num(load[:n]), g[:n]
        one_plate = _epochs(np.asarray(max_plate_share, dtype=float), fs_load, n) if max_plate_share is not None else None
    else:
        load = np.zeros(n)
    per_s = int(round(1.0 / EPOCH_S))
    trials: list[AutoTrial] = []

    def add(task: str, side: str | None, a: int, b: int, conf: float) -> None:
        trials.append(AutoTrial(trial_label(task, side), a * EPOCH_S, b * EPOCH_S, round(conf, 2)))

    # lying off the plates: MVCs, and rest (a quiet stretch of >= 3 s before the first or after the
    # last MVC: the pauses between MVCs look the same)
    mvcs: list[tuple[int, int]] = []
    quiet_runs: list[tuple[int, int]] = []
    for a, b in true_runs(load < OFF_LOAD):
        strong = np.nanmax(g[a:b], axis=1) > 0.5
        used = []
        for c, d in merge_runs(true_runs(strong), per_s // 2):
            c, d = a + c, a + d
            # a maximal effort: >= 1.5 s near the channel's session maximum (task bursts stay lower)
            if d - c < 1.5 * per_s or np.nanmean(np.nanmax(g[c:d], axis=1)) < 0.7:
                continue
            side, conf = _side(g[c:d])
            if side is None:
                continue
            c0, d0 = max(a, c - per_s // 2), min(b, d + per_s // 2)
            add("mvc", side, c0, d0, conf)
            used.append((c0, d0))
        quiet = np.ones(b - a, dtype=bool)
        for c0, d0 in used:
            quiet[c0 - a : d0 - a] = False
        mvcs += used
        quiet_runs += [(a + c, a + d) for c, d in true_runs(quiet & (np.nanmax(g[a:b], axis=1) < 0.1)) if d - c >= 3 * per_s]
    for c, d in quiet_runs if load_bw is not None else []:  # without plates quiet lying and standing look alike
        if not mvcs or d <= min(m[0] for m in mvcs) or c >= max(m[1] for m in mvcs):
            add("rest", None, c, d, 0.6)
    if load_bw is None:
        return sorted(trials, key=lambda t: t.start_s)

    # lying with the feet on the plates: bridges
    lying = true_runs((load >= OFF_LOAD) & (load < STANDING_LOAD))
    for a, b in lying:
        if not np.any(load[a:b] < SUPINE_LOAD):
            continue  # standing with one foot on the plate, not supine
        # a repetition rises from lying and comes back to it (not the standing that ends or starts the stretch)
        reps = [(a + c, a + d) for c, d in true_runs(load[a:b] >= SUPINE_LOAD) if d - c >= per_s // 2 and c > 0 and a + d < b]
        groups: list[tuple[str | None, list[tuple[int, int]], float]] = []
        for c, d in reps:
            side, conf = _side(g[c:d])
            if groups and groups[-1][0] == side and c - groups[-1][1][-1][1] < 8 * per_s:
                groups[-1][1].append((c, d))
                groups[-1] = (side, groups[-1][1], min(groups[-1][2], conf))
            else:
                groups.append((side, [(c, d)], conf))
        for side, rs, conf in groups:
            task = "bridge" if side is None else "single_leg_bridge"
            add(task, side, max(a, rs[0][0] - 2 * per_s), min(b, rs[-1][1] + 2 * per_s), conf)  # quiet lead-in for onsets

    # standing: double stance, single-leg stance, squats
    for a, b in merge_runs(true_runs(load >= STANDING_LOAD), per_s):  # a touch-down dips for < 1 s
        if b - a < 2 * per_s:
            continue
        # one foot on the plate (half the load) just before: the other leg was lifted
        c = a
        while c > 0 and SUPINE_LOAD <= load[c - 1] < STANDING_LOAD and a - c < 5 * per_s:
            c -= 1
        lifted = a - c >= per_s or (one_plate is not None and np.nanmean(one_plate[a:b]) > 0.85)
        side, conf = _side(g[a:b])
        left, right = (float(np.nanmean(g[a:b, k])) for k in (0, 1))
        worker = g[a:b, 0 if left >= right else 1]
        smooth = np.convolve(worker, np.ones(5) / 5, mode="same")
        bursting = np.nanstd(smooth) > 0.3 * np.nanmean(smooth)
        if bursting and (side is not None or lifted):
            add("squat", side or ("left" if left > right else "right"), max(0, a - per_s // 2), min(n, b + per_s // 2), conf)
        elif lifted:
            # the stance leg's GM works harder; a weak GM may be only a little more active than the other
            ratio = max(left, right) / max(min(left, right), 1e-12)
            add("stance", "left" if left > right else "right", c, min(n, b + per_s // 2),
                conf if side is not None else 0.5 + 0.3 * min(1.0, math.log(ratio) / math.log(SIDE_RATIO)))
        elif side is None:
            add("stance_double", None, a, b, conf)
        else:
            add("stance", side, a, min(n, b + per_s // 2), conf * 0.8)
    return sorted(trials, key=lambda t: t.start_s)


def protocol_from_recording(ctx: Any) -> list[AutoTrial]:
    """:func:`segment_protocol` on an analysis context whose plates and body mass are set up.

    The GM envelopes (gaps as zeros) are computed piece by piece over the session
    (:func:`~emgforce.tasks.windows.envelope_pieces`), equal to the whole-session
    envelope: one sweep for their 1 s moving-mean maxima, one for the epoch means.
    """
    from emgforce.signal.sweep import sweep_channels
    from emgforce.signal.windowed import WindowedEnvelope
    from emgforce.tasks.context import body_weight_n
    from emgforce.tasks.prepare import channel_tags
    from emgforce.tasks.windows import Columns, envelope_pieces

    emg = ctx.rec.streams.get("emg")
    if emg is None:
        return []
    sides, muscles = channel_tags(emg.channels)
    cols = {s: j for j, (s, m) in enumerate(zip(sides, muscles)) if m == "gluteus_medius" and s}
    if not {"left", "right"} <= set(cols):
        return []
    raw = Columns(emg.data, [cols["left"], cols["right"]], finite=True)
    envelope = WindowedEnvelope(raw, emg.fs_hz, mean=sweep_channels(raw).mean_interpolated())
    k = max(int(emg.fs_hz), 1)  # 1 s moving mean: the session maximum as the MVC reference is defined
    peak = np.full(2, -np.inf)
    for _, _, _, env in envelope_pieces(envelope, rows=_PIECE_ROWS, context=k - 1):
        if env.shape[0] >= k:
            peak = np.maximum(peak, [np.max(np.convolve(env[:, j], np.ones(k) / k, mode="valid")) for j in range(2)])
    scale = np.where(peak > 0, peak, 1.0)
    epoch = max(int(round(EPOCH_S * emg.fs_hz)), 1)
    g = np.concatenate([_epochs(env / scale, emg.fs_hz, 10**12)
                        for _, _, _, env in envelope_pieces(envelope, align=epoch, rows=_PIECE_ROWS)])
    bw = body_weight_n(ctx)
    if ctx.plates and bw:
        fs = ctx.plates[0].fs_hz
        n = min(p.fz_n.size for p in ctx.plates if p.fs_hz == fs)
        fz = np.array([p.fz_n[:n] for p in ctx.plates if p.fs_hz == fs])
        total = fz.sum(axis=0)
        share = None
        if fz.shape[0] > 1:
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(total > 0.5 * bw, fz.max(axis=0) / total, np.nan)
        return _segment(total / bw, g, fs, share)
    return _segment(None, g, 1.0, None)

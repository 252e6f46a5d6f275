"""Single-leg stance events: leg lift, balance losses (touch-downs) and time to stabilisation.

Event labels follow :data:`emgforce.naming.ACTIVITY_LABELS`: ``"lift"`` and
``"touchdown"``. Times are seconds from the first sample of the input.
"""

from __future__ import annotations

__all__ = [
    "StabilizationResult",
    "StanceEvent",
    "detect_balance_losses",
    "detect_leg_lift",
    "time_to_stabilization",
]

from dataclasses import dataclass

import numpy as np

from emgforce._deprecation import renamed_kwargs
from emgforce._runs import merge_runs, true_runs
from emgforce.errors import ForcePlateError
from emgforce.forceplate._validate import as_series, check_fs, check_positive


@dataclass(frozen=True)
class StanceEvent:
    """One single-leg-stance event.

    Attributes
    ----------
    kind : str
        ``"lift"`` (stance onset) or ``"touchdown"`` (balance loss).
    time_s : float
        Onset, s from the first input sample.
    end_s : float or None
        For a touch-down, when the last criterion cleared; None for a lift.
    reasons : tuple of str
        The criteria that fired, each with the numbers that made it fire.
    """

    kind: str
    time_s: float
    end_s: float | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class StabilizationResult:
    """Output of :func:`time_to_stabilization`.

    ``time_s`` is measured from ``onset_s`` (NaN when the signal never
    stabilises, with ``reason`` saying why); ``band`` is the (low, high)
    band the criterion used.
    """

    time_s: float
    method: str
    band: tuple[float, float]
    reason: str | None = None


def _tolerance(tolerance: float, descriptor: str) -> float:
    """A body-weight fraction strictly between 0 and 1."""
    if not check_positive(tolerance, "tolerance", descriptor) < 1:
        raise ForcePlateError(f"{descriptor}: tolerance is a fraction of body weight in (0, 1), got {tolerance!r}")
    return float(tolerance)


@renamed_kwargs(fs_hz="fs")
def detect_leg_lift(
    fz_n: np.ndarray,
    fs: float,
    *,
    body_weight_n: float | None = None,
    tolerance: float = 0.1,
    other_fz_n: np.ndarray | None = None,
    unloaded_n: float = 20.0,
    cop_m: np.ndarray | None = None,
    cop_shift_m: float | None = None,
    min_hold_s: float = 0.5,
) -> StanceEvent:
    """Find the leg lift that starts single-leg stance.

    The lift is the first sample from which, for at least ``min_hold_s``:

    * with ``other_fz_n`` (a plate under the foot that is lifted): that
      plate's load stays below ``unloaded_n``;
    * with ``cop_m`` and ``cop_shift_m`` (one plate under both feet): the ML
      COP stays more than ``cop_shift_m`` from its value at the start (the
      COP moves under the stance foot);
    * otherwise (a plate under the stance foot only): the stance-plate load
      stays within ``tolerance`` of body weight.

    Parameters
    ----------
    fz_n : ndarray, shape (n,)
        Vertical load on the stance plate, N, positive when loaded (e.g.
        ``CopResult.fz_n``).
    fs : float
        Sampling rate.
    body_weight_n : float, optional
        Body weight; default the median load over the last half of the
        trial (the subject is then in single-leg stance).
    tolerance : float
        Fraction of body weight accepted as "carrying the body" (0.1).
    other_fz_n : ndarray, optional
        Load on the plate under the lifted foot.
    unloaded_n : float
        Load below which a plate counts as unloaded.
    cop_m : ndarray, shape (n, 2), optional
        COP (x = ML) of a plate under both feet.
    cop_shift_m : float, optional
        ML COP shift that marks the lift; needed with ``cop_m``.
    min_hold_s : float
        How long the criterion must hold.

    Returns
    -------
    StanceEvent
        ``kind="lift"``.

    Raises
    ------
    ForcePlateError
        Bad input or no lift found (the message gives the numbers).
    """
    fs = check_fs(fs, "detect_leg_lift")
    fz = as_series(fz_n, "detect_leg_lift", 2)
    tolerance = _tolerance(tolerance, "detect_leg_lift")
    hold = max(1, int(round(check_positive(min_hold_s, "min_hold_s", "detect_leg_lift") * fs)))
    if other_fz_n is not None:
        other = as_series(other_fz_n, "detect_leg_lift (other plate)", 2)
        if other.shape != fz.shape:
            raise ForcePlateError(f"detect_leg_lift: other_fz_n has {other.shape[0]} samples, fz_n {fz.shape[0]}")
        crit = other < unloaded_n
        why = f"load under the lifted foot below {unloaded_n:g} N"
    elif cop_m is not None:
        if cop_shift_m is None or not cop_shift_m > 0:
            raise ForcePlateError("detect_leg_lift: cop_m needs a positive cop_shift_m (ML shift that marks the lift)")
        cop = np.asarray(cop_m, dtype=float)
        if cop.shape != (fz.shape[0], 2):
            raise ForcePlateError(f"detect_leg_lift: cop_m must have shape ({fz.shape[0]}, 2), got {cop.shape}")
        start = np.nanmedian(cop[: hold, 0])
        if not np.isfinite(start):
            raise ForcePlateError("detect_leg_lift: no valid COP in the first min_hold_s to take the double-stance position from")
        crit = np.abs(cop[:, 0] - start) > cop_shift_m
        why = f"ML COP moved more than {cop_shift_m:g} m from the double-stance position {start:.3f} m"
    else:
        bw = float(np.median(fz[fz.shape[0] // 2:])) if body_weight_n is None else float(body_weight_n)
        if not bw > 0:
            raise ForcePlateError(f"detect_leg_lift: body weight must be positive, got {bw} N")
        crit = np.abs(fz - bw) <= tolerance * bw
        why = f"stance-plate load within {tolerance:.0%} of body weight {bw:.0f} N"
    for a, b in true_runs(crit):
        if b - a >= hold:
            return StanceEvent("lift", a / fs, None, (why,))
    raise ForcePlateError(
        f"detect_leg_lift: no leg lift found: criterion '{why}' never holds for {min_hold_s:g} s "
        f"(stance-plate load {np.min(fz):.0f}..{np.max(fz):.0f} N)"
    )


@renamed_kwargs(fs_hz="fs")
def detect_balance_losses(
    fz_n: np.ndarray,
    fs: float,
    *,
    body_weight_n: float,
    start_s: float = 0.0,
    stop_s: float | None = None,
    tolerance: float = 0.1,
    cop_m: np.ndarray | None = None,
    cop_jump_m: float = 0.03,
    cop_window_s: float = 0.05,
    other_fz_n: np.ndarray | None = None,
    other_threshold_n: float = 20.0,
    min_duration_s: float = 0.02,
    merge_s: float = 0.25,
) -> list[StanceEvent]:
    """Touch-downs of the lifted foot during single-leg stance.

    A sample is flagged when any criterion fires:

    * ``fz_rise``: stance-plate load above ``(1 + tolerance)`` body weight
      (impact of a touch-down or a stamp);
    * ``fz_drop``: load below ``(1 - tolerance)`` body weight (weight taken
      by the lifted foot);
    * ``cop_jump``: the COP moved more than ``cop_jump_m`` within
      ``cop_window_s``;
    * ``second_plate_load``: the plate under the lifted foot carries more
      than ``other_threshold_n``.

    Flagged runs closer than ``merge_s`` are merged; runs shorter than
    ``min_duration_s`` are dropped (spikes).

    Parameters
    ----------
    fz_n : ndarray, shape (n,)
        Vertical load on the stance plate, N (positive when loaded).
    fs : float
        Sampling rate.
    body_weight_n : float
        Body weight, N.
    start_s, stop_s : float
        Analysed part (from the leg lift to the end of the hold).
    cop_m : ndarray, shape (n, 2), optional
        Stance-plate COP, m (NaN where masked: a masked COP does not jump).
    other_fz_n : ndarray, shape (n,), optional
        Load on a second plate, N.

    Returns
    -------
    list of StanceEvent
        ``kind="touchdown"``, in time order, each with its reasons.
    """
    fs = check_fs(fs, "detect_balance_losses")
    fz = as_series(fz_n, "detect_balance_losses", 2)
    body_weight_n = check_positive(body_weight_n, "body_weight_n", "detect_balance_losses")
    tolerance = _tolerance(tolerance, "detect_balance_losses")
    n = fz.shape[0]
    i0 = int(round(start_s * fs))
    i1 = n if stop_s is None else int(round(stop_s * fs))
    if not 0 <= i0 < i1 <= n:
        raise ForcePlateError(f"detect_balance_losses: [{start_s}, {stop_s}] s is outside the {n / fs:.2f} s signal")
    hi, lo = (1 + tolerance) * body_weight_n, (1 - tolerance) * body_weight_n
    flags: dict[str, np.ndarray] = {"fz_rise": fz > hi, "fz_drop": fz < lo}
    if cop_m is not None:
        cop = np.asarray(cop_m, dtype=float)
        if cop.shape != (n, 2):
            raise ForcePlateError(f"detect_balance_losses: cop_m must have shape ({n}, 2), got {cop.shape}")
        lag = max(1, int(round(check_positive(cop_window_s, "cop_window_s", "detect_balance_losses") * fs)))
        step = np.zeros(n)
        step[lag:] = np.hypot(*(cop[lag:] - cop[:-lag]).T)
        flags["cop_jump"] = np.nan_to_num(step, nan=0.0) > cop_jump_m
    if other_fz_n is not None:
        other = as_series(other_fz_n, "detect_balance_losses (other plate)", 2)
        if other.shape != fz.shape:
            raise ForcePlateError(f"detect_balance_losses: other_fz_n has {other.shape[0]} samples, fz_n {n}")
        flags["second_plate_load"] = other > other_threshold_n
    for f in flags.values():
        f[:i0] = False
        f[i1:] = False
    any_flag = np.logical_or.reduce(list(flags.values()))
    merged = merge_runs(true_runs(any_flag), int(round(merge_s * fs)))
    min_len = max(1, int(round(min_duration_s * fs)))
    events = []
    for a, b in merged:
        if b - a < min_len:
            continue
        reasons = []
        seg = slice(a, b)
        if flags["fz_rise"][seg].any():
            reasons.append(f"fz_rise: load peaked at {fz[seg].max():.0f} N > {hi:.0f} N ({1 + tolerance:.2f} x body weight)")
        if flags["fz_drop"][seg].any():
            reasons.append(f"fz_drop: load fell to {fz[seg].min():.0f} N < {lo:.0f} N ({1 - tolerance:.2f} x body weight)")
        if "cop_jump" in flags and flags["cop_jump"][seg].any():
            reasons.append(f"cop_jump: COP moved {np.nanmax(step[seg]):.3f} m > {cop_jump_m:g} m within {cop_window_s:g} s")
        if "second_plate_load" in flags and flags["second_plate_load"][seg].any():
            reasons.append(f"second_plate_load: {other[seg].max():.0f} N > {other_threshold_n:g} N on the other plate")
        events.append(StanceEvent("touchdown", a / fs, b / fs, tuple(reasons)))
    return events


@renamed_kwargs(fs_hz="fs")
def time_to_stabilization(
    x: np.ndarray,
    fs: float,
    *,
    onset_s: float = 0.0,
    method: str = "sequential",
    reference_s: float = 5.0,
    hold_s: float | None = 1.0,
    k_sd: float = 0.25,
) -> StabilizationResult:
    """Time to stabilisation after a leg lift or landing.

    Definitions of TTS vary across the literature (calculation methods are
    compared by Fransz et al. 2015, Gait Posture 41:63-69); the two computed
    here are stated exactly below.

    ``method="sequential"`` (sequential average): the running mean of ``x``
    from the onset, ``s_k = mean(x[onset..k])``, is compared with the mean
    ``mu`` and SD ``sigma`` of the whole post-onset signal; the time to
    stabilisation is the first instant after which ``s_k`` stays within
    ``mu +- k_sd * sigma`` (0.25 SD).

    ``method="colby"`` (range of variation, after Colby et al. 1999): the
    band is the range (min..max) of ``x`` over the last ``reference_s``
    seconds (stable single-leg stance); the time to stabilisation is the
    first instant from which ``x`` reaches the band and remains in it for
    ``hold_s`` (None: until the reference period; strict, and sensitive to
    single noisy samples).

    Parameters
    ----------
    x : ndarray, shape (n,)
        A ground-reaction-force component or a COP coordinate.
    fs : float
        Sampling rate.
    onset_s : float
        Lift or landing time, s from the first sample.
    method : {"sequential", "colby"}
    reference_s : float
        Length of the stable reference period at the end (``colby``).
    hold_s : float or None
        How long ``x`` must stay in the band (``colby``).
    k_sd : float
        Half-width of the band in post-onset SDs (``sequential``).

    Returns
    -------
    StabilizationResult
        ``time_s`` from the onset, or NaN with the reason.
    """
    fs = check_fs(fs, "time_to_stabilization")
    s = as_series(x, "time_to_stabilization", 3)
    i0 = int(round(onset_s * fs))
    if not 0 <= i0 < s.shape[0] - 2:
        raise ForcePlateError(f"time_to_stabilization: onset {onset_s} s is outside the {s.shape[0] / fs:.2f} s signal")
    post = s[i0:]
    if method == "sequential":
        k_sd = check_positive(k_sd, "k_sd", "time_to_stabilization")
        mu, sd = post.mean(), post.std()
        band = (float(mu - k_sd * sd), float(mu + k_sd * sd))
        inside = np.abs(np.cumsum(post) / np.arange(1, post.shape[0] + 1) - mu) <= k_sd * sd
        stop = post.shape[0]
    elif method == "colby":
        n_ref = int(round(check_positive(reference_s, "reference_s", "time_to_stabilization") * fs))
        if not 2 <= n_ref < post.shape[0]:
            raise ForcePlateError(
                f"time_to_stabilization: {post.shape[0] / fs:.2f} s after the onset leave no room for a "
                f"{reference_s:g} s reference period"
            )
        ref = post[-n_ref:]
        band = (float(ref.min()), float(ref.max()))
        stop = post.shape[0] - n_ref
        inside = (post[:stop] >= band[0]) & (post[:stop] <= band[1])
        if hold_s is not None:
            hold = max(1, int(round(check_positive(hold_s, "hold_s", "time_to_stabilization") * fs)))
            for a, b in true_runs(inside):
                if b - a >= hold or b == stop:
                    return StabilizationResult(a / fs, method, band)
            return StabilizationResult(np.nan, method, band, f"colby: never {hold_s:g} s inside {band} before the reference period")
    else:
        raise ForcePlateError(f"time_to_stabilization: method must be 'sequential' or 'colby', got {method!r}")
    outside = np.flatnonzero(~inside)
    if outside.size == 0:
        return StabilizationResult(0.0, method, band)
    k = outside[-1] + 1
    if k >= stop:
        return StabilizationResult(np.nan, method, band, f"{method}: the signal is still outside {band} at the end")
    return StabilizationResult(k / fs, method, band)

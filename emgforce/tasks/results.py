"""Result data model of a task analysis: plain dataclasses, JSON-ready, pandas-free.

The tidy view (:meth:`SessionResult.tidy`) has one row per trial x side x
metric (and per repetition for per-rep metrics) with the columns
:data:`TIDY_COLUMNS`; the schema is documented in ``docs/report.md``.
"""

from __future__ import annotations

__all__ = [
    "SCHEMA_VERSION",
    "TIDY_COLUMNS",
    "Message",
    "Metric",
    "Phase",
    "SessionResult",
    "TrialResult",
    "session_info",
    "tidy_dataframe",
]

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from emgforce._deprecation import deprecated_attribute
from emgforce.tasks.symmetry import SymmetryResult

#: columns of :meth:`SessionResult.tidy`, in order
TIDY_COLUMNS = ("session", "trial", "task", "trial_side", "side", "muscle", "rep", "metric", "value", "unit")

#: version of the JSON report schema (docs/report.md)
SCHEMA_VERSION = "2.0"  # 2.0: normalisation* keys spelled normalization* (the naming rule)


@dataclass(frozen=True)
class Metric:
    """One number with its unit.

    ``side`` is the side of what was measured (the muscle's side, the plate's
    side), None for whole-body quantities such as the COP of the stance plate
    (then the trial's side applies). ``muscle`` is the EMG channel name
    (``GM_L``), None for force-plate metrics; ``rep`` is the 0-based repetition
    for per-rep metrics.
    """

    name: str
    value: float
    unit: str
    side: str | None = None
    muscle: str | None = None
    rep: int | None = None


@dataclass(frozen=True)
class Phase:
    """A repetition or a stance phase, in session seconds.

    ``start_s``/``stop_s`` bound the whole movement (lift .. lowered);
    ``hold_start_s``/``hold_stop_s`` bound the hold (plateau) inside it.
    """

    start_s: float
    hold_start_s: float
    hold_stop_s: float
    stop_s: float

    @property
    def duration_s(self) -> float:
        return self.stop_s - self.start_s

    @property
    def hold_s(self) -> float:
        return self.hold_stop_s - self.hold_start_s


@dataclass(frozen=True)
class Message:
    """Something the reader of the report must know (fallbacks, skipped metrics, suspicions).

    ``level`` is ``"info"``, ``"warning"`` or ``"error"``; ``trial`` is the
    trial label it concerns, None for the whole session.
    """

    level: str
    text: str
    trial: str | None = None


@dataclass
class TrialResult:
    """Everything computed for one trial."""

    label: str
    task: str
    side: str | None
    index: int
    start_s: float
    stop_s: float
    segmentation: str  # "events", "automatic" or "whole recording"
    normalization: str
    reps: list[Phase] = field(default_factory=list)
    stance: Phase | None = None
    balance_losses: list[tuple[float, float]] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    source: str = "events"  # where the trial came from: "events", "table" (--trials), or "auto" (found from the signals)
    confidence: float | None = None  # of an "auto" trial, in [0, 1]

    normalisation = deprecated_attribute("normalisation", "normalization")

    def metric(self, name: str, *, muscle: str | None = None, side: str | None = None, rep: int | None = None) -> Metric:
        """The first metric matching the name and the given filters (KeyError if none)."""
        for m in self.metrics:
            if m.name == name and m.rep == rep and (muscle is None or m.muscle == muscle) and (side is None or m.side == side):
                return m
        raise KeyError(f"trial {self.label!r} has no metric {name!r} (muscle={muscle}, side={side}, rep={rep})")


@dataclass
class SessionResult:
    """The analysis of one session.

    ``traces`` holds decimated signals for the figures (not part of the JSON);
    ``info`` the session facts a report states: ``start_time`` (ISO-8601),
    ``protocol``, ``device`` and the ``emgforce_version`` that analysed it.
    """

    source: str
    session: str
    subject: dict[str, Any]
    normalization_requested: str
    normalization: dict[str, str]  # EMG channel -> normalization actually used
    reference: dict[str, dict[str, Any]]  # EMG channel -> {"value", "unit", "method"}
    settings: dict[str, Any]
    trials: list[TrialResult] = field(default_factory=list)
    symmetry: list[SymmetryResult] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    detected_weak_side: str | None = None
    info: dict[str, Any] = field(default_factory=dict)
    channels: dict[str, dict[str, str | None]] = field(default_factory=dict)  # EMG channel -> {"muscle", "side"} tags
    traces: dict[str, Any] = field(default_factory=dict, repr=False)

    normalisation = deprecated_attribute("normalisation", "normalization")
    normalisation_requested = deprecated_attribute("normalisation_requested", "normalization_requested")

    def all_messages(self) -> list[Message]:
        """Session messages followed by every trial's messages."""
        return list(self.messages) + [m for t in self.trials for m in t.messages]

    def tidy(self) -> list[dict[str, Any]]:
        """One dict per trial x side x metric (x rep) with the keys :data:`TIDY_COLUMNS`."""
        rows = []
        for t in self.trials:
            for m in t.metrics:
                rows.append(
                    {
                        "session": self.session,
                        "trial": t.label,
                        "task": t.task,
                        "trial_side": t.side or "",
                        "side": m.side or "",
                        "muscle": m.muscle or "",
                        "rep": "" if m.rep is None else m.rep,
                        "metric": m.name,
                        "value": m.value,
                        "unit": m.unit,
                    }
                )
        return rows

    def to_dataframe(self) -> Any:
        """The tidy table (:meth:`tidy`) as a pandas DataFrame, for statsmodels, seaborn & co.

        ``value`` is float (NaN where not available), ``rep`` a nullable integer.
        Needs pandas (``pip install 'emgforce[dataframe]'``).
        """
        return tidy_dataframe(self.tidy(), TIDY_COLUMNS)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (non-finite numbers become None); schema in docs/report.md."""
        trials = []
        for t in self.trials:
            d = asdict(t)
            d["reps"] = [dict(asdict(r), duration_s=r.duration_s, hold_s=r.hold_s) for r in t.reps]
            d["stance"] = None if t.stance is None else dict(asdict(t.stance), duration_s=t.stance.duration_s)
            d["balance_losses"] = [{"start_s": a, "stop_s": b} for a, b in t.balance_losses]
            trials.append(d)
        symmetry = [
            dict(asdict(s), relative_difference_pct=s.relative_difference_pct) for s in self.symmetry
        ]
        out = {
            "schema_version": SCHEMA_VERSION,
            "source": self.source,
            "session": self.session,
            "info": self.info,
            "subject": self.subject,
            "normalization_requested": self.normalization_requested,
            "normalization": self.normalization,
            "reference": self.reference,
            "channels": self.channels,
            "settings": self.settings,
            "detected_weak_side": self.detected_weak_side,
            "summary": self.summary,
            "messages": [asdict(m) for m in self.messages],
            "trials": trials,
            "symmetry": symmetry,
        }
        return _finite(out)


def session_info(rec: Any) -> dict[str, Any]:
    """The facts of a recording a report states (:attr:`SessionResult.info`): start time
    (ISO-8601), protocol, device, duration and the emgforce version analysing it."""
    from emgforce import __version__

    start = getattr(rec, "start_time", None)
    meta = getattr(rec, "metadata", None) or {}
    protocol = meta.get("protocol") or meta.get("sim_protocol")
    return {
        "start_time": start.isoformat() if start is not None else None,
        "protocol": None if protocol is None else str(protocol),
        "device": getattr(rec, "device", "") or None,
        "duration_s": float(rec.duration_s),
        "emgforce_version": __version__,
    }


def tidy_dataframe(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> Any:
    """Tidy rows as a pandas DataFrame; ``rep`` (empty string = none) becomes a nullable integer."""
    from emgforce._extras import require

    pd = require("pandas", "to_dataframe()")
    df = pd.DataFrame(rows, columns=list(columns))
    if "rep" in df:
        df["rep"] = pd.array([None if r == "" else r for r in df["rep"]], dtype="Int64")
    return df


def _finite(obj: Any) -> Any:
    """Replace NaN/inf by None recursively (JSON has no NaN); tuples become lists."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalar
        return _finite(obj.item())
    return obj

"""Trials from other software's events, trial tables and mapping files.

Other programs mark trials in their own words: C3D ``EVENT`` labels with a
context (``Left``/``Right``/``General``) and a description, start/stop pairs
(``start``/``stop``, ``begin``/``end``, ``on``/``off``, ``SLS L start``), or a
single event naming the task (``Bridge``, ``SL bridge R``, ``MVC L GMed``,
``Trendelenburg R``). :func:`parse_event_label` reads one label;
:func:`recognize_trials` turns the events of a recording into emgforce's
canonical ``start``/``stop`` events (labels of :func:`emgforce.naming.trial_label`)
so that :meth:`Recording.trials` finds every trial. A trial table (CSV
``label,start,stop[,task,side]``) or a mapping file (event label -> trial
label) given with ``--trials`` overrides the vocabulary.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from emgforce._tables import read_table_file
from emgforce.io.channels import side_word
from emgforce.naming import ACTIVITY_LABELS, TASKS, parse_trial_label, trial_label

__all__ = [
    "EventMeaning",
    "TableTrial",
    "load_trials_file",
    "parse_event_label",
    "read_trial_table",
    "recognize_trials",
    "write_trial_table",
]

_START_WORDS = {"start", "starts", "started", "begin", "begins", "beginning", "on", "onset", "go", "debut", "inicio",
                "anfang", "beginn", "inizio"}
_STOP_WORDS = {"stop", "stops", "stopped", "end", "ends", "off", "finish", "finished", "fin", "ende", "fine", "offset"}
#: words that carry no task information
_FILLER = {"trial", "test", "task", "rep", "reps", "set", "of", "the", "leg", "legs", "gmed", "gm", "glut", "med",
           "gluteus", "medius", "hip", "eyes", "open", "closed", "eo", "ec", "and", "with", "on", "side", "exercise",
           "phase", "no", "nr", "trl"}
_SINGLE = {"single", "one", "sl", "uni", "unilateral", "unipedal", "unipodal", "monopodal", "singleleg", "oneleg"}
_DOUBLE = {"double", "two", "both", "bilateral", "bipedal", "dl", "doubleleg", "twoleg"}


@dataclass(frozen=True)
class EventMeaning:
    """What an event label says: a task and side, and whether it starts or stops a trial."""

    task: str | None
    side: str | None
    boundary: str | None  # "start", "stop" or None (the label alone marks a trial's start)
    reason: str

    @property
    def label(self) -> str | None:
        """Canonical trial label, or None when the task (or a needed side) is unknown."""
        if self.task is None:
            return None
        per_side = TASKS[self.task][0]
        if per_side and self.side is None:
            return None
        return trial_label(self.task, self.side if per_side else None)


def _words(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Za-z]+|\d+", text)]


def _task(words: list[str], has_side: bool) -> tuple[str | None, str]:
    """Task key from the words of a label (sides and boundaries removed), with the words that made it."""
    joined = "".join(words)
    ws = set(words)
    single = bool(ws & _SINGLE) or "singleleg" in joined or "oneleg" in joined
    double = bool(ws & _DOUBLE) or "doubleleg" in joined
    if ws & {"mvc", "mvcs", "mvic", "mvec", "max", "maximal", "maximum"} or "voluntarycontraction" in joined:
        return "mvc", "MVC"
    if "bridge" in joined or "bridging" in joined or ws & {"slb", "dlb"}:
        if "slb" in ws or single or (has_side and not double):
            return "single_leg_bridge", "single-leg bridge"
        return "bridge", "bridge"
    if "squat" in joined or ws & {"sq", "slsq", "sqt"}:
        return "squat", "squat"
    if ws & {"trendelenburg", "sls", "stork", "slstance", "unipodal", "unipedal", "monopodal"} or (single and ws & {"stance", "stand", "standing", "balance"}):
        return "stance", "single-leg stance"
    if ws & {"stance", "stand", "standing", "static", "quiet", "romberg", "balance", "dls", "bipedal", "posturography"}:
        if has_side and not double:
            return "stance", "stance with a side"
        return "stance_double", "double-leg stance"
    if ws & {"abduction", "abd", "sidelying", "clam"} and "side_lying_abduction" in TASKS:
        return "side_lying_abduction", "side-lying abduction"
    if ws & {"rest", "baseline", "relax", "relaxed", "resting", "supine"}:
        return "rest", "rest"
    return None, ""


def parse_event_label(label: str, context: str | None = None, description: str | None = None) -> EventMeaning:
    """Task, side and start/stop of one event label (and its C3D context and description).

    Examples
    --------
    >>> parse_event_label("SL bridge R").label
    'single_leg_bridge_right'
    >>> m = parse_event_label("single leg stance left end")
    >>> m.label, m.boundary
    ('stance_left', 'stop')
    >>> parse_event_label("Foot Strike", context="Left").task is None
    True
    """
    canonical_task, canonical_side = parse_trial_label(label)
    if canonical_task in TASKS and (canonical_side is not None or not TASKS[canonical_task][0]):
        return EventMeaning(canonical_task, canonical_side, None, "emgforce trial label")
    text = label if not description else f"{label} {description}"
    words = _words(text)
    boundary = None
    if any(w in _START_WORDS for w in words) and not any(w in _STOP_WORDS for w in words):
        boundary = "start"
    elif any(w in _STOP_WORDS for w in words) and not any(w in _START_WORDS for w in words):
        boundary = "stop"
    sides = {side_word(w) for w in words} - {None}
    if context and context.strip().lower() in ("left", "right"):
        sides.add(context.strip().lower())
    side = sides.pop() if len(sides) == 1 else None
    rest = [w for w in words if side_word(w) is None and w not in _START_WORDS | _STOP_WORDS and not w.isdigit()]
    task, why = _task([w for w in rest if w not in _FILLER], has_side=side is not None)
    if task is None:
        return EventMeaning(None, side, boundary, f"no task named in {text!r}")
    reason = f"{why} from {text!r}" + (f", side {side}" if side else "") + (f", {boundary}" if boundary else "")
    return EventMeaning(task, side, boundary, reason)


# --- trial tables and mapping files --------------------------------------------------


@dataclass(frozen=True)
class TableTrial:
    """One row of a trial table: times in seconds from the recording start."""

    label: str
    start_s: float
    stop_s: float
    source: str = "table"
    confidence: float | None = None


def read_trial_table(text: str, where: str = "trial table") -> list[TableTrial]:
    """Rows of a trial table CSV: ``label,start,stop`` plus optional ``task``, ``side``,
    ``source`` and ``confidence`` columns (header row required; ``start_s``/``stop_s`` also accepted).

    ``task``/``side`` win over ``label`` when given; otherwise the label is read
    with :func:`parse_event_label`. Rows whose task cannot be told raise ``ValueError``.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = {(f or "").strip().lower(): f for f in reader.fieldnames or []}
    start_key = fields.get("start") or fields.get("start_s")
    stop_key = fields.get("stop") or fields.get("stop_s")
    if "label" not in fields and "task" not in fields or not start_key or not stop_key:
        raise ValueError(f"{where}: needs a header with label (or task), start and stop columns; got {reader.fieldnames}")
    rows = []
    for n, row in enumerate(reader, start=2):
        get = lambda key: (row.get(fields[key]) or "").strip() if key in fields else ""  # noqa: E731
        label = get("label")
        task, side = get("task").lower(), get("side").lower()
        if task:
            if task not in TASKS:
                raise ValueError(f"{where} line {n}: unknown task {task!r}; tasks: {', '.join(sorted(TASKS))}")
            side = side_word(side) if side else None
            try:
                label = trial_label(task, side if TASKS[task][0] else None)
            except ValueError as exc:
                raise ValueError(f"{where} line {n}: {exc}") from None
        else:
            meaning = parse_event_label(label)
            if meaning.label is None:
                raise ValueError(
                    f"{where} line {n}: cannot tell the task of {label!r}; add task and side columns "
                    f"(tasks: {', '.join(sorted(TASKS))})"
                )
            label = meaning.label
        try:
            start, stop = float(row[start_key]), float(row[stop_key])
        except (TypeError, ValueError):
            raise ValueError(f"{where} line {n}: start and stop must be numbers (seconds)") from None
        if not stop > start:
            raise ValueError(f"{where} line {n}: stop ({stop}) must be after start ({start})")
        conf = get("confidence")
        rows.append(TableTrial(label, start, stop, get("source") or "table", float(conf) if conf else None))
    return rows


def write_trial_table(rows: Iterable[Any], path: str | Path) -> Path:
    """Write trials (anything with ``label``, ``start_s``, ``stop_s``, optional ``source``/``confidence``)
    as an editable trial table CSV that :func:`load_trials_file` reads back."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["label", "start", "stop", "task", "side", "source", "confidence"])
        for r in rows:
            task, side = parse_trial_label(r.label)
            conf = getattr(r, "confidence", None)
            w.writerow([r.label, f"{r.start_s:.3f}", f"{r.stop_s:.3f}", task, side or "",
                        getattr(r, "source", "") or "", "" if conf is None else f"{conf:.2f}"])
    return path


def load_trials_file(path: str | Path) -> list[TableTrial] | dict[str, str]:
    """A ``--trials`` file: a trial table (``.csv``/``.tsv``) or a mapping of event labels to
    trial labels (``.json`` or ``.toml``: ``{"Trial A": "stance_left", "Bridge 1": "bridge"}``)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        if suffix == ".tsv":
            text = text.replace("\t", ",")
        return read_trial_table(text, str(path))
    data = read_table_file(path, text)
    if isinstance(data, Mapping) and isinstance(data.get("events"), Mapping):
        data = data["events"]
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: a trial mapping is a table of event label -> trial label")
    out = {}
    for k, v in data.items():
        meaning = parse_event_label(str(v))
        if meaning.label is None:
            raise ValueError(f"{path}: {v!r} (for event {k!r}) is not a trial label such as stance_left or bridge")
        out[str(k)] = meaning.label
    return out


# --- events -> trials -----------------------------------------------------------------


def _how_to_map(labels: list[str]) -> str:
    example = labels[0] if labels else "Trial 1"
    return (
        f"map them with --trials MAP.json, e.g. {{\"{example}\": \"stance_left\"}}, or give a trial table "
        "(CSV: label,start,stop[,task,side]); `emgforce segment SESSION -o trials.csv` drafts one from the signals"
    )


def recognize_trials(rec: Any, trials: list[TableTrial] | Mapping[str, str] | None = None) -> list[str]:
    """Rewrite the events of ``rec`` so that its trials carry emgforce's labels; returns notes.

    Parameters
    ----------
    rec : Recording
        Changed in place: events that name a task become ``start``/``stop``
        events of its canonical label (other events are kept as they are).
    trials : list of TableTrial or mapping, optional
        A trial table (replaces every trial found in the events) or a mapping of
        event labels to trial labels (applied before the vocabulary).

    Notes
    -----
    * ``X start``/``X stop`` (and begin/end, on/off) pair up per canonical label.
    * An event naming a task without a boundary word starts a trial; the next
      event of the same label closes it if no other task event lies between
      them, else the next task event (or the end of the recording) does.
    * ``rep``, ``hold``, ``lift`` and ``touchdown`` marks are left alone, and so
      is a recording whose start/stop events already carry trial labels
      (unless a mapping is given).
    """
    from emgforce.io.recording import Event

    notes: list[str] = []
    if isinstance(trials, list):
        kept = [e for e in rec.events if e.kind == "mark" or e.label in ACTIVITY_LABELS]
        new = [Event(t.label, k, s) for t in trials for k, s in (("start", t.start_s), ("stop", t.stop_s))]
        rec.events = sorted(kept + new, key=lambda e: e.time_s)
        rec._trials = None
        notes.append(f"{len(trials)} trials from the trial table (events in the file are not used for trials)")
        rec.metadata["trial_source"] = "table"
        rec.metadata["trial_recognition"] = notes
        return notes
    mapping = dict(trials or {})
    if not mapping and any(parse_trial_label(t.label)[0] in TASKS for t in rec.trials()):
        return notes  # emgforce's own trial events: free-text marks beside them are notes, not trials
    meanings = []
    for e in rec.events:
        if e.label in ACTIVITY_LABELS:
            meanings.append(None)
            continue
        if e.label in mapping:
            m = parse_event_label(mapping[e.label])
            b = e.kind if e.kind in ("start", "stop") else None
            meanings.append(EventMeaning(m.task, m.side, b, f"mapped by --trials to {mapping[e.label]}"))
            continue
        m = parse_event_label(e.label)
        if m.boundary is None and e.kind in ("start", "stop"):
            m = EventMeaning(m.task, m.side, e.kind, m.reason)
        meanings.append(m)
    out = []
    unmapped: dict[str, int] = {}
    used = set()
    items = list(zip(rec.events, meanings))
    task_idx = [i for i, (e, m) in enumerate(items) if m is not None and m.label is not None]
    for pos, i in enumerate(task_idx):
        if i in used:
            continue
        e, m = items[i]
        used.add(i)
        if m.boundary is not None:
            out.append(Event(m.label, m.boundary, e.time_s))
            continue
        nxt = task_idx[pos + 1] if pos + 1 < len(task_idx) else None
        out.append(Event(m.label, "start", e.time_s))
        if nxt is not None and items[nxt][1].label == m.label and items[nxt][1].boundary is None:
            out.append(Event(m.label, "stop", items[nxt][0].time_s))
            used.add(nxt)
        elif nxt is not None:
            out.append(Event(m.label, "stop", items[nxt][0].time_s))
        else:
            out.append(Event(m.label, "stop", rec.duration_s))
            notes.append(f"trial {m.label} from event {e.label!r} at {e.time_s:.2f} s runs to the end of the recording")
    for e, m in items:
        if m is not None and m.label is None:
            unmapped[e.label] = unmapped.get(e.label, 0) + 1
    if task_idx:
        recognised = sorted({items[i][1].label for i in task_idx})
        sources = sorted({items[i][0].label for i in task_idx if items[i][0].label != items[i][1].label})
        if sources:
            notes.append(f"trials recognised from other software's events: {', '.join(sources)} -> {', '.join(recognised)}")
        # converted marks stay as marks (shown by `info`); converted start/stop events are replaced
        keep = [e for e, m in items if m is None or m.label is None or e.kind == "mark"]
        rec.events = sorted(keep + out, key=lambda e: e.time_s)
        rec._trials = None
    elif unmapped:
        listed = ", ".join(f"{k!r}" + (f" x{n}" if n > 1 else "") for k, n in sorted(unmapped.items()))
        notes.append(f"the file has events but none names a trial of the protocol: {listed}; " + _how_to_map(sorted(unmapped)))
    if notes:
        rec.metadata["trial_recognition"] = notes
    return notes

"""Analyse many sessions: in parallel on local cores, or on a Dask cluster.

Each session is analysed and its report written to ``OUT/<relative path>/``
by a worker; a file that fails is reported and skipped, never stops the
batch. The tidy rows of all sessions go into one combined CSV with an extra
``file`` column. Dask (``dask.distributed``) is imported only when a
scheduler is given.
"""

from __future__ import annotations

__all__ = [
    "BATCH_COLUMNS",
    "SESSION_PATTERNS",
    "BatchFailure",
    "BatchResult",
    "ProgressBar",
    "analyze_one",
    "find_sessions",
    "run_batch",
]

import logging
import os
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TextIO

from emgforce._progress import draw_bar
from emgforce._workers import available_cpus, set_workers
from emgforce.errors import BatchSchedulerError
from emgforce.tasks.results import TIDY_COLUMNS

log = logging.getLogger(__name__)

#: file patterns picked up by :func:`find_sessions`
SESSION_PATTERNS = ("*.h5", "*.hdf5", "*.c3d")
BATCH_COLUMNS = ("file",) + TIDY_COLUMNS


@dataclass(frozen=True)
class BatchFailure:
    """A session that could not be analysed."""

    path: str
    error: str  # "ExceptionType: message"
    details: str = ""  # traceback, for the log


@dataclass
class BatchResult:
    """Outcome of :func:`run_batch`."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    succeeded: list[str] = field(default_factory=list)
    failures: list[BatchFailure] = field(default_factory=list)
    csv_path: Path | None = None

    @property
    def n_sessions(self) -> int:
        return len(self.succeeded) + len(self.failures)


def find_sessions(folder: str | Path, patterns: Iterable[str] = SESSION_PATTERNS) -> list[Path]:
    """Session files under ``folder`` (recursively), sorted."""
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder; give the folder that holds the session files")
    found = {p for pat in patterns for p in root.rglob(pat) if p.is_file()}
    return sorted(found)


def analyze_one(path: str | Path, outdir: str | Path | None, options: dict[str, Any], figures: bool = True) -> dict[str, Any]:
    """Analyse one session and write its report; never raises.

    Returns a dict with ``path``, ``rows`` (tidy rows), ``messages`` and
    ``error`` (None on success). Runs inside worker processes.
    """
    from emgforce.tasks.analyze import analyze_session

    try:
        result = analyze_session(path, keep_traces=figures and outdir is not None, **options)
        if outdir is not None:
            from emgforce.report.write import write_report

            from emgforce.report.template import ReportTemplate

            template = figures if isinstance(figures, ReportTemplate) else None
            write_report(result, outdir, figures=bool(figures), template=template)
        return {
            "path": str(path),
            "rows": result.tidy(),
            "messages": [m.text for m in result.all_messages() if m.level != "info"],
            "error": None,
        }
    except Exception as exc:  # one bad file must not stop the batch
        return {
            "path": str(path),
            "rows": [],
            "messages": [],
            "error": f"{type(exc).__name__}: {exc}",
            "details": traceback.format_exc(),
        }


class ProgressBar:
    """A one-line progress bar on a text stream (stderr by default)."""

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 30, enabled: bool = True):
        self.total = total
        self.done = 0
        self.failed = 0
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.enabled = enabled
        self._t0 = time.monotonic()

    def update(self, name: str, ok: bool) -> None:
        self.done += 1
        self.failed += 0 if ok else 1
        if not self.enabled:
            return
        elapsed = time.monotonic() - self._t0
        fail = f", {self.failed} failed" if self.failed else ""
        draw_bar(self.stream, self.done / max(self.total, 1),
                 f"{self.done}/{self.total}{fail} {elapsed:5.1f}s {name[-40:]:<40}", width=self.width)


def _analyze_one_thread(*args: Any) -> dict[str, Any]:
    """:func:`analyze_one` with no filter or reading threads: a batch already runs sessions in
    parallel (a local process each, or a Dask worker thread or process each)."""
    with set_workers(1):
        return analyze_one(*args)


def _local(paths: list[Path], outdirs: list[Path | None], options: dict[str, Any], figures: bool, jobs: int) -> Iterator[dict[str, Any]]:
    if jobs <= 1:
        for p, o in zip(paths, outdirs):
            yield analyze_one(p, o, options, figures)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_analyze_one_thread, p, o, options, figures): p for p, o in zip(paths, outdirs)}
        for fut in as_completed(futures):
            try:
                yield fut.result()
            except Exception as exc:  # worker died (e.g. out of memory): report that file
                yield {"path": str(futures[fut]), "rows": [], "messages": [], "error": f"{type(exc).__name__}: {exc}"}


def _probe_scheduler(address: str, timeout_s: float) -> None:
    """Ask the scheduler for its identity within ``timeout_s``.

    ``Client(address, timeout=...)`` waits forever on a server that accepts
    the connection but never answers; this probe bounds the whole handshake.
    """
    import asyncio

    from distributed.core import rpc

    async def identity() -> None:
        async with rpc(address, timeout=timeout_s) as remote:
            await remote.identity()

    try:
        asyncio.get_running_loop()
        return  # inside an event loop (a notebook): the client's own timeout has to do
    except RuntimeError:
        pass
    asyncio.run(asyncio.wait_for(identity(), timeout_s))


def _dask(paths: list[Path], outdirs: list[Path | None], options: dict[str, Any], figures: bool, scheduler: Any,
          connect_timeout_s: float, task_timeout_s: float) -> Iterator[dict[str, Any]]:
    from emgforce._extras import require

    distributed = require("distributed", "running a batch on a Dask scheduler")
    Client, wait = distributed.Client, distributed.wait

    own = not isinstance(scheduler, Client)
    if own:
        try:
            _probe_scheduler(scheduler, connect_timeout_s)
            client = Client(scheduler, timeout=connect_timeout_s)
        except (OSError, TimeoutError) as exc:
            raise BatchSchedulerError(
                f"no Dask scheduler answered at {scheduler} within {connect_timeout_s:g} s ({exc}); check the "
                "address and that the scheduler runs (dask scheduler), or drop --scheduler to use local cores"
            ) from exc
    else:
        client = scheduler
    try:
        futures = [client.submit(_analyze_one_thread, p, o, options, figures, pure=False) for p, o in zip(paths, outdirs)]
        where = {f.key: p for f, p in zip(futures, paths)}
        pending = set(futures)
        while pending:
            try:
                done, pending = wait(pending, timeout=task_timeout_s, return_when="FIRST_COMPLETED")
            except TimeoutError:
                # nothing finished for a whole task timeout: a hung session, or no worker left to run them
                n_workers = len(client.scheduler_info().get("workers", {}))
                why = (f"lost: no Dask worker left (they died or left) after {task_timeout_s:g} s" if n_workers == 0
                       else f"timed out: no session finished within {task_timeout_s:g} s on {n_workers} worker(s)")
                log.error("%d session(s) %s", len(pending), why)
                for fut in pending:
                    fut.cancel()
                    yield {"path": str(where[fut.key]), "rows": [], "messages": [], "error": f"BatchTimeout: {why}"}
                return
            for fut in done:
                try:
                    yield fut.result()
                except Exception as exc:  # KilledWorker (the worker died running it), serialisation failure, ...
                    yield {"path": str(where[fut.key]), "rows": [], "messages": [],
                           "error": f"{type(exc).__name__}: {exc}"}
    finally:
        if own:
            client.close(timeout=connect_timeout_s)


def run_batch(
    paths: Iterable[str | Path],
    outdir: str | Path | None = None,
    *,
    root: str | Path | None = None,
    jobs: int | None = None,
    scheduler: Any = None,
    figures: bool = True,
    progress: bool = True,
    progress_stream: TextIO | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
    connect_timeout_s: float = 10.0,
    task_timeout_s: float = 600.0,
    **options: Any,
) -> BatchResult:
    """Analyse sessions in parallel and collect their tidy rows.

    Parameters
    ----------
    paths : iterable of path
        Session files (HDF5 sessions or C3D).
    outdir : path, optional
        Where each session's report goes (``outdir/<path relative to root>/``)
        and the combined ``tidy.csv``; None writes nothing.
    root : path, optional
        Folder the per-session output paths are relative to (default: the
        common parent of ``paths``).
    jobs : int, optional
        Local worker processes (default: all cores); 1 runs in this process.
    scheduler : str or dask.distributed.Client, optional
        Dask scheduler address (``tcp://host:8786``) or a client; when given,
        the sessions run on that cluster instead of local processes.
    figures : bool or ReportTemplate
        Write the figures, HTML page and PDF of each session too (with this
        lab template when one is given).
    progress : bool
        Draw a progress bar on ``progress_stream`` (stderr).
    on_result : callable, optional
        Called with each session's raw outcome dict as it completes.
    connect_timeout_s : float
        Dask only: how long to wait for the scheduler (then
        :class:`~emgforce.errors.BatchSchedulerError`).
    task_timeout_s : float
        Dask only: when no session finishes for this long, the remaining ones
        are reported as failed (timed out, or lost with the last worker).
    **options
        Passed to :func:`emgforce.tasks.analyze.analyze_session`.
    """
    paths = [Path(p) for p in paths]
    result = BatchResult()
    if not paths:
        return result
    base = Path(root) if root is not None else Path(os.path.commonpath([p.parent for p in paths]))
    out = Path(outdir) if outdir is not None else None
    outdirs: list[Path | None] = []
    for p in paths:
        rel = p.relative_to(base) if p.is_relative_to(base) else Path(p.name)
        outdirs.append(None if out is None else out / rel.with_suffix(""))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)

    if scheduler is not None:
        outcomes = _dask(paths, outdirs, options, figures, scheduler, connect_timeout_s, task_timeout_s)
    else:
        outcomes = _local(paths, outdirs, options, figures, jobs or available_cpus())
    bar = ProgressBar(len(paths), progress_stream, enabled=progress)
    for o in outcomes:
        name = o["path"]
        if o["error"] is None:
            result.succeeded.append(name)
            rel = str(Path(name).relative_to(base)) if Path(name).is_relative_to(base) else name
            result.rows.extend({"file": rel, **row} for row in o["rows"])
        else:
            # info, not warning: a log line would break the progress bar; failures are returned
            log.info("skipped %s: %s", name, o["error"])
            log.debug("%s", o.get("details", ""))
            result.failures.append(BatchFailure(name, o["error"], o.get("details", "")))
        if on_result is not None:
            on_result(o)
        bar.update(Path(name).name, o["error"] is None)
    # completion order varies with the pool: sort for a reproducible table
    result.rows.sort(key=lambda r: (r["file"],))
    result.succeeded.sort()
    result.failures.sort(key=lambda f: f.path)
    if out is not None:
        from emgforce.report.tables import write_tidy_csv

        result.csv_path = write_tidy_csv(result.rows, out / "tidy.csv", columns=BATCH_COLUMNS)
    return result

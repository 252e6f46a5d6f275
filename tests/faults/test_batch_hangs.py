"""Dask batches never hang: a scheduler that never answers, a cluster with no worker left."""

from __future__ import annotations

import socket
import time

import pytest

from emgforce.batch import run_batch
from emgforce.cli import main
from emgforce.errors import BatchSchedulerError


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections (backlog) but never says a word."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    yield f"tcp://127.0.0.1:{srv.getsockname()[1]}"
    srv.close()


@pytest.fixture
def sessions(tmp_path):
    (tmp_path / "in").mkdir()
    paths = [tmp_path / "in" / f"s{i}.h5" for i in range(2)]
    for p in paths:
        p.write_bytes(b"never analysed")
    return paths


def test_a_scheduler_that_never_answers_is_a_named_error(silent_server, sessions, tmp_path):
    with pytest.raises(BatchSchedulerError, match="no Dask scheduler answered"):
        run_batch(sessions, tmp_path / "out", scheduler=silent_server, connect_timeout_s=1.0, progress=False)


def test_cli_scheduler_timeout_is_one_line(silent_server, sessions, tmp_path, capsys):
    rc = main(["batch", str(sessions[0].parent), "-o", str(tmp_path / "out"), "--scheduler", silent_server,
               "--connect-timeout", "1", "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and len(err) == 1 and "no Dask scheduler answered" in err[0]


def test_no_worker_left_reports_every_session_as_lost(sessions, tmp_path):
    from dask import distributed

    with distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        cluster.scale(0)  # the only worker goes away
        with distributed.Client(cluster.scheduler_address) as client:
            for _ in range(100):
                if not client.scheduler_info()["workers"]:
                    break
                time.sleep(0.05)
            result = run_batch(sessions, None, scheduler=client, task_timeout_s=1.0, progress=False)
    assert sorted(f.path for f in result.failures) == sorted(map(str, sessions))
    assert all("no Dask worker left" in f.error for f in result.failures)
    assert not result.succeeded

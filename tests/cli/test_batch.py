"""``emgforce batch`` and :func:`emgforce.batch.run_batch`: local pool, Dask, failing files."""

from __future__ import annotations

import csv
import io

import pytest

from emgforce.batch import BATCH_COLUMNS, find_sessions, run_batch
from emgforce.cli import main
from emgforce.report.tables import read_tidy_csv
from tests.tasks.simsession import short_session, write_session


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    write_session(short_session(seed=21, weak_side="left"), root / "a.h5")
    (root / "sub").mkdir()
    write_session(short_session(seed=22, weak_side="right"), root / "sub" / "b.h5")
    (root / "broken.h5").write_bytes(b"this is not an HDF5 file")
    return root


def _check(result, root):
    assert sorted(result.succeeded) == sorted(str(root / p) for p in ("a.h5", "sub/b.h5"))
    assert [f.path for f in result.failures] == [str(root / "broken.h5")]
    assert result.failures[0].error.split(":")[0].endswith("Error")
    files = {r["file"] for r in result.rows}
    assert files == {"a.h5", "sub/b.h5"}
    back = read_tidy_csv(result.csv_path)
    assert len(back) == len(result.rows)
    for name in ("a", "sub/b"):
        per = read_tidy_csv(result.csv_path.parent / name / "tidy.csv")
        assert len(per) == sum(1 for r in result.rows if r["file"] == f"{name}.h5")


def test_find_sessions(folder):
    assert [p.name for p in find_sessions(folder)] == ["a.h5", "broken.h5", "b.h5"]
    with pytest.raises(FileNotFoundError):
        find_sessions(folder / "missing")


def test_local_pool_skips_the_broken_file(folder, tmp_path):
    err = io.StringIO()
    result = run_batch(find_sessions(folder), tmp_path / "out", root=folder, jobs=2, figures=False, progress_stream=err)
    _check(result, folder)
    assert "3/3, 1 failed" in err.getvalue()


def test_dask_local_cluster(folder, tmp_path):
    from dask import distributed
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        result = run_batch(find_sessions(folder), tmp_path / "out", root=folder, scheduler=cluster.scheduler_address,
                           figures=False, progress=False)
    _check(result, folder)


def test_dask_sessions_run_on_one_thread_each(folder, tmp_path, monkeypatch):
    """Dask runs a session per worker thread or process: no filter or reading threads inside it."""
    from dask import distributed

    from emgforce import batch
    from emgforce.signal import get_workers

    seen = []
    real = batch.analyze_one

    def spy(*args):
        seen.append(get_workers())
        return real(*args)

    monkeypatch.setattr(batch, "analyze_one", spy)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        run_batch(find_sessions(folder), tmp_path / "out", root=folder, scheduler=cluster.scheduler_address,
                  figures=False, progress=False)
    assert len(seen) == 3 and set(seen) == {1}


def test_cli_batch(folder, tmp_path, capsys):
    out = tmp_path / "cli"
    code = main(["batch", str(folder), "-o", str(out), "--jobs", "1", "--no-figures", "--normalization", "peak_task"])
    assert code == 1  # one file failed: reported, the others analysed
    captured = capsys.readouterr()
    assert "skipped" in captured.err and "broken.h5" in captured.err
    assert "2 of 3 sessions analysed" in captured.out
    with (out / "tidy.csv").open() as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames) == BATCH_COLUMNS
        units = {r["unit"] for r in reader if r["metric"] == "emg_mean"}
    assert units == {"%peak"}


def test_cli_batch_empty_folder(tmp_path, capsys):
    assert main(["batch", str(tmp_path), "--no-progress"]) == 1
    assert "no session files" in capsys.readouterr().err

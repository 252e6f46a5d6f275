"""Nonsense command lines: one line naming the problem, never a traceback, nothing half-written."""

from __future__ import annotations

import subprocess
import sys

import pytest

from emgforce.cli import main
from emgforce.record import Recorder
from tests.record._devices import RampDevice
from tests.record.test_faults_process import ROOT


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    from tests.tasks.simsession import short_session, write_session

    path = tmp_path_factory.mktemp("cli") / "s.h5"
    write_session(short_session(seed=3), path)
    return path


def _run(argv, capsys):
    try:
        rc = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse usage errors
        rc = exc.code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return rc, err.strip().splitlines()


@pytest.mark.parametrize("option", [
    ["--duration", "-5"], ["--duration", "0"], ["--duration", "nan"], ["--duration", "inf"],
    ["--flush", "0"], ["--flush", "nan"], ["--flush", "-1"], ["--buffer", "nan"], ["--stall", "0"],
])
def test_nonsense_numbers_are_usage_errors(option, tmp_path, capsys):
    rc, err = _run(["record", "--device", "sim", *option, tmp_path / "x.h5"], capsys)
    assert rc == 2 and f"argument {option[0]}: value must be positive and finite" in err[-1]
    assert not (tmp_path / "x.h5").exists()


@pytest.mark.parametrize("argv, says", [
    (["record", "--device", "sim", "--fast", "-o", "bogus=1", "--duration", "1", "{tmp}/b.h5"], "bogus"),
    (["record", "--device", "sim", "-o", "x", "{tmp}/c.h5"], "KEY=VALUE"),
    (["record", "--device", "sim", "--fast", "--duration", "1", "{tmp}/missing/x.h5"], "does not exist"),
    (["record", "--device", "sim", "--fast", "--duration", "1", "{tmp}/afile/x.h5"], "not a folder"),
    (["analyze", "{session}", "--task", "bogus", "-o", "{tmp}/r"], "unknown task 'bogus'"),
    (["analyze", "{tmp}/missing.h5"], "does not exist"),
    (["analyze", "{session}", "-o", "{tmp}/afile/r"], "Not a directory"),
    (["info", "{tmp}/missing.h5"], "does not exist"),
    (["info", "{tmp}/afile"], "unknown recording format"),
    (["batch", "{tmp}/missing"], "is not a folder"),
])
def test_nonsense_command_lines_are_one_line_errors(argv, says, session, tmp_path, capsys):
    (tmp_path / "afile").write_text("not a folder, not a recording")
    argv = [a.format(tmp=tmp_path, session=session) for a in argv]
    rc, err = _run(argv, capsys)
    assert rc in (1, 2)
    assert len(err) == 1 and says in err[0], err
    assert "report it" not in err[0]  # a named problem, not an internal error


def test_analyze_and_batch_refuse_to_overwrite_a_report(session, tmp_path, capsys):
    out = tmp_path / "report"
    assert _run(["analyze", session, "-o", out, "--no-figures"], capsys)[0] == 0
    before = (out / "report.json").read_bytes()
    rc, err = _run(["analyze", session, "-o", out, "--no-figures"], capsys)
    assert rc == 1 and len(err) == 1 and "--overwrite" in err[0]
    assert (out / "report.json").read_bytes() == before
    assert _run(["analyze", session, "-o", out, "--no-figures", "--overwrite"], capsys)[0] == 0
    batch_out = tmp_path / "batch"
    argv = ["batch", session.parent, "-o", batch_out, "-j", "1", "--no-figures", "--no-progress"]
    assert _run(argv, capsys)[0] == 0
    rc, err = _run(argv, capsys)
    assert rc == 1 and len(err) == 1 and "--overwrite" in err[0]
    assert _run([*argv, "--overwrite"], capsys)[0] == 0


def test_verbose_shows_the_traceback(tmp_path, capsys):
    try:
        main(["info", str(tmp_path / "missing.h5"), "-v"])
    except SystemExit:
        pass
    err = capsys.readouterr().err
    assert "Traceback" in err and err.strip().splitlines()[-1].startswith("emgforce info: error:")


def test_info_into_a_closed_pipe_is_quiet(tmp_path):
    path = tmp_path / "r.h5"
    Recorder(RampDevice(), path).run(duration_s=0.2)
    proc = subprocess.Popen([sys.executable, "-m", "emgforce", "info", str(path)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # like `| head` exiting before emgforce writes
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert proc.returncode == 141


def test_option_checks_keep_help_light():
    code = ("import sys; from emgforce.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('numpy', 'h5py', 'dask', 'matplotlib') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr

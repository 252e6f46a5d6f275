"""Optional extras degrade gracefully: in a real core-only install, and in the helpers themselves.

The core-only environment is a venv with ``pip install -e <project>`` and no
extras (numpy, scipy, numba, h5py only). It is built once per checkout and
set of dependencies and kept in the temp folder (about 40 s the first time).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

import pytest

from emgforce import _extras
from emgforce.errors import EmgforceError, MissingExtraError

ROOT = Path(__file__).resolve().parents[1]
EXTRA_MODULES = ("matplotlib", "ezc3d", "pyqtgraph", "PySide6", "pylsl", "dask")


# --------------------------------------------------------------------------- helpers


def test_require_names_the_extra(monkeypatch):
    monkeypatch.setitem(_extras.EXTRA_OF, "emgforce_absent_module", "report")
    with pytest.raises(MissingExtraError, match=r'the figures needs emgforce_absent_module, .*pip install "emgforce\[report\]"') as info:
        _extras.require("emgforce_absent_module", "the figures")
    assert isinstance(info.value, EmgforceError) and isinstance(info.value, ImportError)
    assert (info.value.extra, info.value.module) == ("report", "emgforce_absent_module")
    assert _extras.require("json", "anything").dumps([1]) == "[1]"


def test_require_lets_a_broken_installed_module_raise(tmp_path, monkeypatch):
    """An ImportError from inside an installed module is a bug to see, not a missing extra."""
    (tmp_path / "emgforce_broken_extra.py").write_text("import emgforce_no_such_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(_extras.EXTRA_OF, "emgforce_broken_extra", "report")
    with pytest.raises(ModuleNotFoundError) as info:
        _extras.require("emgforce_broken_extra", "x")
    assert not isinstance(info.value, MissingExtraError)


def test_warn_missing_logs_the_extra(caplog, monkeypatch):
    monkeypatch.setitem(_extras.EXTRA_OF, "emgforce_absent_module", "c3d")
    log = logging.getLogger("emgforce.test")
    with caplog.at_level(logging.WARNING, logger="emgforce.test"):
        assert _extras.warn_missing("emgforce_absent_module", "the export", log) is False
        assert _extras.warn_missing("json", "the export", log) is True
    assert [r.getMessage() for r in caplog.records] == [
        'the export skipped: emgforce_absent_module is not installed (pip install "emgforce[c3d]")'
    ]


def test_every_extra_named_exists_in_pyproject():
    text = (ROOT / "pyproject.toml").read_text()
    for extra in set(_extras.EXTRA_OF.values()):
        assert f"\n{extra} = [" in text, extra


# --------------------------------------------------------------------------- core-only install


def _core_venv() -> Path:
    """A venv with emgforce installed editable from this checkout, without any extra (cached)."""
    key = hashlib.sha256(
        f"{ROOT}|{sys.version}|".encode() + (ROOT / "pyproject.toml").read_bytes()
    ).hexdigest()[:16]
    env = Path(tempfile.gettempdir()) / "emgforce-core-venv" / key
    python = env / "bin" / "python"
    if not (env / "READY").exists():
        shutil.rmtree(env, ignore_errors=True)
        venv.EnvBuilder(with_pip=True).create(env)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", str(ROOT)], check=True,
                       capture_output=True, text=True, timeout=540)
        (env / "READY").write_text("")
    return env


@pytest.fixture(scope="session")
def core(tmp_path_factory):
    env = _core_venv()
    work = tmp_path_factory.mktemp("core")

    def run(*args: str, check_rc: int | None = 0) -> subprocess.CompletedProcess:
        proc = subprocess.run([str(env / "bin" / "emgforce"), *args], cwd=work, capture_output=True, text=True,
                              timeout=300)
        if check_rc is not None:
            assert proc.returncode == check_rc, proc.stderr[-3000:]
        return proc

    return env, work, run


@pytest.mark.slow
def test_core_install_has_no_extra(core):
    env, work, _ = core
    code = ("import importlib.util as u, sys; names = sys.argv[1:]; "
            "print(','.join(n for n in names if u.find_spec(n)))")
    found = subprocess.run([str(env / "bin" / "python"), "-c", code, *EXTRA_MODULES, "drivers"], cwd=work,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert found == ""  # no extra, and no top-level drivers module


@pytest.mark.slow
def test_core_install_records_analyses_and_batches(core):
    """demo/info/analyze/batch work; the report is all there but the figures, with a warning naming the extra."""
    _, work, run = core
    demo = run("demo", "--short", "--no-progress", "demo")
    warning = 'figures and report.html skipped: matplotlib is not installed (pip install "emgforce[report]")'
    assert warning in demo.stderr
    session = work / "demo" / "session.h5"
    assert "stance_left" in run("info", str(session)).stdout
    res = run("analyze", str(session), "-o", "report")
    assert warning in res.stderr and "Traceback" not in res.stderr
    assert sorted(p.name for p in (work / "report").iterdir()) == ["report.json", "tidy.csv"]
    assert any(line.startswith("GM activation in single-leg stance") for line in res.stdout.splitlines())
    (work / "batch").mkdir()
    for name in ("a.h5", "b.h5"):
        shutil.copy(session, work / "batch" / name)
    out = run("batch", "batch", "-o", "batch-out", "--no-progress")
    assert "2 of 2 sessions analysed" in out.stdout + out.stderr
    for name in ("a", "b"):
        assert sorted(p.name for p in (work / "batch-out" / name).iterdir()) == ["report.json", "tidy.csv"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "extra"),
    [(("live", "--device", "sim"), "display"), (("convert", "demo/session.h5", "s.c3d"), "c3d")],
)
def test_extra_commands_fail_with_one_line(core, args, extra):
    _, work, run = core
    if not (work / "demo" / "session.h5").exists():
        run("demo", "--short", "--no-progress", "--no-analysis", "demo")
    proc = run(*args, check_rc=1)
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f'pip install "emgforce[{extra}]"' in lines[0], proc.stderr

"""CLI shell: help on every command, exit codes, and a light start-up."""

import subprocess
import sys

import pytest

from emgforce.cli import COMMANDS, build_parser, main


def test_every_registered_command_has_help(capsys):
    parser = build_parser()
    registered = set(parser._subparsers._group_actions[0].choices)
    assert registered == set(COMMANDS)
    for name in COMMANDS:
        with pytest.raises(SystemExit) as exc:
            main([name, "--help"])
        assert exc.value.code == 0
        assert "usage: emgforce " + name in capsys.readouterr().out


def test_no_command_prints_help_and_returns_usage_code(capsys):
    assert main([]) == 2
    assert "usage: emgforce" in capsys.readouterr().out


def test_help_does_not_import_heavy_modules():
    code = (
        "import sys; from emgforce.cli import build_parser; build_parser().format_help();"
        "heavy = [m for m in ('h5py', 'PySide6', 'pyqtgraph', 'ezc3d', 'matplotlib', 'dask', 'numba')"
        " if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""

"""The README's two commands are the contract with a new user and with CI."""

import re

from tests.conftest import ROOT


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", text)


def test_readme_opens_with_the_two_commands():
    cmds = _readme_commands()
    assert len(cmds) >= 2
    main_job, tests = cmds[0], cmds[1]
    assert "emgforce demo" in main_job and "venv" in main_job
    assert "pytest" in tests and "venv" in tests


def test_ci_runs_exactly_the_readme_test_command():
    ci_lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert _readme_commands()[1] in ci_lines

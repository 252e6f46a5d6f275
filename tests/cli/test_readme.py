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


def test_readme_python_example_runs_on_a_demo_session(tmp_path, monkeypatch):
    from emgforce.cli import main

    assert main(["demo", str(tmp_path / "demo-session"), "--short", "--no-progress"]) == 0
    monkeypatch.chdir(tmp_path)
    text = (ROOT / "README.md").read_text()
    (code,) = re.findall(r"```python\n(.+?)\n```", text, re.S)
    ns: dict = {}
    exec(compile(code, "README.md", "exec"), ns)
    import numpy as np

    # The GM envelopes peak around 100 %MVC (MVC trials define the reference; never clipped).
    gm = [i for i, c in enumerate(ns["emg"].channels) if c.muscle == "gluteus_medius"]
    peaks = np.nanmax(ns["pct"][:, gm], axis=0)
    assert np.all((peaks > 90) & (peaks < 200))
    # Single-leg stance sway is ML-dominant in the simulated session, in metres.
    v = ns["sway"].values
    assert 0.001 < v["rms_distance_ml_m"] < 0.05
    assert v["rms_distance_ml_m"] > v["rms_distance_ap_m"]

"""``emgforce live`` end to end on the simulator, offscreen: window, recording, screenshot, --mvc."""

from __future__ import annotations

import numpy as np
import pytest

from emgforce.cli import main
from emgforce.live.window import SIDE_COLOURS


def _has_colour(image, rgb, tol=30) -> int:
    """Number of pixels of (about) colour ``rgb`` in a QImage."""
    ptr = image.convertToFormat(image.Format.Format_RGB32).constBits()
    arr = np.frombuffer(ptr, np.uint8).reshape(image.height(), image.width(), 4)[:, :, 2::-1]
    return int((np.abs(arr.astype(int) - rgb).max(axis=2) <= tol).sum())


def test_live_sim_records_and_saves_a_screenshot(app, tmp_path, capsys):
    from PySide6 import QtGui

    from emgforce.io import read_recording

    out, png = tmp_path / "live.h5", tmp_path / "live.png"
    rc = main(["live", "--device", "sim", "--protocol", "short", "--seconds", "3",
               "--record", str(out), "--subject", "S07", "--screenshot", str(png), "--target", "30", "50"])
    printed = capsys.readouterr().out
    assert rc == 0
    assert "fps" in printed and "envelope filter delay" in printed and "recording" in printed
    rec = read_recording(out)
    assert rec.subject.id == "S07"
    assert rec.emg.duration_s >= 1.5 and rec.force.duration_s >= 1.5, printed
    # the simulator's own trial marker (MVC of the left side from 1 s) went to the file too
    assert any(e.label == "mvc_left" and e.kind == "start" for e in rec.events)
    image = QtGui.QImage(str(png))
    assert image.width() > 800 and image.height() > 400
    # curves of both sides are drawn (thousands of pixels of each side's colour)
    assert _has_colour(image, SIDE_COLOURS["left"]) > 200
    assert _has_colour(image, SIDE_COLOURS["right"]) > 200


def test_live_takes_the_mvc_reference_from_a_recording(app, tmp_path, capsys):
    out = tmp_path / "mvc.h5"
    assert main(["live", "--device", "sim", "--protocol", "short", "--seconds", "3.5", "--record", str(out)]) == 0
    capsys.readouterr()
    # the sim's mvc_left trial started at 1 s; without a stop it runs to the end of the file (> 1 s)
    assert main(["live", "--device", "sim", "--protocol", "short", "--seconds", "1", "--mvc", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"MVC reference from {out}: GM_L" in printed
    assert "GM_R" not in printed.split("MVC reference")[1].splitlines()[0]  # no right-side MVC trial


def test_live_refuses_an_mvc_file_without_mvc_trials(app, tmp_path, capsys):
    from emgforce.drivers.sim import Protocol, SimulatedDevice
    from emgforce.record import Recorder

    out = tmp_path / "rest.h5"
    Recorder(SimulatedDevice(Protocol.short(), realtime=False), out).run(0.5)  # ends before the first trial (1 s)
    assert main(["live", "--device", "sim", "--protocol", "short", "--seconds", "1", "--mvc", str(out)]) == 1
    assert "no MVC trial" in capsys.readouterr().err


def test_live_unknown_device_is_an_error(capsys):
    assert main(["live", "--device", "no-such-device", "--seconds", "1"]) == 1
    assert "no driver named 'no-such-device'" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--window-s", "--trail-s", "--fps", "--seconds", "--lowpass-hz", "--mvc-duration-s"])
@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_live_rejects_non_positive_settings(flag, value, capsys):
    with pytest.raises(SystemExit) as exc:  # an argparse usage error
        main(["live", flag, value, "--seconds", "1"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert f"argument {flag}: value must be positive and finite" in err[-1] and "Traceback" not in err


@pytest.mark.parametrize("band", [["nan", "60"], ["-5", "60"], ["60", "40"]])
def test_live_rejects_a_bad_target_band(band, capsys):
    try:
        rc = main(["live", "--target", *band, "--seconds", "1"])
    except SystemExit as exc:  # nan or a negative edge: an argparse usage error
        rc = exc.code
    assert rc == 2 and "--target" in capsys.readouterr().err.strip().splitlines()[-1]


def test_live_screenshot_problems_are_errors(app, tmp_path, capsys):
    assert main(["live", "--seconds", "1", "--screenshot", str(tmp_path / "no" / "s.png")]) == 2
    assert "does not exist" in capsys.readouterr().err
    # a format Qt cannot write: found only when saving, still an error (after the window ran)
    bad = tmp_path / "s.unknown-format"
    assert main(["live", "--protocol", "short", "--seconds", "0.5", "--screenshot", str(bad)]) == 1
    assert "could not write the screenshot" in capsys.readouterr().err and not bad.exists()


def test_live_help_reads_as_written(capsys):
    with pytest.raises(SystemExit):
        main(["live", "--help"])
    out = " ".join(capsys.readouterr().out.split())  # undo argparse's line wrapping
    assert "%MVC once a" in out and "95 % ellipse" in out and "%%" not in out


def test_live_patient_view_guided_set_and_outlet_from_the_cli(app, tmp_path, capsys):
    """The short protocol's scripted MVCs (from 1 s) set %MVC; a guided bridge set starts after 1 s of
    lead-in; the patient view is saved as it closes; a real inlet finds the processed stream."""
    import uuid

    import pylsl
    from PySide6 import QtGui

    from emgforce.io import read_recording
    from emgforce.live.patient import BACKGROUND

    script = tmp_path / "set.toml"
    script.write_text('lead_in_s = 1\n[[set]]\ntask = "single_leg_bridge"\nside = "left"\nreps = 3\n')
    name = f"emgforce-cli-{uuid.uuid4().hex[:8]}"
    found = []

    def look() -> None:  # while the window runs
        found.extend(pylsl.resolve_byprop("name", name, 1, 1.0))

    from PySide6 import QtCore

    QtCore.QTimer.singleShot(1000, look)
    out, png = tmp_path / "g.h5", tmp_path / "patient.png"
    rc = main(["live", "--device", "sim", "--protocol", "short", "--seconds", "2.5", "--record", str(out),
               "--guided", str(script), "--patient-screenshot", str(png), "--outlet", name])
    printed = capsys.readouterr().out
    assert rc == 0, printed
    assert f"LSL stream {name!r}" in printed and "sample to the painted frame" in printed
    assert found and found[0].type() == "EMGForceProcessed"
    image = QtGui.QImage(str(png))
    assert image.width() >= 640 and image.height() >= 360
    assert _has_colour(image, (255, 255, 255), tol=40) > 500  # its texts
    assert _has_colour(image, BACKGROUND, tol=4) > 0.3 * image.width() * image.height()
    rec = read_recording(out)
    # the guided set started its trial after its lead-in (the device's own markers are there as well)
    starts = [e for e in rec.events if e.label == "single_leg_bridge_left" and e.kind == "start"]
    assert len(starts) == 1 and starts[0].time_s >= 1.0


def test_a_bad_guided_script_fails_before_the_device_opens(tmp_path, capsys):
    script = tmp_path / "set.toml"
    script.write_text('[[set]]\ntask = "stance"\nside = "left"\n')
    assert main(["live", "--seconds", "1", "--guided", str(script)]) == 1
    assert "no repetitions to guide" in capsys.readouterr().err


def test_audio_without_its_extra_fails_before_any_file_is_made(tmp_path, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "sounddevice", None)  # as if the audio extra were not installed
    out = tmp_path / "never.h5"
    assert main(["live", "--seconds", "1", "--audio", "tone", "--record", str(out)]) == 1
    assert 'pip install "emgforce[audio]"' in capsys.readouterr().err
    assert not out.exists()

"""Plates named by number (other software) get their foot from the single-leg stance trials."""

import numpy as np
import pytest

from emgforce.io import Event, Recording, StreamData, Subject
from emgforce.streams import ChannelInfo
from emgforce.tasks.analyze import analyze_session

FS = 100.0


def _two_plates(left_plate="force2"):
    """Double stance 0-10 s (60/40 % left/right), stance on the left leg 12-20 s, on the right 22-30 s."""
    t = np.arange(0, 32, 1 / FS)
    bw = 700.0
    left = np.where(t < 10, 0.6 * bw, 0.0) + np.where((t >= 12) & (t < 20), bw, 0.0)
    right = np.where(t < 10, 0.4 * bw, 0.0) + np.where((t >= 22) & (t < 30), bw, 0.0)
    names = {"force": right, "force2": left} if left_plate == "force2" else {"force": left, "force2": right}
    streams = {n: StreamData(n, FS, (ChannelInfo("Fz", kind="force", unit="N"),), fz[:, None] + 1.0)
               for n, fz in names.items()}
    events = [Event("stance_double", "start", 0.5), Event("stance_double", "stop", 9.5),
              Event("stance_left", "start", 12.5), Event("stance_left", "stop", 19.5),
              Event("stance_right", "start", 22.5), Event("stance_right", "stop", 29.5)]
    return Recording(streams, Subject("s", body_mass_kg=bw / 9.80665), events)


@pytest.mark.parametrize("left_plate", ["force", "force2"])
def test_load_split_reported_per_side(left_plate):
    res = analyze_session(_two_plates(left_plate), keep_traces=False)
    tr = next(t for t in res.trials if t.label == "stance_double")
    shares = {m.side: m.value for m in tr.metrics if m.name == "load_pct"}
    assert shares == pytest.approx({"left": 60.0, "right": 40.0}, abs=0.2)
    assert any(f"plate {left_plate!r} is under the left foot" in m.text for m in res.messages)

"""The plain-h5py snippet in docs/format.md reads a file exactly as emgforce does."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from emgforce.streams import Block, ChannelInfo, StreamInfo
from emgforce.io import RecordingWriter, read_recording

DOC = Path(__file__).resolve().parents[2] / "docs" / "format.md"


def test_reading_without_emgforce_snippet(tmp_path, subject):
    text = DOC.read_text()
    section = text[text.index("## Reading without emgforce") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    path = tmp_path / "session.h5"
    chans = tuple(ChannelInfo(f"c{i}", "emg", "V", conversion=0.5, offset=0.1 * i) for i in range(3))
    rng = np.random.default_rng(5)
    with RecordingWriter(path, [StreamInfo("emg", 1000.0, chans, dtype="int16")], subject) as w:
        w.append(Block("emg", rng.integers(-100, 100, (50, 3)).astype(np.int16), 0))
        w.append(Block("emg", rng.integers(-100, 100, (30, 3)).astype(np.int16), 60))
        w.add_event("bridge", "start", 0.01)
    namespace: dict = {}
    exec(code.replace('"session.h5"', repr(str(path))), namespace)
    rec = read_recording(path)
    np.testing.assert_array_equal(namespace["grid"], rec.emg.data)
    assert namespace["names"] == ["c0", "c1", "c2"] and namespace["fs"] == 1000.0
    assert namespace["events"] == [("bridge", "start", 0.01)]

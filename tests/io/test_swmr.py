"""SWMR: a reader follows a file while its writer runs, and a killed writer leaves a readable file.

The writer runs in a separate Python process driven line by line over stdin.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest

from emgforce.io import read_recording

WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from emgforce.streams import Block, ChannelInfo, StreamInfo
    from emgforce.io import RecordingWriter, Subject

    chans = tuple(ChannelInfo(f"c{i}", "emg", "V") for i in range(3))
    w = RecordingWriter(sys.argv[1], [StreamInfo("emg", 2000.0, chans)], Subject("s"), chunk_s=0.1)
    n = 0
    for line in sys.stdin:
        cmd, *arg = line.split()
        if cmd == "append":
            for _ in range(int(arg[0]) // 100):
                rows = np.arange(n, n + 100, dtype=np.float64)[:, None] + np.array([0.0, 0.25, 0.5])
                w.append(Block("emg", rows, n, host_time=float(n)))
                n += 100
        elif cmd == "skip":  # samples lost: the next block starts later
            n += int(arg[0])
        elif cmd == "event":
            w.add_event(arg[0], "mark", float(arg[1]))
        elif cmd == "flush":
            w.flush()
        elif cmd == "close":
            w.close()
        print("ok", n, flush=True)
    """
)


def expected(n: int) -> np.ndarray:
    return np.arange(n, dtype=np.float64)[:, None] + np.array([0.0, 0.25, 0.5])


class Writer:
    def __init__(self, path):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def do(self, command: str) -> str:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline()
        assert reply.startswith("ok"), "writer process died (see captured stderr)"
        return reply


@pytest.fixture
def writer(tmp_path):
    w = Writer(tmp_path / "live.h5")
    yield w
    if w.proc.poll() is None:
        w.proc.kill()
    w.proc.wait(timeout=10)


def test_reader_sees_flushed_data_while_the_writer_is_open(tmp_path, writer):
    path = tmp_path / "live.h5"
    writer.do("append 1000")
    writer.do("event lift 0.25")
    writer.do("flush")
    rec = read_recording(path)
    assert not rec.complete and rec.end_reason is None
    np.testing.assert_array_equal(rec.emg.data, expected(1000))
    assert [(e.label, e.time_s) for e in rec.events] == [("lift", 0.25)]

    writer.do("append 1500")
    writer.do("flush")
    with h5py.File(path, "r", swmr=True) as f:  # a plain h5py SWMR reader too
        np.testing.assert_array_equal(f["streams/emg/data"][()], expected(2500))
        assert f["streams/emg/clock"].shape == (25, 3)
    writer.do("close")
    rec = read_recording(path)
    assert rec.complete and rec.end_reason == "completed"
    np.testing.assert_array_equal(rec.emg.data, expected(2500))


def test_killed_writer_leaves_everything_up_to_the_last_flush(tmp_path, writer):
    path = tmp_path / "live.h5"
    writer.do("append 3000")
    writer.do("event bridge 1.0")
    writer.do("flush")
    writer.do("append 1700")  # several whole chunks written, never flushed
    writer.do("event lost 2.0")
    writer.proc.send_signal(signal.SIGKILL)
    writer.proc.wait(timeout=10)

    rec = read_recording(path)
    assert not rec.complete and rec.end_reason is None
    n = rec.emg.n_samples
    assert 3000 <= n <= 4700
    np.testing.assert_array_equal(rec.emg.data, expected(n))  # never a wrong sample
    assert [e.label for e in rec.events][:1] == ["bridge"]
    assert (rec.emg.clock[:, 0] < n).all() and len(rec.emg.clock) >= 30
    with h5py.File(path, "r", swmr=True) as f:
        np.testing.assert_array_equal(f["streams/emg/data"][:3000], expected(3000))


def test_info_on_a_killed_writers_file(tmp_path, writer, capsys):
    from emgforce.cli import main

    writer.do("append 2000")
    writer.do("flush")
    writer.proc.send_signal(signal.SIGKILL)
    writer.proc.wait(timeout=10)
    assert main(["info", str(tmp_path / "live.h5")]) == 0
    out = capsys.readouterr().out
    assert "NOT CLOSED" in out and "2000 samples" in out


def test_truncated_copy_of_a_killed_writers_file_is_refused(tmp_path, writer):
    from emgforce.errors import RecordingFormatError

    path = tmp_path / "live.h5"
    writer.do("append 3000")
    writer.do("flush")
    writer.proc.send_signal(signal.SIGKILL)
    writer.proc.wait(timeout=10)
    data = path.read_bytes()
    cut = tmp_path / "cut.h5"
    cut.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(RecordingFormatError, match="truncated"):
        read_recording(cut)


def test_killed_writer_with_gaps_never_shifts_a_sample(tmp_path, writer):
    """Losses before and after the last flush: whatever is read sits at its own index."""
    path = tmp_path / "live.h5"
    writer.do("append 1000")
    for k in range(6):  # each round: a loss, then more than a chunk (200 rows) of data
        writer.do("skip 37")
        writer.do("append 500")
        if k < 3:
            writer.do("flush")
    writer.proc.send_signal(signal.SIGKILL)
    writer.proc.wait(timeout=10)
    emg = read_recording(path).emg
    idx = emg.received_indices
    assert len(idx) >= 1000 + 3 * 500 and len(emg.gaps) >= 3
    np.testing.assert_array_equal(emg.data[idx, 0], idx)  # every stored value is its own index
    assert np.isnan(emg.data[~emg.received_mask]).all()
    assert emg.gaps[:, 1].tolist() == [37] * len(emg.gaps)

"""A serial board that reboots and resends a stale frame: no phantom gap, no shifted timeline, all counted."""

from __future__ import annotations

import os
import threading
import time

import numpy as np

from emgforce.drivers.serial_board import SerialBoardDevice, encode_frame
from emgforce.io import read_recording
from emgforce.record import Recorder

FS = 1000.0


def _counts(i):
    return [i % 30000, -(i % 20000)]


def _board(master, seq0, n, start_index, pace_s=0.02, stale_at=None):
    """Send frames start_index .. start_index+n-1 at the board's rate (counter from seq0), in 20 ms bursts."""
    per = int(FS * pace_s)
    t0 = time.monotonic()
    for k in range(0, n, per):
        burst = b"".join(encode_frame(seq0 + j, _counts(start_index + j)) for j in range(k, min(k + per, n)))
        if stale_at is not None and k <= stale_at < k + per:
            burst += encode_frame(seq0 + stale_at - 2, _counts(0))  # an old frame resent after a newer one
        os.write(master, burst)
        time.sleep(max(0.0, t0 + (k + per) / FS - time.monotonic()))


def test_board_reboot_and_stale_frame_through_the_recorder(tmp_path):
    master, slave = os.openpty()
    port = os.ttyname(slave)
    path = tmp_path / "serial.h5"
    device = SerialBoardDevice(port, fs_hz=FS, channels=["GM_L", "GM_R"], volts_per_count=1.0)
    recorder = Recorder(device, path, flush_s=0.1)
    off_s = 0.5

    def board():
        time.sleep(0.2)
        _board(master, 40000, 1000, 0, stale_at=300)  # counter near the top of its range
        time.sleep(off_s)  # the board reboots: nothing for half a second, then its counter restarts at 0
        _board(master, 0, 1000, 1000)
        time.sleep(0.3)
        recorder.stop("board done (test)")

    try:
        recorder.start()
        t = threading.Thread(target=board)
        t.start()
        summary = recorder.wait(timeout=30)
        t.join()
    finally:
        os.close(master)
        os.close(slave)
    assert summary is not None and summary.ok
    rec = read_recording(path)
    emg = rec.streams["emg"]
    # one gap: the reboot, sized by the host clock (the 24537-frame counter jump is not believed)
    assert len(emg.gaps) == 1
    gap_at, gap_n = emg.gaps[0]
    assert gap_at == 1000
    assert abs(gap_n - off_s * FS) < 60, gap_n
    before, after = emg.data[:1000], emg.data[1000 + gap_n:]
    np.testing.assert_array_equal(before, [_counts(i) for i in range(1000)])  # the stale frame was dropped
    np.testing.assert_array_equal(after, [_counts(1000 + i) for i in range(1000)])
    assert emg.n_samples == 2000 + gap_n
    assert rec.metadata["serial_stale_frames"] == 1
    assert rec.metadata["serial_counter_resets"] == 1
    resets = [e for e in rec.events if e.label == "board_reset"]
    assert len(resets) == 1 and resets[0].time_s == (1000 + gap_n) / FS


def _feed_all(parser, seqs, t=None):
    runs = parser.feed(b"".join(encode_frame(s, [i, 0]) for i, s in enumerate(seqs)), t)
    return [(first, missing, c[:, 0].tolist()) for first, missing, c in runs]


def test_parser_drops_stale_and_duplicate_frames_and_counts_them():
    from emgforce.drivers.serial_board import FrameParser

    parser = FrameParser(2)
    # positions 0..7 carry counters 10 11 12 11(stale) 13 13(duplicate) 9(stale) 14
    runs = _feed_all(parser, [10, 11, 12, 11, 13, 13, 9, 14])
    assert runs == [(0, 0, [0, 1, 2, 4, 7])]  # contiguous: nothing lost, nothing invented
    assert parser.stale_frames == 2 and parser.duplicate_frames == 1 and parser.resets == []


def test_parser_reset_without_a_clock_continues_the_timeline_with_no_phantom_gap():
    from emgforce.drivers.serial_board import FrameParser

    parser = FrameParser(2)
    runs = _feed_all(parser, [500, 501, 502, 0, 1, 2, 3, 5])
    # the counter restarted at 0: a reset, not 65033 lost frames; the later jump 3 -> 5 is one real loss
    assert runs == [(0, 0, [0, 1, 2, 3, 4, 5, 6]), (8, 1, [7])]
    assert parser.resets and parser.resets[0][0] == 3 and parser.stale_frames == 0

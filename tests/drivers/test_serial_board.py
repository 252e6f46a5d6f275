"""Serial board driver against a pseudo-terminal that receives real frame bytes."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.drivers.serial_board import SYNC, FrameParser, SerialBoardDevice, crc16, encode_frame, frame_size
from emgforce.errors import DeviceDisconnectedError


def crc16_ccitt_false_bitwise(data: bytes) -> int:
    """Textbook bit-by-bit CRC-16/CCITT-FALSE, independent of binascii."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def test_crc_matches_published_check_value_and_bitwise_reference():
    assert crc16(b"123456789") == 0x29B1  # catalogue check value of CRC-16/CCITT-FALSE
    rng = np.random.default_rng(1)
    for _ in range(20):
        data = rng.integers(0, 256, rng.integers(1, 40)).astype(np.uint8).tobytes()
        assert crc16(data) == crc16_ccitt_false_bitwise(data)


def test_frame_layout():
    frame = encode_frame(0x1234, [1, -2])
    assert len(frame) == frame_size(2) == 10
    assert frame[:2] == SYNC
    assert frame[2:4] == b"\x34\x12"
    assert np.frombuffer(frame[4:8], "<i2").tolist() == [1, -2]
    assert int.from_bytes(frame[8:10], "little") == crc16_ccitt_false_bitwise(frame[2:8])


def _session(n_frames, n_ch, seq0, drop, corrupt, rng):
    """Bytes a board would send, and the expected samples keyed by unwrapped index."""
    counts = rng.integers(-32768, 32768, size=(n_frames, n_ch)).astype(np.int16)
    chunks = []
    for i in range(n_frames):
        if i in drop:
            continue
        frame = bytearray(encode_frame(seq0 + i, counts[i]))
        if i in corrupt:
            frame[4 + int(rng.integers(0, 2 * n_ch))] ^= 0x10
        chunks.append(bytes(frame))
        if i % 97 == 0:  # line noise between frames, resynchronised over
            chunks.append(b"\x00\xa5\x13")
    return b"".join(chunks), counts


def _collect(runs, n_ch):
    out = {}
    for first, missing, c in runs:
        out.setdefault("runs", []).append((first, missing, len(c)))
        for k, row in enumerate(c):
            out[first + k] = row
    return out


@settings(max_examples=25, deadline=None)
@given(
    seq0=st.integers(0, 65535),
    drops=st.sets(st.integers(1, 299), max_size=6),
    corrupt=st.sets(st.integers(1, 299), max_size=6),
    split=st.integers(1, 64),
)
def test_parser_gaps_exact_under_wrap_corruption_and_splits(seq0, drops, corrupt, split):
    rng = np.random.default_rng(seq0)
    corrupt = corrupt - drops
    stream, counts = _session(300, 3, seq0, drops, corrupt, rng)
    parser = FrameParser(3)
    runs = []
    for k in range(0, len(stream), split):
        runs += parser.feed(stream[k : k + split])
    lost = sorted(drops | corrupt)
    got = _collect(runs, 3)
    received = [i for i in range(300) if i not in lost]
    assert sorted(k for k in got if k != "runs") == received
    for i in received:
        np.testing.assert_array_equal(got[i], counts[i])
    assert parser.corrupt_frames == len(corrupt)
    # every run starts right after a hole of exactly the reported size
    expected_next = 0
    for first, missing, n in got["runs"]:
        assert first - expected_next == missing
        expected_next = first + n


@pytest.fixture
def pty_pair():
    master, slave = os.openpty()
    yield master, os.ttyname(slave)
    for fd in (master, slave):
        try:
            os.close(fd)
        except OSError:
            pass


def test_device_over_pty_with_wrap_corruption_and_loss(pty_pair):
    master, port = pty_pair
    n_ch, n = 4, 3000
    rng = np.random.default_rng(7)
    drop = {100, 101, 102, 2500}
    corrupt = {5, 777, 1999}
    stream, counts = _session(n, n_ch, 65000, drop, corrupt, rng)  # wraps at frame 536

    dev = SerialBoardDevice(port, fs_hz=1000.0, channels=[f"a{i}" for i in range(n_ch)], volts_per_count=1e-6)

    def board():
        time.sleep(0.1)
        for k in range(0, len(stream), 509):
            os.write(master, stream[k : k + 509])
            time.sleep(0.002)

    with dev:
        dev.start()
        writer = threading.Thread(target=board)
        writer.start()
        blocks = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            blocks += dev.read(timeout=0.05)
            if blocks and blocks[-1].first_index + blocks[-1].n_samples == n:
                break
        writer.join()
    info = dev.describe()
    assert info.streams[0].channels[0].conversion == 1e-6
    lost = drop | corrupt
    got = {}
    expected_next = 0
    missing_total = 0
    for b in blocks:
        assert b.first_index - expected_next == b.missing
        missing_total += b.missing
        expected_next = b.first_index + b.n_samples
        for k in range(b.n_samples):
            got[b.first_index + k] = b.data[k]
    assert missing_total == len(lost)
    assert sorted(got) == [i for i in range(n) if i not in lost]
    for i in (0, 535, 536, 537, 2999):
        np.testing.assert_array_equal(got[i], counts[i])
    attrs = dev.session_attrs()
    assert attrs["serial_corrupt_frames"] == len(corrupt)
    assert attrs["serial_frames"] == n - len(lost)


def test_device_disconnect_raises_after_delivering_data(pty_pair):
    master, port = pty_pair
    dev = SerialBoardDevice(port, channels=["x"])
    dev.open()
    dev.start()
    os.write(master, b"".join(encode_frame(i, [i]) for i in range(50)))
    got = []
    deadline = time.monotonic() + 5
    while sum(b.n_samples for b in got) < 50 and time.monotonic() < deadline:
        got += dev.read(timeout=0.05)
    assert sum(b.n_samples for b in got) == 50
    os.close(master)
    with pytest.raises(DeviceDisconnectedError):
        for _ in range(50):
            dev.read(timeout=0.05)
    dev.stop()
    dev.close()


@settings(max_examples=40, deadline=None)
@given(bits=st.integers(2, 16), start=st.integers(0, 2**16), steps=st.lists(st.integers(1, 3), min_size=1, max_size=200))
def test_counter_unwrapper_matches_cumulative_sum(bits, start, steps):
    from emgforce.drivers._util import CounterUnwrapper

    steps = [min(s, 2**bits - 1) for s in steps]  # a jump of a whole cycle is invisible by construction
    u = CounterUnwrapper(bits)
    assert u.update(start) == (0, 0)
    raw, index = start, 0
    for s in steps:
        raw += s
        index += s
        assert u.update(raw % 2**bits) == (index, s - 1)
    assert u.update(raw % 2**bits) == (index, -1)  # a repeated frame is a duplicate

"""Time-blocked zero-phase filtering (few channels) against scipy, and its warm-up bound."""

import numpy as np
import pytest
import scipy.signal as ss
from hypothesis import example, given, settings
from hypothesis import strategies as st

from emgforce.signal import emg_envelope
from emgforce.signal import filters
from emgforce.signal.filters import padlen, settle_samples, time_blocks, transition_matrix

FS = 2000.0
PRE = np.vstack([ss.butter(2, (20.0, 450.0), btype="bandpass", fs=FS, output="sos"),
                 ss.tf2sos(*ss.iirnotch(50.0, 30.0, fs=FS))])
LP = ss.butter(4, 6.0, fs=FS, output="sos")


DEFAULT_MIN_BLOCKED = filters.MIN_BLOCKED_SAMPLES


@pytest.fixture(autouse=True)
def short_signals_blocked(monkeypatch):
    """Signals of any length take the blocked path here (by default only long ones do), so
    block boundaries are tested on signals that are quick to check against scipy."""
    monkeypatch.setattr(filters, "MIN_BLOCKED_SAMPLES", 0)


def scipy_envelope(x):
    y = ss.sosfiltfilt(PRE, x - x.mean(axis=0), axis=0)
    return ss.sosfiltfilt(LP, np.abs(y), axis=0)


def test_transition_matrix_matches_sosfilt_zero_input_response():
    rng = np.random.default_rng(3)
    for sos in (PRE, LP):
        z = rng.standard_normal((sos.shape[0], 2))
        _, zf = ss.sosfilt(sos, np.zeros(7), zi=z)
        np.testing.assert_allclose(np.linalg.matrix_power(transition_matrix(sos), 7) @ z.ravel(), zf.ravel(),
                                   rtol=1e-9, atol=1e-12)


def test_settle_samples_forgets_the_state_to_rounding():
    """Started at rest `w` samples late, the cascade joins the true output at the rounding floor.

    The floor is what remains however late one compares (rounding differences of the two
    recursions; ~2e-13 of the peak for the 6 Hz low-pass, whose state is large).
    """
    x = np.random.default_rng(4).standard_normal(80000) + 3.0
    for sos in (PRE, LP):
        w = settle_samples(sos)
        assert w is not None and w % 64 == 0
        full, _ = ss.sosfilt(sos, x, zi=ss.sosfilt_zi(sos) * x[0])
        late = ss.sosfilt(sos, x[1000:])  # at rest from sample 1000
        scale = np.abs(full).max()

        def err(m):
            return np.abs(late[m:] - full[1000 + m:]).max() / scale

        assert err(w) <= 2 * err(4 * w) + 1e-14 and err(w) <= 1e-12
        assert err(w // 8) > 1e-6  # and the bound is not trivially loose


def test_marginally_stable_filter_has_no_settle_time():
    assert settle_samples(np.array([[1.0, 0.0, 0.0, 1.0, -2.0, 1.0]])) is None  # double pole at z = 1


@pytest.mark.parametrize("n_ch,n", [(1, 240_001), (2, 250_000), (3, 233_337), (5, 300_000)])
def test_blocked_envelope_equals_scipy_chain(n_ch, n):
    pad = max(padlen(PRE), padlen(LP))
    assert time_blocks(n, n_ch, pad, (settle_samples(PRE), settle_samples(LP))) > 1  # the blocked path runs
    rng = np.random.default_rng(n_ch)
    t = np.arange(n) / FS
    x = rng.standard_normal((n, n_ch)) * (1 + 3 * (np.sin(2 * np.pi * 0.3 * t) > 0))[:, None] + 0.7
    x += 0.5 * np.sin(2 * np.pi * 50.0 * t)[:, None]
    ref = scipy_envelope(x)
    got = emg_envelope(x, FS, notch_hz=50.0, lowpass_order=4)
    assert np.abs(got - ref).max() <= 1e-12 * np.abs(ref).max()


def test_blocked_envelope_without_prefilter_equals_scipy():
    x = np.random.default_rng(9).standard_normal((200_000, 1))
    ref = ss.sosfiltfilt(LP, np.abs(x), axis=0)
    got = emg_envelope(x, FS, bandpass_hz=None, remove_dc=False, lowpass_order=4)
    assert np.abs(got - ref).max() <= 1e-12 * np.abs(ref).max()


@pytest.mark.parametrize("n_ch,n", [(1, 100_001), (3, 200_000)])
def test_blocked_zero_phase_filter_equals_scipy(n_ch, n):
    from emgforce.signal import filter_zero_phase

    sos = ss.butter(2, 5.0, fs=1000.0, output="sos")
    assert time_blocks(n, n_ch, padlen(sos), (settle_samples(sos),)) > 1
    x = np.cumsum(np.random.default_rng(n).standard_normal((n, n_ch)), axis=0) + 50.0
    ref = ss.sosfiltfilt(sos, x, axis=0)
    got = filter_zero_phase(x, sos)
    assert np.abs(got - ref).max() <= 1e-12 * np.abs(ref).max()
    np.testing.assert_allclose(filter_zero_phase(x[:, 0], sos), ref[:, 0], rtol=1e-12, atol=1e-12 * np.abs(ref).max())


@settings(max_examples=25, deadline=None)
@given(n=st.integers(100_000, 160_000), n_ch=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_blocked_filter_equals_scipy_at_any_length(n, n_ch, seed):
    """Block boundaries, a short last block, odd lengths: still scipy's sosfiltfilt to rounding."""
    from emgforce.signal import filter_zero_phase

    sos = ss.butter(3, (40.0, 200.0), btype="bandpass", fs=1000.0, output="sos")  # short warm-up
    x = np.random.default_rng(seed).standard_normal((n, n_ch)) + 1.0
    assert time_blocks(n, n_ch, padlen(sos), (settle_samples(sos),)) >= 2  # the blocked path runs
    ref = ss.sosfiltfilt(sos, x, axis=0)
    assert np.abs(filter_zero_phase(x, sos) - ref).max() <= 1e-12 * np.abs(ref).max()


@pytest.mark.parametrize("n_ch", [1, 2, 3, 5, 6, 8, 15, 16, 64])
def test_long_signals_fill_sixteen_lanes(n_ch):
    """Blocks x channels fill rows of 16 SIMD lanes: exactly where the channels divide 16, else
    with one lane idle while the layout stays in cache, else just over 16 (one block from 16
    channels up); short windows stay whole."""
    warm = (settle_samples(PRE), settle_samples(LP))
    pad = max(padlen(PRE), padlen(LP))
    blocks = time_blocks(1_200_000, n_ch, pad, warm)  # 10 min at 2 kHz: layouts of 9.6 MB per channel
    if 16 % n_ch == 0:
        assert blocks * n_ch == 16
    else:
        assert (blocks - 1) * n_ch < 16 < blocks * n_ch
    if n_ch in (3, 5):  # 2.4 MB per channel: one lane idle
        assert time_blocks(300_000, n_ch, pad, warm) * n_ch == 15
    assert time_blocks(16_000, n_ch, padlen(LP), (settle_samples(LP),)) == 1  # a trial window
    filters.MIN_BLOCKED_SAMPLES = DEFAULT_MIN_BLOCKED  # (the fixture restores it)
    assert time_blocks(DEFAULT_MIN_BLOCKED - 1, n_ch, pad, warm) == 1  # long windows too, by default
    assert time_blocks(1_200_000, n_ch, pad, warm) == blocks


@pytest.mark.parametrize("n_ch,n", [(6, 300_000), (8, 200_000)])
def test_two_or_three_blocks_equal_scipy(n_ch, n):
    pad = max(padlen(PRE), padlen(LP))
    assert time_blocks(n, n_ch, pad, (settle_samples(PRE), settle_samples(LP))) in (2, 3)
    x = np.random.default_rng(n_ch).standard_normal((n, n_ch)) + 0.3
    ref = scipy_envelope(x)
    got = emg_envelope(x, FS, notch_hz=50.0, lowpass_order=4, workers=1)
    assert np.abs(got - ref).max() <= 1e-12 * np.abs(ref).max()


@settings(max_examples=30, deadline=None)
@given(n_ch=st.integers(1, 20), order=st.integers(1, 6), blocked=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_any_row_width_and_cascade_length_equal_scipy(n_ch, order, blocked, seed):
    """Rows padded to 16 lanes (idle lanes), rows of 16 with the state in registers (up to 4
    sections), the general sweep (more sections, other widths), with and without time blocks:
    each scipy's sosfiltfilt to rounding."""
    from emgforce.signal import filter_zero_phase

    sos = ss.butter(order, (40.0, 200.0), btype="bandpass", fs=1000.0, output="sos")  # `order` sections
    n = 120_000 if blocked else 3_000
    filters.MIN_BLOCKED_SAMPLES = 0 if blocked else DEFAULT_MIN_BLOCKED  # (the fixture restores it)
    blocks = time_blocks(n, n_ch, padlen(sos), (settle_samples(sos),))
    assert blocks > 1 if blocked and n_ch <= 8 else blocks == 1 or blocked
    x = np.random.default_rng(seed).standard_normal((n, n_ch)) + 1.0
    ref = ss.sosfiltfilt(sos, x, axis=0)
    assert np.abs(filter_zero_phase(x, sos) - ref).max() <= 1e-12 * np.abs(ref).max()


@settings(max_examples=40, deadline=None)
@given(n_ch=st.sampled_from([1, 2, 3, 5, 7, 16]), sections=st.integers(1, 4), reverse=st.booleans(),
       rectify=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_register_sweep_is_the_general_sweep_bit_for_bit(n_ch, sections, reverse, rectify, seed):
    """The 16-lane sweep with its state in registers gives the general sweep's samples exactly,
    wherever they mean something: every block, both directions, idle lanes padding the row."""
    from emgforce.signal import _kernels

    rng = np.random.default_rng(seed)
    sos = ss.butter(sections, (30.0, 300.0), btype="bandpass", fs=FS, output="sos")
    zi, warm = filters.steady_state(sos), settle_samples(sos)
    blocks = 16 // n_ch
    lanes, length = blocks * n_ch, 2 * warm + 97
    x = rng.standard_normal((length, 16))
    x[:, lanes:] = 0.0
    first, last = 5, blocks * length - 11
    general, fast = x.copy(), x.copy()
    warm = warm if blocks > 1 else 0
    _kernels.lanes_pass(general, n_ch, lanes, sos, zi, warm, first, last, reverse, rectify)
    _kernels.lanes16_pass(fast, _kernels.warm_rows(fast, n_ch, warm, reverse), n_ch, sos, zi, first, last,
                          reverse, rectify)
    wanted = np.zeros((length, 16), bool)
    wanted[:, :lanes] = True
    start = last if reverse else first
    block, row = divmod(start, length)  # the starting block's rows before its start are of no meaning
    if reverse:
        wanted[row + 1:, block * n_ch:(block + 1) * n_ch] = False
    else:
        wanted[:row, block * n_ch:(block + 1) * n_ch] = False
    assert np.array_equal(fast[wanted], general[wanted])
    assert np.isfinite(fast).all()


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 400), n_ch=st.sampled_from([1, 2, 3, 4, 5, 8]), n_blocks=st.integers(1, 16),
       padded=st.booleans(), pad=st.integers(0, 30), keep=st.tuples(st.floats(0, 1), st.floats(0, 1)),
       seed=st.integers(0, 2**32 - 1))
@example(n=2000, n_ch=1, n_blocks=16, padded=False, pad=3, keep=(0.0, 1.0), seed=1)  # the register transposes
@example(n=398, n_ch=2, n_blocks=8, padded=False, pad=0, keep=(0.0, 1.0), seed=2)
@example(n=333, n_ch=4, n_blocks=4, padded=True, pad=17, keep=(1.0, 0.0), seed=3)
@example(n=301, n_ch=8, n_blocks=2, padded=False, pad=30, keep=(0.2, 0.95), seed=4)
def test_time_block_layout_round_trip(n, n_ch, n_blocks, padded, pad, keep, seed):
    """The gather into time blocks and the scatter of any kept range back, against the layout's
    definition: row i, lane k * n_ch + c holds sample t = k * length + i - pad of channel c; lanes
    padding a row to 16 hold zeros. Rows of 16 lanes of 1, 2, 4 or 8 channels move by register
    transposes, the rest lane by lane."""
    from emgforce.signal import _kernels

    x = np.random.default_rng(seed).standard_normal((n, n_ch))
    mean = x.mean(axis=0)
    length = -(-(n + 2 * pad) // n_blocks)
    lanes = n_blocks * n_ch
    width = max(lanes, 16) if padded else lanes
    b = filters._scratch((length, width))
    b[:] = np.nan
    off, chan = _kernels.lane_offsets(n_ch, length, lanes, pad)
    _kernels.lanes_fill(x.reshape(-1), n_ch, mean[chan], off, *_kernels.inner_rows(0, n, n_ch, length, lanes, pad), b)
    t = np.arange(length)[:, None] + (np.arange(lanes) // n_ch * length - pad)[None, :]
    inside = (t >= 0) & (t < n)
    want = np.zeros((length, width))
    want[:, :lanes] = np.where(inside, x[np.clip(t, 0, n - 1), np.arange(lanes) % n_ch] - mean[chan], 0.0)
    assert np.array_equal(b, want)

    t_lo, t_hi = sorted(int(k * n) for k in keep)
    y = np.full((n, n_ch), np.nan)
    b += 1.0  # as if filtered
    _kernels.lanes_read(b, off, *_kernels.inner_rows(t_lo, t_hi, n_ch, length, lanes, pad), n_ch, t_lo, t_hi,
                        y.reshape(-1))
    expect = np.full((n, n_ch), np.nan)
    expect[t_lo:t_hi] = x[t_lo:t_hi] - mean + 1.0
    assert np.array_equal(y, expect, equal_nan=True)  # the kept range exactly, nothing outside it


def test_time_block_rows_start_on_cache_lines():
    for shape in [(1000, 16), (77, 3), (5, 1)]:
        assert filters._scratch(shape).ctypes.data % filters.CACHE_LINE == 0
        assert filters._cache_aligned(shape[0] * shape[1]).ctypes.data % filters.CACHE_LINE == 0


NO_JIT_CHECK = """
import numpy as np, scipy.signal as ss
from emgforce.signal import StreamEnvelope, filter_zero_phase, filters
filters.MIN_BLOCKED_SAMPLES = 0
sos = ss.butter(2, 0.2, output="sos")
x = np.random.default_rng(0).standard_normal((6000, 1))
assert filters.time_blocks(6000, 1, filters.padlen(sos), (filters.settle_samples(sos),)) == 16
ref = ss.sosfiltfilt(sos, x, axis=0)
assert np.abs(filter_zero_phase(x, sos) - ref).max() <= 1e-12 * np.abs(ref).max()
x16 = np.random.default_rng(1).standard_normal((200, 16)) + 2.0
pre = ss.butter(2, (20, 450), btype="bandpass", fs=2000.0, output="sos")
lp = ss.butter(2, 6.0, fs=2000.0, output="sos")
y, _ = ss.sosfilt(pre, x16, axis=0, zi=ss.sosfilt_zi(pre)[:, :, None] * x16[0])
r = np.abs(y)
ref, _ = ss.sosfilt(lp, r, axis=0, zi=ss.sosfilt_zi(lp)[:, :, None] * r[0])
got = StreamEnvelope(2000.0, 16, method="lowpass", notch_hz=None).process(x16)
assert np.abs(got - ref).max() <= 1e-10 * np.abs(ref).max()
print("ok")
"""


def test_kernels_run_as_plain_python_with_numba_disabled():
    """Under NUMBA_DISABLE_JIT (debugging, coverage) the LLVM-level helpers fall back to their
    plain meaning: the 16-lane sweep, the transposes and the 16-channel stream still give
    scipy's results."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    done = subprocess.run([sys.executable, "-c", NO_JIT_CHECK], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


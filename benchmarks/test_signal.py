"""Signal core: the offline zero-phase envelope and the per-block streaming envelope.

Groups (each with its scipy reference, checked to give the same output):

* ``envelope-16ch-10min-2kHz``: DC removal, 20-450 Hz band-pass, rectification and a
  6 Hz low-pass, all zero-phase, on 16 channels x 10 min at 2 kHz (float64). The
  reference builds the same chain from ``scipy.signal.sosfiltfilt``; a plain numpy
  copy of the same array gives the memory-bandwidth yardstick.
* ``stream-16ch-20samples``: one 20-sample (10 ms) block of 16 channels through the
  causal chain with kept state; reference: ``scipy.signal.sosfilt`` with ``zi`` for
  the same chain (band-pass, ``abs``, low-pass).
* ``stream-filter-16ch-20samples``: the band-pass alone, StreamFilter vs sosfilt+zi.

Run: ``python -m pytest benchmarks/test_signal.py --benchmark-only``.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal as ss

from emgforce.signal import StreamEnvelope, StreamFilter, emg_envelope

FS = 2000.0
N_CH = 16
N = int(10 * 60 * FS)
BLOCK = 20
PRE = ss.butter(2, (20.0, 450.0), btype="bandpass", fs=FS, output="sos")
LP = ss.butter(2, 6.0, fs=FS, output="sos")


@pytest.fixture(scope="module")
def long_emg():
    return np.random.default_rng(0).standard_normal((N, N_CH)) * 1e-4 + 2e-3


def record_rate(benchmark, x):
    """Store Msamples/s of the median round; returns the median (None under --benchmark-disable)."""
    if benchmark.stats is None:
        return None
    med = benchmark.stats.stats.median
    benchmark.extra_info["Msamples_per_s"] = x.size / med / 1e6
    return med


def scipy_envelope(x):
    y = ss.sosfiltfilt(PRE, x - x.mean(axis=0), axis=0)
    return ss.sosfiltfilt(LP, np.abs(y), axis=0)


@pytest.mark.benchmark(group="envelope-16ch-10min-2kHz")
def test_envelope_zero_phase(benchmark, long_emg):
    got = benchmark.pedantic(emg_envelope, args=(long_emg, FS), rounds=5, warmup_rounds=1)
    ref = scipy_envelope(long_emg)
    assert np.max(np.abs(got - ref)) <= 1e-10 * np.max(np.abs(ref))
    record_rate(benchmark, long_emg)


@pytest.mark.benchmark(group="envelope-16ch-10min-2kHz")
def test_envelope_zero_phase_scipy_reference(benchmark, long_emg):
    benchmark.pedantic(scipy_envelope, args=(long_emg,), rounds=3, warmup_rounds=0)
    record_rate(benchmark, long_emg)


@pytest.mark.benchmark(group="envelope-16ch-10min-2kHz")
def test_envelope_numpy_copy_bandwidth_reference(benchmark, long_emg):
    """Read + write of the whole array once: the envelope makes four such sweeps."""
    out = np.empty_like(long_emg)
    benchmark.pedantic(np.copyto, args=(out, long_emg), rounds=10, warmup_rounds=1)
    med = record_rate(benchmark, long_emg)
    if med:
        benchmark.extra_info["GB_per_s_read_plus_write"] = 2 * long_emg.nbytes / med / 1e9


@pytest.fixture(scope="module")
def block():
    return np.random.default_rng(1).standard_normal((BLOCK, N_CH))


@pytest.mark.benchmark(group="stream-16ch-20samples")
def test_stream_envelope_block(benchmark, block):
    s = StreamEnvelope(FS, N_CH)
    s.process(block)
    benchmark(s.process, block)


@pytest.mark.benchmark(group="stream-16ch-20samples")
def test_stream_envelope_block_scipy_reference(benchmark, block):
    z_pre = ss.sosfilt_zi(PRE)[:, :, None] * block[0]
    z_lp = np.zeros((LP.shape[0], 2, N_CH))
    state = [z_pre, z_lp]

    def run(x):
        y, state[0] = ss.sosfilt(PRE, x, axis=0, zi=state[0])
        e, state[1] = ss.sosfilt(LP, np.abs(y), axis=0, zi=state[1])
        return e

    benchmark(run, block)


def test_stream_reference_is_the_same_chain(block):
    """The reference above computes what StreamEnvelope computes (guards the comparison)."""
    s = StreamEnvelope(FS, N_CH)
    got = np.concatenate([s.process(block) for _ in range(3)])
    x = np.concatenate([block] * 3)
    y, _ = ss.sosfilt(PRE, x, axis=0, zi=ss.sosfilt_zi(PRE)[:, :, None] * x[0])
    r = np.abs(y)
    ref, _ = ss.sosfilt(LP, r, axis=0, zi=ss.sosfilt_zi(LP)[:, :, None] * r[0])
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.benchmark(group="stream-filter-16ch-20samples")
def test_stream_filter_block(benchmark, block):
    f = StreamFilter(PRE, N_CH)
    f.process(block)
    benchmark(f.process, block)


@pytest.mark.benchmark(group="stream-filter-16ch-20samples")
def test_stream_filter_block_scipy_reference(benchmark, block):
    state = [ss.sosfilt_zi(PRE)[:, :, None] * block[0]]

    def run(x):
        y, state[0] = ss.sosfilt(PRE, x, axis=0, zi=state[0])
        return y

    benchmark(run, block)

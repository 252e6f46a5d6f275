"""Threads for long zero-phase filters: the stitched pieces equal one piece and scipy."""

import numpy as np
import pytest
import scipy.signal as ss
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.errors import SignalError
from emgforce import _workers
from emgforce.signal import emg_envelope, filter_zero_phase, filters, get_workers, set_workers

FS = 2000.0
PRE = np.vstack([ss.butter(2, (20.0, 450.0), btype="bandpass", fs=FS, output="sos"),
                 ss.tf2sos(*ss.iirnotch(50.0, 30.0, fs=FS))])
LP = ss.butter(4, 6.0, fs=FS, output="sos")
MIN = filters.MIN_PIECE_SAMPLES


def scipy_envelope(x):
    return ss.sosfiltfilt(LP, np.abs(ss.sosfiltfilt(PRE, x - x.mean(axis=0), axis=0)), axis=0)


@pytest.fixture
def pieces(monkeypatch):
    """Counts the pieces each threaded call cuts the signal into."""
    seen = []

    def spy(fn, items):
        seen.append(len(items))
        return _workers.map_threads(fn, items)

    monkeypatch.setattr(filters, "map_threads", spy)
    return seen


def emg(n, n_ch, seed=0):
    t = np.arange(n) / FS
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, n_ch)) * (1 + 3 * (np.sin(2 * np.pi * 0.2 * t) > 0))[:, None] * 1e-4 + 2e-3
    return x + 3e-4 * np.sin(2 * np.pi * 50.0 * t)[:, None]


@pytest.mark.parametrize("n_ch", [1, 3, 16])
@pytest.mark.parametrize("blocked", [False, True])
def test_threaded_envelope_equals_scipy(pieces, monkeypatch, n_ch, blocked):
    if blocked:  # the pieces also cut into time blocks (by default only longer ones are)
        monkeypatch.setattr(filters, "MIN_BLOCKED_SAMPLES", 0)
    x = emg(3 * MIN + 12_345, n_ch)
    ref = scipy_envelope(x)
    got = emg_envelope(x, FS, notch_hz=50.0, lowpass_order=4, workers=3)
    assert pieces == [3]
    assert np.abs(got - ref).max() <= 1e-12 * np.abs(ref).max()


def test_threaded_filter_equals_scipy(pieces):
    x = np.cumsum(np.random.default_rng(1).standard_normal((2 * MIN + 7, 2)), axis=0)
    sos = ss.butter(3, (10.0, 300.0), btype="bandpass", fs=FS, output="sos")
    ref = ss.sosfiltfilt(sos, x, axis=0)
    got = filter_zero_phase(x, sos, workers=2)
    assert pieces == [2]
    assert np.abs(got - ref).max() <= 1e-12 * np.abs(ref).max()


@settings(max_examples=12, deadline=None)
@given(n=st.integers(2 * MIN, 3 * MIN), n_ch=st.integers(1, 4), k=st.integers(2, 4), seed=st.integers(0, 2**32 - 1))
def test_any_cut_gives_the_one_piece_result(n, n_ch, k, seed):
    x = emg(n, n_ch, seed)
    one = emg_envelope(x, FS, notch_hz=50.0, lowpass_order=4, workers=1)
    many = emg_envelope(x, FS, notch_hz=50.0, lowpass_order=4, workers=k)
    assert np.abs(many - one).max() <= 1e-12 * np.abs(one).max()


def test_short_signals_and_one_worker_stay_in_one_piece(pieces):
    x = emg(MIN, 2)
    emg_envelope(x, FS, workers=4)  # too short to cut
    emg_envelope(emg(3 * MIN, 2), FS, workers=1)
    assert pieces == []


def test_workers_defaults_and_context(monkeypatch):
    monkeypatch.delenv("EMGFORCE_WORKERS", raising=False)
    cpus = get_workers(-1)
    assert cpus >= 1 and get_workers() == cpus
    assert get_workers(3) == 3
    with set_workers(1):
        assert get_workers() == 1
        with set_workers(2):
            assert get_workers() == 2
        assert get_workers() == 1
    assert get_workers() == cpus
    monkeypatch.setenv("EMGFORCE_WORKERS", "1")
    assert get_workers() == 1
    with set_workers(2):
        assert get_workers() == 2  # the context wins over the environment


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2"])
def test_bad_workers_are_refused(bad):
    with pytest.raises(SignalError, match="workers"):
        get_workers(bad)


def test_bad_environment_is_refused(monkeypatch):
    monkeypatch.setenv("EMGFORCE_WORKERS", "many")
    with pytest.raises(SignalError, match="EMGFORCE_WORKERS"):
        get_workers()


def test_error_in_a_piece_reaches_the_caller(monkeypatch):
    def boom(*args):
        raise RuntimeError("kernel failed")

    with pytest.raises(RuntimeError, match="kernel failed"):
        filters.zero_phase_run(np.zeros((3 * MIN, 1)), np.zeros(1), 10, (64,), boom, workers=2)


def test_pool_grows_while_other_threads_use_it():
    """A call needing more threads replaces the pool; calls already submitted still finish."""
    import threading

    big = get_workers(-1) + 3
    results, errors = [], []

    def call(n):
        try:
            results.append(_workers.map_threads(lambda i: i * i, list(range(n))))
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(n,)) for n in (2, big, 2, big + 1, 3) * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(map(len, results)) == sorted((2, big, 2, big + 1, 3) * 4)
    assert all(r == [i * i for i in range(len(r))] for r in results)

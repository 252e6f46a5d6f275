"""Latency is taken from the instant the sample was taken to the end of the paint that shows it."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emgforce.live.pipeline import LivePipeline, SampleClock
from emgforce.live.trials import TrialController
from emgforce.live.window import LiveWindow
from tests.live.conftest import steps


@settings(max_examples=50, deadline=None)
@given(
    start=st.floats(0.0, 1e5),
    block=st.integers(1, 200),
    delays=st.lists(st.floats(0.0, 0.05), min_size=1, max_size=40),
    fastest=st.floats(0.0, 0.01),
)
def test_the_sample_clock_finds_each_samples_instant_up_to_the_fastest_transport(start, block, delays, fastest):
    """Blocks of ``block`` samples at 2 kHz, each arriving ``fastest`` + a delay >= 0 after its newest
    sample was taken (one arrives with no extra delay): the clock gives every sample's instant plus
    exactly that fastest transport time, never less."""
    fs = 2000.0
    clock = SampleClock(fs, window_s=1e9)
    delays = delays + [0.0]
    for k, extra in enumerate(delays):
        newest = (k + 1) * block - 1
        clock.observe(newest, start + newest / fs + fastest + extra)
    for i in (0, block, 5 * block + 3):
        assert clock.time_of(i) == pytest.approx(start + i / fs + fastest, abs=1e-9)
    assert np.isnan(SampleClock(fs).time_of(0))


def test_the_sample_clock_follows_a_drifting_device_within_two_windows():
    """A device clock 1 % slow: after the old window is dropped, the estimate is the recent one."""
    fs, clock = 1000.0, SampleClock(1000.0, window_s=1.0)
    host = lambda i: 100.0 + 1.01 * i / fs  # noqa: E731 - sample i arrives as taken, on a 1 % slow clock
    for i in range(9, 5000, 10):
        clock.observe(i, host(i))
    assert clock.time_of(4999) == pytest.approx(host(4999), abs=0.025)  # not 50 ms behind


def test_latency_is_recorded_after_the_paint_from_the_sample_instant(app, scripted_device):
    dev = scripted_device(steps([(0.0, (1e-3,) * 4)]), with_force=False, block_s=0.01)
    pipe = LivePipeline(dev.describe(), window_s=5.0)
    window = LiveWindow(pipe, TrialController(pipe), window_s=5.0)
    window.show()
    patient = window.open_patient_view(fullscreen=False)
    app.processEvents()
    patient.latencies_s.clear()
    dev.open()
    dev.start()
    t0 = time.monotonic()
    for k in range(50):  # blocks arrive exactly when their newest sample is taken
        blocks = dev.read()
        pipe.feed([b.__class__(b.stream, b.data, b.first_index, host_time=t0 + (b.first_index + b.n_samples - 1) / 2000.0)
                   for b in blocks])
    frame = window.refresh()
    refreshed = time.monotonic()
    assert frame.newest_sample_time == pytest.approx(t0 + (50 * 20 - 1) / 2000.0, abs=1e-9)
    before = len(window.latencies_s)
    assert before == 0 and not patient.latencies_s  # drawn, not yet painted: nothing measured
    app.processEvents()  # Qt paints both windows
    painted = time.monotonic()
    assert len(window.latencies_s) == 1 and len(patient.latencies_s) == 1
    # measured when each paint was over: between the refresh and now, counted from the sample's instant
    for lat in (window.latencies_s[0], patient.latencies_s[0]):
        assert refreshed <= frame.newest_sample_time + lat <= painted
    window.close()

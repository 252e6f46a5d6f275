"""The processed-signal outlet read by a real pylsl inlet over loopback: %MVC and COP as the closed form says."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace

import numpy as np
import pylsl
import pytest

from emgforce.live.outlet import STREAM_TYPE, ProcessedOutlet
from emgforce.live.pipeline import LivePipeline
from emgforce.live.trials import TrialController
from tests.live.conftest import run, steps


def pull_all(inlet, until_n, timeout_s=20.0):
    data, stamps = [], []
    end = time.monotonic() + timeout_s
    while sum(len(d) for d in data) < until_n and time.monotonic() < end:
        chunk, ts = inlet.pull_chunk(timeout=0.2)
        if ts:
            data.append(np.asarray(chunk))
            stamps.append(np.asarray(ts))
    return np.concatenate(data), np.concatenate(stamps)


TRANSPORT_S = 0.002  # every block reaches the host 2 ms after its newest sample was taken ...


def paced(dev, t0):
    """The device's blocks as if read from hardware paced on the monotonic clock from ``t0``
    (sample i taken at t0 + (i + 1) / fs), some arriving later still (... plus up to 5 ms)."""
    rng = np.random.default_rng(1)
    read = dev.read

    def read_paced(*args, **kwargs):
        blocks = read(*args, **kwargs)
        fs = {s.name: s.fs_hz for s in dev.describe().streams}
        return [replace(b, host_time=t0 + (b.first_index + b.n_samples) / fs[b.stream] + TRANSPORT_S
                        + (rng.uniform(0, 0.005) if rng.random() < 0.7 else 0.0)) for b in blocks]

    dev.read = read_paced
    return dev


def test_outlet_publishes_percent_mvc_and_cop(scripted_device):
    """MVC at 1 mV, then GM_L 0.5 mV (50 %MVC), GM_R 0.8 mV (80 %MVC); COP circles r = 1 cm at 0.5 Hz."""
    dev = scripted_device(steps([(0.0, (1e-3,) * 4), (5.0, (0.5e-3, 0.8e-3, 0.2e-3, 0.3e-3))]))
    t0 = time.monotonic()
    paced(dev, t0)
    pipe = LivePipeline(dev.describe(), window_s=10.0)
    ctl = TrialController(pipe)
    name = f"emgforce-processed-{uuid.uuid4().hex[:8]}"
    outlet = ProcessedOutlet(pipe, name, rate_hz=100.0)
    found = pylsl.resolve_byprop("name", name, 1, 10.0)
    assert found, "the outlet was not found on loopback"
    inlet = pylsl.StreamInlet(found[0], max_buflen=60)
    full = inlet.info(5.0)
    assert full.type() == STREAM_TYPE and full.nominal_srate() == 100.0 and full.channel_count() == 7
    ch = full.desc().child("channels").child("channel")
    labels, units = [], []
    while not ch.empty():
        labels.append(ch.child_value("label"))
        units.append(ch.child_value("unit"))
        ch = ch.next_sibling()
    assert labels == ["GM_L", "GM_R", "TFL_L", "TFL_R", "cop_x", "cop_y", "fz"]
    assert units == ["%MVC"] * 4 + ["m", "m", "N"]
    assert float(full.desc().child_value("envelope_delay_s")) == pytest.approx(pipe.emg_delay_s, abs=1e-6)
    inlet.open_stream(5.0)
    time.sleep(0.3)  # an outlet sends only to connected inlets

    run(dev, pipe, 0.5)
    outlet.push()  # no reference yet: %MVC is NaN
    for side in ("left", "right"):
        ctl.start_trial("mvc", side)
        run(dev, pipe, 2.0)
        ctl.stop_trial()
    while pipe.session_time_s < 9.0 - 1e-9:
        pipe.feed(dev.read())
        outlet.push()
    n = outlet.pushed
    assert n == pytest.approx(9.0 * 100, abs=3)
    x, ts = pull_all(inlet, n)
    assert x.shape == (n, 7)
    t = np.arange(n) / 100.0  # sample k is EMG sample 20 k: session time k / 100 s
    # time stamps: the LSL clock at the instant each sample was taken (+ the fastest transport), 10 ms apart
    np.testing.assert_allclose(np.diff(ts), 0.01, atol=1e-6)
    lsl_minus_monotonic = pylsl.local_clock() - time.monotonic()
    taken = t0 + (20 * np.arange(n) + 1) / 2000.0 + TRANSPORT_S + lsl_minus_monotonic
    np.testing.assert_allclose(ts, taken, atol=1e-3)
    assert np.all(np.isnan(x[t < 0.5, :4]))
    after = t >= 8.0  # 3 s after the change: the envelope has settled
    np.testing.assert_allclose(x[after, 0], 50.0, rtol=0.005)
    np.testing.assert_allclose(x[after, 1], 80.0, rtol=0.005)
    # the COP on the device's circle (10 Hz causal low-pass: ~25 ms behind at 0.5 Hz, ~1.6 mm)
    truth = dev.cop_m(t[t >= 1.0])
    err = np.hypot(*(x[t >= 1.0, 4:6] - truth).T)
    assert err.max() < 2.5e-3 and np.median(err) > 0.0
    np.testing.assert_allclose(x[:, 6], 700.0, rtol=1e-9)
    outlet.close()

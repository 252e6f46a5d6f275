"""Simulator: generating the full default protocol (417 s, 6 EMG channels at 2 kHz, plate at 1 kHz).

Reference: plain numpy producing the same number of spectrally shaped Gaussian samples
(one random spectrum and one inverse FFT per EMG carrier and plate channel), i.e. the
irreducible cost of the synthesis without activation profiles, fatigue, noise floor, plate
mechanics or ground truth.
"""

from __future__ import annotations

import numpy as np
import pytest

from emgforce.drivers.sim import Protocol, simulate

DURATION_S = Protocol.default().duration_s


@pytest.mark.benchmark(group="sim-default-protocol")
def test_simulate_default(benchmark):
    session = benchmark.pedantic(simulate, kwargs={"seed": 0}, rounds=3, iterations=1)
    assert session.emg.shape == (round(DURATION_S * 2000), 6)


@pytest.mark.benchmark(group="sim-default-protocol")
def test_shaped_noise_reference(benchmark):
    def run():
        rng = np.random.default_rng(0)
        out = []
        for n, n_ch in ((round(DURATION_S * 2000), 6), (round(DURATION_S * 1000), 6)):
            f = np.fft.rfftfreq(n, 1 / 2000)
            shape = np.sqrt(f**2 / ((f**2 + 80.0**2) * (f**2 + 120.0**2) ** 2))
            spec = rng.standard_normal((len(f), n_ch)) + 1j * rng.standard_normal((len(f), n_ch))
            out.append(np.fft.irfft(spec * shape[:, None], n, axis=0))
        return out

    out = benchmark.pedantic(run, rounds=3, iterations=1)
    assert out[0].shape == (round(DURATION_S * 2000), 6)

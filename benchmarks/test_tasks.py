"""Task segmentation: bridge repetitions in 10 min of plate load at 1 kHz.

Ours (:func:`emgforce.tasks.segment.detect_plateaus`: 5 Hz zero-phase low-pass, robust
levels, least-squares ramp fits) against the plain scipy way of counting the same plateaus
(`scipy.signal.find_peaks` with a prominence and a width on the same low-passed signal), which
finds the reps but not their ramp-extrapolated boundaries.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from emgforce.tasks.segment import detect_plateaus

FS = 1000.0
N_REPS = 80


@pytest.fixture(scope="module")
def load():
    t = np.arange(int(600 * FS)) / FS
    knots_t, knots_v = [0.0], [140.0]
    for k in range(N_REPS):
        s = 2.0 + k * 7.0
        knots_t += [s, s + 1.0, s + 4.0, s + 5.0]
        knots_v += [140.0, 310.0, 310.0, 140.0]
    knots_t.append(600.0)
    knots_v.append(140.0)
    return np.interp(t, knots_t, knots_v) + np.random.default_rng(0).normal(0, 1.0, t.size)


@pytest.mark.benchmark(group="tasks-bridge-reps-10min-1kHz")
def test_detect_plateaus(benchmark, load):
    reps = benchmark(detect_plateaus, load, FS)
    assert len(reps) == N_REPS


@pytest.mark.benchmark(group="tasks-bridge-reps-10min-1kHz")
def test_find_peaks_reference(benchmark, load):
    sos = signal.butter(2, 5.0, fs=FS, output="sos")

    def count():
        x = signal.sosfiltfilt(sos, load)
        base, top = np.percentile(x, 1), np.percentile(x, 99)
        peaks, _ = signal.find_peaks(x, prominence=0.5 * (top - base), width=0.5 * FS)
        return peaks

    assert len(benchmark(count)) == N_REPS

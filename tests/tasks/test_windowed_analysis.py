"""Window by window (lazy reading, envelopes over the trials) the analysis equals the whole-session one.

The reference is the former computation: the whole recording read into memory
and enveloped at once (``emg_envelope`` with the ``"interpolate"`` policy), its
envelope sliced by the tasks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from emgforce.io import Event, read_recording, write_recording
from emgforce.io.recording import time_slice
from emgforce.signal import emg_envelope
from emgforce.signal.windowed import envelope_padding
from emgforce.tasks.analyze import analyze_session

from .simsession import short_session, to_recording


class WholeEnvelope:
    """The former way: the envelope of the whole signal at once, sliced (stands in for WindowedEnvelope)."""

    def __init__(self, source, fs, *, mean, params):
        self.source, self.fs = source, fs
        self.n = source.shape[0]
        self.padding = self.n
        self.env = emg_envelope(np.asarray(source[0:self.n]), fs, params=params)

    def padded(self, start, stop):
        return 0, self.n

    def __call__(self, start, stop, raw=None):
        return self.env[start:stop].copy()


@pytest.fixture(scope="module", params=["truth", "markers"])
def session_file(tmp_path_factory, request):
    """A simulated session with mains hum, gaps in and near trials, trials at both ends of the
    recording and trials shorter than the envelope's padding (10 s with the notch); reps from
    events ("truth") or found in the signals ("markers")."""
    sess = short_session(seed=5)
    rec = to_recording(sess, events=request.param)
    emg = rec.streams["emg"]
    fs = emg.fs_hz
    t = np.arange(emg.n_samples) / fs
    data = emg.data.copy()
    data[:, 1] += 2e-5 * np.sin(2 * np.pi * 50.0 * t)  # hum: the notch (and its long padding) is on
    trials = {tr.label: tr for tr in rec.trials()}
    gaps = []
    for at_s, dur_s in ((trials["mvc_left"].start_s + 2.0, 0.3),  # inside a trial
                        (trials["stance_left"].start_s - 1.0, 0.2),  # just before a trial (in its padding)
                        (trials["squat_right"].start_s - 0.1, 0.25)):  # across a trial's start
        i0 = int(round(at_s * fs))
        gaps.append((i0, int(round(dur_s * fs))))
    for i0, n in gaps:
        data[i0:i0 + n] = np.nan
    data[int(trials["rest"].start_s * fs) + 100:int(trials["rest"].start_s * fs) + 130, 3] = np.nan  # one channel
    emg.data = data
    emg.gaps = np.array(gaps, dtype=np.int64)
    end = emg.n_samples / fs
    rec.events = sorted(rec.events + [Event("stance_double", "start", 0.0), Event("stance_double", "stop", 2.5),
                                      Event("rest", "start", end - 3.0), Event("rest", "stop", end)],
                        key=lambda e: e.time_s)
    path = tmp_path_factory.mktemp("windowed") / f"session-{request.param}.h5"
    write_recording(rec, path)
    return path


def _analyses(path, monkeypatch, **kw):
    windowed = analyze_session(read_recording(path, lazy=True), **kw)
    with monkeypatch.context() as m:
        m.setattr("emgforce.signal.windowed.WindowedEnvelope", WholeEnvelope)
        whole = analyze_session(read_recording(path), **kw)
    return windowed, whole


def _close(a: float, b: float, rtol: float = 1e-9) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=rtol, abs_tol=1e-12 if rtol < 1e-6 else 1e-4)


#: reps found in the signals end where a least-squares ramp fit (scipy's default xtol 1e-8)
#: converges: their times, and what is measured over them, agree to that fit's tolerance only
#: (~5 us here; an onset latency, measured from the rep's start, to 1e-4 s)
_FIT = {"rep_duration_s", "rep_duration_mean_s", "rep_hold_s", "hold_mean_s", "hold_cv_pct", "rep_emg_mean",
        "rep_emg_peak", "rep_emg_mean_cv_pct", "rep_onset_latency_s", "rep_mdf_slope_pct_s", "mdf_slope_pct_s",
        "emg_mean", "emg_peak", "emg_iemg", "emg_time_above_s", "emg_time_above_pct"}


def _rtol(tr, name: str) -> float:
    return 1e-5 if tr.segmentation.startswith("automatic") and name in _FIT else 1e-9


@pytest.mark.parametrize("kw", [{}, {"normalization": "peak_task"}, {"notch_hz": None, "normalization": "none"}])
def test_windowed_analysis_equals_the_whole_session_analysis(session_file, monkeypatch, kw):
    windowed, whole = _analyses(session_file, monkeypatch, **kw)
    assert [t.label for t in windowed.trials] == [t.label for t in whole.trials]
    assert any(t.start_s == 0.0 for t in windowed.trials) and any(t.label == "rest" and t.index == 1
                                                                    for t in windowed.trials)
    for tw, tr in zip(windowed.trials, whole.trials):
        assert [(m.name, m.muscle, m.rep) for m in tw.metrics] == [(m.name, m.muscle, m.rep) for m in tr.metrics]
        assert tw.segmentation == tr.segmentation
        bad = [(m.name, m.muscle, m.rep, m.value, r.value) for m, r in zip(tw.metrics, tr.metrics)
               if not _close(m.value, r.value, _rtol(tw, m.name))]
        assert not bad, (tw.label, bad[:5])
        assert [m.text for m in tw.messages] == [m.text for m in tr.messages]
        for rw, rr in zip(tw.reps, tr.reps):
            assert rw.start_s == pytest.approx(rr.start_s, abs=1e-4) and rw.stop_s == pytest.approx(rr.stop_s, abs=1e-4)
    assert [m.text for m in windowed.messages] == [m.text for m in whole.messages]
    assert windowed.normalization == whole.normalization
    for name, ref in windowed.reference.items():
        assert ref["method"] == whole.reference[name]["method"]
        assert (ref["value"] is None and whole.reference[name]["value"] is None) or \
            math.isclose(ref["value"], whole.reference[name]["value"], rel_tol=1e-9)
    assert windowed.summary == whole.summary
    ew, er = windowed.traces["envelope"], whole.traces["envelope"]
    np.testing.assert_array_equal(ew["t_s"], er["t_s"])
    for name, v in er["channels"].items():
        scale = np.nanmax(np.abs(v))
        np.testing.assert_allclose(ew["channels"][name], v, rtol=0, atol=1e-9 * scale, equal_nan=True)


def test_the_session_has_what_the_comparison_needs(session_file, monkeypatch):
    windowed, _ = _analyses(session_file, monkeypatch)
    texts = " ".join(m.text for m in windowed.messages)
    assert "mains hum at 50 Hz" in texts and "lost samples" in texts


def test_the_analysis_reads_windows_not_whole_streams(session_file):
    rec = read_recording(session_file, lazy=True)
    data = rec.streams["emg"].data
    result = analyze_session(rec, keep_traces=False)
    assert result.trials and data.reads
    n, fs = data.shape[0], rec.streams["emg"].fs_hz
    longest = max(b - a for a, b in data.reads)
    assert longest < n // 2, f"a read of {longest} of {n} rows"
    # one chunked sweep for the statistics, then each trial with its padding once, the MVC trials
    # twice (for the references first), and the few rows read to find a gap's finite neighbours
    # outside a window
    pad = envelope_padding(fs, notch_hz=50.0)
    spans = [(time_slice(t.start_s, t.stop_s, fs, n), 2 if t.task == "mvc" else 1) for t in result.trials]
    bound = n + sum(k * (s.stop - s.start + 2 * pad) for s, k in spans) + 3 * (1 << 14)
    assert sum(b - a for a, b in data.reads) <= bound


def test_protocol_found_piece_by_piece_equals_the_whole_session_computation(session_file):
    """Without trial events the trials come from the GM envelopes: computed in pieces, the same trials."""
    from emgforce.tasks.analyze import _body_mass
    from emgforce.tasks.context import Context, body_weight_n
    from emgforce.tasks.options import AnalysisOptions
    from emgforce.tasks.prepare import plate_setup
    from emgforce.tasks.protocol import protocol_from_recording, segment_protocol

    rec = read_recording(session_file, lazy=True)
    ctx = Context(rec, AnalysisOptions())
    plate_setup(ctx)
    _body_mass(ctx)
    got = protocol_from_recording(ctx)
    # the former computation: both GM envelopes over the whole session at once
    emg = read_recording(session_file).streams["emg"]
    raw = emg.data[:, [emg.index("GM_L"), emg.index("GM_R")]]
    env = emg_envelope(np.nan_to_num(raw), emg.fs_hz)
    k = int(emg.fs_hz)
    peak = np.array([np.max(np.convolve(env[:, j], np.ones(k) / k, mode="valid")) for j in range(2)])
    fz = np.array([p.fz_n for p in ctx.plates])
    total, bw = fz.sum(axis=0), body_weight_n(ctx)
    ref = segment_protocol(total / bw, env / peak, ctx.plates[0].fs_hz, emg.fs_hz)
    assert len(ctx.plates) == 1 and got == ref and len(got) > 5

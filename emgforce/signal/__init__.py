"""Signal core: filters, envelopes, %MVC normalization, onsets, fatigue, quality, streaming.

Public functions take the sampling rate ``fs`` (Hz) explicitly and arrays of
shape ``(n_samples, n_channels)`` (or any shape, with ``axis`` the time axis,
like ``scipy.signal``). The numba kernels behind them are private
(``_kernels.py``), compiled once and cached on disk.
"""

from emgforce.signal.envelope import linear_envelope, moving_average_rectified, moving_rms, rectify, tkeo
from emgforce.signal.fatigue import FatigueResult, mean_frequency, median_frequency, spectral_fatigue
from emgforce.signal.filters import butter_sos, filter_causal, filter_zero_phase, notch_sos, sosfilt, sosfiltfilt
from emgforce.signal.normalize import mvc_reference, percent_mvc
from emgforce.signal.onset import Burst, detect_onsets
from emgforce.signal.pipeline import EnvelopeParams, emg_envelope
from emgforce.signal.chunked import emg_envelope_chunked
from emgforce.signal.quality import QualityReport, check_quality
from emgforce.signal.stream import StreamEnvelope, StreamFilter
from emgforce.signal.sweep import ChannelSweep, sweep_channels
from emgforce.signal.windowed import WindowedEnvelope, envelope_padding
from emgforce.signal.workers import get_workers, set_workers

__all__ = [
    "butter_sos", "notch_sos", "filter_causal", "filter_zero_phase",
    "sosfilt", "sosfiltfilt",  # deprecated aliases
    "rectify", "linear_envelope", "moving_rms", "moving_average_rectified", "tkeo",
    "EnvelopeParams", "emg_envelope", "emg_envelope_chunked", "WindowedEnvelope", "envelope_padding",
    "ChannelSweep", "sweep_channels",
    "mvc_reference", "percent_mvc",
    "Burst", "detect_onsets",
    "median_frequency", "mean_frequency", "spectral_fatigue", "FatigueResult",
    "QualityReport", "check_quality",
    "StreamFilter", "StreamEnvelope",
    "get_workers", "set_workers",
]

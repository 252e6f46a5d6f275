"""Processing defaults, one place for each, with their sources.

Sources are listed in ``docs/protocol.md`` (SENIAM; De Luca 2010; Hodges & Bui
1996; Solnik 2010; Bonato 1998; Prieto 1996; Schubert & Kirchner 2014).
"""

__all__ = [
    "BANDPASS_HZ",
    "BANDPASS_ORDER",
    "COP_FZ_THRESHOLD_N",
    "COP_LOWPASS_HZ",
    "EMG_FS_HZ",
    "ENVELOPE_LOWPASS_HZ",
    "ENVELOPE_LOWPASS_ORDER",
    "FATIGUE_EPOCH_S",
    "FORCE_FS_HZ",
    "MVC_WINDOW_S",
    "NOTCH_Q",
    "ONSET_K_SD",
    "ONSET_MIN_BURST_S",
    "ONSET_MIN_DURATION_S",
    "RMS_WINDOW_S",
]

EMG_FS_HZ = 2000.0  # SENIAM: >= 1000 Hz
FORCE_FS_HZ = 1000.0

BANDPASS_HZ = (20.0, 450.0)  # De Luca 2010
BANDPASS_ORDER = 4  # effective order of the zero-phase band-pass (2 per pass)
NOTCH_Q = 30.0
ENVELOPE_LOWPASS_HZ = 6.0  # dynamic tasks; 2-4 Hz for static holds
ENVELOPE_LOWPASS_ORDER = 2
RMS_WINDOW_S = 0.100
MVC_WINDOW_S = 1.0  # max of a 1 s moving mean over the MVC trials

ONSET_K_SD = 3.0  # Hodges & Bui 1996
ONSET_MIN_DURATION_S = 0.025
ONSET_MIN_BURST_S = 0.050

FATIGUE_EPOCH_S = 0.5

COP_FZ_THRESHOLD_N = 20.0
COP_LOWPASS_HZ = 10.0

"""Settings of a session analysis (:class:`AnalysisOptions`), stored in the report."""

from __future__ import annotations

from dataclasses import dataclass

from emgforce import constants as C
from emgforce.naming import TASKS, parse_trial_label

__all__ = ["NORMALIZATIONS", "AnalysisOptions"]

NORMALIZATIONS = ("mvc", "peak_task", "none")


@dataclass
class AnalysisOptions:
    """Settings of :func:`emgforce.tasks.analyze_session` (stored in the report)."""

    normalization: str = "mvc"
    fallback: str = "peak_task"
    task: str | None = None
    segmentation: str = "auto"  # "auto": events when present, else signals; "signals": always signals
    threshold_pct: float = 20.0  # time-above threshold, in % of the reference (Ebert 2017: <= 20 is low)
    envelope_lowpass_hz: float = C.ENVELOPE_LOWPASS_HZ
    notch_hz: float | str | None = "auto"  # "auto": notch 50/60 Hz when hum is detected; None: off; or a frequency
    fz_threshold_n: float = C.COP_FZ_THRESHOLD_N
    min_sway_s: float = 5.0
    sway_resample_hz: float | None = 100.0  # descriptors on 100 Hz COP (10 Hz low-pass first)
    onset_baseline_s: float = 0.5
    fatigue_epoch_s: float = C.FATIGUE_EPOCH_S
    rep_min_duration_s: float = 0.5

    def __post_init__(self) -> None:
        if self.normalization not in NORMALIZATIONS:
            raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {self.normalization!r}")
        if self.fallback not in ("peak_task", "none"):
            raise ValueError(f"fallback must be 'peak_task' or 'none', got {self.fallback!r}")
        if self.segmentation not in ("auto", "signals"):
            raise ValueError(f"segmentation must be 'auto' or 'signals', got {self.segmentation!r}")
        if not (self.notch_hz is None or self.notch_hz == "auto" or (
                isinstance(self.notch_hz, (int, float)) and not isinstance(self.notch_hz, bool) and self.notch_hz > 0)):
            raise ValueError(f"notch_hz must be 'auto', None (off) or a frequency in Hz, got {self.notch_hz!r}")
        if self.task is not None and parse_trial_label(self.task)[0] not in TASKS:
            raise ValueError(f"unknown task {self.task!r}; give a trial label such as stance_double or stance_left")

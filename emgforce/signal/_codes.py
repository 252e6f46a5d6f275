"""Integer codes shared by the numba kernels and their wrappers (kept out of the numba module)."""

from __future__ import annotations

# Policies for non-finite input samples (see ``emgforce.signal.quality``).
NONFINITE_RAISE = 0
NONFINITE_ZERO = 1
NONFINITE_HOLD = 2

# Envelope modes of the causal chain.
MODE_LOWPASS = 0
MODE_MAV = 1
MODE_RMS = 2

"""Integer codes and sizes shared by the numba kernels and their wrappers (kept out of the numba module)."""

from __future__ import annotations

# Policies for non-finite input samples (see ``emgforce.signal.quality``).
NONFINITE_RAISE = 0
NONFINITE_ZERO = 1
NONFINITE_HOLD = 2

# Envelope modes of the causal chain.
MODE_LOWPASS = 0
MODE_MAV = 1
MODE_RMS = 2

# The zero-phase sweep's layout: rows of this many lanes (channels, or time blocks of them,
# side by side; 16 float64 suit AVX-512 and AVX2 best, benchmarks/README.md), and the most
# sections the register-state sweep takes in one pass.
LANES = 16
MAX_SECTIONS = 4

"""The simulated lab device: a scripted hip-abductor session with known ground truth.

:func:`simulate` produces a whole session at once: synchronised sEMG (gluteus
medius, tensor fasciae latae and gluteus maximus, both sides) and one
6-component force plate for a scripted :class:`Protocol`, the operator's trial
markers, and a :class:`GroundTruth` of what the simulated subject really did
(true activation in %MVC, true COP and load, event times). :class:`SimulatedDevice`
plays a session through the :class:`emgforce.drivers.base.Device` interface, paced to the
wall clock or as fast as possible, with optional faults (dropped blocks, a
disconnect). Everything is deterministic for a given seed and uses numpy only.

Model, in short:

* **EMG**: Gaussian noise with the Shwedyk et al. (1977) sEMG spectrum (peak
  ~60-80 Hz, median frequency ~90-115 Hz, > 95 % of the power in 20-450 Hz)
  seen through a 10-500 Hz amplifier, amplitude-modulated by a smooth activation
  profile (ramps, ~7 % slow fluctuation during holds) and scaled so that the
  maximum 1 s moving mean over each side's MVC trials is exactly 100 %MVC;
  5 uV RMS noise floor; a median-frequency decline with the accumulated
  activation of a trial (fatigue); optional mains hum and motion artefacts.
* **Activation levels** (%MVC, gluteus medius of the working side, from the
  plausibility table of the domain notes): quiet stance 7, single-leg stance 17,
  supine bridge 28, single-leg bridge 47, single-leg squat ~64 over the
  movement, MVC 100; TFL and gluteus maximus at their own levels; the other
  side low in single-leg tasks. The weak side's gluteus medius works at 0.6x
  and has 0.75x the MVC amplitude; its TFL compensates (1.2x).
* **Force plate**: AMTI-like, 0.6 x 0.4 m, sensor origin 40 mm below the
  surface, channels in the plate's z-down frame with ``Fz > 0`` under load (see
  :mod:`emgforce.drivers.sim._plate` for the exact convention; the plate dict is an
  :class:`emgforce.forceplate.Plate` description). COP sway is 1/f-like below
  ~1.5 Hz: ~3/4 mm RMS (ML/AP) in quiet stance, 8/5.5 mm on one leg, 1.4x on
  the weak side, which also loses balance once per single-leg stance (the free
  foot touches down: a drop in Fz). Fz is body weight in stance, half of it
  before the leg lift, 0.2 -> 0.45 of it during bridges, zero in side-lying
  MVCs and supine rest (COP undefined); squats add the COM's inertial force.

Examples
--------
>>> from emgforce.drivers.sim import Protocol, simulate
>>> s = simulate(Protocol.short(), seed=1)
>>> s.emg.shape[1], s.force_info.channel_names[2]
(6, 'Fz')
>>> s.truth.trial("bridge").label
'bridge'
"""

from emgforce.drivers.sim.device import SimulatedDevice
from emgforce.drivers.sim.protocol import Protocol, ScheduledTrial, Step
from emgforce.drivers.sim.session import GroundTruth, SimulatedSession, TrialTruth, simulate

__all__ = [
    "GroundTruth",
    "Protocol",
    "ScheduledTrial",
    "SimulatedDevice",
    "SimulatedSession",
    "Step",
    "TrialTruth",
    "simulate",
]

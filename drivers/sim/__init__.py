"""The simulated lab device: a scripted hip-abductor session with known ground truth.

:func:`simulate` produces a whole session at once (synchronised sEMG and a
6-component force plate, trial markers, and a :class:`GroundTruth` of the true
activation, COP and event times); :class:`SimulatedDevice` plays it back
through the :class:`drivers.base.Device` interface, paced to the wall clock or
as fast as possible, with optional faults (dropped blocks, a disconnect).
"""

from drivers.sim.device import SimulatedDevice
from drivers.sim.protocol import Protocol, ScheduledTrial, Step
from drivers.sim.session import GroundTruth, SimulatedSession, TrialTruth, simulate

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

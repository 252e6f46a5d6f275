"""Record a hip-abductor session from the simulated device into an emgforce HDF5 file.

The simulator (``emgforce.drivers.sim``) plays a scripted lab protocol (MVCs, rest,
double- and single-leg stance, single-leg squats, bridges) with synchronised
sEMG (GM, TFL, GMAX, both sides) and a 6-component force plate, and sends the
trial start/stop markers a lab operator would. The :class:`emgforce.record.Recorder`
is exactly what records real hardware: swap ``SimulatedDevice`` for another
driver (``emgforce.drivers.get_driver("nidaq")(...)``) and nothing else changes.

Run::

    python examples/record_simulated_session.py session.h5 --short
    python examples/record_simulated_session.py session.h5 --seconds 20 --realtime
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from emgforce.drivers.sim import Protocol, SimulatedDevice
from emgforce.io import Subject, read_recording
from emgforce.record import Recorder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="HDF5 file to write")
    parser.add_argument("--short", action="store_true", help="the ~90 s protocol instead of the full ~7 min one")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this many seconds of data")
    parser.add_argument("--realtime", action="store_true", help="pace the simulator to the wall clock, like hardware")
    parser.add_argument("--seed", type=int, default=0, help="simulator seed: same seed, same session")
    parser.add_argument("--weak-side", choices=("left", "right"), default="left", help="side of the weak GM")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    protocol = Protocol.short() if args.short else Protocol.default()
    device = SimulatedDevice(protocol, seed=args.seed, realtime=args.realtime, weak_side=args.weak_side)
    subject = Subject("SIM01", body_mass_kg=70.0, affected_side=args.weak_side, height_m=1.75)
    recorder = Recorder(device, args.out, subject, overwrite=args.overwrite)
    summary = recorder.run(duration_s=args.seconds)  # Ctrl-C stops cleanly, the file stays readable
    print(summary.format())
    if not summary.ok:
        return 1

    rec = read_recording(args.out)
    print(rec)
    for trial in rec.trials():
        print(f"  {trial.label:26s} {trial.start_s:7.2f} - {trial.stop_s:7.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

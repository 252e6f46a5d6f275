"""Stream EMG over Lab Streaming Layer into the live biofeedback display.

Any amplifier with an LSL app (Delsys, Noraxon, OpenBCI, BrainFlow, ...) can feed
the display: the ``lsl`` driver resolves the stream by name/type, keeps its
channel labels (``GM_L``, ``GM_R`` ... set muscle and side) and its clock
offsets, and the display shows the envelopes and the gluteus medius bars
against the target band. Give ``--record`` to keep an HDF5 recording too.

Without an amplifier, ``--demo-outlet`` starts an LSL outlet on this machine
that plays simulated EMG (``emgforce.drivers.sim``) in real time, so the whole chain can
be tried on a laptop.

Run::

    python examples/lsl_live_display.py --demo-outlet                 # try it
    python examples/lsl_live_display.py --name MyAmp --type EMG --record s.h5
    QT_QPA_PLATFORM=offscreen python examples/lsl_live_display.py --demo-outlet \\
        --seconds 5 --screenshot live.png                            # headless
"""

from __future__ import annotations

import argparse
import threading
import time
import uuid
from pathlib import Path

import numpy as np


def demo_outlet(name: str, stop: threading.Event, seed: int = 0, chunk_s: float = 0.02) -> threading.Thread:
    """Play the simulator's EMG through an LSL outlet named ``name``, paced to the clock."""
    import pylsl

    from emgforce.drivers.sim import Protocol, simulate

    session = simulate(Protocol.short(), seed=seed)
    info = session.emg_info
    lsl_info = pylsl.StreamInfo(name, "EMG", info.n_channels, info.fs_hz, "float32", f"{name}-sim")
    lsl_info.set_channel_labels(list(info.channel_names))
    lsl_info.set_channel_units([c.unit for c in info.channels])
    outlet = pylsl.StreamOutlet(lsl_info, chunk_size=int(chunk_s * info.fs_hz))
    data = session.emg.astype(np.float32)
    step = int(round(chunk_s * info.fs_hz))

    def run() -> None:
        t0 = pylsl.local_clock()
        i = 0
        while not stop.is_set():
            due = int((pylsl.local_clock() - t0) * info.fs_hz)
            while i + step <= due:
                j = i % (len(data) - len(data) % step)  # loop over the session
                # time-stamp the chunk's last sample on the sample grid, as an amplifier's clock would
                outlet.push_chunk(data[j : j + step], t0 + (i + step - 1) / info.fs_hz)
                i += step
            time.sleep(chunk_s / 2)

    thread = threading.Thread(target=run, name="lsl-demo-outlet", daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", default=None, help="LSL stream name to display")
    parser.add_argument("--type", default="EMG", help="LSL stream type (default EMG)")
    parser.add_argument("--demo-outlet", action="store_true", help="start a simulated EMG outlet on this machine")
    parser.add_argument("--record", type=Path, default=None, help="also record to this HDF5 file")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing recording")
    parser.add_argument("--mvc", type=Path, default=None, help="take the %%MVC reference from this recording")
    parser.add_argument("--target", type=float, nargs=2, default=(40.0, 60.0), metavar=("LOW", "HIGH"),
                        help="GM target band in %%MVC (default 40 60)")
    parser.add_argument("--seconds", type=float, default=None, help="close the window after this many seconds")
    parser.add_argument("--screenshot", type=Path, default=None, help="save a PNG of the window when it closes")
    args = parser.parse_args(argv)

    stop = threading.Event()
    name = args.name
    if args.demo_outlet:
        name = name or f"emgforce-demo-{uuid.uuid4().hex[:6]}"
        demo_outlet(name, stop)
    if not name and not args.type:
        parser.error("give --name and/or --type of the LSL stream, or --demo-outlet")

    import pyqtgraph as pg

    from emgforce.drivers.lsl import LSLDevice
    from emgforce.live import LiveSession, reference_from_recording
    from emgforce.live.window import LiveWindow, run_window  # the Qt part, imported explicitly

    device = LSLDevice(stream_name=name, stream_type=args.type, resolve_timeout_s=10.0)
    reference = reference_from_recording(args.mvc) if args.mvc else None
    session = LiveSession(device, record_path=args.record, overwrite=args.overwrite, mvc_reference=reference,
                          window_s=10.0)
    pg.mkQApp("emgforce live (LSL)")
    window = LiveWindow(session.pipeline, session.controller, window_s=10.0, target=tuple(args.target),
                        title=f"emgforce live - LSL {name or args.type}")
    try:  # runs until the window closes (or --seconds pass), then stops the session
        run_window(window, session, seconds=args.seconds, screenshot=args.screenshot)
    finally:
        stop.set()
    if session.summary is not None:
        print(session.summary.format())
    print(f"{len(window.frame_times)} frames drawn")
    return 1 if session.error is not None else 0


if __name__ == "__main__":
    raise SystemExit(main())

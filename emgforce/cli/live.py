"""``emgforce live``: real-time biofeedback display (EMG envelopes, GM bars, COP), optionally recording.

Qt, pyqtgraph, h5py and the signal core are imported inside :func:`run` only.
"""

from __future__ import annotations

__all__ = ["MAX_WINDOW_S", "make_device", "register", "run"]

import argparse
import sys
from pathlib import Path

from emgforce.cli._args import nonnegative_float, positive_float

#: history kept for the display (the window's time-window box goes up to this)
MAX_WINDOW_S = 30.0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "live",
        help="real-time display: EMG envelopes, GM activation bars with a target band, COP sway",
        epilog="Device options are those of 'emgforce record' (see 'emgforce record --help').",
        description=(
            "Open the live biofeedback window on a device: scrolling EMG envelopes (%MVC once a "
            "reference is loaded or captured), per-side gluteus medius bars with a target band, and the "
            "COP stabilogram with its running 95 % ellipse and sway velocity. Keys: Space start/stop "
            "the selected trial, R count a rep, M start/finish an MVC capture, Esc stop the trial, Z zoom the stabilogram on the COP or show the whole plate. Trial markers the device produces (the simulator's "
            "script, an LSL marker stream) drive the display too: their MVC trials set the %MVC reference."
        ),
    )
    # device options: the same as 'emgforce record' (interpreted by its device_kwargs)
    p.add_argument("--device", default="sim", help="driver name (see 'emgforce devices'; default sim)")
    p.add_argument("-o", "--option", action="append", default=[], metavar="KEY=VALUE", help="driver keyword argument")
    p.add_argument("--protocol", choices=("short", "default"), help="sim: session script")
    p.add_argument("--source", type=Path, help="replay: recording (.h5) or C3D file to play back")
    p.add_argument("--name", help="lsl: stream name to resolve")
    p.add_argument("--type", help="lsl: stream type to resolve")
    p.add_argument("--port", help="serial: serial port")
    p.add_argument("--host", help="trigno: address of the Trigno Control Utility")
    p.set_defaults(fast=False)  # a display needs the device paced to the wall clock
    p.add_argument("--record", type=Path, metavar="OUT.h5", help="also record the session to this HDF5 file")
    p.add_argument("--subject", default="anonymous", help="subject id stored in the recording")
    p.add_argument("--overwrite", action="store_true", help="replace an existing recording")
    p.add_argument("--mvc", type=Path, metavar="REF.h5", help="take the MVC reference from this recording's mvc trials")
    p.add_argument("--window-s", type=positive_float, default=10.0, help="time shown by the scrolling envelopes (default 10 s)")
    p.add_argument("--trail-s", type=positive_float, default=5.0, help="COP trail / running sway statistics length (default 5 s)")
    p.add_argument(
        "--target", type=nonnegative_float, nargs=2, default=(40.0, 60.0), metavar=("LOW", "HIGH"),
        help="GM target band in %%MVC (default 40 60)",
    )
    p.add_argument("--lowpass-hz", type=positive_float, default=None, help="envelope low-pass cut-off (default 6 Hz)")
    p.add_argument("--mvc-duration-s", type=positive_float, default=None, help="end an MVC capture automatically after this long")
    p.add_argument("--fps", type=positive_float, default=30.0, help="redraw rate (default 30)")
    p.add_argument("--seconds", type=positive_float, default=None, help="close after this many seconds (automated runs)")
    p.add_argument("--screenshot", type=Path, metavar="PNG", help="save a screenshot of the window when it closes")
    p.add_argument("--patient", action="store_true",
                   help="open the patient view full screen (on the second monitor when there is one; key P)")
    p.add_argument("--patient-screenshot", type=Path, metavar="PNG",
                   help="save a screenshot of the patient view when the window closes (implies --patient)")
    p.add_argument("--guided", type=Path, metavar="SCRIPT",
                   help="run guided sets from a .toml/.json script (see 'emgforce.live.guided'): instructions, "
                        "hold countdown, reps found live and written as events")
    p.add_argument("--audio", choices=("tone", "chime"), default=None,
                   help="sound: a tone whose pitch follows the working GM's %%MVC, or a chime on entering the "
                        "band (off by default; needs the audio extra)")
    p.add_argument("--outlet", nargs="?", const="emgforce-processed", default=None, metavar="NAME",
                   help="publish live %%MVC per channel and the COP as an LSL stream (default name "
                        "emgforce-processed; needs the lsl extra)")
    p.set_defaults(func=run)


def make_device(args: argparse.Namespace):
    """The driver named by ``--device`` with the options of ``emgforce record``."""
    from emgforce.drivers import get_driver
    from emgforce.cli.record import device_kwargs
    from emgforce.errors import DeviceNotAvailableError

    try:
        cls = get_driver(args.device)
    except KeyError as exc:
        raise DeviceNotAvailableError(str(exc.args[0])) from None
    ok, why = cls.available()
    if not ok:
        raise DeviceNotAvailableError(f"driver {args.device!r} cannot run here: {why}")
    return cls(**device_kwargs(args))


def run(args: argparse.Namespace) -> int:
    if not args.target[0] < args.target[1]:
        print(f"emgforce live: --target LOW HIGH needs LOW < HIGH, got {args.target[0]:g} {args.target[1]:g}",
              file=sys.stderr)
        return 2
    for option, path in (("--screenshot", args.screenshot), ("--patient-screenshot", args.patient_screenshot)):
        if path is not None and not path.parent.is_dir():
            print(f"emgforce live: the folder of {option} {path} does not exist; create it first", file=sys.stderr)
            return 2
    guided_protocol = None
    if args.guided is not None:
        from emgforce.live.guided import GuidedProtocol

        guided_protocol = GuidedProtocol.load(args.guided)  # a bad script fails before any device opens
    from emgforce._extras import require

    require("pyqtgraph", "the live display")
    import emgforce.live.window  # noqa: F401 - refuses a broken Qt binding: before any device

    audio = None
    if args.audio is not None:  # no sound device or extra: refused before any device or file opens
        from emgforce.live.audio import AudioFeedback

        audio = AudioFeedback(args.audio, target=tuple(args.target))
        audio.start()
    try:
        return _run(args, guided_protocol, audio)
    finally:
        if audio is not None:
            audio.stop()


def _run(args: argparse.Namespace, guided_protocol, audio) -> int:
    """The device, the session and the window, once the checks of :func:`run` have passed."""
    import pyqtgraph as pg

    from emgforce.errors import EmgforceError
    from emgforce.live.session import LiveSession
    from emgforce.live.window import LiveWindow, run_window

    device = make_device(args)
    params = None
    if args.lowpass_hz is not None:
        from emgforce.signal import EnvelopeParams

        params = EnvelopeParams(lowpass_hz=args.lowpass_hz)
    reference = None
    if args.mvc is not None:
        from emgforce.live.reference import reference_from_recording

        reference = reference_from_recording(args.mvc, params=params)
        print(f"MVC reference from {args.mvc}: " + ", ".join(f"{k} {v:.4g}" for k, v in reference.items()))
    session = LiveSession(
        device,
        record_path=args.record,
        subject=args.subject,
        overwrite=args.overwrite,
        window_s=max(args.window_s, args.trail_s, MAX_WINDOW_S),  # room to widen the view in the window
        envelope_params=params,
        mvc_reference=reference,
        mvc_duration_s=args.mvc_duration_s,
    )

    pg.mkQApp("emgforce live")  # the QApplication must exist before any widget
    window = LiveWindow(
        session.pipeline,
        session.controller,
        window_s=args.window_s,
        target=tuple(args.target),
        fps=args.fps,
        trail_s=args.trail_s,
        title=f"emgforce live - {args.device}" + (f" -> {args.record}" if args.record else ""),
    )

    if guided_protocol is not None:
        from emgforce.live.guided import GuidedSet

        window.guided = GuidedSet(session.pipeline, session.controller, guided_protocol, target=tuple(args.target))
    if args.outlet is not None:
        from emgforce.live.outlet import ProcessedOutlet

        session.outlet = ProcessedOutlet(session.pipeline, args.outlet)
        print(f"publishing %MVC and COP as LSL stream {args.outlet!r} at {session.outlet.rate_hz:g} Hz")
    window.audio = audio
    if args.patient or args.patient_screenshot is not None:
        window.open_patient_view()
        if args.patient_screenshot is not None:
            patient, shot = window.patient, args.patient_screenshot
            window.closing.connect(lambda: patient.grab().save(str(shot)))

    failure = None
    try:
        run_window(window, session, seconds=args.seconds, screenshot=args.screenshot)
    except EmgforceError as exc:  # still report what was recorded
        failure = exc
        print(f"emgforce live: {exc}", file=sys.stderr)
    lat, frames, fps = sorted(window.latencies_s), len(window.frame_times), window.fps
    if session.summary is not None:
        print(session.summary.format())
    if lat:
        print(
            f"{frames} frames, {fps:.1f} fps; latency from the sample to the painted frame: median "
            f"{1000 * lat[len(lat) // 2]:.0f} ms, 95th percentile {1000 * lat[int(0.95 * (len(lat) - 1))]:.0f} ms "
            f"(+ envelope filter delay {1000 * session.pipeline.emg_delay_s:.0f} ms)"
        )
    if window.patient is not None and window.patient.latencies_s:
        lat = sorted(window.patient.latencies_s)
        print(f"patient view: latency from the sample to the painted frame: median {1000 * lat[len(lat) // 2]:.0f} ms")
    if session.error is not None:
        print(f"emgforce live: device stopped: {session.error}", file=sys.stderr)
        return 1
    return 1 if failure is not None else 0

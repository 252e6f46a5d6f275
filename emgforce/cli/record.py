"""``emgforce record --device NAME [options] OUT.h5``: record a device into a crash-safe HDF5 file."""

from __future__ import annotations

__all__ = ["EPILOG", "device_kwargs", "register", "run"]

import argparse
import ast
import json
import sys
import threading
from pathlib import Path
from typing import Any

EPILOG = """device options:
  sim      --protocol short|default, --fast (as fast as possible), -o seed=3
  replay   --source FILE.h5|FILE.c3d, --fast, -o speed=2.0
  lsl      --name NAME and/or --type TYPE (default type EMG)
  serial   --port /dev/ttyACM0, -o fs_hz=1000 -o "channels=['GM_L','GM_R']"
  trigno   --host 192.168.1.10, -o sensors=[1,2,3,4]
  nidaq    -o physical_channels=Dev1/ai0:5 -o fs_hz=2000
  mcc      -o fs_hz=2000 -o low_channel=0
  labjack  -o "inputs=['AIN0','AIN1']" -o "channels=['GM_L','GM_R']"
Any keyword of the driver's class can be given with -o KEY=VALUE (Python literals;
anything else is a string). Stop with Ctrl-C: the file is closed cleanly."""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "record",
        help="record a device into an HDF5 file",
        description="Record a device (simulator, replay, LSL, serial board, Delsys Trigno, NI-DAQmx, MCC, "
        "LabJack) into a crash-safe emgforce HDF5 file, with a live status line on stderr.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("out", type=Path, metavar="OUT.h5", help="output recording")
    p.add_argument("--device", required=True, help="driver name (see 'emgforce devices')")
    p.add_argument("--duration", type=float, metavar="S", help="stop after S seconds of data (default: until Ctrl-C)")
    p.add_argument("--overwrite", action="store_true", help="replace OUT.h5 if it exists")
    p.add_argument("--subject", default="anonymous", help="subject id stored in the file")
    p.add_argument("--flush", type=float, default=1.0, metavar="S", help="flush interval in seconds (default 1)")
    p.add_argument("-o", "--option", action="append", default=[], metavar="KEY=VALUE", help="driver keyword argument")
    p.add_argument("--protocol", choices=("short", "default"), help="sim: session script")
    p.add_argument("--fast", action="store_true", help="sim/replay: as fast as possible instead of paced")
    p.add_argument("--source", type=Path, help="replay: recording (.h5) or C3D file to play back")
    p.add_argument("--name", help="lsl: stream name to resolve")
    p.add_argument("--type", help="lsl: stream type to resolve")
    p.add_argument("--port", help="serial: serial port")
    p.add_argument("--host", help="trigno: address of the Trigno Control Utility")
    p.add_argument("--quiet", action="store_true", help="no status line")
    p.add_argument("--json", action="store_true", help="print the end-of-session summary as JSON")
    p.set_defaults(func=run)


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def device_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments for the driver class from the command-line options."""
    kwargs: dict[str, Any] = {}
    if args.device in ("sim", "replay"):
        kwargs["realtime"] = not args.fast
    if args.device == "sim" and args.protocol:
        from emgforce.drivers.sim import Protocol

        kwargs["protocol"] = Protocol.short() if args.protocol == "short" else Protocol.default()
    if args.device == "replay":
        if args.source is None:
            raise SystemExit("emgforce record: --device replay needs --source FILE")
        kwargs["path"] = args.source
    if args.device == "lsl":
        kwargs["stream_name"] = args.name
        kwargs["stream_type"] = args.type if args.type or args.name else "EMG"
    if args.device == "serial":
        if args.port is None:
            raise SystemExit("emgforce record: --device serial needs --port")
        kwargs["port"] = args.port
    if args.device == "trigno" and args.host:
        kwargs["host"] = args.host
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep or not key.isidentifier():
            raise SystemExit(f"emgforce record: -o expects KEY=VALUE, got {item!r}")
        kwargs[key] = _literal(value)
    return kwargs


def _status_line(status, previous=None) -> str:
    """One status line; rates over the interval since ``previous`` (else the session average)."""
    rate_hz = status.rate_hz
    if previous is not None and status.elapsed_s > previous.elapsed_s:
        dt = status.elapsed_s - previous.elapsed_s
        rate_hz = {k: (n - previous.samples.get(k, 0)) / dt for k, n in status.samples.items()}
    rates = "  ".join(f"{k} {v:7.0f} Hz" for k, v in rate_hz.items())
    return (f"\r{status.elapsed_s:8.1f} s  {rates}  buffer {100 * status.queue_fill:3.0f} %  "
            f"gaps {status.gap_count}  dropped {status.dropped_samples}   ")


def run(args: argparse.Namespace) -> int:
    from emgforce.drivers import get_driver
    from emgforce.record import Recorder

    try:
        cls = get_driver(args.device)
    except KeyError as exc:
        print(f"emgforce record: {exc.args[0]}", file=sys.stderr)
        return 2
    device = cls(**device_kwargs(args))
    recorder = Recorder(device, args.out, args.subject, overwrite=args.overwrite, flush_s=args.flush)
    show = not args.quiet and sys.stderr.isatty()
    done = threading.Event()

    def status_loop() -> None:
        previous = None
        while not done.wait(0.5):
            status = recorder.status()
            print(_status_line(status, previous), end="", file=sys.stderr, flush=True)
            previous = status

    ticker = threading.Thread(target=status_loop, daemon=True) if show else None
    if ticker is not None:
        ticker.start()
    try:
        summary = recorder.run(args.duration)
    finally:
        done.set()
        if ticker is not None:
            ticker.join()
            print(file=sys.stderr)
    print(json.dumps(summary.to_dict()) if args.json else summary.format())
    if summary.error:
        print(f"emgforce record: error: {summary.error}", file=sys.stderr)
        return 1
    if summary.reason.startswith(("device disconnected", "device error", "disk nearly full")):
        print(f"emgforce record: stopped early: {summary.reason}; the data before it are in {args.out}", file=sys.stderr)
        return 1
    return 0


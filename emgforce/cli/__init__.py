"""The ``emgforce`` command line.

Thin by design: each sub-command lives in its own module exposing
``register(subparsers)``; heavy imports happen inside the command's ``run``
so that ``emgforce --help`` starts fast.
"""

from __future__ import annotations

__all__ = ["COMMANDS", "build_parser", "main"]

import argparse
import importlib
import logging
import os
import sys
import traceback

from emgforce import __version__
from emgforce.errors import EmgforceError

#: sub-command modules, in the order ``--help`` lists them
COMMANDS = ("demo", "record", "info", "devices", "analyze", "segment", "batch", "progress", "convert", "live")

log = logging.getLogger("emgforce")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="emgforce",
        description="Synchronised sEMG and force-plate acquisition and analysis for the hip abductors.",
    )
    parser.add_argument("--version", action="version", version=f"emgforce {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-v info, -vv debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"emgforce.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"emgforce.cli.{name}":
                raise
            continue
        module.register(sub)
    # users type `emgforce info FILE -v` too; SUPPRESS keeps a top-level -v when it is absent here
    for subparser in sub.choices.values():
        subparser.add_argument(
            "-v", "--verbose", action="count", default=argparse.SUPPRESS, help="more logging (-v info, -vv debug)"
        )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code (0 ok, 1 error, 2 usage, 130 interrupted).

    Every failure is one line on stderr naming the problem; ``-v`` adds the traceback.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        # `emgforce info x.h5 | head`: the reader left; stop writing without a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print(f"emgforce {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place that turns any failure into one line
        _report(args, exc)
        return 1


def _report(args: argparse.Namespace, exc: Exception) -> None:
    """One line naming the problem; the traceback only with -v."""
    if args.verbose:
        traceback.print_exc()
    if isinstance(exc, EmgforceError):
        text = str(exc)
    elif isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        text = f"{where}{exc.strerror}"
    elif isinstance(exc, KeyError):  # str() of a KeyError is the repr of its key: use the message itself
        text = str(exc.args[0]) if exc.args else "missing key"
    else:
        text = f"{type(exc).__name__}: {exc}" if not isinstance(exc, ValueError) else str(exc)
    usage = isinstance(exc, TypeError) and "unexpected keyword argument" in str(exc)  # e.g. a bad -o KEY
    if not (usage or isinstance(exc, (EmgforceError, OSError, ValueError, KeyError))):
        text += " (unexpected; run with -v for the traceback and report it)"
    print(f"emgforce {args.command}: error: {' '.join(text.split())}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

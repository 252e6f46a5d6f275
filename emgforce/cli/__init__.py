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
import sys

from emgforce import __version__
from emgforce.errors import EmgforceError

#: sub-command modules, in the order ``--help`` lists them
COMMANDS = ("demo", "record", "info", "devices", "analyze", "batch", "convert", "live")

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
    """Entry point; returns the process exit code (0 ok, 1 error, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except EmgforceError as exc:
        log.debug("error details", exc_info=True)
        print(f"emgforce {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"emgforce {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

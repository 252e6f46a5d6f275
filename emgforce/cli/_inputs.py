"""Options shared by the commands that read recordings of other software (analyze, info, convert, segment)."""

from __future__ import annotations

__all__ = ["add_input_options", "open_input"]

import argparse
import sys
from pathlib import Path
from typing import Any

from emgforce.errors import EmgforceError


def add_input_options(parser: argparse.ArgumentParser, trials: bool = True) -> None:
    """``--channel``, ``--channel-map``, ``--columns`` and (optionally) ``--trials``."""
    parser.add_argument(
        "--channel", action="append", default=[], metavar="LABEL=MUSCLE:SIDE",
        help="tag a channel, overriding the label recogniser (repeatable), e.g. --channel 'EMG1=gluteus_medius:left'",
    )
    parser.add_argument("--channel-map", type=Path, default=None, metavar="FILE",
                        help="channel map file (JSON or TOML: {\"EMG1\": \"GM:L\", ...})")
    parser.add_argument("--columns", type=Path, default=None, metavar="FILE",
                        help="column map of a delimited-text export (JSON or TOML; see the docs)")
    if trials:
        parser.add_argument(
            "--trials", type=Path, default=None, metavar="FILE",
            help="trial table CSV (label,start,stop[,task,side]) or a JSON/TOML map of event labels to trial labels",
        )


def open_input(args: argparse.Namespace, path: Path, **kwargs: Any) -> Any:
    """The recording at ``path`` with the user's channel map, column map and trials applied.

    Returns None after printing one line naming the problem when a map, trial
    file or channel label is wrong (the command then exits with status 2).
    """
    from emgforce.io.channels import load_channel_map, parse_channel_map
    from emgforce.io.load import open_recording

    try:
        channel_map = load_channel_map(args.channel_map) if args.channel_map is not None else {}
        channel_map.update(parse_channel_map(args.channel))
        return open_recording(path, channel_map=channel_map or None, trials=getattr(args, "trials", None),
                              columns=args.columns, **kwargs)
    except EmgforceError:
        raise  # the command line's own handler reports those (status 1)
    except (ValueError, KeyError, OSError) as exc:
        text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        print(f"emgforce {args.command}: error: {text}", file=sys.stderr)
        return None

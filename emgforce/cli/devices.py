"""``emgforce devices``: the installed acquisition drivers and whether they can run here."""

from __future__ import annotations

__all__ = ["probe", "register", "run"]

import argparse
import json
import sys


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "devices",
        help="list acquisition drivers and whether they are usable here",
        description="List the drivers registered in the 'emgforce.drivers' entry-point group "
        "(third-party packages can add their own) and, for each, whether its vendor runtime is "
        "usable on this machine and why not.",
    )
    p.add_argument("--json", action="store_true", help="print the list as JSON")
    p.set_defaults(func=run)


def probe() -> list[dict[str, object]]:
    """One row per driver: name, target class, usable, reason."""
    from importlib.metadata import entry_points

    from emgforce.drivers import ENTRY_POINT_GROUP

    rows = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            cls = ep.load()
            usable, reason = cls.available()
        except Exception as exc:  # noqa: BLE001 - a broken third-party driver is reported, not fatal
            usable, reason = False, f"cannot load {ep.value}: {type(exc).__name__}: {exc}"
        rows.append({"name": ep.name, "target": ep.value, "usable": bool(usable), "reason": reason})
    return rows


def run(args: argparse.Namespace) -> int:
    rows = probe()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("no drivers installed (entry-point group 'emgforce.drivers' is empty)", file=sys.stderr)
        return 1
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        state = "usable" if r["usable"] else "not usable"
        line = f"{r['name']:<{width}}  {state:<10}  {r['target']}"
        if not r["usable"]:
            line += f"\n{'':<{width}}  {r['reason']}"
        print(line)
    return 0

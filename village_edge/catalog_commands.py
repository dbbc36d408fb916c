"""``village-edge catalog validate FILE``: check a power-list catalog before it
is published, with every problem named by file, item and field."""

from __future__ import annotations

import argparse
from typing import TextIO

from village_edge.arguments import INPUT_FILE
from village_edge.exits import OK, PROBLEMS_FOUND


def add_catalog_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    catalog = commands.add_parser("catalog")
    sub = catalog.add_subparsers(dest="catalog_command", required=True, metavar="CATALOG_COMMAND")
    validate = sub.add_parser(
        "validate", help="check a catalog file (TOML) before publishing",
        description="Check a catalog file; exit 0 when it is valid, 1 when it is not (every "
        "problem is listed on stdout).")
    validate.add_argument("file", type=INPUT_FILE, metavar="FILE")


def run_catalog(args: argparse.Namespace, out: TextIO) -> int:
    """The check's report goes to stdout: it is the command's result."""
    from powerlist import describe, load_catalog, validate_file

    problems = validate_file(args.file)
    if problems:
        out.write(f"{args.file}: {len(problems)} problem(s); the kiosk would keep its last "
                  "good catalog:\n")
        for problem in problems:
            out.write(f"  {problem}\n")
        return PROBLEMS_FOUND
    out.write(f"{args.file}: valid. {describe(load_catalog(args.file))}\n")
    return OK

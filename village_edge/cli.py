"""The ``village-edge`` command: the composition root of the suite.

Only this package (with :mod:`device.runtime`) reads the configuration
file and the environment; everything it starts is handed objects.

The commands that live in modules of their own (:data:`COMMAND_MODULES`) are
listed by name and help; a command's module is imported, and its parser
built, only when that command is named, so ``village-edge kiosk`` imports no
other command's module before its first frame.

:func:`main` is the one place that turns a failure into an exit status and
a line on stderr (:mod:`village_edge.failures`, the table in
:mod:`village_edge.exits`). Building the parser imports no more than the
parser needs, so a usage error or ``--help`` answers at once even on a Pi;
each command imports what it runs.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, TextIO

from village_edge import __version__
from village_edge.arguments import (
    DEFAULT_CONFIG_PATH,
    INPUT_FILE,
    FloatRange,
    Parser,
    Subcommands,
    check_paths,
    chosen_parsers,
)
from village_edge.errors import CliError
from village_edge.exits import INTERRUPTED, OK, PROBLEMS_FOUND, USAGE, table

if TYPE_CHECKING:
    from device.config import Config

DEBUG_VARIABLE = "VILLAGE_EDGE_DEBUG"

#: Each command built by a module of its own: its help line in
#: ``village-edge --help``, and the module (``village_edge/<command>_commands.py``)
#: whose ``add_NAME_parser`` builds its parser and ``run_NAME`` runs it.
COMMAND_MODULES = {
    "sync": "the store-and-forward link to the county",
    "county": "the reference county server and the county operator's tools",
    "catalog": "the power-list catalog",
    "seal": "the smart seal station",
    "provision": "commission this device from the boot file (village-edge.toml)",
    "update": "update this device, rolling back if the new version is not healthy",
    "kiosk": "the village-hall touchscreen (Kivy)",
}


def _module_of(command: str) -> ModuleType:
    return importlib.import_module(f"village_edge.{command}_commands")


def _build_later(command: str) -> Callable[[Subcommands], None]:
    def build(commands: Subcommands) -> None:
        getattr(_module_of(command), f"add_{command}_parser")(commands)
    return build


def build_parser() -> Parser:
    parser = Parser(
        prog="village-edge",
        description="Firmware for village-hall devices: the power-list kiosk and the seal station.",
        epilog=table(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"village-edge {__version__}")
    parser.add_argument(
        "--config", type=INPUT_FILE, metavar="PATH",
        help=f"configuration file (default {DEFAULT_CONFIG_PATH}; on a development machine "
        "without it, a built-in simulated configuration)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     action=Subcommands)
    assert isinstance(commands, Subcommands)

    doctor = commands.add_parser("doctor", help="the technician's health report (changes "
                                                "nothing)")
    doctor.add_argument("--simulate", action="store_true", help="use simulated hardware")
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")

    hw = commands.add_parser("hw", help="hardware tools")
    hw_commands = hw.add_subparsers(dest="hw_command", required=True, metavar="HW_COMMAND")
    selftest = hw_commands.add_parser(
        "selftest", help="cycle the locks, lamp and buzzer, read every sensor, print a receipt"
    )
    selftest.add_argument("--simulate", action="store_true", help="use simulated hardware")

    for command, help_line in COMMAND_MODULES.items():
        commands.add_later(command, help_line, _build_later(command))

    demo = commands.add_parser(
        "demo", help="run the suite simulated on this machine, in a directory of its own",
        description="Play the suite's main job on simulated hardware with a local county. "
        "The demo always uses the built-in development configuration and a fresh "
        "directory of its own (printed at the start and the end); it never reads or "
        "writes a device's state, so it takes no --config.",
    )
    demo.add_argument(
        "--speed", type=FloatRange(above=0, high=1000), default=1.0, metavar="FACTOR",
        help="play faster (2 = twice as fast); default 1",
    )
    demo.add_argument(
        "--wait", action="store_true",
        help="afterwards, keep the county and the station running with the next request "
             "filed, to approve or refuse in a browser, until Ctrl+C (the default when "
             "the output is a terminal)",
    )
    return parser


def load_config(args: argparse.Namespace, *, simulate: bool, uses_state: bool = True) -> Config:
    """The configuration the command runs with (``--config``, the file in
    /etc, or on a development machine the built-in one, with a note on
    stderr for a command that keeps state)."""
    from device.runtime import resolve_config

    config = resolve_config(args.config, simulate=simulate, home=Path.home(),
                            default_path=DEFAULT_CONFIG_PATH)
    if config.is_embedded_default and uses_state:
        print(
            "note: no configuration file; using the built-in development configuration "
            f"(simulated hardware, state in {config.state_dir})",
            file=sys.stderr,
        )
    return config


def cmd_doctor(args: argparse.Namespace, out: TextIO) -> int:
    from device.config import ConfigError
    from village_edge.doctor import diagnose
    from village_edge.report import any_failed, fail, print_json, print_lines

    try:
        config = load_config(args, simulate=args.simulate)
    except ConfigError as error:
        if args.json:  # the update's health check reads the report, whatever it says
            print_json([fail("config", p, "fix this key in the file") for p in error.problems],
                       out)
        raise
    findings = diagnose(config, asked_to_simulate=args.simulate)
    (print_json if args.json else print_lines)(findings, out)
    return PROBLEMS_FOUND if any_failed(findings) else OK


def cmd_selftest(args: argparse.Namespace, out: TextIO) -> int:
    from device.runtime import open_station, simulated_world
    from village_edge.report import any_failed, print_lines
    from village_edge.selftest import run_selftest

    config = load_config(args, simulate=args.simulate)
    with open_station(config) as station:
        world = simulated_world(config, station)
        level = world.level if world is not None else None
        findings = run_selftest(config, station, level)
    print_lines(findings, out)
    return PROBLEMS_FOUND if any_failed(findings) else OK


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    if args.config is not None:
        raise CliError(USAGE, "the demo runs on its own built-in configuration in a directory "
                              "of its own and never touches a device's state: leave out "
                              "--config")
    from village_edge.demo import play_demo

    if not args.verbose:  # the demo narrates alarms itself
        logging.getLogger("seal_controller").setLevel(logging.ERROR)
    play_demo(out, speed=args.speed, wait=args.wait or out.isatty())
    return OK


def cmd_sync(args: argparse.Namespace, out: TextIO) -> int:
    from village_edge.sync_commands import run_sync

    return run_sync(load_config(args, simulate=False), args, out)


def cmd_seal(args: argparse.Namespace, out: TextIO) -> int:
    from village_edge.seal_commands import run_seal

    if args.seal_command == "ledger":
        return run_seal(None, args, out)
    rehearsal = args.seal_command in ("simulate", "screenshots")  # state of their own
    return run_seal(load_config(args, simulate=rehearsal or args.simulate,
                                uses_state=not rehearsal), args, out)


def cmd_kiosk(args: argparse.Namespace, out: TextIO) -> int:
    from village_edge.kiosk_commands import run_kiosk

    screenshots = args.kiosk_command == "screenshots"
    return run_kiosk(load_config(args, simulate=screenshots or args.simulate), args, out)


def _run_from_module(command: str) -> Callable[[argparse.Namespace, TextIO], int]:
    """``run_COMMAND(args, out)`` of the command's module, imported when run."""
    def run(args: argparse.Namespace, out: TextIO) -> int:
        function: Callable[[argparse.Namespace, TextIO], int] = getattr(
            _module_of(command), f"run_{command}")
        return function(args, out)
    return run


COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
    "doctor": cmd_doctor, "hw": cmd_selftest, "demo": cmd_demo,
    "sync": cmd_sync, "county": _run_from_module("county"),
    "catalog": _run_from_module("catalog"), "seal": cmd_seal,
    "provision": _run_from_module("provision"), "update": _run_from_module("update"),
    "kiosk": cmd_kiosk,
}


def main(argv: list[str] | None = None) -> int:
    """Run ``village-edge ARGS``; the exit status (:mod:`village_edge.exits`)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version, or a usage error already said
        return stop.code if isinstance(stop.code, int) else OK
    prog = chosen_parsers(parser, args)[-1].prog
    debug = bool(os.environ.get(DEBUG_VARIABLE))
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if debug:
        logging.getLogger().setLevel(logging.DEBUG)
    try:
        check_paths(parser, args)
        return COMMANDS[args.command](args, sys.stdout)
    except BrokenPipeError:  # output piped into head or less, closed early
        sys.stderr.close()
        return OK
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except Exception as error:  # every failure: its status and one line
        return report_failure(error, prog, debug=debug)


def report_failure(error: Exception, prog: str, *, debug: bool) -> int:
    """Say what went wrong on stderr; the exit status."""
    import traceback

    from village_edge.failures import failure_of

    failure = failure_of(error)
    sys.stdout.flush()
    if debug:
        traceback.print_exception(error, file=sys.stderr)
    for line in failure.lines(prog):
        print(line, file=sys.stderr)
    return failure.status


if __name__ == "__main__":
    sys.exit(main())

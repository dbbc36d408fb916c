"""The ``village-edge`` command: the composition root of the suite.

Only this module (with :mod:`device.runtime`) reads the configuration
file and the environment; everything it starts is handed objects.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TextIO

from device.config import DEFAULT_CONFIG_PATH, Config, ConfigError
from device.runtime import (
    open_outbox,
    open_station,
    resolve_config,
    simulated_world,
)
from hardware.errors import HardwareError
from village_edge import __version__
from village_edge.catalog_commands import add_catalog_parser, run_catalog
from village_edge.county_commands import add_county_parser, run_county
from village_edge.doctor import diagnose
from village_edge.kiosk_commands import add_kiosk_parser, run_kiosk
from village_edge.provision_commands import add_provision_parser, run_provision
from village_edge.report import any_failed, fail, print_json, print_lines
from village_edge.seal_commands import (
    add_seal_parser,
    run_daemon,
    run_ledger_verify,
    run_panel_screenshots,
    run_simulate,
)
from village_edge.sync_commands import add_sync_parser, run_sync
from village_edge.update_commands import add_update_parser, run_update

EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_HARDWARE = 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="village-edge",
        description="Firmware for village-hall devices: the power-list kiosk and the seal station.",
    )
    parser.add_argument("--version", action="version", version=f"village-edge {__version__}")
    parser.add_argument(
        "--config", type=Path, metavar="PATH",
        help=f"configuration file (default {DEFAULT_CONFIG_PATH}; on a development machine "
        "without it, a built-in simulated configuration)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    doctor = commands.add_parser("doctor", help="the technician's health report")
    doctor.add_argument("--simulate", action="store_true", help="use simulated hardware")
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")

    hw = commands.add_parser("hw", help="hardware tools")
    hw_commands = hw.add_subparsers(dest="hw_command", required=True, metavar="HW_COMMAND")
    selftest = hw_commands.add_parser(
        "selftest", help="cycle the locks, lamp and buzzer, read every sensor, print a receipt"
    )
    selftest.add_argument("--simulate", action="store_true", help="use simulated hardware")

    add_sync_parser(commands)
    add_county_parser(commands)
    add_catalog_parser(commands)
    add_seal_parser(commands)
    add_provision_parser(commands)
    add_update_parser(commands)
    add_kiosk_parser(commands)

    demo = commands.add_parser("demo", help="run the suite simulated on this machine")
    demo.add_argument(
        "--speed", type=float, default=1.0, metavar="FACTOR",
        help="play faster (2 = twice as fast); default 1",
    )
    return parser


def _config(args: argparse.Namespace, *, simulate: bool) -> Config:
    config = resolve_config(args.config, simulate=simulate, home=Path.home())
    if config.is_embedded_default:
        print(
            "note: no configuration file; using the built-in development configuration "
            f"(simulated hardware, state in {config.state_dir})",
            file=sys.stderr,
        )
    return config


def _config_failed(error: ConfigError, out: TextIO) -> int:
    out.write("The configuration cannot be used; nothing was started:\n")
    for problem in error.problems:
        out.write(f"  {problem}\n")
    return EXIT_CONFIG


def cmd_doctor(args: argparse.Namespace, out: TextIO) -> int:
    report = print_json if args.json else print_lines
    try:
        config = _config(args, simulate=args.simulate)
    except ConfigError as error:
        report([fail("config", p, "fix this key in the file") for p in error.problems], out)
        return EXIT_FAILED
    findings = diagnose(config, asked_to_simulate=args.simulate)
    report(findings, out)
    return EXIT_FAILED if any_failed(findings) else 0


def cmd_selftest(args: argparse.Namespace, out: TextIO) -> int:
    from village_edge.selftest import run_selftest

    try:
        config = _config(args, simulate=args.simulate)
    except ConfigError as error:
        return _config_failed(error, out)
    try:
        station = open_station(config)
    except HardwareError as error:
        print_lines([fail("hardware", str(error))], out)
        return EXIT_HARDWARE
    with station:
        world = simulated_world(config, station)
        level = world.level if world is not None else None
        findings = run_selftest(config, station, level)
    print_lines(findings, out)
    return EXIT_FAILED if any_failed(findings) else 0


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    from village_edge.demo import run_demo
    from village_edge.demo_county import DemoCounty

    if args.speed <= 0:
        out.write(f"--speed must be above 0, got {args.speed}\n")
        return EXIT_CONFIG
    try:
        config = _config(args, simulate=True)
    except ConfigError as error:
        return _config_failed(error, out)
    try:
        station = open_station(config)
    except HardwareError as error:
        print_lines([fail("hardware", str(error))], out)
        return EXIT_HARDWARE
    with station:
        world = simulated_world(config, station)
        assert world is not None  # the demo is always simulated
        if not args.verbose:  # the demo narrates alarms itself
            logging.getLogger("seal_controller").setLevel(logging.ERROR)
        if not station.slots:
            out.write("the demo needs a seal station: this configuration has no [[slots]]\n")
            return EXIT_CONFIG
        with DemoCounty(config, out) as county, open_outbox(county.config) as outbox:
            run_demo(county.config, station, world, county, outbox, out, speed=args.speed)
    return 0


def cmd_sync(args: argparse.Namespace, out: TextIO) -> int:
    try:
        config = _config(args, simulate=False)
    except ConfigError as error:
        return _config_failed(error, out)
    return run_sync(config, args, out)


def cmd_seal(args: argparse.Namespace, out: TextIO) -> int:
    if args.seal_command == "ledger":
        return run_ledger_verify(args, out)
    simulate = args.seal_command in ("simulate", "screenshots") or args.simulate
    try:
        config = _config(args, simulate=simulate)
        if args.seal_command == "simulate":
            return run_simulate(config, args, out)
        if args.seal_command == "screenshots":
            return run_panel_screenshots(config, args, out)
        return run_daemon(config, out)
    except ConfigError as error:
        return _config_failed(error, out)
    except HardwareError as error:
        print_lines([fail("hardware", str(error))], out)
        return EXIT_HARDWARE


def cmd_kiosk(args: argparse.Namespace, out: TextIO) -> int:
    screenshots = getattr(args, "kiosk_command", "") == "screenshots"
    simulate = screenshots or getattr(args, "simulate", False)
    try:
        config = _config(args, simulate=simulate)
    except ConfigError as error:
        return _config_failed(error, out)
    return run_kiosk(config, args, out)


def cmd_county(args: argparse.Namespace, out: TextIO) -> int:
    return run_county(args, out)


COMMANDS = {
    "doctor": cmd_doctor, "hw": cmd_selftest, "demo": cmd_demo,
    "sync": cmd_sync, "county": cmd_county, "catalog": run_catalog, "seal": cmd_seal,
    "provision": run_provision, "update": run_update,
    "kiosk": cmd_kiosk,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if os.environ.get("VILLAGE_EDGE_DEBUG"):
        logging.getLogger().setLevel(logging.DEBUG)
    try:
        return COMMANDS[args.command](args, sys.stdout)
    except BrokenPipeError:  # output piped into head or less, closed early
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())

"""``village-edge provision``: commission this device from the boot file, by
hand or from village-edge-firstboot.service."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from device.state import DEVICE_STATE_DIR
from village_edge.arguments import DEFAULT_CONFIG_PATH, INPUT_FILE, PathArg
from village_edge.errors import CliError
from village_edge.exits import DATA_ERROR, OK, SOFTWARE

if TYPE_CHECKING:
    from provision.commission import Outcome

log = logging.getLogger(__name__)

#: What commissioning writes: only when it must, and it reports a failure itself.
OUTPUT_FILE = PathArg("output", "file", writable_now=False)
OUTPUT_DIR = PathArg("output", "dir", writable_now=False)

BOOT_FILE = Path("/boot/firmware/village-edge.toml")
KIOSK_ENV = Path("/etc/village-edge/kiosk.env")
WIFI_DIR = Path("/etc/NetworkManager/system-connections")


def add_provision_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    provision = commands.add_parser(
        "provision",
        description="Check the boot file, enroll with the county, write the device "
        "configuration, remove the used enrollment code from the boot file and print the "
        "commissioning slip. Exit 0 when "
        "commissioned, 78 when the boot file must be fixed, 75 when the county cannot be "
        "reached (try again later); every problem is listed on stderr.",
    )
    provision.add_argument("--boot-config", type=INPUT_FILE, default=BOOT_FILE, metavar="FILE",
                           help=f"the boot file (default {BOOT_FILE})")
    provision.add_argument("--dry-run", action="store_true",
                           help="check the file and show what would be done; change nothing")
    provision.add_argument("--config-out", type=OUTPUT_FILE, default=DEFAULT_CONFIG_PATH,
                           metavar="PATH", help=f"the device configuration to write "
                           f"(default {DEFAULT_CONFIG_PATH})")
    provision.add_argument("--state-dir", type=OUTPUT_DIR, default=DEVICE_STATE_DIR, metavar="DIR",
                           help=f"the device's state: key, enrollment (default {DEVICE_STATE_DIR})")
    provision.add_argument("--template", type=INPUT_FILE, metavar="PATH",
                           help="the configuration template (default: the installed "
                           "config.example.toml)")
    provision.add_argument("--kiosk-env", type=OUTPUT_FILE, default=KIOSK_ENV, metavar="PATH",
                           help=f"the kiosk's display settings (default {KIOSK_ENV})")
    provision.add_argument("--wifi-dir", type=OUTPUT_DIR, default=WIFI_DIR, metavar="DIR",
                           help=f"NetworkManager's connection profiles (default {WIFI_DIR})")
    provision.add_argument("--slip", choices=("auto", "always", "never"), default="auto",
                           help="print the commissioning slip on the receipt printer of the "
                           "configuration: auto (default) when it has something new to say, "
                           "commissioned or not; a printer that is absent or out of paper "
                           "never fails commissioning")
    provision.add_argument("--restart-services", action="store_true",
                           help="after a change, reload NetworkManager and restart the "
                           "village-edge services that are running (first boot does this)")


def run_provision(args: argparse.Namespace, out: TextIO) -> int:
    """Commission; the summary on stdout, or every problem on stderr."""
    from provision.commission import EXIT_OK, Paths, commission
    from provision.device_config import default_template
    from provision.slip_printer import ConfiguredPrinter

    paths = Paths(
        boot_file=args.boot_config,
        template=args.template or default_template(),
        config_out=args.config_out,
        state_dir=args.state_dir,
        kiosk_env=args.kiosk_env,
        wifi_dir=args.wifi_dir,
    )
    printer = (None if args.slip == "never" else
               ConfiguredPrinter([paths.config_out, paths.template], home=Path.home()))
    outcome = commission(paths, dry_run=args.dry_run, printer=printer,
                         slip_always=args.slip == "always")
    if outcome.exit_code != EXIT_OK:
        status = outcome.exit_code
        if status == SOFTWARE and args.template is not None:
            status = DATA_ERROR  # the template named on the command line, not the installed one
        raise CliError(status, "commissioning failed; the device configuration was not "
                               "changed", outcome.problems)
    report(outcome, out, dry_run=args.dry_run)
    if outcome.changed and args.restart_services and not args.dry_run:
        apply_changes(outcome, out)
    return OK


def report(outcome: Outcome, out: TextIO, *, dry_run: bool) -> None:
    """The commissioning summary."""
    out.write("Dry run: the boot file is valid; nothing was changed.\n" if dry_run
              else "Commissioned.\n")
    for name, value in outcome.summary.items():
        out.write(f"  {name:<12}{value}\n")
    for action in outcome.actions:
        out.write(f"  - {action}\n")


def apply_changes(outcome: Outcome, out: TextIO) -> None:
    """Make the running system use what was written (best effort)."""
    import shutil
    import subprocess

    from provision.services import ROLE_UNITS
    from provision.wifi import CONNECTION_NAME

    systemctl = shutil.which("systemctl")
    nmcli = shutil.which("nmcli")
    commands: list[list[str]] = []
    if nmcli and any(path.endswith(".nmconnection") for path in outcome.changed):
        commands += [[nmcli, "connection", "reload"], [nmcli, "connection", "up", CONNECTION_NAME]]
    units = ROLE_UNITS.get(outcome.summary.get("role", ""), ())
    if systemctl and units:
        # Only the installed role's units: a seal station has no kiosk unit,
        # and naming one fails the whole try-restart ("not found").
        commands.append([systemctl, "try-restart", *units])
    for command in commands:
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            out.write(f"  note: {' '.join(command)} failed: {result.stderr.strip()}\n")

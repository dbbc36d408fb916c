"""The county console's commands: ``county admin create / password / disable
/ list`` (its accounts, see :mod:`county.console.admin`) and ``county
screenshots DIR`` (every page at phone and PC size, see
:mod:`county.console.screenshots`).

:mod:`village_edge.county_commands` adds them with
:func:`add_console_parsers` and runs them with :func:`run_console_command`.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import TextIO

from county.console.accounts import ROLES
from village_edge.arguments import OUTPUT_DIR
from village_edge.errors import CliError
from village_edge.exits import USAGE

COMMANDS = ("admin", "screenshots")


def add_console_parsers(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    data_option: Callable[[argparse.ArgumentParser], None],
) -> None:
    admin = sub.add_parser("admin", help="the web console's accounts: create, password, "
                                         "disable, list")
    actions = admin.add_subparsers(dest="admin_command", required=True, metavar="ACTION")

    def password_option(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--password-stdin", action="store_true",
                            help="read the password from the first line of standard input "
                                 "(default: ask for it, not shown); never give it as an "
                                 "argument")

    create = actions.add_parser(
        "create", help="make an account (the first one: --role admin)",
        description="Make a console account. The password is asked for (twice, not shown), "
        "or read from standard input with --password-stdin: never from the command line, "
        "where the process list would show it.")
    create.add_argument("--name", required=True, metavar="NAME",
                        help="the login name: 2 to 32 lower-case letters, digits, . _ -")
    create.add_argument("--display-name", metavar="TEXT",
                        help="the name the console shows, such as 张建国 (default: NAME): at "
                             "most 40 characters, letters, digits and spaces")
    create.add_argument("--role", action="append", required=True, choices=ROLES,
                        dest="roles", help="what the account does (repeat for several)")
    create.add_argument("--village", action="append", metavar="CODE", dest="villages",
                        help="a village it sees, by its 12-digit code (repeat); * or none "
                             "given: the whole county")
    create.add_argument("--level", choices=("village", "township"),
                        help="an approver's level (default village)")
    create.add_argument("--seal", action="append", metavar="SLOT", dest="seals",
                        help="a seal an approver approves, by its slot name (repeat; "
                             "default every seal)")
    create.add_argument("--custodian-of", action="append", metavar="STATION", default=[],
                        help="a seal station whose custodian this person is, by its device "
                             "id (ve-330226100201-seal1): they can never approve its "
                             "requests (repeat)")
    password_option(create)
    data_option(create)

    password = actions.add_parser("password", help="set a new password (every session of "
                                                   "the account ends)")
    password.add_argument("--name", required=True, metavar="NAME")
    password_option(password)
    data_option(password)

    disable = actions.add_parser("disable", help="stop an account from logging in")
    disable.add_argument("--name", required=True, metavar="NAME")
    data_option(disable)

    listing = actions.add_parser("list", help="every account, its roles and villages")
    data_option(listing)

    shots = sub.add_parser(
        "screenshots", help="every console page at phone (390x844) and PC (1366x768) size",
        description="Start a county with sample data on loopback in a temporary directory, "
        "open every console page in headless Chromium (the system's chromium and "
        "chromedriver) and save each as DIR/<page>-phone.png and DIR/<page>-pc.png.")
    shots.add_argument("directory", type=OUTPUT_DIR, metavar="DIR")


def read_password(args: argparse.Namespace) -> str:
    """The password: standard input's first line, or asked for twice."""
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise CliError(USAGE, "--password-stdin: standard input was empty; pipe the "
                                  "password in, such as from a password manager")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CliError(USAGE, "standard input is not a terminal to ask for the password: "
                              "give --password-stdin and pipe the password in")
    first = getpass.getpass("password (at least 10 characters): ")
    if getpass.getpass("the same password again: ") != first:
        raise CliError(USAGE, "the two passwords differ: nothing was changed; run it again")
    return first


def login_hint(name: str) -> str:
    return (f"log in as {name} at the county's address followed by /console/ (on this "
            "machine: http://127.0.0.1:8470/console/ when 'county serve' runs with its "
            "defaults; across a network, only behind HTTPS: docs/console.md)")


def first_account_hint(data: str) -> str:
    return ("no console account yet: make the first with 'village-edge county admin create "
            f"--data {data} --name admin --role admin' (it asks for the password)")


def run_console_command(args: argparse.Namespace, out: TextIO) -> int:
    if args.county_command == "screenshots":
        from county.console.screenshots import take_screenshots

        saved = take_screenshots(args.directory, progress=lambda line: print(line, file=out))
        out.write(f"{len(saved)} screenshots in {args.directory}\n")
        return 0
    from county.console import admin
    from county.console.accounts import printable
    from county.datadir import existing_county

    existing_county(args.data)  # no county there: said before asking for a password
    if args.admin_command == "create":
        villages = tuple(args.villages or ["*"])
        account = admin.create_account(
            args.data, args.name, read_password(args), roles=tuple(dict.fromkeys(args.roles)),
            villages=villages, display_name=args.display_name, level=args.level,
            seals=tuple(args.seals or ["*"]), custodian_of=tuple(args.custodian_of))
        out.write(f"account {account.name} made ({', '.join(account.roles)}; villages "
                  f"{', '.join(account.villages)})\n{login_hint(account.name)}\n")
        for station in admin.unknown_stations(args.data, account.custodian_of):
            print(f"warning: no seal station {station} has enrolled with this county yet; "
                  "check the id if it should have (the account keeps it)", file=sys.stderr)
    elif args.admin_command == "password":
        admin.set_password(args.data, args.name, read_password(args))
        out.write(f"new password set for {args.name}; its sessions ended\n")
    elif args.admin_command == "disable":
        admin.disable_account(args.data, args.name)
        out.write(f"{args.name} can no longer log in; its sessions ended\n")
    else:
        for account in admin.accounts(args.data):
            state = " (disabled)" if account.disabled is not None else ""
            level = f" level {account.level}" if account.level else ""
            keeps = (f"  custodian of {','.join(account.custodian_of)}"
                     if account.custodian_of else "")
            out.write(printable(f"{account.name}  {account.display_name}  "
                                f"{','.join(account.roles)}{level}  villages "
                                f"{','.join(account.villages)}{keeps}{state}") + "\n")
    return 0

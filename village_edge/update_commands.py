"""``village-edge update ...``: install a new release beside the running one
and keep it only if it proves healthy; roll back by hand; show the state.

Runs as root on the device (it writes /opt/village-edge and restarts
services). ``--root`` points at another file system root (the tests)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO

from village_edge.arguments import INPUT_DIR, INPUT_PATH, FloatRange
from village_edge.errors import CliError
from village_edge.exits import OK, PROBLEMS_FOUND, USAGE

DEFAULT_DEADLINE = 180.0
DEFAULT_SETTLE = 10.0
MOST_SECONDS = 24 * 3600.0


def add_update_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    update = commands.add_parser(
        "update",
        description="Install a new release side by side, switch to it atomically, restart the "
        "role's services and keep it only if it passes the health check within the deadline "
        "(services active, watchdogs pinged, no new doctor FAIL); otherwise the previous "
        "release is put back and the county is told. Exit 0 updated, 1 rolled back; when it "
        "is refused nothing changed: 75 try again later (an approved seal session or another "
        "update is open), 78 the device was not installed, 65 or 66 a bad --from, 69 the "
        "build failed.",
    )
    sub = update.add_subparsers(dest="update_command", required=True, metavar="UPDATE_COMMAND")
    apply = sub.add_parser("apply", help="install a release and switch to it if healthy")
    apply.add_argument("--from", dest="source", type=INPUT_PATH, required=True,
                       metavar="DIR|WHEEL",
                       help="a village-edge source tree, a wheel, or a directory of wheels "
                       "(offline: the suite's wheel and every dependency)")
    rollback = sub.add_parser("rollback", help="go back to the last release that passed its "
                              "health check before this one (kept only if it passes again)")
    verify = sub.add_parser("verify", help="finish an update a power cut interrupted "
                            "(village-edge-update-verify.service runs it at boot)")
    status = sub.add_parser("status", help="the current and previous release, the last update")
    status.add_argument("--json", action="store_true", help="print the state as JSON")
    for command in (apply, rollback, verify, status):
        command.add_argument("--root", type=INPUT_DIR, default=Path("/"), metavar="DIR",
                             help="the file system root holding /opt/village-edge and "
                             "/etc/village-edge (default /)")
    for command in (apply, rollback, verify):
        command.add_argument("--deadline", type=FloatRange(above=0, high=MOST_SECONDS),
                             default=DEFAULT_DEADLINE,
                             metavar="SECONDS", help="how long the new release has to become "
                             f"healthy (default {DEFAULT_DEADLINE:.0f})")
        command.add_argument("--settle", type=FloatRange(low=0, high=MOST_SECONDS),
                             default=DEFAULT_SETTLE, metavar="SECONDS",
                             help="how long each service must stay up without restarting "
                             f"(default {DEFAULT_SETTLE:.0f})")
        command.add_argument("--strict", action="store_true",
                             help="the doctor must report no FAIL at all (default: no FAIL "
                             "the running release did not already report)")


def run_update(args: argparse.Namespace, out: TextIO) -> int:
    """The update's report on stdout; 1 when it was rolled back. A refusal
    (:class:`provision.update.UpdateError`) changed nothing; ``main``
    gives it its status."""
    from provision.health import Policy
    from provision.system import CommandError, Runner
    from provision.update import Device, UpdateError, Updater
    from village_edge.failures import failure_of

    if args.update_command != "status" and args.settle >= args.deadline:
        raise CliError(USAGE, f"--settle ({args.settle:g} s) must be below --deadline "
                              f"({args.deadline:g} s)")
    try:
        device = Device.load(args.root)
        if args.update_command == "status":
            updater = Updater(device, Runner(), Policy())
            return _status(updater.status(), out, as_json=args.json)
        policy = Policy(deadline=args.deadline, settle=args.settle, strict=args.strict)
        updater = Updater(device, Runner(), policy)
        if args.update_command == "apply":
            outcome = updater.apply(args.source)
        elif args.update_command == "rollback":
            outcome = updater.rollback()
        else:
            outcome = updater.verify()
    except (UpdateError, CommandError) as error:
        refusal = failure_of(error)
        raise CliError(refusal.status, f"refused, nothing was changed: {refusal.message}"
                       ) from error
    for line in outcome.lines:
        out.write(f"{line}\n")
    return OK if outcome.ok else PROBLEMS_FOUND


def _status(state: dict[str, object], out: TextIO, *, as_json: bool) -> int:
    if as_json:
        json.dump(state, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return OK
    out.write(f"role      {state['role']}\n")
    out.write(f"current   {state['current'] or '(none: install with setup.sh)'}\n")
    out.write(f"previous  {state['previous'] or '(none)'}\n")
    installed = state["installed"]
    out.write(f"installed {', '.join(installed) if isinstance(installed, list) else ''}\n")
    trial = state["trial"]
    if isinstance(trial, dict):
        out.write(f"ON TRIAL  {trial.get('from')} -> {trial.get('to')}, not yet confirmed "
                  "(village-edge update verify finishes it)\n")
    last = state["last_update"]
    if isinstance(last, dict):
        out.write(f"last      {last.get('outcome')}: {last.get('from')} -> {last.get('to')}: "
                  f"{last.get('detail')}\n")
    if state.get("approved_session_open"):
        out.write("seal      an approved session is open: updates wait for it to end\n")
    return OK

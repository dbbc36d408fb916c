"""``village-edge county ...``: run the reference county server and do the
county operator's work (enrollment codes, publishing, statistics, the key,
answering seal requests, looking at every stamp and its photo).

The CLI wires these in with :func:`add_county_parser` and, for
``args.command == "county"``, :func:`run_county`.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

from county.policy import ENROLL_CODE_DAYS, PUBLISHABLE_KINDS
from protocol.api import DEVICE_ROLES
from village_edge.arguments import (
    INPUT_FILE,
    OUTPUT_DIR,
    FloatRange,
    IntRange,
    PathArg,
)
from village_edge.county_console_commands import (
    COMMANDS as CONSOLE_COMMANDS,
)
from village_edge.county_console_commands import (
    add_console_parsers,
    first_account_hint,
    run_console_command,
)
from village_edge.county_seal_commands import add_seal_parsers, run_seal_command
from village_edge.errors import CliError
from village_edge.exits import CANT_CREATE, DATA_ERROR, IO_ERROR, NO_INPUT, UNAVAILABLE, USAGE

if TYPE_CHECKING:
    import sqlite3

DEFAULT_PORT = 8470
DEFAULT_HOST = "127.0.0.1"
DEFAULT_DATA = Path("county-data")
MAX_DAYS_VALID = 10 * 365
#: The data directory of a county that must already be there.
COUNTY_DATA = PathArg("input", "dir", missing="start a county there once with "
                      "'village-edge county serve --data DIR', or check --data")


def iso_date(text: str) -> date:
    """An argparse type: a date written YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, not {text!r}") from None


def add_county_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``county`` and its subcommands to the CLI's subcommands."""
    county = commands.add_parser("county")
    sub = county.add_subparsers(dest="county_command", required=True, metavar="COUNTY_COMMAND")

    def data_option(parser: argparse.ArgumentParser, kind: PathArg = COUNTY_DATA) -> None:
        parser.add_argument(
            "--data", type=kind, default=DEFAULT_DATA, metavar="DIR",
            help=f"the county's data directory (default ./{DEFAULT_DATA})",
        )

    serve = sub.add_parser("serve", help="run the county server until SIGTERM or Ctrl-C")
    serve.add_argument("--port", type=IntRange(0, 65535), default=DEFAULT_PORT,
                       help=f"TCP port (default {DEFAULT_PORT}; 0 picks a free one)")
    serve.add_argument("--host", default=DEFAULT_HOST,
                       help=f"address to listen on (default {DEFAULT_HOST}; 0.0.0.0 for all)")
    serve.add_argument("--workers", type=IntRange(1, 64), default=1,
                       help="server processes (default 1; more need PostgreSQL)")
    data_option(serve, OUTPUT_DIR)
    database_option(serve)

    migrate = sub.add_parser(
        "migrate", help="bring the county's database to this version's schema",
        description="Apply the schema migrations the county's database has not had yet, each "
        "whole or not at all, and say which. 'serve' does the same when it starts; run this "
        "before starting several server processes on a new version. A database from a newer "
        "village-edge is refused (exit 65).")
    data_option(migrate, OUTPUT_DIR)
    database_option(migrate)

    enroll = sub.add_parser("enroll-code", help="make a one-time enrollment code for a device")
    enroll.add_argument("--device", required=True, metavar="ID", help="the device's id")
    enroll.add_argument("--role", required=True, choices=DEVICE_ROLES,
                        help="what the device is: a seal station, a kiosk, or both (all); "
                             "a device enrolling as another role is refused")
    enroll.add_argument("--village", metavar="CODE",
                        help="the 12-digit code of the village the device is in: the code "
                             "then enrolls it only there")
    data_option(enroll)

    publish = sub.add_parser(
        "publish", help="sign and publish a document (JSON or TOML) to the devices",
        description="Sign a document and send it to the devices. A catalog is the clerk's "
        "TOML file (or its JSON form), checked as 'village-edge catalog validate' checks it: "
        "nothing is signed unless it is valid (exit 65, every problem listed); its id names "
        "it. Any other document is a JSON object (or a TOML file) named by the file name.")
    publish.add_argument("kind", choices=PUBLISHABLE_KINDS)
    publish.add_argument("file", type=INPUT_FILE, metavar="FILE",
                         help="the document: .toml or .json")
    publish.add_argument("--audience", default="*", metavar="DEVICE",
                         help="one enrolled device's id, or * for every device (default)")
    publish.add_argument("--days", type=FloatRange(above=0, high=MAX_DAYS_VALID), default=365,
                         help="days the document stays valid (default 365)")
    data_option(publish)

    stats = sub.add_parser("stats", help="what the county received and refused")
    stats.add_argument("--json", action="store_true", help="print the statistics as JSON")
    data_option(stats)

    key = sub.add_parser("key", help="print the county's public key and its fingerprint")
    data_option(key)

    add_seal_parsers(sub, data_option)

    clear = sub.add_parser("clear-ledger", help="let a seal station whose ledger was damaged "
                                               "take approvals again (none issued before)")
    clear.add_argument("--device", required=True, metavar="ID", help="the seal station's id")
    clear.add_argument("--operator", default="county.operator", metavar="ID",
                       help="who clears it (recorded in the station's ledger)")
    data_option(clear)

    _add_complaint_parsers(sub, data_option)
    add_console_parsers(sub, data_option)


def database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database", metavar="URL",
        help="the county's database: postgresql://USER@HOST/DATABASE (no password: it goes in "
        "a password file), recorded in DIR/county.toml for every command; default the "
        "embedded SQLite file DIR/county.db")


def _add_complaint_parsers(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    data_option: Callable[[argparse.ArgumentParser], None],
) -> None:
    """``complaints``, ``complaint-key`` and ``complaint-status`` (see county.complaints)."""
    from protocol.complaint_status import STATUSES

    reports = sub.add_parser("complaints", help="read the complaints and whistle-blower "
                                                "reports kiosks sent (sealed to the county)")
    reports.add_argument("--json", action="store_true", help="print them as JSON")
    data_option(reports)
    key = sub.add_parser("complaint-key", help="make (once) and publish the key kiosks seal "
                                               "complaints to; print its public half")
    data_option(key)
    status = sub.add_parser("complaint-status", help="publish how a report is handled, for "
                                                     "the kiosk's progress lookup")
    status.add_argument("--code", required=True, help="the report's tracking code")
    status.add_argument("--status", required=True, choices=STATUSES)
    status.add_argument("--date", type=iso_date, metavar="YYYY-MM-DD",
                        help="since when (default today; for replied, the reply's date)")
    data_option(status)


def run_county(args: argparse.Namespace, out: TextIO) -> int:
    """Run the ``county`` subcommand in *args*; the exit status."""
    commands = {
        "serve": _serve, "enroll-code": _enroll_code, "publish": _publish,
        "stats": _stats, "key": _key,
        "complaints": _complaints, "complaint-key": _complaint_key,
        "complaint-status": _complaint_status, "clear-ledger": _clear_ledger,
        "migrate": _migrate,
    }
    import sqlite3

    try:
        if args.county_command in CONSOLE_COMMANDS:
            return run_console_command(args, out)
        if args.county_command not in commands:
            return run_seal_command(args, out)
        return commands[args.county_command](args, out)
    except sqlite3.Error as error:
        raise database_error(args.data, error) from None
    except Exception as error:
        if type(error).__module__.split(".")[0] == "psycopg":
            raise CliError(IO_ERROR, f"the county database refused the work "
                           f"({str(error).strip().splitlines()[0]}): check PostgreSQL's log, "
                           "and restore the database from the backup if it is damaged") from None
        raise


def database_error(data: Path, error: sqlite3.Error) -> CliError:
    """Why SQLite could not use the county database, said for the operator."""
    database = data / "county.db"
    if not database.is_file():
        return CliError(NO_INPUT, f"{database} is not a file ({error}): check --data")
    if not (os.access(database, os.R_OK | os.W_OK) and os.access(data, os.W_OK | os.X_OK)):
        return CliError(CANT_CREATE, f"{database} cannot be written by this user ({error}): "
                                     "run as the user who owns it (the county's service user)")
    return CliError(IO_ERROR, f"{database} cannot be used ({error}): check the disk, and "
                              "restore the database from the backup if it is damaged")


def _chosen_database(args: argparse.Namespace) -> None:
    """Record ``--database`` in the data directory's county.toml (made if need be)."""
    if args.database is None:
        return
    from county.database import BadLocation, Location
    from county.datadir import make_county_dir
    from county.settings import record_database

    try:
        location = Location.parse(args.database, args.data)
    except BadLocation as error:
        raise CliError(USAGE, f"--database: {error}") from None
    make_county_dir(args.data)
    if record_database(args.data, location):
        logging.getLogger(__name__).warning("recorded the database %s in %s/county.toml",
                                            location.shown, args.data)


def _migrate(args: argparse.Namespace, out: TextIO) -> int:
    from county.datadir import init_county_reporting

    _chosen_database(args)
    _, report = init_county_reporting(args.data)
    where = report.location.shown
    if not report.applied:
        out.write(f"{where}: schema version {report.after}, nothing to do\n")
    else:
        names = ", ".join(f"{m.version:04d}_{m.name}" for m in report.applied)
        out.write(f"{where}: schema version {report.before} -> {report.after} (applied {names})\n")
    return 0


def _serve(args: argparse.Namespace, out: TextIO) -> int:

    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(name)s %(levelname)s %(message)s")
    _chosen_database(args)
    if args.workers > 1:
        return _serve_workers(args, out)
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    from county.serve_lock import AlreadyServed

    try:
        with _serving_alone(args.data):
            return _serve_one(args, out, stop, request_stop)
    except AlreadyServed as error:
        raise CliError(UNAVAILABLE, str(error)) from None


def _serving_alone(data_dir: Path) -> contextlib.AbstractContextManager[None]:
    """The serve lock of a SQLite county (:mod:`county.serve_lock`); none
    for PostgreSQL, which several processes serve."""
    from county.datadir import make_county_dir
    from county.serve_lock import serving_alone

    county = make_county_dir(data_dir)
    if county.database.engine != "sqlite":
        return contextlib.nullcontext()
    return serving_alone(county.root)


def _serve_one(args: argparse.Namespace, out: TextIO, stop: threading.Event,
               request_stop: Callable[[int, FrameType | None], None]) -> int:
    from county.server import CountyServer

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    server = CountyServer(args.data, args.host, args.port)
    try:
        server.start()
        from county.complaints import ensure_complaint_key

        ensure_complaint_key(args.data)  # kiosks can seal reports from the first sync on
        logging.getLogger("county").setLevel(logging.INFO)  # from now on, one line per request
        out.write(f"county server listening on {server.url} (data {args.data}, "
                  f"key fingerprint {server.key_fingerprint})\n")
        _console_hint(args, out, f"{server.url}/console/")
        out.flush()
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _serve_workers(args: argparse.Namespace, out: TextIO) -> int:
    from county.complaints import ensure_complaint_key
    from county.datadir import init_county
    from county.operator import county_public_key
    from county.server import listening_socket, serve_workers
    from protocol.signing import key_fingerprint

    county = init_county(args.data)
    if county.database.engine != "postgresql":
        raise CliError(USAGE, "--workers above 1 needs the county's database in PostgreSQL "
                              "(SQLite serves one process): give --database postgresql://... "
                              "or set [database] url in county.toml")
    sock = listening_socket(args.host, args.port)
    ensure_complaint_key(args.data)
    host, port = sock.getsockname()[:2]
    host = f"[{host}]" if ":" in host else host
    out.write(f"county server listening on http://{host}:{port} (data {args.data}, "
              f"database {county.database.shown}, {args.workers} workers, key fingerprint "
              f"{key_fingerprint(county_public_key(args.data))})\n")
    _console_hint(args, out, f"http://{host}:{port}/console/")
    out.flush()
    logging.getLogger("county").setLevel(logging.INFO)
    serve_workers(county, sock, args.workers)
    return 0


def _console_hint(args: argparse.Namespace, out: TextIO, address: str) -> None:
    """Where the console is, and how to make its first account if there is none."""
    from county.console.admin import has_accounts
    from county.console.config import read_console_settings

    if not read_console_settings(args.data).enabled:
        out.write("the web console is off ([console] enabled = false in county.toml)\n")
        return
    out.write(f"web console at {address}\n")
    if not has_accounts(args.data):
        out.write(first_account_hint(str(args.data)) + "\n")


def _enroll_code(args: argparse.Namespace, out: TextIO) -> int:
    from county.operator import make_enroll_code

    code = make_enroll_code(args.data, args.device, role=args.role, village=args.village)
    out.write(f"enrollment code for {args.device} ({args.role}): {code}\n"
              f"  works once, within {ENROLL_CODE_DAYS} days; an earlier unused code for "
              "this device no longer works\n")
    return 0


def _publish(args: argparse.Namespace, out: TextIO) -> int:
    from county.datadir import existing_county
    from county.operator import publish, publish_file

    existing_county(args.data)  # where to publish, before what
    if args.kind == "catalog":
        name, body = checked_catalog(args.file)
        signed = publish(args.data, "catalog", name, body, audience=args.audience,
                         days_valid=args.days)
    else:
        signed = publish_file(args.data, args.kind, args.file, audience=args.audience,
                              days_valid=args.days)
    document = signed.document
    to = "every device" if document.audience == "*" else document.audience
    out.write(f"published {document.kind}/{document.name} version {document.version} to {to}, "
              f"valid until {_when(document.expires)}\n")
    return 0


def checked_catalog(path: Path) -> tuple[str, dict[str, Any]]:
    """The catalog in *path* (the clerk's TOML, or its JSON form), checked as
    ``village-edge catalog validate`` checks it: its id, which names it in the
    feed, and its canonical body. The county cannot check a catalog itself
    (it knows nothing of :mod:`powerlist`), so nothing invalid gets this far
    to be signed: :class:`CliError` (65) lists every problem."""
    from powerlist import CatalogError, catalog_from_dict, catalog_to_dict, load_catalog
    from powerlist.files import decode_catalog_bytes
    from protocol.wire_json import WireJsonError, read_json, value_problem

    source = str(path)
    try:
        if path.suffix.lower() == ".json":
            # read as the wire reads JSON: nesting checked before parsing, a
            # member named twice (which a reader may take either way) refused
            try:
                data = read_json(decode_catalog_bytes(path.read_bytes(), source).encode())
            except WireJsonError as error:
                raise CatalogError([f"{source}: not valid JSON: {error}"]) from None
            problem = value_problem(data)
            if problem is not None:
                raise CatalogError([f"{source}: {problem}"])
            if not isinstance(data, dict):
                raise CatalogError([f"{source}: a catalog is a JSON object {{...}}"])
            catalog = catalog_from_dict(data, source)
        else:
            catalog = load_catalog(path)
    except CatalogError as error:
        check = "" if path.suffix.lower() == ".json" else \
            f" ('village-edge catalog validate {path}' checks it)"
        raise CliError(DATA_ERROR, f"{path} is not a valid catalog, so nothing was signed or "
                                   f"sent; fix it{check} and publish again",
                       error.problems) from None
    return catalog.id, catalog_to_dict(catalog)


def _key(args: argparse.Namespace, out: TextIO) -> int:
    from county.operator import county_public_key
    from protocol.signing import key_fingerprint

    key = county_public_key(args.data)
    out.write(f"county public key: {key}\n"
              f"fingerprint:       {key_fingerprint(key)}\n"
              "(set [county] public_key in each device's config.toml; "
              "compare the fingerprint with the technician)\n")
    return 0


def _clear_ledger(args: argparse.Namespace, out: TextIO) -> int:
    from county.ledger_clearing import clear_ledger_damage

    command, damage = clear_ledger_damage(args.data, args.device, operator=args.operator)
    out.write(f"cleared the ledger damage {command.device} reported at its record "
              f"{damage.damage_seq} ({damage.problem or 'no detail'}); sent through its feed. "
              "The station refuses every approval issued before now: approve again\n")
    return 0


def _complaints(args: argparse.Namespace, out: TextIO) -> int:
    from county.complaints import list_reports

    reports = list_reports(args.data)
    if args.json:
        import json

        json.dump([report.to_dict() for report in reports], out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    if not reports:
        out.write("no complaints or whistle-blower reports yet\n")
    for report in reports:
        kind = "whistle" if report.kind == "whistle" else "complaint"
        out.write(f"{report.code}  {kind}  {report.filed[:10]}  {report.device_id}  "
                  f"status {report.status}\n")
        if report.error:
            out.write(f"    CANNOT BE READ: {report.error}\n")
            continue
        item = f"{report.item_name} ({report.item_id})" if report.item_id else "(no item)"
        out.write(f"    item {item}  problem {report.problem}  "
                  f"phone {report.phone or 'none (anonymous)'}  reply due {report.reply_due}\n")
    return 0


def _complaint_key(args: argparse.Namespace, out: TextIO) -> int:
    from county.complaints import complaint_key_path, ensure_complaint_key

    key = ensure_complaint_key(args.data)
    out.write(f"complaint public key (X25519): {key}\n"
              "published to every device as config/complaint-key; back up "
              f"{complaint_key_path(args.data)} with county.key\n")
    return 0


def _complaint_status(args: argparse.Namespace, out: TextIO) -> int:
    from county.complaints import set_status

    entry = set_status(args.data, args.code, args.status, on=args.date)
    out.write(f"published: report {entry['code']} is {entry['status']} since {entry['date']}\n")
    return 0


def _stats(args: argparse.Namespace, out: TextIO) -> int:
    from county.operator import stats

    report = stats(args.data)
    if args.json:
        import json

        json.dump(report, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        out.writelines(line + "\n" for line in stats_lines(report, now=time.time()))
    out.flush()
    return 0


def _when(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def _ago(timestamp: float | None, now: float) -> str:
    if timestamp is None:
        return "never"
    seconds = max(0, int(now - timestamp))
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return _when(timestamp)


def stats_lines(report: dict[str, Any], *, now: float) -> list[str]:
    """The statistics of :func:`county.operator.stats` for a person."""
    rejected = report["rejected"]
    blobs = report["blobs"]
    lines = [
        f"events stored        {report['events_stored']}",
        f"duplicates rejected  {report['duplicates_rejected']}",
        f"requests rejected    forged {rejected['forged']}, replayed {rejected['replayed']} "
        f"(of which stale {rejected['stale']}), unknown device {rejected['unknown_device']}, "
        f"enrollment refused {rejected['enroll_refused']}",
        f"documents published  {report['documents_published']}",
        f"blobs                {blobs['complete']} complete, {blobs['partial']} partial",
        f"devices              {len(report['devices'])}",
    ]
    for device_id, device in report["devices"].items():
        backlog = "not reported" if device["backlog"] is None else str(device["backlog"])
        lines.append(f"  {device_id}  {device['role']}  village {device['village_code']}  "
                     f"last seen {_ago(device['last_seen'], now)}  backlog {backlog}")
        streams = ", ".join(f"{name} {count}" for name, count in device["events_by_stream"].items())
        lines.append(f"    events: {streams or 'none'}")
        if device.get("foreign_seal_requests"):
            lines.append(f"    seal requests: {device['foreign_seal_requests']} IGNORED: this "
                         f"device is enrolled as {device['role']}, not as a seal station")
        ledger = device["ledger"]
        if ledger is not None:
            if ledger["ok"]:
                lines.append(f"    ledger: OK, {ledger['records']} records chained")
            else:
                seq = ledger["first_bad_seq"]
                where = "" if seq is None else f" at seq {seq}"
                lines.append(f"    ledger: BROKEN{where}: {ledger['problem']}")
    return lines

"""``village-edge sync ...``: enroll with the county, run the agent, show the
backlog."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import threading
import time
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

from village_edge.errors import CliError
from village_edge.exits import CONFIG, OK

if TYPE_CHECKING:
    from device.config import Config
    from sync.agent import SyncStatus
    from sync.outbox import OutboxStats

log = logging.getLogger(__name__)


def add_sync_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sync = commands.add_parser("sync")
    sub = sync.add_subparsers(dest="sync_command", required=True, metavar="SYNC_COMMAND")
    enroll_parser = sub.add_parser("enroll", help="enroll this device with the county")
    enroll_parser.add_argument("--code", required=True, help="the one-time code from the county")
    run = sub.add_parser("run", help="the sync agent: push events, pull the county's feed")
    run.add_argument("--once", action="store_true",
                     help="one round, then exit (75 if the county cannot be reached, 74 if "
                     "this device's disk is full, read-only or failing)")
    status = sub.add_parser("status", help="backlog, last success, last error")
    status.add_argument("--json", action="store_true", help="print as JSON")


def run_sync(config: Config, args: argparse.Namespace, out: TextIO) -> int:
    handlers = {"enroll": _enroll, "run": _run, "status": _status}
    return handlers[args.sync_command](config, args, out)


def _enroll(config: Config, args: argparse.Namespace, out: TextIO) -> int:
    from device.runtime import county_client
    from sync.enrollment import enroll

    if not config.county_url:
        raise CliError(CONFIG, f"no county address: set [county] url in {config.source}")
    client = county_client(config)
    try:
        enrollment = enroll(client, code=args.code, role=config.role,
                            village_code=config.village_code,
                            pinned_key=config.county_public_key, path=config.state.enrollment)
    finally:
        client.close()
    out.write(f"enrolled {enrollment.device_id} with {enrollment.county_url}\n")
    return OK


def _run(config: Config, args: argparse.Namespace, out: TextIO) -> int:
    from device.runtime import open_outbox, open_sync_agent
    from device.systemd_notify import Notifier

    with open_outbox(config) as outbox:
        agent = open_sync_agent(config, outbox)
        if args.once:
            try:
                result = agent.run_once()
            finally:
                agent.client.close()
            out.write(f"sent {result.events_sent} events, took {result.documents_taken} "
                      f"documents; {outbox.stats().pending} still waiting\n")
            return OK
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            log.info("signal %d: stopping after this round", signum)
            stop.set()

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, on_signal)
        out.write(f"sync agent running for {config.device_id} -> {config.county_url}\n")
        out.flush()
        notifier = Notifier.from_environment()
        notifier.ready(f"syncing with {config.county_url}")
        agent.run_forever(stop, alive=notifier.watchdog)
        notifier.stopping()
        agent.client.close()
    return OK


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def _when(stamp: float | None, now: float) -> str:
    if stamp is None:
        return "never"
    text = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp))
    return f"{text} ({_age(now - stamp)} ago)"


def status_document(config: Config, stats: OutboxStats, status: SyncStatus) -> dict[str, Any]:
    from sync.blob_quarantine import BlobQuarantine
    from sync.disk_faults import disk_problem
    from sync.enrollment import Enrollment

    enrollment = Enrollment.load(config.state.enrollment)
    aside = BlobQuarantine(config.state.outbox / "quarantine" / "blobs").count()
    disk = disk_problem(config.state.sync_status.parent)
    last_error, last_error_at = status.last_error, status.last_error_at
    recorded = last_error is not None and (last_error_at or 0) >= (status.last_success or 0)
    if disk is not None and not recorded:
        # a read-only disk cannot have recorded it: what is wrong now is the last error
        last_error, last_error_at = f"{disk} (seen now)", time.time()
    return {
        "device_id": config.device_id,
        "county_url": config.county_url,
        "enrolled": enrollment is not None,
        "backlog": stats.pending,
        "backlog_bytes": stats.pending_bytes,
        "oldest_pending_seconds": stats.oldest_age_seconds,
        "quarantined": stats.quarantined,
        "blobs_quarantined": aside,
        "dropped": stats.dropped,
        "outbox_used_percent": stats.used_percent,
        "last_success": status.last_success,
        "last_error": last_error,
        "last_error_at": last_error_at,
        "disk_problem": disk,
        "consecutive_failures": status.consecutive_failures,
        "events_sent": status.events_sent,
        "documents_taken": status.documents_taken,
        "documents_rejected": status.documents_rejected,
        "clock_offset_seconds": status.clock_offset_seconds,
    }


def _status(config: Config, args: argparse.Namespace, out: TextIO) -> int:
    from sync.agent import SyncStatus
    from sync.outbox import peek_stats

    stats = peek_stats(config.state.outbox, quota_bytes=config.outbox_quota_bytes)
    status = SyncStatus.load(config.state.sync_status)
    document = status_document(config, stats, status)
    if args.json:
        json.dump(document, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return OK
    now = time.time()
    used = f"{stats.used_percent:.0f}%" if stats.used_percent is not None else "-"
    rows = [
        ("county", f"{config.county_url or 'not set'}"
                   f"{'' if document['enrolled'] else ' (not enrolled)'}"),
        ("backlog", f"{stats.pending} events ({stats.pending_bytes / 1024:,.0f} KiB), "
                    f"oldest {_age(stats.oldest_age_seconds)}"),
        ("last success", _when(status.last_success, now)),
        ("last error", f"{document['last_error']} at {_when(document['last_error_at'], now)}"
                       if document["last_error"] else "none"),
        ("quarantined", f"{stats.quarantined} damaged records set aside"),
        ("photos set aside", f"{document['blobs_quarantined']} damaged or refused, in "
                             f"{config.state.outbox / 'quarantine' / 'blobs'}"),
        ("dropped", f"{stats.dropped} telemetry events dropped for space"),
        ("outbox use", f"{used} of {config.outbox_quota_bytes // (1024 * 1024)} MiB"),
    ]
    for name, value in rows:
        out.write(f"{name:<14}{value}\n" if len(name) < 14 else f"{name}  {value}\n")
    return OK

"""The latest health of each device, as the technicians' pages show it:
the report a device sends in the ``X-VE-Health`` header of a feed request
(:mod:`protocol.device_health`), and the clock offset the county measures
itself from every accepted request's signed timestamp (so a device cannot
claim another clock without signing it, and a replay is refused before it
is measured).

Only the latest is kept, one row per device in ``device_health``
(migration 0006). A report that cannot be read, is older than the one
held, or is dated more than a day ahead of the county's clock is ignored
with a line in the log: it never costs the device its feed. A report held
that is dated more than a day ahead (kept before this rule) does not stop
the next honest one from replacing it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from county.store import Store
from protocol.device_health import HealthRejected, HealthReport, read_health

log = logging.getLogger(__name__)

#: A report measured longer than this before it arrived is old news.
MAX_REPORT_AGE_SECONDS = 3600.0
#: A report dated further than this ahead of the county's clock is not
#: believed: kept, it would make every honest report after it look older.
MAX_REPORT_AHEAD_SECONDS = 86400.0


@dataclass(frozen=True)
class DeviceHealth:
    device_id: str
    report: HealthReport | None
    received: float | None  # the county's clock when the report arrived
    clock_offset: float | None  # the device's clock minus the county's, in seconds
    clock_measured: float | None


def note_clock_offset(store: Store, device_id: str, offset: float, now: float) -> None:
    """Record *offset* (within the caller's transaction)."""
    store.execute(
        "INSERT INTO device_health (device_id, clock_offset, clock_measured) VALUES (?, ?, ?) "
        "ON CONFLICT (device_id) DO UPDATE SET clock_offset = excluded.clock_offset, "
        "clock_measured = excluded.clock_measured", (device_id, offset, now))


def take_report(store: Store, device_id: str, header: str | None, now: float) -> bool:
    """Keep the report in *header* (the ``X-VE-Health`` of an authenticated
    request of *device_id*) if it is readable and newer than the one held;
    True if it was kept. Never raises for what the device sent."""
    if header is None:
        return False
    try:
        report = read_health(header)
    except HealthRejected as rejection:
        log.warning("health report of %s ignored: %s", device_id, rejection)
        return False
    if report.at < now - MAX_REPORT_AGE_SECONDS:
        log.warning("health report of %s ignored: measured %.0f s before it arrived",
                    device_id, now - report.at)
        return False
    if report.at > now + MAX_REPORT_AHEAD_SECONDS:
        log.warning("health report of %s ignored: dated %.0f s ahead of the county's clock",
                    device_id, report.at - now)
        return False
    with store.transaction():
        held = store.execute("SELECT reported FROM device_health WHERE device_id = ?",
                             (device_id,))
        reported = held[0]["reported"] if held else None
        if (reported is not None and report.at <= reported
                and reported <= now + MAX_REPORT_AHEAD_SECONDS):
            log.warning("health report of %s ignored: measured at %d, not after the one held "
                        "(%d)", device_id, report.at, reported)
            return False
        store.execute(
            "INSERT INTO device_health (device_id, report, reported, received) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET "
            "report = excluded.report, reported = excluded.reported, "
            "received = excluded.received",
            (device_id, json.dumps(report.to_dict(), sort_keys=True), report.at, now))
    return True


def _health(row: dict[str, object]) -> DeviceHealth:
    report = None
    if isinstance(row["report"], str):
        data = json.loads(row["report"])
        report = HealthReport(**data)
    return DeviceHealth(str(row["device_id"]), report, _float(row["received"]),
                        _float(row["clock_offset"]), _float(row["clock_measured"]))


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def device_health(store: Store, device_id: str) -> DeviceHealth | None:
    rows = store.execute(
        "SELECT device_id, report, received, clock_offset, clock_measured FROM device_health "
        "WHERE device_id = ?", (device_id,))
    return _health(rows[0]) if rows else None


def all_health(store: Store) -> dict[str, DeviceHealth]:
    rows = store.execute("SELECT device_id, report, received, clock_offset, clock_measured "
                         "FROM device_health")
    return {str(row["device_id"]): _health(row) for row in rows}

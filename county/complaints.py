"""The county's side of complaints and whistle-blower reports: the key that
opens them, reading them, and telling villagers how they are handled.

Kiosks seal every report to the county's X25519 key
(:mod:`protocol.complaint_envelope`). The private half is ``DATA/complaint.key``
(32 raw bytes, mode 0600), made on first use the way ``county.key`` is:
written to a temporary file, fsynced and linked into place, so a crash never
leaves half a key and two processes starting at once end up with one key.
The public half goes to every device as the signed feed document
``config/complaint-key``. Back the key up with ``county.key``: without it no
report that kiosks sealed can ever be read.

Progress is published as ``disclosure/complaint-status``
(:mod:`kiosk.services.progress` says why that kind): tracking code, status,
date and the county's reply — never what was reported. Each status change
is also a step of the complaint's history (:mod:`county.complaint_history`),
written in the same transaction as the document that publishes it.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from county.complaint_history import add_step
from county.datadir import CountyDir, existing_county
from county.errors import CountyError
from county.feed import add_document
from county.keyfile import create_key_file, load_key, read_key_file
from county.operator import publish
from county.report_codes import REPORT_STREAMS
from county.store import Store
from protocol import tracking
from protocol.complaint_envelope import (
    KEY_DOCUMENT,
    KEY_FIELD,
    EnvelopeError,
    open_sealed,
    public_key_text,
    report_context,
)
from protocol.complaint_status import MAX_REPLY, STATUS_DOCUMENT, STATUSES

log = logging.getLogger(__name__)

KEY_FILE = "complaint.key"
DAYS_VALID = 3650  # a device enrolled years from now must still accept the key and statuses
REPUBLISH_BEFORE_DAYS = 90  # publish the key again when the copy devices get runs out this soon
PAGE = 1000


# -- the key -------------------------------------------------------------------


def complaint_key_path(data_dir: Path | str) -> Path:
    return Path(data_dir) / KEY_FILE


def _create_key(path: Path) -> bool:
    """Write a new X25519 key to *path* unless one is there; True if this call made it."""
    return create_key_file(path, X25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()))


def load_complaint_key(data_dir: Path | str) -> X25519PrivateKey:
    """The county's report key, or :class:`CountyError` saying what to do."""
    path = complaint_key_path(data_dir)
    raw = read_key_file(path, "complaint key", "make it with `village-edge county complaint-key "
                              f"--data {path.parent}` (or restore it from the backup if reports "
                              "were sealed to it)")
    if len(raw) != 32:
        raise CountyError(f"{path} is not a complaint key ({len(raw)} bytes, not 32): "
                          "restore it from the backup")
    return X25519PrivateKey.from_private_bytes(raw)


def _latest_document(store: Store, kind: str, name: str) -> dict[str, Any] | None:
    """The newest published (kind, name) for every device, as its wire form."""
    latest, after = None, 0
    while True:
        page = store.documents_after(after, "*", PAGE)
        for seq, wire in page:
            after = seq
            document = wire.get("document", {})
            if (document.get("kind"), document.get("name")) == (kind, name):
                latest = wire
        if len(page) < PAGE:
            return latest


def ensure_complaint_key(data_dir: Path | str, *, now: float | None = None) -> str:
    """Make the complaint key if there is none and publish its public half to
    every device unless the published copy already carries it and stays valid
    for :data:`REPUBLISH_BEFORE_DAYS` more days. The public key (base64url)."""
    county = existing_county(data_dir)
    path = complaint_key_path(county.root)
    if not path.exists() and _create_key(path):
        log.info("made a new complaint key in %s", path)
    public = public_key_text(load_complaint_key(county.root))
    now = time.time() if now is None else now
    with Store.open(county.database) as store:
        wire = _latest_document(store, *KEY_DOCUMENT)
    if wire is not None:
        document = wire["document"]
        if (document["body"].get(KEY_FIELD) == public
                and document["expires"] - now > REPUBLISH_BEFORE_DAYS * 86400):
            return public
    publish(county.root, *KEY_DOCUMENT, {KEY_FIELD: public}, days_valid=DAYS_VALID, now=now)
    log.info("published %s/%s", *KEY_DOCUMENT)
    return public


# -- reading reports -------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """One complaint or whistle-blower report as the county reads it. *problem*
    is None (and *error* says why) for a report that could not be opened."""

    code: str
    kind: str  # complaint | whistle
    device_id: str
    filed: str  # ISO date and time, the kiosk's clock
    item_id: str | None
    item_name: str | None
    problem: str | None
    phone: str | None
    reply_due: str | None
    status: str
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _statuses(store: Store) -> dict[str, Any]:
    wire = _latest_document(store, *STATUS_DOCUMENT)
    statuses = wire["document"]["body"].get("statuses") if wire else None
    return dict(statuses) if isinstance(statuses, dict) else {}


def _open_report(key: X25519PrivateKey | str, stream: str, device_id: str, payload: Any,
                 created: float, statuses: dict[str, Any]) -> Report:
    """*key* is the complaint key, or why there is none."""
    code = str(payload.get("code", "")) if isinstance(payload, dict) else ""
    entry = statuses.get(code)
    status = str(entry.get("status", "new")) if isinstance(entry, dict) else "new"
    try:
        filed = datetime.fromtimestamp(created).isoformat(timespec="seconds")
    except (OverflowError, OSError, ValueError):  # a kiosk's clock past year 9999
        filed = "unknown (the kiosk's clock is wrong)"
    unopened = Report(code, stream, device_id, filed, None, None, None, None, None, status)
    if not isinstance(payload, dict):
        return _failed(unopened, "the event is not a sealed report (not a JSON object)")
    if isinstance(key, str):
        return _failed(unopened, key)
    try:
        plain = open_sealed(key, payload.get("sealed"), report_context(device_id, code))
        report = json.loads(plain)
    except EnvelopeError as error:
        return _failed(unopened, str(error))
    except ValueError as error:
        return _failed(unopened, f"the opened report is not JSON: {error}")
    if not isinstance(report, dict) or report.get("code") != code:
        return _failed(unopened, "the opened report names another tracking code")
    return Report(
        code, stream, device_id, str(report.get("filed", filed)), report.get("item_id"),
        report.get("item_name"), report.get("problem_text"), report.get("phone"),
        report.get("reply_due"), status,
    )


def _failed(report: Report, why: str) -> Report:
    log.warning("report %s from %s cannot be read: %s", report.code, report.device_id, why)
    return replace(report, error=why)


def list_reports(data_dir: Path | str) -> list[Report]:
    """Every complaint and whistle-blower report the county holds, opened, newest first."""
    county = existing_county(data_dir)
    try:
        key: X25519PrivateKey | str = load_complaint_key(county.root)
    except CountyError as error:
        key = str(error)
    with Store.open(county.database) as store:
        statuses = _statuses(store)
        events = [(stream, *event) for stream in REPORT_STREAMS
                  for event in store.stream_events(stream)]
    events.sort(key=lambda event: event[3], reverse=True)
    return [_open_report(key, stream, device_id, payload, created, statuses)
            for stream, device_id, payload, created in events]


@dataclass(frozen=True)
class Filed:
    """A report as the county holds it, not opened: what the list shows."""

    code: str
    kind: str  # complaint | whistle
    device_id: str
    created: float  # the kiosk's clock when it was filed (never after the county received it)
    received: float = 0.0  # the county's clock when it arrived


#: A kiosk's clock before this (2020-01-01) is a clock that was never set.
EARLIEST_FILED = 1577836800.0


def _filed_at(created: float, received: float, enrolled: float = 0.0) -> float:
    """When a report was filed: the kiosk's clock, unless it says a time
    before :data:`EARLIEST_FILED` or after the county received the report
    (a clock never set, or far ahead): then when the county received it.
    Never before the kiosk was enrolled (a kiosk cannot backdate a report
    into "overdue"), nor after it arrived."""
    at = created if EARLIEST_FILED <= created <= received else received
    return min(max(at, enrolled), received)


@dataclass(frozen=True)
class ReceivedReports:
    """Every report the county holds, each tracking code bound to the first
    report that arrived with it (by the county's own order of arrival);
    *duplicates* are the later ones that came with a code already taken."""

    reports: dict[str, tuple[Filed, Any]]  # by code: the report and its (sealed) payload
    duplicates: list[Filed]


def received_reports(store: Store) -> ReceivedReports:
    """The reports as :class:`ReceivedReports`: a kiosk cannot choose the
    code of another kiosk's report and be taken for it (nor have its clock
    decide which report is meant): a code means what first came with it."""
    reports: dict[str, tuple[Filed, Any]] = {}
    duplicates: list[Filed] = []
    enrolled = {device.device_id: device.enrolled for device in store.devices()}
    for event in store.stream_events_received(*REPORT_STREAMS):
        payload = event.payload
        if not isinstance(payload, dict) or not tracking.is_canonical(payload.get("code")):
            continue  # refused on arrival since atk13b; one taken before is never listed
        code = payload.get("code")
        filed = Filed(code if isinstance(code, str) else "", event.stream, event.device_id,
                      _filed_at(event.created, event.received,
                                enrolled.get(event.device_id, 0.0)), event.received)
        if filed.code in reports:
            duplicates.append(filed)
        else:
            reports[filed.code] = (filed, payload)
    return ReceivedReports(reports, duplicates)


def filed_reports(store: Store) -> list[Filed]:
    """Every report the county holds (the first of each code), newest first,
    none of them opened."""
    found = [filed for filed, _ in received_reports(store).reports.values()]
    return sorted(found, key=lambda filed: filed.created, reverse=True)


def open_report(data_dir: Path | str, store: Store, code: str) -> Report | None:
    """The report *code* (the first that arrived with it), opened with the
    county's key in memory only (the caller shows it and forgets it: it is
    never written anywhere); None if the county holds no report with that code."""
    bound = received_reports(store).reports.get(code)
    if bound is None:
        return None
    filed, payload = bound
    try:
        key: X25519PrivateKey | str = load_complaint_key(data_dir)
    except CountyError as error:
        key = str(error)
    return _open_report(key, filed.kind, filed.device_id, payload, filed.created, {})


# -- progress --------------------------------------------------------------------


def record_status(data_dir: Path | str, store: Store, code: str, status: str, *,
                  reply: str | None, handler: str, day: date, now: float) -> dict[str, Any]:
    """Within the caller's transaction: add the step to *code*'s history
    (:class:`~county.complaint_history.StatusGoesBack` if it goes back) and
    publish the statuses of every report, this one with *reply*, to every
    device; the new entry."""
    reply = reply.strip() if reply else None
    if reply is not None and len(reply) > MAX_REPLY:
        raise CountyError(f"the reply is {len(reply)} characters: at most {MAX_REPLY}")
    add_step(store, code, status, at=now, day=day.isoformat(), handler=handler, reply=reply)
    statuses = _statuses(store)
    entry: dict[str, Any] = {"status": status, "date": day.isoformat()}
    if reply:
        entry["reply"] = reply
    statuses[code] = entry
    add_document(store, load_key(CountyDir(Path(data_dir)).key), *STATUS_DOCUMENT,
                 {"statuses": statuses}, audience="*", days_valid=DAYS_VALID, now=now)
    return entry


def set_status(
    data_dir: Path | str,
    code: str,
    status: str,
    *,
    on: date | None = None,
    now: float | None = None,
    reply: str | None = None,
    handler: str = "operator",
) -> dict[str, Any]:
    """Record that the report *code* is *status* since *on* (default today),
    with *reply* for the villager, and publish the statuses of every report
    to every device; the new entry with its code."""
    code = tracking.normalise(code)
    if status not in STATUSES:
        raise CountyError(f"status {status!r} is not known: use one of {', '.join(STATUSES)}")
    if not tracking.is_valid(code):
        raise CountyError(f"{code!r} is not a tracking code (10 digits, the last a check "
                          "digit): copy it again from the complaints list")
    county = existing_county(data_dir)
    now = time.time() if now is None else now
    day = on or datetime.fromtimestamp(now).date()
    with Store.open(county.database) as store:
        if not any(filed.code == code for filed in filed_reports(store)):
            raise CountyError(
                f"no report with tracking code {code} has reached the county: check the code, "
                "or wait for the kiosk to sync (`village-edge county complaints`)"
            )
        with store.transaction():
            entry = record_status(county.root, store, code, status, reply=reply,
                                  handler=handler, day=day, now=now)
    return {"code": code, **entry}

"""What the county's operator does, as functions over a data directory: make
enrollment codes, publish documents, read the statistics, show the key.

The CLI (``village-edge county ...``) and the tests call these; they work
while the server runs (SQLite serialises the writers). Each raises
:class:`~county.errors.CountyError` with a sentence saying what to do.
"""

from __future__ import annotations

import json
import time
import tomllib
from pathlib import Path
from typing import Any

from county.datadir import CountyDir, existing_county
from county.enrollment import code_digest, code_expiry, new_code, role_for_device
from county.errors import CountyError, NoCounty
from county.feed import publish_document
from county.keyfile import load_key
from county.seal_requests import REQUEST_STREAM, SEAL_ROLES
from county.store import Store
from protocol.api import DEVICE_ID, LEDGER_STREAM, VILLAGE_CODE
from protocol.documents import (
    DOCUMENT_KINDS,
    EVERY_DEVICE,
    NAME_PATTERN,
    DocumentRejected,
    SignedDocument,
)
from protocol.ledger_chain import check_chain
from protocol.signing import public_key_text

OPERATOR_KINDS = tuple(kind for kind in DOCUMENT_KINDS if kind != "time")  # time: the server's


def _check_device_id(device_id: str) -> None:
    if not DEVICE_ID.fullmatch(device_id):
        raise CountyError(
            f"{device_id!r} is not a device id: 3 to 40 lower-case letters, digits and '-' "
            "(the [device] id in the device's config.toml)"
        )


def make_enroll_code(data_dir: Path | str, device_id: str, *, role: str | None = None,
                     village: str | None = None, now: float | None = None) -> str:
    """A new one-time code enrolling *device_id* as *role* (default: the
    role its id names by convention, :func:`county.enrollment.role_for_device`),
    like ``K7QM-3XPA-9TRW``.

    It expires after 7 days; making another code for the same device
    replaces any code of it not yet used. With *village*, it enrolls the
    device only in that village.
    """
    if village is not None and not VILLAGE_CODE.fullmatch(village):
        raise CountyError(f"{village!r} is not a village code: its 12 digits, such as "
                          "330226100201")
    county = existing_county(data_dir)
    with Store.open(county.database) as store, store.transaction():
        return issue_enroll_code(store, device_id, role=role, village=village,
                                 now=time.time() if now is None else now)


def issue_enroll_code(store: Store, device_id: str, *, role: str | None, now: float,
                      village: str | None = None) -> str:
    """:func:`make_enroll_code` within a transaction the caller holds on
    *store* (the console records who made it in the same transaction)."""
    _check_device_id(device_id)
    code = new_code(role if role is not None else role_for_device(device_id))
    store.add_enroll_code(code_digest(code, village), device_id, now, code_expiry(now))
    return code


def publish(
    data_dir: Path | str,
    kind: str,
    name: str,
    body: dict[str, Any],
    *,
    audience: str = EVERY_DEVICE,
    days_valid: float = 365,
    now: float | None = None,
) -> SignedDocument:
    """Sign and publish the next version of (*kind*, *name*) to *audience*
    (``*``, or one enrolled device). The body is published as it is: a
    catalog must have been checked by the caller (the county does not know
    the power list's rules; ``village-edge county publish`` checks it)."""
    if kind not in OPERATOR_KINDS:
        raise CountyError(f"cannot publish a {kind!r}: the kinds are {', '.join(OPERATOR_KINDS)}")
    if not NAME_PATTERN.fullmatch(name):
        raise CountyError(
            f"{name!r} cannot name a document: up to 80 letters, digits, '.', '_' and '-', "
            "starting with a letter or digit"
        )
    if audience != EVERY_DEVICE:
        _check_device_id(audience)
    if not days_valid > 0:
        raise CountyError(f"days_valid must be above 0, got {days_valid}")
    if not isinstance(body, dict):
        raise CountyError(f"the body of {kind}/{name} must be a JSON object")
    county = existing_county(data_dir)
    key = load_key(county.key)
    try:
        with Store.open(county.database) as store:
            if audience != EVERY_DEVICE and store.device(audience) is None:
                enrolled = ", ".join(d.device_id for d in store.devices()[:10]) or "none yet"
                raise CountyError(
                    f"{audience} is not a device enrolled with this county (enrolled: "
                    f"{enrolled}); check the id with 'village-edge county stats', or use * "
                    "for every device"
                )
            _, signed = publish_document(
                store, key, kind, name, body, audience=audience, days_valid=days_valid,
                now=time.time() if now is None else now,
            )
    except (DocumentRejected, ValueError) as error:  # ValueError: NaN or such in the body
        raise CountyError(f"{kind}/{name} cannot be published: {error}") from None
    return signed


def publish_file(
    data_dir: Path | str,
    kind: str,
    path: Path | str,
    *,
    audience: str = EVERY_DEVICE,
    days_valid: float = 365,
) -> SignedDocument:
    """Publish the JSON object (or, from a ``.toml`` file, the TOML table) in
    *path* as (*kind*, the file's stem)."""
    path = Path(path)
    body = read_document_file(path, kind)
    if not NAME_PATTERN.fullmatch(path.stem):
        raise CountyError(
            f"{path}: the file name {path.stem!r} becomes the document name and must be up to "
            "80 letters, digits, '.', '_' and '-'; rename the file"
        )
    return publish(data_dir, kind, path.stem, body, audience=audience, days_valid=days_valid)


def read_document_file(path: Path, kind: str) -> dict[str, Any]:
    """The body of a document in the file *path*: a JSON object, or from a
    ``.toml`` file a TOML table; :class:`CountyError` saying what is wrong."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CountyError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CountyError(f"{path} cannot be read as UTF-8 text: {error}") from None
    if path.suffix.lower() == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise CountyError(f"{path} is not valid TOML: {error}") from None
    try:
        body = json.loads(text)
    except ValueError as error:
        raise CountyError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise CountyError(
            f"{path} holds a JSON {type(body).__name__}, but a {kind} must be a JSON object "
            "({...}) at the top level"
        )
    return body


def county_public_key(data_dir: Path | str) -> str:
    """The key devices pin (base64url of its 32 raw bytes). Only the key is
    read: a technician may print it where the database is not theirs."""
    county = CountyDir(Path(data_dir))
    if not county.key.exists():
        raise NoCounty(f"no county in {county.root} (no county.key): start it once with "
                       f"`village-edge county serve --data {county.root}`, or check --data")
    return public_key_text(load_key(county.key))


REJECTION_COUNTERS = ("forged", "replayed", "stale", "unknown_device", "enroll_refused")


def stats(data_dir: Path | str) -> dict[str, Any]:
    """What the county has received and refused, overall and per device.

    ``rejected.replayed`` counts every request refused as a replay, stale
    timestamps included; ``rejected.stale`` counts those alone. A device's
    ``foreign_seal_requests`` counts the seal requests it sent although it is
    not enrolled as a seal station: kept, never approvable.
    """
    county = existing_county(data_dir)
    with Store.open(county.database) as store:
        counters = store.counters()
        devices: dict[str, Any] = {}
        for device in store.devices():
            streams = store.events_by_stream(device.device_id)
            ledger = None
            if LEDGER_STREAM in streams:
                ledger = check_chain(store.payloads(device.device_id, LEDGER_STREAM)).to_dict()
            devices[device.device_id] = {
                "role": device.role,
                "village_code": device.village_code,
                "enrolled": device.enrolled,
                "last_seen": device.last_seen,
                "backlog": device.backlog,
                "backlog_reported": device.backlog_reported,
                "events_by_stream": streams,
                "foreign_seal_requests": (streams.get(REQUEST_STREAM, 0)
                                          if device.role not in SEAL_ROLES else 0),
                "ledger": ledger,
            }
        return {
            "events_stored": store.event_count(),
            "duplicates_rejected": counters.get("duplicates", 0),
            "rejected": {name: counters.get(name, 0) for name in REJECTION_COUNTERS},
            "documents_published": store.document_count(),
            "blobs": store.blob_counts(),
            "devices": devices,
        }

"""A village's disclosures in the county's feed: published by a clerk as
the signed document ``disclosure/<village>-<12 hex>`` to that village's
devices only (audience ``village:<code>``), listed from the feed itself,
and withdrawn by publishing the next version with no entries
(:func:`protocol.disclosure.withdrawn_body`), which the kiosk shows as
nothing. The feed is the record: there is no table of its own.

Every function here runs within the caller's transaction, so that a
document is published together with its audit row, or not at all.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from county.console.accounts import EVERYWHERE, Account
from county.console.disclosure_form import Entry
from county.feed import add_document
from county.keyfile import load_key
from county.store import Store
from protocol.api import VILLAGE_CODE
from protocol.disclosure import KIND, withdrawn_body
from protocol.documents import VILLAGE_AUDIENCE, SignedDocument, village_audience

#: How long a device enrolling later still takes a disclosure (a kiosk keeps
#: what it holds past this): a village's accounts stay public for years.
DAYS_VALID = 3 * 365
NAME = re.compile(r"(?P<village>[0-9]{12})-[0-9a-f]{12}")
SHOWN_AT_MOST = 100


@dataclass(frozen=True)
class Published:
    """One disclosure of a village: what it says, and whether it is withdrawn."""

    name: str
    village: str
    entry: Entry | None  # the last version with an entry (None: never had one)
    version: int  # the latest
    published: float  # the first version's
    withdrawn: float | None  # when the latest version, with no entries, was published


def new_name(village: str) -> str:
    """A name for a new disclosure of *village*, never used before."""
    return f"{village}-{secrets.token_hex(6)}"


def name_of(village: str, name: str) -> bool:
    """Whether *name* can name a disclosure of *village*."""
    match = NAME.fullmatch(name)
    return match is not None and match["village"] == village


def villages_of(store: Store, account: Account) -> list[str]:
    """The villages *account* publishes for: its own, or (the whole county)
    every village with an enrolled device or a disclosure."""
    if EVERYWHERE not in account.villages:
        return sorted(v for v in account.villages if VILLAGE_CODE.fullmatch(v))
    known = {device.village_code for device in store.devices()}
    rows = store.execute("SELECT DISTINCT audience FROM documents WHERE kind = ? AND "
                         "audience LIKE ?", (KIND, VILLAGE_AUDIENCE + "%"))
    known |= {row["audience"].removeprefix(VILLAGE_AUDIENCE) for row in rows}
    return sorted(v for v in known if VILLAGE_CODE.fullmatch(v))


def publish_entry(store: Store, key_path: Path, village: str, name: str, entry: Entry,
                  now: float) -> SignedDocument | None:
    """Sign and publish *entry* as the first version of *name* for the
    devices of *village*; None if *name* was published already (the same
    form sent twice: it is published once)."""
    store.lock("documents")
    if store.latest_version(KIND, name):
        return None
    _, signed = add_document(store, load_key(key_path), KIND, name, entry.body(),
                             audience=village_audience(village), days_valid=DAYS_VALID, now=now)
    return signed


def withdraw(store: Store, key_path: Path, published: Published, now: float) -> SignedDocument:
    """Publish the next version of *published* with no entries."""
    store.lock("documents")
    _, signed = add_document(store, load_key(key_path), KIND, published.name, withdrawn_body(),
                             audience=village_audience(published.village),
                             days_valid=DAYS_VALID, now=now)
    return signed


def village_disclosures(store: Store, village: str) -> tuple[list[Published], int]:
    """The disclosures of *village*, newest first (at most
    :data:`SHOWN_AT_MOST`), and how many there are in all."""
    rows = store.execute("SELECT name, version, wire, published FROM documents WHERE kind = ? "
                         "AND audience = ? ORDER BY seq", (KIND, village_audience(village)))
    every = _gathered(village, rows)
    every.sort(key=lambda p: p.published, reverse=True)
    return every[:SHOWN_AT_MOST], len(every)


def find(store: Store, village: str, name: str) -> Published | None:
    """The disclosure *name* of *village* (None: there is none)."""
    if not name_of(village, name):
        return None
    rows = store.execute("SELECT name, version, wire, published FROM documents WHERE kind = ? "
                         "AND name = ? AND audience = ? ORDER BY seq",
                         (KIND, name, village_audience(village)))
    found = _gathered(village, rows)
    return found[0] if found else None


def _gathered(village: str, rows: list[dict[str, Any]]) -> list[Published]:
    """*rows* (in publication order) gathered by name."""
    gathered: dict[str, Published] = {}
    for row in rows:
        body = _body(row["wire"])
        entries = body.get("entries")
        withdrawn = isinstance(entries, list) and not entries
        entry = None if withdrawn else Entry.from_body(body)
        held = gathered.get(row["name"])
        gathered[row["name"]] = Published(
            row["name"], village, entry or (held.entry if held else None), int(row["version"]),
            held.published if held else float(row["published"]),
            float(row["published"]) if withdrawn else None)
    return list(gathered.values())


def _body(wire: Any) -> dict[str, Any]:
    data = json.loads(wire) if isinstance(wire, str) else wire
    body = data.get("document", {}).get("body") if isinstance(data, dict) else None
    return body if isinstance(body, dict) else {}

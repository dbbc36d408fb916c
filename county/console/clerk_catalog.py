"""The clerk's catalogs: checked with the very code ``village-edge catalog
validate`` runs (:func:`powerlist.files.decode_catalog_bytes` and
:func:`powerlist.parse_catalog`, what :func:`powerlist.validate_file`
calls), kept as drafts until published, and published as the signed feed
document ``catalog/<id>`` to every device. Nothing is signed without being
checked again at that moment: a draft is text, never trusted.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from county.console.clerk_problems import Problem, translate_all
from county.feed import add_document
from county.keyfile import load_key
from county.store import Store
from powerlist import Catalog, CatalogError, catalog_to_dict, parse_catalog
from powerlist.files import decode_catalog_bytes

DAYS_VALID = 365  # as `village-edge county publish` signs a catalog
DRAFT_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
COLUMNS = "id, account, file_name, uploaded, sha256, text, published"


@dataclass(frozen=True)
class Checked:
    """A catalog file checked: *catalog* when valid, else its *problems*."""

    file_name: str
    text: str | None
    catalog: Catalog | None
    problems: list[Problem]


def safe_file_name(name: str) -> str:
    """The name a browser sent, without folders or characters that would
    confuse where a problem is (``:``), at most 80 characters."""
    base = PureWindowsPath(PurePosixPath(name).name).name
    base = re.sub(r"[\x00-\x1f:]", "", base).strip()[:80]
    return base or "清单.toml"


def check_text(text: str, file_name: str) -> Checked:
    try:
        catalog = parse_catalog(text, file_name)
    except CatalogError as error:
        return Checked(file_name, text, None, translate_all(error.problems, file_name))
    return Checked(file_name, text, catalog, [])


def check_bytes(data: bytes, file_name: str) -> Checked:
    """The uploaded file *data* checked as ``catalog validate`` checks a file."""
    file_name = safe_file_name(file_name)
    try:
        text = decode_catalog_bytes(data, file_name)
    except CatalogError as error:
        return Checked(file_name, None, None, translate_all(error.problems, file_name))
    return check_text(text, file_name)


@dataclass(frozen=True)
class Draft:
    id: str
    account: str
    file_name: str
    uploaded: float
    sha256: str
    text: str
    published: float | None


def save_draft(store: Store, account: str, checked: Checked, now: float) -> str:
    """Keep a valid catalog's text until it is published (caller's transaction)."""
    assert checked.text is not None and checked.catalog is not None
    draft_id = secrets.token_urlsafe(18)
    store.execute(
        f"INSERT INTO catalog_drafts ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (draft_id, account, checked.file_name, now,
         hashlib.sha256(checked.text.encode()).hexdigest(), checked.text, None))
    return draft_id


def load_draft(store: Store, draft_id: str, account: str) -> Draft | None:
    """*account*'s draft *draft_id* (another account's is not found)."""
    if not DRAFT_ID.fullmatch(draft_id):
        return None
    rows = store.execute(f"SELECT {COLUMNS} FROM catalog_drafts WHERE id = ? AND account = ?",
                         (draft_id, account))
    return Draft(**rows[0]) if rows else None


def recent_drafts(store: Store, account: str, limit: int = 8) -> list[Draft]:
    rows = store.execute(f"SELECT {COLUMNS} FROM catalog_drafts WHERE account = ? "
                         "ORDER BY uploaded DESC LIMIT ?", (account, limit))
    return [Draft(**row) for row in rows]


def publish_draft(store: Store, key_path: Path, draft: Draft, now: float) -> tuple[int, Checked]:
    """Check *draft* again and, valid, sign and publish it to every device
    (caller's transaction); the version published (0: not published, the
    problems are in the :class:`Checked`)."""
    checked = check_text(draft.text, draft.file_name)
    if checked.catalog is None:
        return 0, checked
    _, signed = add_document(store, load_key(key_path), "catalog", checked.catalog.id,
                             catalog_to_dict(checked.catalog), audience="*",
                             days_valid=DAYS_VALID, now=now)
    store.execute("UPDATE catalog_drafts SET published = ? WHERE id = ?", (now, draft.id))
    return signed.document.version, checked

"""The county's database: one SQLite file (WAL, synchronous=FULL) holding the
enrolled devices, enrollment codes, seen nonces, events, published documents,
blob progress, the rejection counters and the county's answers to seal
requests.

Each HTTP request opens its own :class:`Store` (SQLite connections are cheap
and must not cross threads); every write happens inside
:meth:`Store.transaction`, which takes the write lock up front so concurrent
requests serialise instead of failing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from county.errors import CountyError, NoCounty
from county.policy import NONCE_WINDOW_SECONDS

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS devices (
    device_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    role TEXT NOT NULL,
    village_code TEXT NOT NULL,
    enrolled REAL NOT NULL,
    last_seen REAL,
    backlog INTEGER,
    backlog_reported REAL
);
CREATE TABLE IF NOT EXISTS enroll_codes (
    code_sha256 TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    created REAL NOT NULL,
    expires REAL NOT NULL,
    revoked REAL,
    used REAL,
    used_key TEXT
);
CREATE TABLE IF NOT EXISTS nonces (
    device_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    seen REAL NOT NULL,
    PRIMARY KEY (device_id, nonce)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nonces_by_time ON nonces (seen);
CREATE TABLE IF NOT EXISTS events (
    device_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    created REAL NOT NULL,
    payload TEXT NOT NULL,
    received REAL NOT NULL,
    PRIMARY KEY (device_id, event_id)
);
CREATE INDEX IF NOT EXISTS events_by_stream ON events (device_id, stream);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    audience TEXT NOT NULL,
    wire TEXT NOT NULL,
    published REAL NOT NULL,
    UNIQUE (kind, name, version)
);
CREATE INDEX IF NOT EXISTS documents_by_audience ON documents (audience, seq);
CREATE TABLE IF NOT EXISTS blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    received INTEGER NOT NULL,
    complete INTEGER NOT NULL,
    device_id TEXT NOT NULL,
    updated REAL NOT NULL
);
"""

#: One answer per seal request, a request being (station, request id): the
#: primary key is what makes a second approval of one request impossible.
#: Made by the server's start and, for a database from before it, on first use.
SEAL_ANSWERS_TABLE = """
CREATE TABLE IF NOT EXISTS seal_answers (
    device_id TEXT NOT NULL,
    req TEXT NOT NULL,
    answer TEXT NOT NULL CHECK (answer IN ('approved', 'refused')),
    answer_id TEXT NOT NULL UNIQUE,
    slot TEXT NOT NULL,
    uses INTEGER,
    expires REAL,
    approver TEXT NOT NULL,
    reason TEXT,
    token TEXT,
    answered REAL NOT NULL,
    published REAL,
    PRIMARY KEY (device_id, req)
)
"""


@dataclass(frozen=True)
class Device:
    device_id: str
    public_key: str
    role: str
    village_code: str
    enrolled: float
    last_seen: float | None
    backlog: int | None
    backlog_reported: float | None


@dataclass(frozen=True)
class EnrollCode:
    code_sha256: str
    device_id: str
    created: float
    expires: float
    revoked: float | None
    used: float | None
    used_key: str | None


@dataclass(frozen=True)
class BlobProgress:
    sha256: str
    size: int
    received: int
    complete: bool


@dataclass(frozen=True)
class StoredEvent:
    """An event as the county holds it, with the sender's role (None if the
    device is no longer enrolled) and when the county received it."""

    device_id: str
    role: str | None
    payload: Any
    created: float
    received: float


@dataclass(frozen=True)
class SealAnswer:
    """The county's answer to one seal request: ``approved`` (with the
    token, written before it is published) or ``refused``."""

    device_id: str
    req: str
    answer: str
    answer_id: str
    slot: str
    uses: int | None
    expires: float | None
    approver: str
    reason: str | None
    token: str | None
    answered: float
    published: float | None


class Store:
    """One connection to the county database."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    @classmethod
    def open(cls, path: Path, *, create: bool = False) -> Store:
        if not create and not path.exists():
            raise NoCounty(
                f"no county database at {path}: start the county once with "
                f"`village-edge county serve --data {path.parent}`, or check --data"
            )
        connection = sqlite3.connect(path, timeout=30, isolation_level=None)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA busy_timeout = 30000")
        store = cls(connection)
        if create:
            store._create()
        return store

    def _create(self) -> None:
        mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            raise CountyError(f"the county database cannot use WAL (got {mode!r})")
        with self.transaction():
            self._run_schema()
            self._db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )

    def _run_schema(self) -> None:
        # executescript() would COMMIT the open transaction; run statement by statement.
        for statement in SCHEMA.split(";"):
            if statement.strip():
                self._db.execute(statement)
        self._db.execute(SEAL_ANSWERS_TABLE)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing; committed (and, with synchronous=FULL, on disk) on exit."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- counters ------------------------------------------------------------

    def bump(self, name: str, by: int = 1) -> None:
        if by:
            self._db.execute(
                "INSERT INTO counters (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
                (name, by),
            )

    def counters(self) -> dict[str, int]:
        rows = self._db.execute("SELECT name, value FROM counters")
        return {row["name"]: row["value"] for row in rows}

    # -- devices -------------------------------------------------------------

    def device(self, device_id: str) -> Device | None:
        row = self._db.execute("SELECT * FROM devices WHERE device_id = ?", (device_id,)).fetchone()
        return Device(**dict(row)) if row else None

    def devices(self) -> list[Device]:
        rows = self._db.execute("SELECT * FROM devices ORDER BY device_id")
        return [Device(**dict(row)) for row in rows]

    def enroll_device(
        self, device_id: str, public_key: str, role: str, village_code: str, now: float
    ) -> None:
        self._db.execute(
            "INSERT INTO devices (device_id, public_key, role, village_code, enrolled, last_seen) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET "
            "public_key = excluded.public_key, role = excluded.role, "
            "village_code = excluded.village_code, enrolled = excluded.enrolled, "
            "last_seen = excluded.last_seen",
            (device_id, public_key, role, village_code, now, now),
        )

    def touch_device(self, device_id: str, now: float) -> None:
        self._db.execute("UPDATE devices SET last_seen = ? WHERE device_id = ?", (now, device_id))

    def report_backlog(self, device_id: str, backlog: int, now: float) -> None:
        self._db.execute(
            "UPDATE devices SET backlog = ?, backlog_reported = ? WHERE device_id = ?",
            (backlog, now, device_id),
        )

    # -- nonces --------------------------------------------------------------

    def remember_nonce(self, device_id: str, nonce: str, now: float) -> bool:
        """False if *device_id* used *nonce* within the nonce window."""
        self._db.execute("DELETE FROM nonces WHERE seen < ?", (now - NONCE_WINDOW_SECONDS,))
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO nonces (device_id, nonce, seen) VALUES (?, ?, ?)",
            (device_id, nonce, now),
        )
        return cursor.rowcount == 1

    # -- enrollment codes ----------------------------------------------------

    def add_enroll_code(self, code_sha256: str, device_id: str, now: float, expires: float) -> int:
        """Store a new code for *device_id*, revoking its unused older ones (returned count)."""
        revoked = self._db.execute(
            "UPDATE enroll_codes SET revoked = ? "
            "WHERE device_id = ? AND used IS NULL AND revoked IS NULL",
            (now, device_id),
        ).rowcount
        self._db.execute(
            "INSERT INTO enroll_codes (code_sha256, device_id, created, expires) "
            "VALUES (?, ?, ?, ?)",
            (code_sha256, device_id, now, expires),
        )
        return revoked

    def enroll_code(self, code_sha256: str) -> EnrollCode | None:
        row = self._db.execute(
            "SELECT * FROM enroll_codes WHERE code_sha256 = ?", (code_sha256,)
        ).fetchone()
        return EnrollCode(**dict(row)) if row else None

    def use_enroll_code(self, code_sha256: str, public_key: str, now: float) -> None:
        self._db.execute(
            "UPDATE enroll_codes SET used = ?, used_key = ? WHERE code_sha256 = ?",
            (now, public_key, code_sha256),
        )

    # -- events --------------------------------------------------------------

    def add_event(
        self, device_id: str, event_id: str, stream: str, created: float,
        payload: str, now: float,
    ) -> bool:
        """Store one event; False if (device, id) is already stored."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO events "
            "(device_id, event_id, stream, created, payload, received) VALUES (?, ?, ?, ?, ?, ?)",
            (device_id, event_id, stream, created, payload, now),
        )
        return cursor.rowcount == 1

    def event_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM events").fetchone()[0])

    def events_by_stream(self, device_id: str) -> dict[str, int]:
        rows = self._db.execute(
            "SELECT stream, count(*) AS n FROM events WHERE device_id = ? "
            "GROUP BY stream ORDER BY stream",
            (device_id,),
        )
        return {row["stream"]: row["n"] for row in rows}

    def stream_events(self, stream: str) -> list[tuple[str, Any, float]]:
        """(device, payload, created) of every event of *stream*, newest first."""
        rows = self._db.execute(
            "SELECT device_id, payload, created FROM events WHERE stream = ? "
            "ORDER BY created DESC",
            (stream,),
        )
        return [(row["device_id"], json.loads(row["payload"]), row["created"]) for row in rows]

    def stream_events_received(self, stream: str) -> list[StoredEvent]:
        """Every event of *stream*, in the order the county received them,
        with the role its device is enrolled in."""
        rows = self._db.execute(
            "SELECT e.device_id, d.role, e.payload, e.created, e.received FROM events e "
            "LEFT JOIN devices d ON d.device_id = e.device_id WHERE e.stream = ? "
            "ORDER BY e.received, e.rowid",
            (stream,),
        )
        return [StoredEvent(row["device_id"], row["role"], json.loads(row["payload"]),
                            row["created"], row["received"]) for row in rows]

    def payloads(self, device_id: str, stream: str) -> list[Any]:
        rows = self._db.execute(
            "SELECT payload FROM events WHERE device_id = ? AND stream = ? ORDER BY created, rowid",
            (device_id, stream),
        )
        return [json.loads(row["payload"]) for row in rows]

    # -- documents -----------------------------------------------------------

    def latest_version(self, kind: str, name: str) -> int:
        row = self._db.execute(
            "SELECT max(version) FROM documents WHERE kind = ? AND name = ?", (kind, name)
        ).fetchone()
        return int(row[0] or 0)

    def add_document(
        self, kind: str, name: str, version: int, audience: str, wire: str, now: float
    ) -> int:
        cursor = self._db.execute(
            "INSERT INTO documents (kind, name, version, audience, wire, published) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (kind, name, version, audience, wire, now),
        )
        return int(cursor.lastrowid or 0)

    def documents_after(self, after: int, device_id: str, limit: int) -> list[tuple[int, Any]]:
        """(seq, wire) of the documents for *device_id* (or everyone) after *after*."""
        rows = self._db.execute(
            "SELECT seq, wire FROM documents WHERE seq > ? AND audience IN ('*', ?) "
            "ORDER BY seq LIMIT ?",
            (after, device_id, limit),
        )
        return [(row["seq"], json.loads(row["wire"])) for row in rows]

    def document_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM documents").fetchone()[0])

    # -- blobs ---------------------------------------------------------------

    def blob(self, sha256: str) -> BlobProgress | None:
        row = self._db.execute(
            "SELECT sha256, size, received, complete FROM blobs WHERE sha256 = ?", (sha256,)
        ).fetchone()
        if row is None:
            return None
        return BlobProgress(row["sha256"], row["size"], row["received"], bool(row["complete"]))

    def set_blob(
        self, sha256: str, size: int, received: int, complete: bool, device_id: str, now: float
    ) -> None:
        self._db.execute(
            "INSERT INTO blobs (sha256, size, received, complete, device_id, updated) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO UPDATE SET "
            "size = excluded.size, received = excluded.received, complete = excluded.complete, "
            "device_id = excluded.device_id, updated = excluded.updated",
            (sha256, size, received, int(complete), device_id, now),
        )

    def forget_blob(self, sha256: str) -> None:
        self._db.execute("DELETE FROM blobs WHERE sha256 = ?", (sha256,))

    def blob_counts(self) -> dict[str, int]:
        rows = self._db.execute("SELECT complete, count(*) AS n FROM blobs GROUP BY complete")
        counts = {"complete": 0, "partial": 0}
        for row in rows:
            counts["complete" if row["complete"] else "partial"] = row["n"]
        return counts

    # -- answers to seal requests ----------------------------------------------

    def _answers_table(self) -> None:
        self._db.execute(SEAL_ANSWERS_TABLE)

    def add_seal_answer(self, answer: SealAnswer) -> bool:
        """Record *answer*; False if its request already has one."""
        self._answers_table()
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO seal_answers (device_id, req, answer, answer_id, slot, uses, "
            "expires, approver, reason, token, answered, published) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (answer.device_id, answer.req, answer.answer, answer.answer_id, answer.slot,
             answer.uses, answer.expires, answer.approver, answer.reason, answer.token,
             answer.answered, answer.published),
        )
        return cursor.rowcount == 1

    def seal_answers(self) -> dict[tuple[str, str], SealAnswer]:
        """Every answer, by (station, request id)."""
        self._answers_table()
        rows = self._db.execute("SELECT * FROM seal_answers ORDER BY answered")
        return {(row["device_id"], row["req"]): SealAnswer(**dict(row)) for row in rows}

    def seal_answer(self, device_id: str, req: str) -> SealAnswer | None:
        self._answers_table()
        row = self._db.execute(
            "SELECT * FROM seal_answers WHERE device_id = ? AND req = ?", (device_id, req)
        ).fetchone()
        return SealAnswer(**dict(row)) if row else None

    def mark_answer_published(self, device_id: str, req: str, now: float) -> None:
        self._db.execute(
            "UPDATE seal_answers SET published = ? WHERE device_id = ? AND req = ?",
            (now, device_id, req),
        )

    def forget_unpublished_answer(self, device_id: str, req: str) -> None:
        """Take back an answer that never left the county (its writing failed)."""
        self._db.execute(
            "DELETE FROM seal_answers WHERE device_id = ? AND req = ? AND published IS NULL",
            (device_id, req),
        )

"""The county's database, whichever engine holds it: the enrolled devices,
enrollment codes, seen nonces, events, published documents, blob progress,
the rejection counters and the county's answers to seal requests.

:class:`Store` is one connection and every query the county makes, written
once in the SQL both engines read (``?`` placeholders, ``ON CONFLICT``,
``RETURNING``); an engine (:mod:`county.sqlite_store`,
:mod:`county.postgres_store`) supplies the connection, transactions, locks
and the few statements that differ. The tables are made by the versioned
migrations of :mod:`county.migrations`.

Every write happens inside :meth:`Store.transaction`, which is committed
(on disk, in either engine) when it ends: what the county acknowledges is
durable.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from county.policy import NONCE_WINDOW_SECONDS
from protocol.documents import VILLAGE_AUDIENCE

if TYPE_CHECKING:
    from county.database import Location

#: How often (by the requests' clock) a connection forgets nonces past the window.
NONCE_PURGE_SECONDS = 60.0

Row = Any  # a mapping from column name to value (sqlite3.Row, or a dict)


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
    stream: str = ""


@dataclass(frozen=True)
class NewEvent:
    """An event of a batch, ready to store: its payload already JSON text."""

    event_id: str
    stream: str
    created: float
    payload: str


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


DEVICE_COLUMNS = ("device_id, public_key, role, village_code, enrolled, last_seen, backlog, "
                  "backlog_reported")
ANSWER_COLUMNS = ("device_id, req, answer, answer_id, slot, uses, expires, approver, reason, "
                  "token, answered, published")


class Store:
    """One connection to the county database. Use :meth:`open` for a
    connection of one's own (the operator's commands), or a
    :class:`county.database.Database` for a pool of them (the server)."""

    engine = "?"
    #: the column that orders events as they were received
    arrival = "rowid"

    #: when (by the requests' clock) this process last forgot old nonces
    _purged_at: ClassVar[float] = float("-inf")

    @classmethod
    def open(cls, where: Location | Path | str) -> Store:
        """A connection of its own to the database at *where* (a location,
        or the path of an SQLite file); closed when the ``with`` ends."""
        from county.database import Location, connect

        location = where if isinstance(where, Location) else Location.sqlite(Path(where))
        return connect(location)

    # -- what an engine provides ------------------------------------------------

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement; a cursor with ``rowcount``, ``fetchone``, ``fetchall``."""
        raise NotImplementedError

    def _execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[None]:
        """All or nothing; committed, and on disk, when it ends."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def run_script(self, sql: str) -> None:
        """Run the statements of *sql* (a migration) within the open transaction."""
        raise NotImplementedError

    def reusable(self) -> bool:
        """Whether another request may have this connection (no transaction left open)."""
        return True

    def exclusive(self, name: str) -> AbstractContextManager[None]:
        """Hold the lock *name* for a ``with`` block, against every other
        request of every server process (writes inside it use
        :meth:`transaction` as usual)."""
        raise NotImplementedError

    def lock(self, name: str) -> None:
        """Within a transaction: wait until no other transaction holds the
        lock *name*, and hold it until this one ends. SQLite's transactions
        already hold the whole database (nothing to do); PostgreSQL's take
        an advisory lock, which holds across server processes."""

    def _insert_events(self, device_id: str, events: Sequence[NewEvent], now: float) -> set[str]:
        """Store *events* of *device_id*, skipping ids already stored; the ids stored."""
        stored = set()
        for event in events:
            cursor = self._execute(
                "INSERT INTO events (device_id, event_id, stream, created, payload, received) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, event_id) DO NOTHING",
                (device_id, event.event_id, event.stream, event.created, event.payload, now),
            )
            if cursor.rowcount == 1:
                stored.add(event.event_id)
        return stored

    # -- plumbing ----------------------------------------------------------------

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(self._execute(sql, params).fetchall())

    def _row(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return self._execute(sql, params).fetchone()

    def _value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self._row(sql, params)
        return None if row is None else next(iter(dict(row).values()))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Run any statement (``?`` placeholders); its rows as dicts. For
        tests and repairs: the county's own code uses the methods below."""
        cursor = self._execute(sql, params)
        if cursor.description is None:  # a statement that returns no rows
            return []
        return [dict(row) for row in cursor.fetchall()]

    # -- counters ------------------------------------------------------------

    def bump(self, name: str, by: int = 1) -> None:
        if by:
            self._execute(
                "INSERT INTO counters (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value",
                (name, by),
            )

    def counters(self) -> dict[str, int]:
        rows = self._rows("SELECT name, value FROM counters")
        return {row["name"]: int(row["value"]) for row in rows}

    # -- devices -------------------------------------------------------------

    def device(self, device_id: str) -> Device | None:
        row = self._row(f"SELECT {DEVICE_COLUMNS} FROM devices WHERE device_id = ?", (device_id,))
        return Device(**dict(row)) if row else None

    def devices(self) -> list[Device]:
        rows = self._rows(f"SELECT {DEVICE_COLUMNS} FROM devices ORDER BY device_id")
        return [Device(**dict(row)) for row in rows]

    def enroll_device(
        self, device_id: str, public_key: str, role: str, village_code: str, now: float
    ) -> None:
        self._execute(
            "INSERT INTO devices (device_id, public_key, role, village_code, enrolled, last_seen) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET "
            "public_key = excluded.public_key, role = excluded.role, "
            "village_code = excluded.village_code, enrolled = excluded.enrolled, "
            "last_seen = excluded.last_seen",
            (device_id, public_key, role, village_code, now, now),
        )

    def touch_device(self, device_id: str, now: float) -> None:
        self._execute("UPDATE devices SET last_seen = ? WHERE device_id = ?", (now, device_id))

    def report_backlog(self, device_id: str, backlog: int, now: float) -> None:
        self._execute(
            "UPDATE devices SET backlog = ?, backlog_reported = ? WHERE device_id = ?",
            (backlog, now, device_id),
        )

    # -- nonces --------------------------------------------------------------

    def remember_nonce(self, device_id: str, nonce: str, now: float) -> bool:
        """False if *device_id* used *nonce* within the nonce window. The
        database's key on (device, nonce) decides, whichever server process
        asks first; a nonce seen before the window counts as new."""
        window = now - NONCE_WINDOW_SECONDS
        if not 0 <= now - Store._purged_at < NONCE_PURGE_SECONDS:
            self._execute("DELETE FROM nonces WHERE seen < ?", (window,))
            Store._purged_at = now
        cursor = self._execute(
            "INSERT INTO nonces (device_id, nonce, seen) VALUES (?, ?, ?) "
            "ON CONFLICT (device_id, nonce) DO UPDATE SET seen = excluded.seen "
            "WHERE nonces.seen < ?",
            (device_id, nonce, now, window),
        )
        return bool(cursor.rowcount == 1)

    def accept_nonce(self, device_id: str, nonce: str, now: float,
                     clock_offset: float | None = None) -> bool:
        """:meth:`remember_nonce`, and if it is fresh, that the device was
        seen now (and its clock *clock_offset* from the county's); all or
        nothing."""
        with self.transaction():
            fresh = self.remember_nonce(device_id, nonce, now)
            if fresh:
                self.touch_device(device_id, now)
                if clock_offset is not None:
                    from county.device_health import note_clock_offset

                    note_clock_offset(self, device_id, clock_offset, now)
        return fresh

    # -- enrollment codes ----------------------------------------------------

    def add_enroll_code(self, code_sha256: str, device_id: str, now: float, expires: float) -> int:
        """Store a new code for *device_id*, revoking its unused older ones (returned count)."""
        revoked = self._execute(
            "UPDATE enroll_codes SET revoked = ? "
            "WHERE device_id = ? AND used IS NULL AND revoked IS NULL",
            (now, device_id),
        ).rowcount
        self._execute(
            "INSERT INTO enroll_codes (code_sha256, device_id, created, expires) "
            "VALUES (?, ?, ?, ?)",
            (code_sha256, device_id, now, expires),
        )
        return int(revoked)

    def enroll_code(self, code_sha256: str) -> EnrollCode | None:
        """The code, locked until the transaction ends (a code is used once,
        even by two server processes at the same moment)."""
        row = self._row(
            "SELECT code_sha256, device_id, created, expires, revoked, used, used_key "
            f"FROM enroll_codes WHERE code_sha256 = ?{self._for_update}", (code_sha256,)
        )
        return EnrollCode(**dict(row)) if row else None

    _for_update = ""  # PostgreSQL: " FOR UPDATE"

    def use_enroll_code(self, code_sha256: str, public_key: str, now: float) -> None:
        self._execute(
            "UPDATE enroll_codes SET used = ?, used_key = ? WHERE code_sha256 = ?",
            (now, public_key, code_sha256),
        )

    # -- events --------------------------------------------------------------

    def add_event(
        self, device_id: str, event_id: str, stream: str, created: float,
        payload: str, now: float,
    ) -> bool:
        """Store one event; False if (device, id) is already stored."""
        return bool(self._insert_events(device_id, [NewEvent(event_id, stream, created, payload)],
                                        now))

    def add_events(
        self, device_id: str, events: Sequence[NewEvent], now: float
    ) -> tuple[list[str], list[str]]:
        """Store a batch in one go: (ids accepted, ids already stored), in
        the batch's order. The database's key on (device, event id) decides
        which is which, whichever server process stores it first."""
        stored = self._insert_events(device_id, events, now)
        accepted: list[str] = []
        duplicates: list[str] = []
        for event in events:
            if event.event_id in stored:
                stored.discard(event.event_id)  # an id twice in one batch: the second is a repeat
                accepted.append(event.event_id)
            else:
                duplicates.append(event.event_id)
        return accepted, duplicates

    def event_count(self) -> int:
        return int(self._value("SELECT count(*) AS n FROM events"))

    def events_by_stream(self, device_id: str) -> dict[str, int]:
        rows = self._rows(
            "SELECT stream, count(*) AS n FROM events WHERE device_id = ? "
            "GROUP BY stream ORDER BY stream",
            (device_id,),
        )
        return {row["stream"]: int(row["n"]) for row in rows}

    def device_events(self, device_id: str) -> list[tuple[str, str, Any]]:
        """(event id, stream, payload) of every event of *device_id*, as received."""
        rows = self._rows(
            f"SELECT event_id, stream, payload FROM events WHERE device_id = ? "
            f"ORDER BY {self.arrival}",
            (device_id,),
        )
        return [(row["event_id"], row["stream"], json.loads(row["payload"])) for row in rows]

    def stream_events(self, stream: str) -> list[tuple[str, Any, float]]:
        """(device, payload, created) of every event of *stream*, newest first."""
        rows = self._rows(
            "SELECT device_id, payload, created FROM events WHERE stream = ? "
            "ORDER BY created DESC",
            (stream,),
        )
        return [(row["device_id"], json.loads(row["payload"]), row["created"]) for row in rows]

    def stream_events_received(self, stream: str, *more: str) -> list[StoredEvent]:
        """Every event of *stream* (and of the streams *more*), in the order
        the county received them, with the role its device is enrolled in."""
        streams = (stream, *more)
        rows = self._rows(
            "SELECT e.device_id, d.role, e.stream, e.payload, e.created, e.received "
            "FROM events e LEFT JOIN devices d ON d.device_id = e.device_id "
            f"WHERE e.stream IN ({', '.join('?' * len(streams))}) "
            f"ORDER BY e.received, e.{self.arrival}",
            streams,
        )
        return [StoredEvent(row["device_id"], row["role"], json.loads(row["payload"]),
                            row["created"], row["received"], row["stream"]) for row in rows]

    def payloads(self, device_id: str, stream: str) -> list[Any]:
        rows = self._rows(
            "SELECT payload FROM events WHERE device_id = ? AND stream = ? "
            f"ORDER BY created, {self.arrival}",
            (device_id, stream),
        )
        return [json.loads(row["payload"]) for row in rows]

    # -- documents -----------------------------------------------------------

    def latest_version(self, kind: str, name: str) -> int:
        value = self._value(
            "SELECT max(version) AS v FROM documents WHERE kind = ? AND name = ?", (kind, name)
        )
        return int(value or 0)

    def add_document(
        self, kind: str, name: str, version: int, audience: str, wire: str, now: float
    ) -> int:
        """Store a document; its seq. Documents are stored one at a time, so
        a device reading the feed after seq N never misses one committed
        later with a lower seq."""
        self.lock("documents")
        value = self._value(
            "INSERT INTO documents (kind, name, version, audience, wire, published) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING seq",
            (kind, name, version, audience, wire, now),
        )
        return int(value or 0)

    def documents_after(self, after: int, device_id: str, limit: int) -> list[tuple[int, Any]]:
        """(seq, wire) of the documents after *after* for *device_id*: those
        for everyone, for it, and for the village it is enrolled in
        (``village:<code>``: :func:`protocol.documents.village_audience`)."""
        rows = self._rows(
            "SELECT seq, wire FROM documents WHERE seq > ? AND audience IN ('*', ?, "
            f"(SELECT '{VILLAGE_AUDIENCE}' || village_code FROM devices WHERE device_id = ?)) "
            "ORDER BY seq LIMIT ?",
            (after, device_id, device_id, limit),
        )
        return [(int(row["seq"]), json.loads(row["wire"])) for row in rows]

    def document_count(self) -> int:
        return int(self._value("SELECT count(*) AS n FROM documents"))

    # -- blobs ---------------------------------------------------------------

    def blob(self, sha256: str) -> BlobProgress | None:
        row = self._row(
            "SELECT sha256, size, received, complete FROM blobs WHERE sha256 = ?", (sha256,)
        )
        if row is None:
            return None
        return BlobProgress(row["sha256"], int(row["size"]), int(row["received"]),
                            bool(row["complete"]))

    def set_blob(
        self, sha256: str, size: int, received: int, complete: bool, device_id: str, now: float
    ) -> None:
        self._execute(
            "INSERT INTO blobs (sha256, size, received, complete, device_id, updated) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO UPDATE SET "
            "size = excluded.size, received = excluded.received, complete = excluded.complete, "
            "device_id = excluded.device_id, updated = excluded.updated",
            (sha256, size, received, int(complete), device_id, now),
        )

    def forget_blob(self, sha256: str) -> None:
        self._execute("DELETE FROM blobs WHERE sha256 = ?", (sha256,))

    def blob_counts(self) -> dict[str, int]:
        rows = self._rows("SELECT complete, count(*) AS n FROM blobs GROUP BY complete")
        counts = {"complete": 0, "partial": 0}
        for row in rows:
            counts["complete" if row["complete"] else "partial"] = int(row["n"])
        return counts

    # -- answers to seal requests ----------------------------------------------

    def add_seal_answer(self, answer: SealAnswer) -> bool:
        """Record *answer*; False if its request already has one."""
        cursor = self._execute(
            f"INSERT INTO seal_answers ({ANSWER_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (answer.device_id, answer.req, answer.answer, answer.answer_id, answer.slot,
             answer.uses, answer.expires, answer.approver, answer.reason, answer.token,
             answer.answered, answer.published),
        )
        return bool(cursor.rowcount == 1)

    def seal_answers(self) -> dict[tuple[str, str], SealAnswer]:
        """Every answer, by (station, request id)."""
        rows = self._rows(f"SELECT {ANSWER_COLUMNS} FROM seal_answers ORDER BY answered")
        return {(row["device_id"], row["req"]): SealAnswer(**dict(row)) for row in rows}

    def seal_answer(self, device_id: str, req: str) -> SealAnswer | None:
        row = self._row(
            f"SELECT {ANSWER_COLUMNS} FROM seal_answers WHERE device_id = ? AND req = ?",
            (device_id, req),
        )
        return SealAnswer(**dict(row)) if row else None

    def mark_answer_published(self, device_id: str, req: str, now: float) -> bool:
        """Record that the answer left the county; False if it had already
        (two approvers finishing one approval at once: the first one does)."""
        cursor = self._execute(
            "UPDATE seal_answers SET published = ? "
            "WHERE device_id = ? AND req = ? AND published IS NULL",
            (now, device_id, req),
        )
        return bool(cursor.rowcount == 1)

    def forget_unpublished_answer(self, device_id: str, req: str) -> None:
        """Take back an answer that never left the county (its writing failed)."""
        self._execute(
            "DELETE FROM seal_answers WHERE device_id = ? AND req = ? AND published IS NULL",
            (device_id, req),
        )


"""The engine for a county and beyond: PostgreSQL through psycopg 3, with a
connection pool per server process.

Several server processes share one database safely because the database
decides everything that must happen once: an event is stored once per
(device, event id) by the events table's key, a nonce once per device by
the nonces table's key, an enrollment code is used once because it is read
``FOR UPDATE``, and documents are numbered in the order they are committed
(an advisory lock). A batch of events goes in as one multi-row statement
(the batch as one JSON array, expanded by the database), committed before
the county acknowledges it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from county.errors import CountyError, DatabaseUnavailable
from county.policy import NONCE_WINDOW_SECONDS
from county.store import NONCE_PURGE_SECONDS, NewEvent, Store

if TYPE_CHECKING:  # psycopg reads its package metadata when imported: only when used
    import psycopg
    from psycopg_pool import ConnectionPool

CONNECT_SECONDS = 10
_converted: dict[str, str] = {}


def _sql(statement: str) -> str:
    """*statement* with psycopg's placeholders for the ``?`` the store writes."""
    converted = _converted.get(statement)
    if converted is None:
        converted = statement.replace("%", "%%").replace("?", "%s")
        _converted[statement] = converted
    return converted


class PostgresStore(Store):
    engine = "postgresql"
    arrival = "seq"
    _for_update = " FOR UPDATE"

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._db = connection

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._db.execute(_sql(sql), params)

    def _execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._db.cursor() as cursor:
            cursor.executemany(_sql(sql), rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._db.transaction():
            yield

    def reusable(self) -> bool:
        from psycopg.pq import TransactionStatus

        return bool(self._db.info.transaction_status == TransactionStatus.IDLE)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        # a lock of the session, not of a transaction: what the block commits stays
        # committed even if it then raises
        key = (f"village-edge-county:{name}",)
        self._db.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", key)
        try:
            yield
        finally:
            self._db.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", key)

    def lock(self, name: str) -> None:
        self._db.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                         (f"village-edge-county:{name}",))

    def _insert_events(self, device_id: str, events: Sequence[NewEvent], now: float) -> set[str]:
        # the whole batch as one JSON parameter: psycopg adapts one string in C, where
        # four arrays of 500 values each would be adapted value by value in Python
        batch = json.dumps([[e.event_id, e.stream, e.created, e.payload] for e in events],
                           ensure_ascii=False, allow_nan=False)
        rows = self._db.execute(
            "INSERT INTO events (device_id, event_id, stream, created, payload, received) "
            "SELECT %s, e->>0, e->>1, (e->>2)::float8, e->>3, %s "
            "FROM json_array_elements(%s::json) AS e "
            "ON CONFLICT (device_id, event_id) DO NOTHING RETURNING event_id",
            (device_id, now, batch),
        ).fetchall()
        return {row["event_id"] for row in rows}

    def accept_nonce(self, device_id: str, nonce: str, now: float,
                     clock_offset: float | None = None) -> bool:
        # one statement (so one round trip, and atomic by itself) instead of a
        # transaction of two or three: this runs for every signed request
        window = now - NONCE_WINDOW_SECONDS
        if not 0 <= now - Store._purged_at < NONCE_PURGE_SECONDS:
            self._db.execute("DELETE FROM nonces WHERE seen < %s", (window,))
            Store._purged_at = now
        clock: str = ""
        clock_params: tuple[Any, ...] = ()
        if clock_offset is not None:  # county.device_health.note_clock_offset, in the same go
            clock = ("clock AS (INSERT INTO device_health (device_id, clock_offset, "
                     "clock_measured) SELECT %s, %s, %s WHERE EXISTS (SELECT 1 FROM fresh) "
                     "ON CONFLICT (device_id) DO UPDATE SET clock_offset = "
                     "excluded.clock_offset, clock_measured = excluded.clock_measured), ")
            clock_params = (device_id, clock_offset, now)
        row = self._db.execute(
            "WITH fresh AS (INSERT INTO nonces (device_id, nonce, seen) VALUES (%s, %s, %s) "
            "ON CONFLICT (device_id, nonce) DO UPDATE SET seen = excluded.seen "
            "WHERE nonces.seen < %s RETURNING 1), "
            f"{clock}"
            "seen AS (UPDATE devices SET last_seen = %s WHERE device_id = %s "
            "AND EXISTS (SELECT 1 FROM fresh)) "
            "SELECT count(*) AS n FROM fresh",
            (device_id, nonce, now, window, *clock_params, now, device_id),
        ).fetchone()
        return bool(row is not None and row["n"] == 1)

    def run_script(self, sql: str) -> None:
        self._db.execute(sql.encode())  # several statements in one, within the transaction


def _unreachable(url: str, error: Exception) -> DatabaseUnavailable:
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return DatabaseUnavailable(
        f"cannot use the county database {url} ({first}): check that PostgreSQL runs, the URL "
        "in county.toml or --database, and the password file (docs/county.md)")


def connect_postgres(url: str) -> PostgresStore:
    import psycopg
    from psycopg.rows import dict_row

    try:
        connection = psycopg.connect(url, autocommit=True, row_factory=dict_row,
                                     connect_timeout=CONNECT_SECONDS)
    except psycopg.Error as error:
        raise _unreachable(url, error) from None
    return PostgresStore(connection)


def open_pool(url: str, size: int) -> ConnectionPool[Any]:
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool, PoolTimeout

    pool: ConnectionPool[Any] = ConnectionPool(
        url, min_size=size, max_size=size, open=False, timeout=30, name="county",
        kwargs={"autocommit": True, "row_factory": dict_row, "connect_timeout": CONNECT_SECONDS},
    )
    try:
        pool.open(wait=True, timeout=CONNECT_SECONDS)
    except PoolTimeout:
        pool.close()
        try:  # say why, in the words of the database
            connect_postgres(url).close()
        except CountyError as error:
            raise error from None
        raise DatabaseUnavailable(f"cannot connect to the county database {url} within "
                          f"{CONNECT_SECONDS} s") from None
    return pool


@contextmanager
def pooled(pool: object) -> Iterator[Store]:
    from psycopg_pool import ConnectionPool

    assert isinstance(pool, ConnectionPool)
    with pool.connection() as connection:
        yield PostgresStore(connection)


def close_pool(pool: object) -> None:
    from psycopg_pool import ConnectionPool

    assert isinstance(pool, ConnectionPool)
    pool.close()

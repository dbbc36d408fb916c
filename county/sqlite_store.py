"""The embedded engine: one SQLite file in WAL mode with synchronous=FULL
(a commit is on disk when it returns), for the demo and a township-sized
county served by one server process.

A transaction takes the write lock up front (``BEGIN IMMEDIATE``), so
concurrent requests wait for each other instead of failing.
"""

from __future__ import annotations

import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from county.errors import CountyError, NoCounty
from county.store import Store

STRIPES = 64
_stripes: list[threading.Lock] = []
_stripes_made = threading.Lock()


def _stripe(name: str) -> threading.Lock:
    """One of :data:`STRIPES` locks of this process, always the same for *name*."""
    with _stripes_made:
        if not _stripes:
            _stripes.extend(threading.Lock() for _ in range(STRIPES))
    return _stripes[zlib.crc32(name.encode()) % STRIPES]


class SqliteStore(Store):
    engine = "sqlite"
    arrival = "rowid"

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._db.execute(sql, params)

    def _execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._db.executemany(sql, rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        # one server process uses an SQLite county: a lock of this process is enough,
        # and no transaction waits on it (a chunk written to disk takes a while)
        with _stripe(name):
            yield

    def reusable(self) -> bool:
        return not self._db.in_transaction

    def close(self) -> None:
        self._db.close()

    def run_script(self, sql: str) -> None:
        """Statements separated by ``;`` within the open transaction
        (``executescript`` would commit it); a statement ends at a ``;``
        only where SQLite says it is complete (a trigger's body has ``;``
        inside it)."""
        statement = ""
        for piece in sql.split(";"):
            statement += piece + ";"
            if sqlite3.complete_statement(statement):
                if statement.strip(" \t\n;"):
                    self._db.execute(statement)
                statement = ""
        if statement.strip(" \t\n;"):
            self._db.execute(statement)


def connect_sqlite(path: Path, *, create: bool = False) -> SqliteStore:
    if not create and not path.exists():
        raise NoCounty(
            f"no county database at {path}: start the county once with "
            f"`village-edge county serve --data {path.parent}`, or check --data"
        )
    connection = sqlite3.connect(path, timeout=30, isolation_level=None,
                                 check_same_thread=False)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("PRAGMA busy_timeout = 30000")
    if create:
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            connection.close()
            raise CountyError(f"the county database {path} cannot use WAL (got {mode!r})")
    return SqliteStore(connection)

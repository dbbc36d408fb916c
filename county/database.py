"""Where the county's database is, and connections to it.

A :class:`Location` names one of the two engines: an SQLite file (the
embedded default, ``county.db`` in the data directory: nothing to set up)
or a PostgreSQL database (``postgresql://user@host/dbname``, for a county
and beyond; the password is never part of it: libpq reads it from
``PGPASSFILE`` or ``~/.pgpass``). :func:`connect` makes one connection
(the operator's commands); :class:`Database` keeps a pool of them for a
server process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from county.errors import CountyError
from county.store import Store

ENGINES = ("sqlite", "postgresql")
POSTGRES_SCHEMES = ("postgresql", "postgres")


class BadLocation(CountyError, ValueError):
    """A database location that names no engine the county has."""


@dataclass(frozen=True)
class Location:
    engine: str  # one of ENGINES
    target: str  # the SQLite file's path, or the PostgreSQL URL

    @classmethod
    def sqlite(cls, path: Path) -> Location:
        return cls("sqlite", str(path))

    @classmethod
    def parse(cls, text: str, base: Path) -> Location:
        """A location as an operator writes it: ``postgresql://...``, or
        ``sqlite:///abs/path``, ``sqlite:relative/path`` (from *base*)."""
        text = text.strip()
        scheme = text.split(":", 1)[0].lower() if ":" in text else ""
        if scheme in POSTGRES_SCHEMES:
            parts = urlsplit(text)
            if parts.password is not None:
                raise BadLocation(
                    "the database URL carries a password: leave it out and give it in a "
                    "password file (PGPASSFILE, or ~/.pgpass; docs/county.md shows how), so it "
                    "is never seen in a command line or a process list")
            if not parts.path.strip("/"):
                raise BadLocation(f"the database URL {text!r} names no database: "
                                  "postgresql://USER@HOST/DATABASE")
            return cls("postgresql", text)
        if scheme == "sqlite":
            path = text[len("sqlite:"):]
            path = path[2:] if path.startswith("//") else path
            if not path:
                raise BadLocation("sqlite: names no file: sqlite:///path/to/county.db")
            return cls.sqlite(base / path)
        raise BadLocation(
            f"{text!r} is not a database the county can use: postgresql://USER@HOST/DATABASE, "
            "or sqlite:///path/to/county.db")

    @property
    def path(self) -> Path:
        if self.engine != "sqlite":
            raise ValueError("a PostgreSQL database has no file")
        return Path(self.target)

    @property
    def shown(self) -> str:
        """How logs and messages name it."""
        return self.target if self.engine == "postgresql" else f"sqlite:{self.target}"

    def exists(self) -> bool:
        """For SQLite, whether the file is there; a PostgreSQL database is
        known only by connecting."""
        return self.engine != "sqlite" or self.path.exists()


def connect(location: Location, *, create: bool = False) -> Store:
    """One connection of its own to *location* (an SQLite file is made
    only if *create*)."""
    if location.engine == "sqlite":
        from county.sqlite_store import connect_sqlite

        return connect_sqlite(location.path, create=create)
    from county.postgres_store import connect_postgres

    return connect_postgres(location.target)


class Database:
    """The connections of one server process to *location*: up to *size*
    at once, each used by one request at a time."""

    def __init__(self, location: Location, size: int = 8) -> None:
        self.location = location
        self.size = size
        self._idle: list[Store] = []
        self._lock = threading.Lock()
        self._pool: object | None = None
        if location.engine == "postgresql":
            from county.postgres_store import open_pool

            self._pool = open_pool(location.target, size)

    @contextmanager
    def store(self) -> Iterator[Store]:
        """A connection for one request; given back when the ``with`` ends."""
        if self._pool is not None:
            from county.postgres_store import pooled

            with pooled(self._pool) as store:
                yield store
            return
        with self._lock:
            idle = self._idle.pop() if self._idle else None
        store = connect(self.location) if idle is None else idle
        try:
            yield store
        finally:
            with self._lock:
                keep = len(self._idle) < self.size and store.reusable()
                if keep:
                    self._idle.append(store)
            if not keep:
                store.close()

    def close(self) -> None:
        if self._pool is not None:
            from county.postgres_store import close_pool

            close_pool(self._pool)
        with self._lock:
            idle, self._idle = self._idle, []
        for store in idle:
            store.close()

"""The county database's schema, as versioned migrations.

Each engine has its migrations as plain SQL files in ``county/schema/<engine>/``,
``NNNN_what.sql``, applied in order, each in a transaction of its own
together with its row in ``schema_migrations`` (version, name, when): a
migration is applied whole or not at all. Both engines have the same
versions, making the same tables. Two processes migrating at once take
turns (SQLite's write lock; a PostgreSQL advisory lock), and the second
finds nothing left to do.

A database last migrated by a newer county (a version this one does not
know) is refused: this county would misread it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from importlib import resources

from county.database import Location, connect
from county.errors import CountyError
from county.store import Store

MIGRATION_FILE = re.compile(r"([0-9]{4})_([a-z0-9_]+)\.sql")
VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
    "name TEXT NOT NULL, applied DOUBLE PRECISION NOT NULL)"
)


class NewerDatabase(CountyError):
    """The database was migrated by a newer county than this one."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


@dataclass(frozen=True)
class MigrationReport:
    location: Location
    before: int  # the version found
    after: int  # the version now
    applied: tuple[Migration, ...]


def migrations(engine: str) -> list[Migration]:
    """The migrations of *engine*, in order."""
    folder = resources.files("county").joinpath("schema", engine)
    found = []
    for entry in folder.iterdir():
        match = MIGRATION_FILE.fullmatch(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in found]
    if versions != list(range(1, len(found) + 1)):
        raise CountyError(f"the {engine} migrations are not numbered 1, 2, 3...: {versions}")
    return found


def latest_version(engine: str) -> int:
    return len(migrations(engine))


def current_version(store: Store) -> int:
    """The version of the database behind *store* (0: never migrated)."""
    with store.transaction():
        store.execute(VERSION_TABLE)
    return int(store.execute("SELECT coalesce(max(version), 0) AS v FROM schema_migrations")
               [0]["v"])


def _refuse_newer(location: Location, found: int, known: int) -> None:
    if found > known:
        raise NewerDatabase(
            f"the county database {location.shown} is at schema version {found}, made by a "
            f"newer village-edge than this one (which knows versions up to {known}): run the "
            "newer village-edge, or restore the backup taken before it was upgraded")


def check_version(store: Store, location: Location) -> int:
    """The database's version; :class:`NewerDatabase` if it is newer than this county."""
    found = current_version(store)
    _refuse_newer(location, found, latest_version(store.engine))
    return found


def check_usable(location: Location) -> int:
    """The version of the existing database at *location*: :class:`NewerDatabase`
    if a newer county made it, 0 if it was never migrated."""
    with connect(location) as store:
        return check_version(store, location)


def migrate(location: Location, *, create: bool = True) -> MigrationReport:
    """Bring the database at *location* to the latest version (an SQLite
    file is made if *create*); what was done."""
    known = migrations(location.engine)
    with connect(location, create=create) as store:
        before = check_version(store, location)
        applied = []
        for migration in known[before:]:
            with store.transaction():
                store.lock("migrations")
                done = int(store.execute(
                    "SELECT count(*) AS n FROM schema_migrations WHERE version = ?",
                    (migration.version,))[0]["n"])
                if done:
                    continue  # another process applied it while this one waited
                store.run_script(migration.sql)
                store.execute("INSERT INTO schema_migrations (version, name, applied) "
                              "VALUES (?, ?, ?)", (migration.version, migration.name, time.time()))
            applied.append(migration)
        after = check_version(store, location)
    return MigrationReport(location, before, after, tuple(applied))

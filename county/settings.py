"""The county's configuration file, ``county.toml`` in its data directory:
where its database is, and how many connections a server process keeps.

    [database]
    url = "postgresql://county@localhost/county"   # no password here
    pool_size = 8

Without the file (or without ``url``) the county keeps its data in the
embedded SQLite file ``county.db`` beside it. Every command that is given
the data directory (``serve``, ``migrate``, ``enroll-code``, ...) reads the
same file, so they all use the same database.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from county.database import BadLocation, Location
from county.errors import CountyError

CONFIG_FILE = "county.toml"
SQLITE_FILE = "county.db"
DEFAULT_POOL_SIZE = 8


@dataclass(frozen=True)
class CountySettings:
    database: Location
    pool_size: int = DEFAULT_POOL_SIZE
    configured: bool = False  # the database was named in county.toml


def _table(document: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    table = document.get(name, {})
    if not isinstance(table, dict):
        raise CountyError(f"{path}: [{name}] must be a table")
    return table


def read_settings(root: Path) -> CountySettings:
    """The settings of the county in *root*; :class:`CountyError` saying
    what to fix in ``county.toml``."""
    path = root / CONFIG_FILE
    embedded = Location.sqlite(root / SQLITE_FILE)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return CountySettings(embedded)
    except (OSError, UnicodeDecodeError) as error:
        raise CountyError(f"{path} cannot be read: {error}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CountyError(f"{path} is not valid TOML: {error}") from None
    table = _table(document, "database", path)
    unknown = sorted(set(table) - {"url", "pool_size"})
    if unknown:
        raise CountyError(f"{path}: [database] has no {', '.join(unknown)} (it has url and "
                          "pool_size)")
    size = table.get("pool_size", DEFAULT_POOL_SIZE)
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 100:
        raise CountyError(f"{path}: [database] pool_size must be a whole number from 1 to 100")
    url = table.get("url")
    if url is None:
        return CountySettings(embedded, size)
    if not isinstance(url, str):
        raise CountyError(f"{path}: [database] url must be text, such as "
                          "\"postgresql://county@localhost/county\"")
    try:
        return CountySettings(Location.parse(url, root), size, configured=True)
    except BadLocation as error:
        raise CountyError(f"{path}: [database] url: {error}") from None


def record_database(root: Path, location: Location) -> bool:
    """Name *location* in ``county.toml`` so that every command given this
    data directory uses it; False if it was named there already. Refused
    when the file names another database."""
    settings = read_settings(root)
    if settings.database == location:
        return False
    path = root / CONFIG_FILE
    if settings.configured or path.exists():
        raise CountyError(
            f"{path} names the database {settings.database.shown}, not {location.shown}: "
            "change [database] url there (every county command reads it), not --database")
    path.write_text(f"[database]\nurl = {json.dumps(location.target)}\n", encoding="utf-8")
    return True

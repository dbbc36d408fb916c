"""Where a county keeps its state: ``county.key`` (the signing key),
``blobs/`` (uploaded files, partial ones ending ``.part``), ``county.toml``
(its settings: :mod:`county.settings`) and, unless ``county.toml`` names a
PostgreSQL database, ``county.db`` (SQLite), all under one data directory."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from county.database import Location
from county.errors import CountyError, NoCounty
from county.keyfile import load_or_create_key
from county.migrations import MigrationReport, check_usable, migrate
from county.objects import DiskObjects, ObjectStore
from county.settings import CountySettings, read_settings


@dataclass(frozen=True)
class CountyDir:
    root: Path

    @cached_property
    def settings(self) -> CountySettings:
        return read_settings(self.root)

    @property
    def database(self) -> Location:
        return self.settings.database

    @property
    def key(self) -> Path:
        return self.root / "county.key"

    @property
    def blobs(self) -> Path:
        return self.root / "blobs"

    @property
    def objects(self) -> ObjectStore:
        """Where complete uploads are kept, by their sha256."""
        return DiskObjects(self.blobs)


def make_county_dir(data_dir: Path | str) -> CountyDir:
    """The data directory *data_dir* with its directories and key, made if
    they are not there; its database is left as it is."""
    county = CountyDir(Path(data_dir))
    try:
        county.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        county.blobs.mkdir(mode=0o700, exist_ok=True)
    except OSError as error:
        raise CountyError(f"cannot make the county data directory {county.root}: {error}") from None
    load_or_create_key(county.key)
    return county


def init_county(data_dir: Path | str) -> CountyDir:
    """Make (or reuse) a county in *data_dir*: directories, key and database,
    migrated to the latest schema."""
    county, _ = init_county_reporting(data_dir)
    return county


def init_county_reporting(data_dir: Path | str) -> tuple[CountyDir, MigrationReport]:
    """:func:`init_county`, with what the migration did."""
    county = make_county_dir(data_dir)
    return county, migrate(county.database)


def existing_county(data_dir: Path | str) -> CountyDir:
    """The county in *data_dir*; :class:`CountyError` if none was started there."""
    county = CountyDir(Path(data_dir))
    database: Location = county.database
    if not county.key.exists() or not database.exists():
        missing = "county.key or county.db" if database.engine == "sqlite" else "county.key"
        raise NoCounty(
            f"no county in {county.root} (no {missing}): start it once with "
            f"`village-edge county serve --data {county.root}`, or check --data"
        )
    if check_usable(database) == 0:  # a newer database is refused here, as by serve
        raise NoCounty(
            f"the county database {database.shown} has no tables yet: run "
            f"`village-edge county migrate --data {county.root}` once"
        )
    return county

"""Where a county keeps its state: ``county.db`` (SQLite), ``county.key``
(the signing key) and ``blobs/`` (uploaded files, partial ones ending
``.part``), all under one data directory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from county.errors import CountyError, NoCounty
from county.keyfile import load_or_create_key
from county.store import Store


@dataclass(frozen=True)
class CountyDir:
    root: Path

    @property
    def database(self) -> Path:
        return self.root / "county.db"

    @property
    def key(self) -> Path:
        return self.root / "county.key"

    @property
    def blobs(self) -> Path:
        return self.root / "blobs"


def init_county(data_dir: Path | str) -> CountyDir:
    """Make (or reuse) a county in *data_dir*: directories, key and database."""
    county = CountyDir(Path(data_dir))
    try:
        county.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        county.blobs.mkdir(mode=0o700, exist_ok=True)
    except OSError as error:
        raise CountyError(f"cannot make the county data directory {county.root}: {error}") from None
    load_or_create_key(county.key)
    Store.open(county.database, create=True).close()
    return county


def existing_county(data_dir: Path | str) -> CountyDir:
    """The county in *data_dir*; :class:`CountyError` if none was started there."""
    county = CountyDir(Path(data_dir))
    if not county.key.exists() or not county.database.exists():
        raise NoCounty(
            f"no county in {county.root} (no county.key or county.db): start it once with "
            f"`village-edge county serve --data {county.root}`, or check --data"
        )
    return county

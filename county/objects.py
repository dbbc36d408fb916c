"""Where the county keeps the files devices upload (stamp photos, receipts):
by content, each named by its sha256, behind :class:`ObjectStore` so that
an S3-compatible object store can take the place of the disk.

An object goes in only whole and only if its bytes have the sha256 it is
named by: :meth:`ObjectStore.put_file` checks while it writes, and a mismatch
leaves nothing stored. The upload in chunks that leads to it is
:mod:`county.blobs`' business: its partial copies stay on local disk.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Protocol

from county.errors import CountyError
from durable.atomic import fsync_directory

BLOCK = 1024 * 1024


class ObjectDamaged(CountyError):
    """Bytes that do not have the sha256 they are stored or offered under."""

    def __init__(self, sha256: str, found: str) -> None:
        super().__init__(f"the bytes of {sha256} have sha256 {found}")
        self.sha256 = sha256
        self.found = found


class ObjectStore(Protocol):
    def has(self, sha256: str) -> bool:
        """Whether the object *sha256* is stored."""

    def put_file(self, sha256: str, source: Path) -> None:
        """Store the file *source* as *sha256* (the file is taken: moved or
        deleted); :class:`ObjectDamaged` if its bytes have another sha256."""

    def read(self, sha256: str) -> bytes:
        """The bytes of *sha256*, checked; :class:`ObjectDamaged` if they
        changed since, FileNotFoundError if there is none."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


class DiskObjects:
    """Objects as files ``DIRECTORY/<sha256>``, put in place atomically
    (fsync'd, renamed, the directory fsync'd)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, sha256: str) -> Path:
        return self.directory / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put_file(self, sha256: str, source: Path) -> None:
        found = file_sha256(source)
        if found != sha256:
            source.unlink(missing_ok=True)
            raise ObjectDamaged(sha256, found)
        descriptor = os.open(source, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(source, self.path(sha256))
        fsync_directory(self.directory)

    def read(self, sha256: str) -> bytes:
        data = self.path(sha256).read_bytes()
        found = hashlib.sha256(data).hexdigest()
        if found != sha256:
            raise ObjectDamaged(sha256, found)
        return data

"""Uploaded files (photos, receipts) named by their sha256, received in
chunks that may stop at any point and resume from what the county holds.

A chunk is appended only at the offset the county has received so far; it is
fsync'd before the new offset is recorded. When the last byte arrives the
whole file goes to the county's object store (:mod:`county.objects`), which
checks its sha256: a match is stored as ``<sha256>``; a mismatch is
discarded, so the device starts over. One chunk of a blob is taken at a
time, whichever server process receives it (:meth:`Store.exclusive`).

An upload in progress belongs to the device sending it: its progress is
kept under ``<sha256>/<device id>`` and its bytes in
``<sha256>.<device id>.part``, so no other device, knowing only a photo's
sha256, can plant bytes in it or change its size and make the owner's
upload fail. A complete blob, whose sha256 the county checked, is one for
everyone.
"""

from __future__ import annotations

import os
from pathlib import Path

from county.errors import CountyError
from county.objects import ObjectDamaged, ObjectStore
from county.store import BlobProgress, Store
from durable.atomic import fsync_directory
from protocol.api import HEADER_SIZE, MAX_BLOB_BYTES, mib


class BlobError(CountyError):
    """A chunk the county cannot take; :attr:`received` is what it holds."""

    def __init__(self, detail: str, received: int) -> None:
        super().__init__(detail)
        self.detail = detail
        self.received = received


class OffsetMismatch(BlobError):
    """The chunk does not start where the county's copy ends."""


class DigestMismatch(BlobError):
    """The complete file does not have the sha256 it was uploaded under."""


class BadChunk(BlobError):
    """Sizes that cannot be right (past the end, changed between chunks)."""


class BlobTooLarge(BlobError):
    """A blob over :data:`~protocol.api.MAX_BLOB_BYTES`."""


class BlobStore:
    """Uploads in progress in *directory* (``<sha256>.<device id>.part``),
    complete ones in *objects*."""

    def __init__(self, directory: Path, objects: ObjectStore) -> None:
        self.directory = directory
        self.objects = objects

    def _partial(self, sha256: str, device_id: str) -> Path:
        return self.directory / f"{sha256}.{device_id}.part"

    def progress(self, store: Store, sha256: str, device_id: str) -> BlobProgress:
        """The blob whole, or what *device_id* has sent of it so far."""
        whole = store.blob(sha256)
        if whole is not None and whole.complete:
            return whole
        mine = store.blob(_upload_key(sha256, device_id))
        if mine is None:
            return BlobProgress(sha256, 0, 0, False)
        return BlobProgress(sha256, mine.size, mine.received, False)

    def append(
        self, store: Store, sha256: str, offset: int, size: int, chunk: bytes,
        device_id: str, now: float,
    ) -> BlobProgress:
        """Add *chunk* at *offset* of the *size*-byte blob *sha256*."""
        if not 0 <= size <= MAX_BLOB_BYTES:
            raise BlobTooLarge(f"a blob may be at most {mib(MAX_BLOB_BYTES)}, this one is "
                               f"{size} bytes", 0)
        with store.exclusive(f"blob:{sha256}"):
            held = self.progress(store, sha256, device_id)
            if held.complete:
                return held  # already here: a repeat of the last chunk, or the same file again
            if held.received and held.size != size:
                raise BadChunk(f"this blob was started with {HEADER_SIZE} {held.size}, "
                               f"not {size}", held.received)
            if offset != held.received:
                raise OffsetMismatch(f"the county holds {held.received} bytes of this blob; "
                                     f"send from offset {held.received}, not {offset}",
                                     held.received)
            if offset + len(chunk) > size:
                raise BadChunk(f"offset {offset} + {len(chunk)} bytes runs past the size {size}",
                               held.received)
            received = self._write(self._partial(sha256, device_id), offset, chunk)
            if received < size:
                with store.transaction():
                    store.set_blob(_upload_key(sha256, device_id), size, received, False,
                                   device_id, now)
                return BlobProgress(sha256, size, received, False)
            return self._finish(store, sha256, size, device_id, now)

    def _write(self, partial: Path, offset: int, chunk: bytes) -> int:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.ftruncate(descriptor, offset)  # drop bytes written but never recorded (a crash)
            os.lseek(descriptor, offset, os.SEEK_SET)
            view = memoryview(chunk)
            while view:
                view = view[os.write(descriptor, view):]
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        if offset == 0:
            fsync_directory(self.directory)
        return offset + len(chunk)

    def _finish(
        self, store: Store, sha256: str, size: int, device_id: str, now: float
    ) -> BlobProgress:
        try:
            self.objects.put_file(sha256, self._partial(sha256, device_id))
        except ObjectDamaged as damaged:
            with store.transaction():
                store.forget_blob(_upload_key(sha256, device_id))
            raise DigestMismatch(
                f"the {size} bytes received have sha256 {damaged.found}, not {sha256}; "
                "the partial copy was discarded: upload the file again from offset 0", 0
            ) from None
        with store.transaction():
            store.set_blob(sha256, size, size, True, device_id, now)
            store.forget_blob(_upload_key(sha256, device_id))
        return BlobProgress(sha256, size, size, True)


def _upload_key(sha256: str, device_id: str) -> str:
    """Where the progress of *device_id*'s upload of *sha256* is kept."""
    return f"{sha256}/{device_id}"


"""Photos and documents (blobs) the device will never send, set aside.

A blob whose bytes no longer have the sha256 it is named by (a bad sector
of the SD card), that cannot be read, or that the county refused for good,
is moved from ``outbox/blobs/`` to ``outbox/quarantine/blobs/`` with a note
(``<sha256>.json``: why, when, which events named it). The note is written
first: once it is there the blob counts as set aside, even if the move
itself fails, and the agent never tries it again. The events that name it
are still sent; an event of the stream :data:`QUARANTINE_STREAM` tells the
county which blob will never come, and for which events.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from durable.atomic import atomic_write, fsync_directory

log = logging.getLogger(__name__)

QUARANTINE_STREAM = "sync.blob_quarantined"


class BlobQuarantine:
    """The ``quarantine/blobs/`` directory of an outbox."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _note(self, digest: str) -> Path:
        return self.directory / f"{digest}.json"

    def holds(self, digest: str) -> bool:
        return self._note(digest).exists()

    def count(self) -> int:
        return sum(1 for _ in self.directory.glob("*.json")) if self.directory.is_dir() else 0

    def set_aside(self, digest: str, source: Path, note: dict[str, Any]) -> None:
        """Keep *note* about the blob *digest*, then move its file *source*
        here (if it is still there). Raises :class:`OSError` only if the note
        cannot be written (a full or read-only disk)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        atomic_write(self._note(digest),
                     json.dumps(note, ensure_ascii=False, indent=1).encode())
        try:
            os.replace(source, self.directory / digest)
            fsync_directory(self.directory)
        except FileNotFoundError:
            pass
        except OSError as error:  # the note alone keeps it from being sent
            log.error("blob %s could not be moved to %s (%s); it stays in %s, marked",
                      digest, self.directory, error.strerror or error, source.parent)

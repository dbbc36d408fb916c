"""The device's copy of what the county published: the last good version of
each feed document, never replaced by a worse one.

Each accepted document is written atomically to ``<kind>/<name>.json`` (the
signed wire form, so a reader can verify it again), and ``generation`` is
bumped, so the kiosk and the seal controller notice a change by reading one
small file. A rejected document changes nothing and is counted.

Beside each document, ``<kind>/<name>.received`` records when it was
received: its version, the boot id and the boot clock (:mod:`sync.boot`);
for the county's clock, the moment its feed page was asked for (the county
read its clock after that, so the time anchored there is never behind).
Another process of the same boot can then tell how long ago that was, and
that a document kept from before a restart of the machine is old news: the
seal station takes the county's signed clock as "now" only this way.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from durable.atomic import atomic_write
from protocol.documents import DOCUMENT_KINDS, DocumentRejected, SignedDocument
from protocol.signing import key_fingerprint
from sync.boot import BootClock, BootMoment

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Receipt:
    """When the held version of a document was received."""

    version: int
    moment: BootMoment


class FeedStore:
    def __init__(
        self,
        directory: Path,
        county_key: Ed25519PublicKey,
        device_id: str,
        clock: Callable[[], float],
        *,
        boot: BootClock | None = None,
        village_code: str | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.county_key = county_key
        self.device_id = device_id
        # the village the device enrolled in (its config's [village] code): its
        # village's documents are taken; without it, no village's
        self.village_code = village_code
        self.clock = clock
        self.boot = boot or BootClock()
        self.rejected: Counter[str] = Counter()

    def _path(self, kind: str, name: str) -> Path:
        return self.directory / kind / f"{name}.json"

    def _receipt_path(self, kind: str, name: str) -> Path:
        return self.directory / kind / f"{name}.received"

    def receipt(self, kind: str, name: str) -> Receipt | None:
        """When the document held now was received; None if not recorded
        (a document kept by an older version of this program)."""
        try:
            data = json.loads(self._receipt_path(kind, name).read_bytes())
            return Receipt(int(data["version"]),
                           BootMoment(str(data["boot_id"]), float(data["boottime"])))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as error:
            log.warning("receipt of %s/%s is not valid: %s", kind, name, error)
            return None

    def get(self, kind: str, name: str) -> SignedDocument | None:
        """The held document, verified again; None if absent or tampered with."""
        try:
            wire = json.loads(self._path(kind, name).read_bytes())
            signed = SignedDocument.from_wire(wire)
            signed.check(self.county_key, device_id=self.device_id, now=0, held_version=None,
                         village_code=self.village_code)
        except FileNotFoundError:
            return None
        except (ValueError, DocumentRejected) as error:
            log.warning("feed document %s/%s on disk is not valid: %s", kind, name, error)
            return None
        return signed

    def held_version(self, kind: str, name: str) -> int | None:
        held = self.get(kind, name)
        return held.document.version if held else None

    def names(self, kind: str) -> list[str]:
        if kind not in DOCUMENT_KINDS:
            raise ValueError(f"unknown document kind {kind!r}")
        folder = self.directory / kind
        return sorted(p.stem for p in folder.glob("*.json")) if folder.exists() else []

    def accept(self, wire: object, *, received: BootMoment | None = None) -> SignedDocument:
        """Check a document from the feed and keep it; raises DocumentRejected.
        *received* is the moment recorded in its receipt (default: now); for
        the county's clock, the moment its feed page was asked for."""
        try:
            signed = SignedDocument.from_wire(wire)
            document = signed.document
            signed.check(
                self.county_key,
                device_id=self.device_id,
                now=self.clock(),
                held_version=self.held_version(document.kind, document.name),
                village_code=self.village_code,
            )
        except DocumentRejected as error:
            self.rejected[error.reason] += 1
            log.warning("feed document rejected: %s", error)
            raise
        data = json.dumps(signed.to_wire(), ensure_ascii=False, sort_keys=True).encode()
        received = received if received is not None else self.boot.moment()
        atomic_write(self._path(document.kind, document.name), data)
        # After the document: a crash in between leaves a receipt of another
        # version, which a reader ignores.
        receipt = {"version": document.version, **received.to_dict()}
        atomic_write(self._receipt_path(document.kind, document.name),
                     json.dumps(receipt).encode())
        self._bump_generation()
        log.info("feed: %s/%s v%d kept", document.kind, document.name, document.version)
        return signed

    def generation(self) -> int:
        try:
            return int((self.directory / "generation").read_text())
        except (FileNotFoundError, ValueError):
            return 0

    def _bump_generation(self) -> None:
        atomic_write(self.directory / "generation", f"{self.generation() + 1}\n".encode())

    @property
    def _cursor_path(self) -> Path:
        # Sequence numbers are the county's own: one cursor per county key, so a
        # device moved to another county starts that county's feed from the top.
        return self.directory / f"cursor-{key_fingerprint(self.county_key)}"

    def cursor(self) -> int:
        """The last feed sequence number taken from this county."""
        try:
            return int(self._cursor_path.read_text())
        except (FileNotFoundError, ValueError):
            return 0

    def set_cursor(self, seq: int) -> None:
        atomic_write(self._cursor_path, f"{seq}\n".encode())

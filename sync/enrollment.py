"""Which county this device belongs to, once it has enrolled.

Enrollment proves the device's new key to the county with a one-time code,
shown only to a server that has first proved it holds the county key pinned
in the device's configuration (or in the boot file, by its fingerprint); the
county answers with its public key, which must be that key again. The
outcome is kept in ``enrollment.json``.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from durable.atomic import atomic_write
from protocol.signing import SignatureError, key_fingerprint
from sync.client import CountyClient
from sync.errors import SyncError


class EnrollmentError(SyncError):
    """This device cannot talk to the county yet, and why."""


@dataclass(frozen=True)
class Enrollment:
    device_id: str
    county_url: str
    county_public_key: str
    enrolled_at: float

    @classmethod
    def load(cls, path: Path) -> Enrollment | None:
        try:
            return cls(**json.loads(path.read_text()))
        except FileNotFoundError:
            return None
        except (ValueError, TypeError) as error:
            raise EnrollmentError(f"{path} is damaged ({error}): enroll again") from None

    def save(self, path: Path) -> None:
        atomic_write(path, json.dumps(asdict(self), indent=1).encode())


class CountyKeyMismatch(EnrollmentError):
    """The server does not hold the pinned county key."""

    def __init__(self, message: str, offered: str, pinned: str, *, code_sent: bool) -> None:
        super().__init__(message)
        self.offered = offered  # the server's key's fingerprint, or "none"
        self.pinned = pinned  # the pinned key's fingerprint
        self.code_sent = code_sent  # False: the server never saw the enrollment code


def enroll(
    client: CountyClient,
    *,
    code: str,
    role: str,
    village_code: str,
    pinned_key: str = "",
    pinned_fingerprint: str = "",
    path: Path,
) -> Enrollment:
    """Enroll with the county that holds *pinned_key* (or a key whose
    fingerprint is *pinned_fingerprint*). The one-time code is sent only once
    the county has proved it holds that key (:meth:`CountyClient.proven_county_key`),
    so a wrong address or a mistyped key never uses it up."""
    if not pinned_key and not pinned_fingerprint:
        raise EnrollmentError(
            "no county key is pinned: set [county] public_key in the config (the county "
            "operator prints it with 'village-edge county key')"
        )
    pinned = key_fingerprint(pinned_key) if pinned_key else pinned_fingerprint
    proven = client.proven_county_key()
    _check_pinned(client, proven, pinned, pinned_key, code_sent=False)
    answer = client.enroll(code.strip().upper(), role, village_code, pinned_key or proven)
    offered = str(answer.get("county_public_key", ""))
    _check_pinned(client, offered, pinned, pinned_key or proven, code_sent=True)
    enrollment = Enrollment(client.device_id, client.base_url, offered, time.time())
    enrollment.save(path)
    return enrollment


def _check_pinned(
    client: CountyClient, offered: str, pinned: str, pinned_key: str, *, code_sent: bool
) -> None:
    """Raise :class:`CountyKeyMismatch` unless *offered* is the pinned key
    (*pinned_key*, or the key with the fingerprint *pinned*)."""
    try:
        theirs = key_fingerprint(offered)
    except SignatureError:
        theirs = "none"
    if (offered == pinned_key) if pinned_key else (theirs == pinned):
        return
    raise CountyKeyMismatch(
        f"the server at {client.base_url} has key {theirs}, not the pinned county key "
        f"{pinned}: wrong address, or someone in between; "
        + ("nothing was kept, but the code was shown to it: ask the county for a new one"
           if code_sent else "the enrollment code was not used and nothing was kept"),
        theirs, pinned, code_sent=code_sent)

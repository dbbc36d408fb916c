"""Which county this device belongs to, once it has enrolled.

Enrollment proves the device's new key to the county with a one-time code;
the county answers with its public key, which must match the key pinned in
the device's configuration. The outcome is kept in ``enrollment.json``.
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


def enroll(
    client: CountyClient,
    *,
    code: str,
    role: str,
    village_code: str,
    pinned_key: str,
    path: Path,
) -> Enrollment:
    """Enroll with the county; refuses a county whose key is not the pinned one."""
    if not pinned_key:
        raise EnrollmentError(
            "no county key is pinned: set [county] public_key in the config (the county "
            "operator prints it with 'village-edge county key')"
        )
    answer = client.enroll(code.strip().upper(), role, village_code)
    offered = str(answer.get("county_public_key", ""))
    if offered != pinned_key:
        try:
            theirs = key_fingerprint(offered)
        except SignatureError:
            theirs = "none"
        raise EnrollmentError(
            f"the server at {client.base_url} has key {theirs}, not the pinned county key "
            f"{key_fingerprint(pinned_key)}: wrong address, or someone in between; "
            "nothing was kept"
        )
    enrollment = Enrollment(client.device_id, client.base_url, offered, time.time())
    enrollment.save(path)
    return enrollment

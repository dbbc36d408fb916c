"""Enrollment codes: one-time codes an operator makes for one device, typed
by the technician at the device, proving the enrollment is expected.

A code is 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L),
shown as ``K7QM-3XPA-9TRW``; case, spaces and dashes do not matter when it is
typed. The county stores only its sha256.
"""

from __future__ import annotations

import hashlib
import secrets
import time

from county.policy import ENROLL_CODE_DAYS
from county.rejection import Rejected
from county.store import EnrollCode

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
GROUP = 4


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, CODE_LENGTH, GROUP))


def normalize_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def code_digest(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def code_expiry(now: float) -> float:
    return now + ENROLL_CODE_DAYS * 86400


def _when(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(timestamp))


def check_code(
    code: EnrollCode | None,
    device_id: str,
    public_key: str,
    enrolled_key: str | None,
    now: float,
) -> bool:
    """Raise :class:`Rejected` (403) unless *code* lets *device_id* enroll *public_key*.

    Returns True for a repeat of an enrollment already done with this code and
    this key (the device never saw the first answer): nothing changes.
    """
    ask = (
        "ask the county operator for a new one "
        f"(`village-edge county enroll-code --device {device_id}`)"
    )
    if code is None or code.device_id != device_id:
        raise Rejected(403, "bad_code",
                       f"this is not an enrollment code for device {device_id} "
                       f"(mistyped, or made for another device); check it or {ask}",
                       counters=("enroll_refused",))
    if code.used is not None:
        if code.used_key == public_key and enrolled_key == public_key:
            return True
        raise Rejected(403, "code_used",
                       f"this enrollment code was already used on {_when(code.used)}; "
                       f"a code works once: {ask}", counters=("enroll_refused",))
    if code.revoked is not None:
        raise Rejected(403, "code_replaced",
                       f"a newer code for {device_id} was made on {_when(code.revoked)}; "
                       "use the newest code", counters=("enroll_refused",))
    if now >= code.expires:
        raise Rejected(403, "code_expired",
                       f"this enrollment code expired on {_when(code.expires)} "
                       f"(codes last {ENROLL_CODE_DAYS} days); {ask}",
                       counters=("enroll_refused",))
    return False

"""Enrollment codes: one-time codes an operator makes for one device, typed
by the technician at the device, proving the enrollment is expected.

A code is 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L),
shown as ``K7QM-3XPA-9TRW``; case, spaces and dashes do not matter when it is
typed. The county stores only its sha256.

A code is made for one role (seal station, kiosk, or both): its last
character says which (:func:`code_role`), so the role is covered by the
digest like the rest of the code, and a device that claims another role at
enrollment is refused (``wrong_role``). A device does not pick its own role:
a code made for a kiosk never enrolls a seal station, which could file seal
requests that approvers see.

A code may also be made for one village (always from the console: the
village of the device, or the one its id names, ``ve-<village>-...``,
which the technician must see; from ``enroll-code --village``): the
village is in the stored digest (:func:`code_digest`), so the code opens
only an enrollment in that village, and a device never chooses its own.
A device already enrolled never moves to another village by enrolling
again (``wrong_village``): its history stays where it was made.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time

from county.policy import ENROLL_CODE_DAYS
from county.rejection import Rejected
from county.store import EnrollCode
from protocol.api import DEVICE_ROLES

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
GROUP = 4


ROLE_NAMES = {"seal": "seal station", "kiosk": "kiosk", "all": "kiosk and seal station"}


def new_code(role: str) -> str:
    """A fresh code for a device of *role* (one of DEVICE_ROLES)."""
    if role not in DEVICE_ROLES:
        raise ValueError(f"role must be one of {', '.join(DEVICE_ROLES)}, not {role!r}")
    marks = [c for i, c in enumerate(ALPHABET) if i % len(DEVICE_ROLES) == DEVICE_ROLES.index(role)]
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH - 1)) + secrets.choice(marks)
    return "-".join(raw[i : i + GROUP] for i in range(0, CODE_LENGTH, GROUP))


def code_role(code: str) -> str | None:
    """The role *code* was made for (its last character says); None if it
    cannot be one of this county's codes."""
    normalized = normalize_code(code)
    if not normalized or normalized[-1] not in ALPHABET:
        return None
    return DEVICE_ROLES[ALPHABET.index(normalized[-1]) % len(DEVICE_ROLES)]


def role_for_device(device_id: str) -> str:
    """The role a device id names by convention (``ve-...-seal1``,
    ``ve-...-kiosk1``); "all" for any other."""
    last = device_id.rsplit("-", 1)[-1]
    return next((role for role in ("seal", "kiosk") if last.startswith(role)), "all")


def normalize_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def code_digest(code: str, village: str | None = None) -> str:
    """What the county keeps of *code*: its sha256, with the village it was
    made for, if any."""
    bound = normalize_code(code) + (f"@{village}" if village else "")
    return hashlib.sha256(bound.encode()).hexdigest()


_VILLAGE_ID = re.compile(r"ve-([0-9]{12})-[a-z0-9-]+")


def village_of_device_id(device_id: str) -> str | None:
    """The village a device id names by convention (``ve-<village>-...``)."""
    found = _VILLAGE_ID.fullmatch(device_id)
    return found.group(1) if found else None


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
    *,
    typed: str,
    role: str,
) -> bool:
    """Raise :class:`Rejected` (403) unless *code* (the stored record of the
    *typed* code) lets *device_id* enroll *public_key* in *role*.

    Returns True for a repeat of an enrollment already done with this code and
    this key (the device never saw the first answer): nothing changes.
    """
    ask = (
        "ask the county operator for a new one "
        f"(`village-edge county enroll-code --device {device_id} --role {role}`)"
    )
    if code is None or code.device_id != device_id:
        raise Rejected(403, "bad_code",
                       f"this is not an enrollment code for device {device_id} in this "
                       f"village (mistyped, or made for another device or village); check "
                       f"it and the device's [device] village_code, or {ask}",
                       counters=("enroll_refused",))
    made_for = code_role(typed)
    if made_for != role:
        made = ROLE_NAMES.get(str(made_for), str(made_for))
        raise Rejected(403, "wrong_role",
                       f"this enrollment code is for a {made}, and the device asks to enroll "
                       f"as {role!r}: set [device] role = \"{made_for}\" in its config if it is "
                       f"one, else ask for a code for role {role} (`village-edge county "
                       f"enroll-code --device {device_id} --role {role}`)",
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


def check_village(device_id: str, enrolled_village: str | None, village: str) -> None:
    """Raise :class:`Rejected` (403) if *device_id*, enrolled in
    *enrolled_village*, asks to enroll again in another *village*."""
    if enrolled_village is not None and enrolled_village != village:
        raise Rejected(403, "wrong_village",
                       f"device {device_id} is enrolled in village {enrolled_village}, and "
                       f"asks to enroll in {village}: a device does not move between "
                       "villages (its history stays where it was made); set [device] "
                       f"village_code = \"{enrolled_village}\", or give the device in the "
                       "other village a new id", counters=("enroll_refused",))

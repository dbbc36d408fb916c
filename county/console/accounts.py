"""The console's accounts: who may log in, with which roles, seeing which
villages (or the whole county), and for an approver at which level and for
which seals; passwords kept only as argon2id hashes (argon2-cffi).

An account may also be linked to the seal stations whose custodian it is
(``custodian_of``): the station sends no name with a request, so this link
is how the console knows who asked, and it never lets an account approve a
request of a station it keeps (docs/console.md, "Who asked").
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from county.errors import CountyError
from county.store import Store
from protocol.api import DEVICE_ID

ROLES = ("approver", "supervisor", "complaints", "technician", "clerk", "admin")
ROLE_NAMES = {"approver": "审批人", "supervisor": "监督人", "complaints": "投诉处理人",
              "technician": "技术员", "clerk": "文书", "admin": "管理员"}
LEVELS = ("village", "township")
LEVEL_NAMES = {"village": "村级", "township": "乡镇级"}
EVERYWHERE = "*"  # every village, or every seal
ACCOUNT_NAME = re.compile(r"[a-z][a-z0-9._-]{1,31}")
VILLAGE = re.compile(r"[0-9]{12}")
MIN_PASSWORD = 10
MAX_DISPLAY_NAME = 40
MAX_PASSWORD = 256
COLUMNS = ("name, display_name, password_hash, roles, villages, level, seals, custodian_of, "
           "disabled, created, changed")


class AccountError(CountyError, ValueError):
    """An account that cannot be made or changed as asked."""


@dataclass(frozen=True)
class Account:
    name: str
    display_name: str
    password_hash: str
    roles: tuple[str, ...]
    villages: tuple[str, ...]  # (EVERYWHERE,) for the whole county
    level: str | None  # an approver's: village or township
    seals: tuple[str, ...]  # the seal slots an approver approves; (EVERYWHERE,) for all
    custodian_of: tuple[str, ...]  # the seal stations whose custodian this account is
    disabled: float | None
    created: float
    changed: float

    def has(self, role: str) -> bool:
        return role in self.roles or "admin" in self.roles

    def sees_village(self, village_code: str) -> bool:
        return EVERYWHERE in self.villages or village_code in self.villages

    def approves_seal(self, slot: str) -> bool:
        return EVERYWHERE in self.seals or slot in self.seals

    @property
    def role_names(self) -> str:
        return "、".join(ROLE_NAMES[r] for r in self.roles if r in ROLE_NAMES)


def _account(row: Any) -> Account:
    values = dict(row)
    for name in ("roles", "villages", "seals", "custodian_of"):
        values[name] = tuple(json.loads(values[name]))
    values["custodian_of"] = tuple(station_id(s) for s in values["custodian_of"])
    return Account(**values)


def station_id(text: str) -> str:
    """A seal station's id as the county keeps device ids: without the
    spaces around it, in lower case (as the technician's pages read it)."""
    return text.strip().lower()


def check_stations(stations: tuple[str, ...]) -> tuple[str, ...]:
    """*stations* normalised (:func:`station_id`); :class:`AccountError`
    for one that cannot be a device id."""
    normalised = tuple(dict.fromkeys(station_id(s) for s in stations))
    bad = [s for s in normalised if not DEVICE_ID.fullmatch(s)]
    if bad:
        raise AccountError(f"{bad[0]!r} is not a seal station's id (such as "
                           "ve-330226100201-seal1: 3 to 40 lower-case letters, digits and '-')")
    return normalised


#: Letters that show nothing (Hangul fillers; the braille blank is a symbol).
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def check_display_name(text: str) -> str:
    """*text* as a display name (spaces around it removed, NFC);
    :class:`AccountError` for control, formatting or invisible characters
    (direction marks, zero-width spaces) or more than
    :data:`MAX_DISPLAY_NAME` characters, never silently cut."""
    name = unicodedata.normalize("NFC", text.strip())
    odd = next((c for c in name if c in _BLANK or (c != " " and unicodedata.category(c)[0]
                                                    in "CZM")), None)
    if odd is not None:
        raise AccountError(f"the display name holds a character that is not shown as a "
                           f"letter (U+{ord(odd):04X}): write it with letters, digits and "
                           "spaces only")
    if len(name) > MAX_DISPLAY_NAME:
        raise AccountError(f"the display name has {len(name)} characters: at most "
                           f"{MAX_DISPLAY_NAME}")
    return name


def printable(text: str) -> str:
    """*text* for a terminal: each character that is not printable (an
    escape sequence, a direction mark) written as its Python escape."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def check_account(name: str, roles: tuple[str, ...], villages: tuple[str, ...],
                  level: str | None) -> None:
    """:class:`AccountError` saying what is wrong with these fields."""
    if not ACCOUNT_NAME.fullmatch(name):
        raise AccountError(f"{name!r} cannot name an account: 2 to 32 lower-case letters, "
                           "digits, '.', '_' and '-', starting with a letter")
    if not roles:
        raise AccountError(f"give at least one role: {', '.join(ROLES)}")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise AccountError(f"no role {', '.join(unknown)}: the roles are {', '.join(ROLES)}")
    bad = [v for v in villages if v != EVERYWHERE and not VILLAGE.fullmatch(v)]
    if bad:
        raise AccountError(f"{', '.join(bad)} is not a village code (12 digits), nor * for "
                           "the whole county")
    if not villages:
        raise AccountError("give the villages the account sees (--village CODE, or * for the "
                           "whole county)")
    if level is not None and level not in LEVELS:
        raise AccountError(f"no level {level!r}: village or township")


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must be at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password may be at most {MAX_PASSWORD} characters")


def hash_password(password: str) -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash(password)


#: A hash to check a password against when the account does not exist, so
#: that an unknown name takes as long to refuse as a wrong password.
_DUMMY: list[str] = []


def password_matches(account: Account | None, password: str) -> bool:
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = PasswordHasher()
    if account is None:
        if not _DUMMY:
            _DUMMY.append(hasher.hash("not an account's password"))
        stored = _DUMMY[0]
    else:
        stored = account.password_hash
    try:
        matched = bool(hasher.verify(stored, password))
    except (VerificationError, InvalidHashError):
        matched = False
    return matched and account is not None and account.disabled is None


def load_account(store: Store, name: str) -> Account | None:
    rows = store.execute(f"SELECT {COLUMNS} FROM console_accounts WHERE name = ?", (name,))
    return _account(rows[0]) if rows else None


def all_accounts(store: Store) -> list[Account]:
    return [_account(row) for row in
            store.execute(f"SELECT {COLUMNS} FROM console_accounts ORDER BY name")]


def account_count(store: Store) -> int:
    return int(store.execute("SELECT count(*) AS n FROM console_accounts")[0]["n"])


def save_account(store: Store, account: Account) -> bool:
    """Insert or replace *account* (within the caller's transaction); True
    if it is new."""
    known = load_account(store, account.name) is not None
    values = (account.display_name, account.password_hash, json.dumps(list(account.roles)),
              json.dumps(list(account.villages)), account.level,
              json.dumps(list(account.seals)), json.dumps(list(account.custodian_of)),
              account.disabled, account.changed)
    if known:
        store.execute("UPDATE console_accounts SET display_name = ?, password_hash = ?, "
                      "roles = ?, villages = ?, level = ?, seals = ?, custodian_of = ?, "
                      "disabled = ?, changed = ? WHERE name = ?", (*values, account.name))
    else:
        store.execute(f"INSERT INTO console_accounts ({COLUMNS}) VALUES "
                      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      (account.name, *values[:-1], account.created, account.changed))
    return not known

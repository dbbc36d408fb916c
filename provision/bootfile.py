"""The boot-partition file ``village-edge.toml``: read, decode and check.

The file is written by a technician, often in Windows Notepad, so it may
carry a UTF-8 byte-order mark and CRLF line endings (both accepted) or be
saved in the Chinese ANSI code page, GBK (refused with a message saying to
save it as UTF-8). Every problem is collected and named by its section and
key; :class:`BootFileError` carries them all.

Everything is bounded: at most :data:`MAX_FILE_BYTES` are read (a bigger
file, or a device such as /dev/zero, is refused before it fills the memory),
every text has a length limit (:data:`LIMITS`, in docs/provisioning.md) and
no control characters, and a problem quotes at most the start of a value, so
each stays one line.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from device.schema import (
    Check,
    Key,
    Problems,
    Table,
    check_document,
    not_blank,
    one_of,
    village_code,
    within,
)
from protocol.api import DEVICE_ID
from protocol.signing import SignatureError, key_fingerprint, public_key_from_text
from provision.errors import ProvisionError

BOM = b"\xef\xbb\xbf"
ROLES = ("kiosk", "seal")
FINGERPRINT = re.compile(r"[0-9a-f]{16}")
MAX_FILE_BYTES = 64 * 1024  # the template is about 2 KiB
MAX_PROBLEM_CHARS = 300  # a problem that would be longer is cut: one line a reader takes in
SHOWN_CHARS = 40  # how much of a wrong value a problem quotes
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
PSK_HEX = re.compile(r"[0-9a-fA-F]{64}")

#: The most each text may hold, in characters (the Wi-Fi name in bytes, as
#: the radio counts it; a WPA password too, 8 to 63 bytes).
LIMITS = {
    ("village", "name"): 40,
    ("county", "url"): 200,
    ("county", "key_fingerprint"): 40,  # 16 hex digits, spaces allowed between them
    ("county", "public_key"): 100,  # 43 characters of base64url
    ("county", "enroll_code"): 40,
    ("device", "id"): 40,
    ("wifi", "ssid"): 32,
    ("wifi", "password"): 64,
}


class BootFileError(ProvisionError, ValueError):
    """The boot file cannot be used; :attr:`problems` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Wifi:
    ssid: str
    password: str
    country: str
    hidden: bool


@dataclass(frozen=True)
class Display:
    rotation: int
    cursor: bool
    blank_minutes: int


@dataclass(frozen=True)
class BootConfig:
    """What the technician asked for, checked."""

    source: str
    village_code: str
    village_name: str
    role: str
    device_id: str
    county_url: str
    key_fingerprint: str  # lower-case, always known (from the key if only that was given)
    county_public_key: str  # "" when only the fingerprint was given
    enroll_code: str  # "" once used
    wifi: Wifi | None
    display: Display




def shown(value: str) -> str:
    """*value* quoted for a problem: its start only, when it is long."""
    if len(value) <= SHOWN_CHARS:
        return repr(value)
    return f"{value[:SHOWN_CHARS]!r}... ({len(value)} characters)"


def _text(section: str, key: str, check: Check | None = None) -> Check:
    """The length limit of ``[section] key`` and no control characters, then *check*."""
    limit = LIMITS[(section, key)]

    def text(value: str) -> str | None:
        if len(value) > limit:
            return f"at most {limit} characters, found {len(value)}"
        if CONTROL.search(value):
            return ("a line break, tab or other control character is not allowed, found "
                    f"{shown(value)}")
        return check(value) if check is not None else None

    return text


def _device_id(value: str) -> str | None:
    if value and not DEVICE_ID.fullmatch(value):
        return (
            "expected 3 to 40 lower-case letters, digits and '-' (the id the county made the "
            f"enrollment code for), or leave it empty; found {shown(value)}"
        )
    return None


def _url(value: str) -> str | None:
    wrong = f"expected an address such as https://county.example.cn, found {shown(value)}"
    parts = urlsplit(value.strip())
    try:
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        return wrong
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value.strip():
        return wrong
    return None


def _fingerprint(value: str) -> str | None:
    if value and not FINGERPRINT.fullmatch(_normal_fingerprint(value)):
        return (
            "expected the 16 hex digits (0-9, a-f) that 'village-edge county key' prints, "
            f"found {shown(value)}"
        )
    return None


def _public_key(value: str) -> str | None:
    if not value:
        return None
    try:
        public_key_from_text(value.strip())
    except SignatureError as error:
        return f"not a county public key ({error}); copy it from 'village-edge county key'"
    return None


def _enroll_code(value: str) -> str | None:
    if value and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 -]{3,39}", value.strip()):
        return f"expected a code like K7QM-3XPA-9TRW from the county, found {shown(value)}"
    return None


def _country(value: str) -> str | None:
    if not re.fullmatch(r"[A-Z]{2}", value):
        return f"expected a two-letter country code such as 'CN', found {shown(value)}"
    return None


def _ssid(value: str) -> str | None:
    size = len(value.encode())
    if size > 32:
        return f"a Wi-Fi name is at most 32 bytes (a Chinese character takes 3), found {size}"
    return None


def _password(value: str) -> str | None:
    size = len(value.encode())
    if value and not 8 <= size <= 63 and not PSK_HEX.fullmatch(value):
        return (f"a WPA password has 8 to 63 bytes (a Chinese character takes 3) or is 64 hex "
                f"digits, found {size} bytes (empty: an open network)")
    return None


SCHEMA = {
    "village": Table(
        {
            "code": Key(str, "the 12-digit village code", required=True, check=village_code),
            "name": Key(str, "the village's name", required=True,
                        check=_text("village", "name", not_blank)),
        },
        required=True,
    ),
    "device": Table(
        {
            "role": Key(str, "'kiosk' or 'seal'", required=True, check=one_of(*ROLES)),
            "id": Key(str, "the device id the county made the enrollment code for",
                      check=_text("device", "id", _device_id)),
        },
        required=True,
    ),
    "county": Table(
        {
            "url": Key(str, "the county server's address, https://...", required=True,
                       check=_text("county", "url", _url)),
            "key_fingerprint": Key(str, "16 hex digits",
                                   check=_text("county", "key_fingerprint", _fingerprint)),
            "public_key": Key(str, "the county's public key",
                              check=_text("county", "public_key", _public_key)),
            "enroll_code": Key(str, "the one-time enrollment code",
                               check=_text("county", "enroll_code", _enroll_code)),
        },
        required=True,
    ),
    "wifi": Table(
        {
            "ssid": Key(str, "the Wi-Fi network's name (empty: no Wi-Fi)",
                        check=_text("wifi", "ssid", _ssid)),
            "password": Key(str, "the Wi-Fi password", check=_text("wifi", "password", _password)),
            "country": Key(str, "a two-letter country code", check=_country),
            "hidden": Key(bool, "true or false"),
        }
    ),
    "display": Table(
        {
            "rotation": Key(int, "0, 90, 180 or 270", check=one_of(0, 90, 180, 270)),
            "cursor": Key(bool, "true or false"),
            "blank_minutes": Key(int, "minutes, 0 for never", check=within(0, 1440, " min")),
        }
    ),
}


def decode(raw: bytes, source: str) -> str:
    """The file's text: UTF-8 with or without a BOM, any line endings."""
    if raw.startswith(BOM):
        raw = raw[len(BOM):]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        hint = "save the file as UTF-8 (in Notepad: File, Save As, Encoding: UTF-8)"
        try:
            raw.decode("gbk")
        except UnicodeDecodeError:
            found = f"not UTF-8 text (byte {error.start})"
        else:
            found = "saved as GBK (Windows' Chinese ANSI encoding), not UTF-8"
        raise BootFileError([f"{source}: {found}; {hint}"]) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_boot_file(path: Path) -> BootConfig:
    """Read and check *path*; :class:`BootFileError` lists every problem."""
    source = str(path)
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise BootFileError([f"{source}: no such file"]) from None
    except OSError as error:
        raise BootFileError([f"{source}: cannot be read ({error.strerror})"]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise BootFileError([f"{source}: larger than {MAX_FILE_BYTES // 1024} KiB, so not a boot "
                             "file; start again from the template (village-edge.toml, about "
                             "2 KiB)"])
    return parse_boot_file(decode(raw, source), source)


def parse_boot_file(text: str, source: str) -> BootConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise BootFileError(
            [f"{source}: not valid TOML: {error} (text values need \"double quotes\")"]
        ) from None
    problems = Problems(source)
    check_document(data, SCHEMA, problems)
    if not problems.items:
        _check_county_key(data["county"], problems)
    if problems.items:
        raise BootFileError([_one_line(problem) for problem in problems.items])
    return _build(data, source)


def _one_line(problem: str) -> str:
    """*problem* cut to :data:`MAX_PROBLEM_CHARS` (a value of the wrong type is
    quoted whole by the schema: a list of thousands, say)."""
    if len(problem) <= MAX_PROBLEM_CHARS:
        return problem
    return f"{problem[:MAX_PROBLEM_CHARS]}... (cut: {len(problem)} characters)"


def _check_county_key(county: dict[str, Any], problems: Problems) -> None:
    given = county.get("key_fingerprint", "").strip()
    key = county.get("public_key", "").strip()
    if not given and not key:
        problems.add(
            "[county] key_fingerprint",
            "missing; give the county key's fingerprint (16 hex digits) or its public_key, "
            "both printed by 'village-edge county key' at the county",
        )
    elif given and key and key_fingerprint(key) != _normal_fingerprint(given):
        problems.add(
            "[county] key_fingerprint",
            f"{given!r} is not the fingerprint of the public_key given "
            f"({key_fingerprint(key)}); one of them was mistyped",
        )


def _normal_fingerprint(text: str) -> str:
    return text.strip().lower().replace(" ", "")


def _build(data: dict[str, Any], source: str) -> BootConfig:
    village, device, county = data["village"], data["device"], data["county"]
    key = county.get("public_key", "").strip()
    given = county.get("key_fingerprint", "")
    wifi = data.get("wifi")
    display = data.get("display", {})
    return BootConfig(
        source=source,
        village_code=village["code"],
        village_name=village["name"].strip(),
        role=device["role"],
        device_id=device.get("id", "") or f"ve-{village['code']}-{device['role']}1",
        county_url=county["url"].strip().rstrip("/"),
        key_fingerprint=_normal_fingerprint(given) if given else key_fingerprint(key),
        county_public_key=key,
        enroll_code=county.get("enroll_code", "").strip(),
        wifi=Wifi(wifi["ssid"], wifi.get("password", ""), wifi.get("country", "CN"),
                  wifi.get("hidden", False)) if wifi and wifi.get("ssid") else None,
        display=Display(display.get("rotation", 0), display.get("cursor", False),
                        display.get("blank_minutes", 0)),
    )

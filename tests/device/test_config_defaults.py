"""One place per default: each key of the schema states its own, and the
files that ship with the suite agree with the schema.

The convention of docs/config.example.toml: every key is shown; a key with a
default shows that default, unless its comment says "(default: ...)" (then
the value shown is what a seal station uses, and the comment names the
default); a key with no default is marked "required" on its line or on its
table's header.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from device.config import MIB, SCHEMA, Config, embedded_default_text, load_config, parse_config
from device.schema import Key
from protocol.signing import key_fingerprint, new_private_key, public_key_text
from provision.bootfile import BootConfig, Display
from provision.device_config import HEADER, SEAL_ONLY_TABLES, VALUE, render
from provision.role_config import role_config
from tests.conftest import REPO

HOME = Path("/home/technician")
EXAMPLE = REPO / "docs" / "config.example.toml"
SHIPPED = {"docs/config.example.toml": EXAMPLE.read_text(encoding="utf-8"),
           "device/default-config.toml": embedded_default_text()}
DEFAULT_NOTE = re.compile(r"\(default: (.+)\)")


def schema_keys() -> Iterator[tuple[str, str, Key]]:
    for table, part in SCHEMA.items():
        for name, key in part.keys.items():
            yield table, name, key


DEFAULTED = {(table, name): key for table, name, key in schema_keys() if key.has_default}


def same(found: Any, expected: Any) -> bool:
    """Equal, and true/false never equal to a number (as in TOML)."""
    return isinstance(found, bool) == isinstance(expected, bool) and found == expected


def toml_value(text: str) -> Any:
    return tomllib.loads(f"value = {text}")["value"]


def key_lines(text: str) -> tuple[dict[tuple[str, str], tuple[str, str]], dict[str, str]]:
    """The first ``key = value  # comment`` line of each (table, key) as
    (value text, comment), and each table header's comment."""
    lines: dict[tuple[str, str], tuple[str, str]] = {}
    headers: dict[str, str] = {}
    table = ""
    for line in text.split("\n"):
        if header := HEADER.match(line):
            table = header.group(1)
            headers.setdefault(table, header.group(2) or "")
        elif match := re.match(rf"^\s*([A-Za-z0-9_]+)\s*=\s*{VALUE}(\s*#.*)?$", line):
            lines.setdefault((table, match.group(1)), (match.group(2), match.group(3) or ""))
    return lines, headers


def test_every_default_is_a_value_its_own_key_accepts() -> None:
    wrong = {f"[{t}] {n}": key.complaint(key.default) for (t, n), key in DEFAULTED.items()}
    assert {where: why for where, why in wrong.items() if why} == {}
    assert DEFAULTED, "the schema states no default at all"


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_a_shipped_file_loads_and_shows_every_key_that_has_a_default(name: str) -> None:
    config = load_config(REPO / name, home=HOME)  # every key in it is known and accepted
    assert config.source == str(REPO / name)
    data = tomllib.loads(SHIPPED[name])
    missing = [f"[{t}] {n}" for t, n in DEFAULTED if n not in data.get(t, {})]
    assert missing == [], f"{name} does not show these keys"
    refused = {f"[{t}] {n}": key.complaint(data[t][n]) for (t, n), key in DEFAULTED.items()}
    assert {where: why for where, why in refused.items() if why} == {}


def test_the_example_shows_each_default_or_names_it() -> None:
    lines, _ = key_lines(SHIPPED["docs/config.example.toml"])
    wrong = []
    for (table, name), key in DEFAULTED.items():
        value, comment = lines[(table, name)]
        note = DEFAULT_NOTE.search(comment)
        documented = toml_value(note.group(1)) if note else toml_value(value)
        if not same(documented, key.default):
            wrong.append(f"[{table}] {name}: shows {documented!r}, the default is "
                         f"{key.default!r}")
    assert wrong == []


def test_the_example_marks_every_key_without_a_default_as_required() -> None:
    lines, headers = key_lines(SHIPPED["docs/config.example.toml"])
    unmarked = [
        f"[{table}] {name}"
        for (table, name), (_, comment) in lines.items()
        if not SCHEMA[table].keys[name].has_default
        and "required" not in comment and "required" not in headers[table]
    ]
    assert unmarked == []
    assert ("printer", "usb_vendor") in lines  # the check above saw the conditional ones


READ: dict[tuple[str, str], Callable[[Config], object]] = {
    ("device", "simulate"): lambda c: c.simulate,
    ("paths", "state_dir"): lambda c: str(c.state_dir),
    ("gpio", "pin_factory"): lambda c: c.pin_factory or "",
    ("lock", "pull_in_seconds"): lambda c: c.station.lock_timing.pull_in_seconds,
    ("lock", "hold_duty"): lambda c: c.station.lock_timing.hold_duty,
    ("lock", "max_on_seconds"): lambda c: c.station.lock_timing.max_on_seconds,
    ("lock", "pwm_hz"): lambda c: c.station.lock_timing.pwm_hz,
    ("sensors", "settle_seconds"): lambda c: c.station.settle_seconds,
    ("lamp", "kind"): lambda c: c.station.lamp_kind,
    ("printer", "baudrate"): lambda c: c.printer.baudrate,
    ("printer", "port"): lambda c: c.printer.port,
    ("printer", "paper_mm"): lambda c: c.printer.paper_mm,
    ("printer", "chinese"): lambda c: c.printer.chinese,
    ("printer", "font_path"): lambda c: c.printer.font_path,
    ("camera", "enabled"): lambda c: c.camera.enabled,
    ("kiosk", "display_inches"): lambda c: c.kiosk_display_inches,
    ("camera", "backend"): lambda c: c.camera.backend,
    ("county", "url"): lambda c: c.county_url,
    ("county", "public_key"): lambda c: c.county_public_key,
    ("sync", "quota_mb"): lambda c: c.outbox_quota_bytes / MIB,
    ("sync", "batch_events"): lambda c: c.sync.batch_events,
    ("sync", "interval_seconds"): lambda c: c.sync.interval_seconds,
    ("seal", "matters"): lambda c: list(c.seal_matters),
    ("seal", "return_seconds"): lambda c: c.seal_return_seconds,
    ("seal", "panel"): lambda c: c.seal_panel,
}
ONLY_REQUIRED = {
    "kiosk": '[device]\nid = "ve-330226100201-kiosk1"\nrole = "kiosk"\n'
             '[village]\ncode = "330226100201"\nname = "示范村"\n',
    "seal": '[device]\nid = "ve-330226100201-seal1"\nrole = "seal"\n'
            '[village]\ncode = "330226100201"\nname = "示范村"\n'
            '[[slots]]\nname = "party"\nlabel = "村党组织印章"\nlock = 17\nsleeve = 5\n'
            "plunger = 6\n",
}


@pytest.mark.parametrize("role", sorted(ONLY_REQUIRED))
def test_a_file_of_only_the_required_keys_gets_every_default(role: str) -> None:
    assert set(READ) == set(DEFAULTED), "READ must say where each default ends up"
    config = parse_config(ONLY_REQUIRED[role], source="config.toml", home=HOME)
    wrong = {f"[{t}] {n}": (READ[(t, n)](config), key.default)
             for (t, n), key in DEFAULTED.items() if not same(READ[(t, n)](config), key.default)}
    assert wrong == {}, "(found, default)"
    station = config.station
    assert (station.lamp, station.buzzer, station.lid) == (None, None, None)
    assert config.printer.connection == "none"
    assert [slot.name for slot in station.slots] == (["party"] if role == "seal" else [])


def test_a_key_that_must_be_given_has_no_default() -> None:
    with pytest.raises(ValueError, match="no default"):
        Key(str, "text", required=True, default="")
    required = [(t, n) for t, n, key in schema_keys() if key.required]
    assert ("device", "id") in required and not any(k in DEFAULTED for k in required)


def boot(role: str, county_key: str) -> BootConfig:
    return BootConfig(
        source="/boot/firmware/village-edge.toml", village_code="330226100201",
        village_name="示范村", role=role, device_id=f"ve-330226100201-{role}1",
        county_url="https://county.example.cn", key_fingerprint=key_fingerprint(county_key),
        county_public_key=county_key, enroll_code="", wifi=None,
        display=Display(rotation=0, cursor=False, blank_minutes=0),
    )


@pytest.mark.parametrize("role", ["seal", "kiosk"])
def test_the_configuration_provisioning_writes_keeps_to_the_schema(role: str) -> None:
    county_key = public_key_text(new_private_key())
    template = SHIPPED["docs/config.example.toml"]
    text = render(template, boot(role, county_key), state_dir=Path("/var/lib/village-edge"),
                  county_public_key=county_key)
    config = parse_config(text, source="config.toml", home=HOME)
    assert (config.role, config.county_public_key, config.simulate) == (role, county_key, False)
    data = tomllib.loads(text)
    dropped = set(SCHEMA) - set(data)
    assert dropped == (set(SEAL_ONLY_TABLES) if role == "kiosk" else set())
    assert not any(SCHEMA[t].required for t in dropped)
    shown = [f"[{t}] {n}" for t, n in DEFAULTED if t in data and n not in data[t]]
    assert shown == [], "a table provisioning keeps lost a key"
    assert config.camera.enabled is (role == "seal")
    assert len(config.station.slots) == (3 if role == "seal" else 0)


@pytest.mark.parametrize("role", ["seal", "kiosk"])
def test_the_configuration_setup_installs_keeps_to_the_schema(role: str) -> None:
    text = role_config(SHIPPED["docs/config.example.toml"], role)
    config = parse_config(text, source="config.toml", home=HOME)
    assert config.role == role
    data = tomllib.loads(text)
    assert [f"[{t}] {n}" for t, n in DEFAULTED if t in data and n not in data[t]] == []
    assert len(config.station.slots) == (3 if role == "seal" else 0)

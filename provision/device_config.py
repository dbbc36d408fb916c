"""The device's ``config.toml``, made from the commented template
(docs/config.example.toml) by changing only the values provisioning knows,
so every comment of the template stays for the next technician.

The result is checked with the suite's own configuration checker before
anything is written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from provision.errors import ProvisionError

if TYPE_CHECKING:
    from provision.bootfile import BootConfig

INSTALLED_TEMPLATE = Path("/opt/village-edge/current/share/config.example.toml")
SOURCE_TEMPLATE = Path(__file__).resolve().parent.parent / "docs" / "config.example.toml"

# What a kiosk has no use for: the seal station's hardware.
SEAL_ONLY_TABLES = ("slots", "lock", "lamp", "buzzer", "lid")

HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*(#.*)?$")
VALUE = r"(\"(?:[^\"\\]|\\.)*\"|'[^']*'|[^#\s][^#]*?)"


class TemplateError(ProvisionError, ValueError):
    """The template cannot be turned into a device configuration."""


def default_template() -> Path:
    """The template installed with the suite, else the one in the source tree."""
    return INSTALLED_TEMPLATE if INSTALLED_TEMPLATE.exists() else SOURCE_TEMPLATE


def toml_value(value: str | bool | int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


def set_value(text: str, table: str, key: str, value: str | bool | int) -> str:
    """*text* with ``key = value`` in ``[table]`` replaced, its comment kept."""
    lines = text.split("\n")
    current = None
    pattern = re.compile(rf"^(\s*{re.escape(key)}\s*=\s*){VALUE}(\s*#.*)?$")
    for index, line in enumerate(lines):
        header = HEADER.match(line)
        if header:
            current = header.group(1)
            continue
        if current == table and (match := pattern.match(line)):
            lines[index] = f"{match.group(1)}{toml_value(value)}{match.group(3) or ''}"
            return "\n".join(lines)
    raise TemplateError(f"the template has no '{key} = ...' line in [{table}]")


def drop_tables(text: str, names: Iterable[str]) -> str:
    """*text* without the tables (and arrays of tables) called *names*."""
    dropped = set(names)
    kept: list[str] = []
    skipping = False
    for line in text.split("\n"):
        header = HEADER.match(line)
        if header:
            skipping = header.group(1) in dropped
        if not skipping:
            kept.append(line)
    return "\n".join(kept)


def render(template: str, boot: BootConfig, *, state_dir: Path, county_public_key: str) -> str:
    """The device configuration for *boot*, from the *template* text."""
    text = template.replace("\r\n", "\n").removeprefix("\ufeff")
    settings: list[tuple[str, str, str | bool | int]] = [
        ("device", "id", boot.device_id),
        ("device", "role", boot.role),
        ("device", "simulate", False),
        ("village", "code", boot.village_code),
        ("village", "name", boot.village_name),
        ("paths", "state_dir", str(state_dir)),
        ("county", "url", boot.county_url),
        ("county", "public_key", county_public_key),
    ]
    if boot.role == "kiosk":
        text = drop_tables(text, SEAL_ONLY_TABLES)
        settings.append(("camera", "enabled", False))
    for table, key, value in settings:
        text = set_value(text, table, key, value)
    header = (
        f"# Written by 'village-edge provision' from {boot.source} for {boot.device_id}.\n"
        "# Edit by hand only what provisioning does not set (pins, printer, sync).\n"
    )
    return header + text

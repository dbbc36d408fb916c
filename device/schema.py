"""A small declarative checker for the TOML configuration.

Each key is a :class:`Key`: what type it must have, whether it may be left
out, and an optional check returning a complaint. Every problem is collected,
not just the first, and each names the file, the key, what was expected and
what was found, so a technician can fix the file in one go.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Check = Callable[[Any], str | None]


@dataclass(frozen=True)
class Key:
    kind: type | tuple[type, ...]
    expected: str
    required: bool = False
    check: Check | None = None
    items: type | None = None  # element type of a list


@dataclass(frozen=True)
class Table:
    keys: Mapping[str, Key]
    required: bool = False


@dataclass(frozen=True)
class TableArray:
    keys: Mapping[str, Key]
    required: bool = False


Schema = Mapping[str, Table | TableArray]


@dataclass
class Problems:
    """The complaints found in one file."""

    source: str
    items: list[str] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{self.source}: {where}: {message}")


def describe(value: Any) -> str:
    """A found value as a technician reads it: the value and its TOML type."""
    names = {bool: "true/false", int: "integer", float: "number", str: "text",
             list: "list", dict: "table"}
    return f"{value!r} ({names.get(type(value), type(value).__name__)})"


def _type_ok(value: Any, kind: type | tuple[type, ...]) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        return False  # TOML true is not the number 1
    return isinstance(value, kinds)


def check_table(
    data: Mapping[str, Any], keys: Mapping[str, Key], where: str, problems: Problems
) -> None:
    for name in data:
        if name not in keys:
            known = ", ".join(keys)
            problems.add(f"{where} {name}", f"unknown key; the keys here are: {known}")
    for name, key in keys.items():
        label = f"{where} {name}"
        if name not in data:
            if key.required:
                problems.add(label, f"missing; expected {key.expected}")
            continue
        value = data[name]
        if not _type_ok(value, key.kind):
            problems.add(label, f"expected {key.expected}, found {describe(value)}")
            continue
        if key.items is not None and any(not _type_ok(v, key.items) for v in value):
            problems.add(label, f"expected {key.expected}, found {describe(value)}")
            continue
        if key.check is not None:
            complaint = key.check(value)
            if complaint:
                problems.add(label, complaint)


def check_document(data: Mapping[str, Any], schema: Schema, problems: Problems) -> None:
    for name in data:
        if name not in schema:
            known = ", ".join(f"[{n}]" for n in schema)
            problems.add(f"[{name}]", f"unknown section; the sections are: {known}")
    for name, part in schema.items():
        value = data.get(name)
        if value is None:
            if part.required:
                problems.add(f"[{name}]", "missing section")
            continue
        if isinstance(part, Table):
            if not isinstance(value, dict):
                problems.add(f"[{name}]", f"expected a table, found {describe(value)}")
                continue
            check_table(value, part.keys, f"[{name}]", problems)
        else:
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                expected = f"expected one or more [[{name}]] tables"
                problems.add(f"[[{name}]]", f"{expected}, found {describe(value)}")
                continue
            for index, item in enumerate(value, start=1):
                check_table(item, part.keys, f"[[{name}]] #{index}", problems)


def one_of(*choices: object) -> Check:
    def check(value: object) -> str | None:
        if value not in choices:
            listed = ", ".join(repr(c) for c in choices)
            return f"expected one of {listed}, found {value!r}"
        return None

    return check


def _number(value: float) -> str:
    """5.0 as 5, 0.05 as 0.05, 1_000_000 as 1000000."""
    return str(int(value)) if float(value).is_integer() else str(value)


def within(low: float, high: float, unit: str = "") -> Check:
    def check(value: float) -> str | None:
        if not low <= value <= high:
            return f"expected {_number(low)} to {_number(high)}{unit}, found {value!r}"
        return None

    return check


def village_code(value: str) -> str | None:
    """The 12-digit statistical area code (统计用区划代码) of a village."""
    if not re.fullmatch(r"\d{12}", value):
        return f"expected the 12-digit statistical area code of the village, found {value!r}"
    return None


def not_blank(value: str) -> str | None:
    return None if value.strip() else "expected text, found an empty value"

"""A small declarative checker for the TOML configuration.

Each key is a :class:`Key`: what type it must have, whether it must be given
or else what it defaults to, and an optional check returning a complaint.
The schema is the one place a key's default is stated: :func:`section` reads
a checked table with its defaults filled in. Every problem is collected, not
just the first, and each names the file, the key, what was expected and what
was found, so a technician can fix the file in one go.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Check = Callable[[Any], str | None]


@dataclass(frozen=True)
class Key:
    """One key: *required*, or else taking *default* when left out (TOML has
    no null, so ``None`` means the key has no default). A key with neither is
    needed only in some combinations, which the caller checks."""

    kind: type | tuple[type, ...]
    expected: str
    required: bool = False
    check: Check | None = None
    items: type | None = None  # element type of a list
    default: Any = None  # as the TOML file would write it: a list, not a tuple

    def __post_init__(self) -> None:
        if self.required and self.default is not None:
            raise ValueError(f"a key that must be given has no default ({self.expected})")

    @property
    def has_default(self) -> bool:
        return self.default is not None

    def complaint(self, value: Any) -> str | None:
        """What is wrong with *value* for this key, or None."""
        if not _type_ok(value, self.kind) or (
            self.items is not None and any(not _type_ok(v, self.items) for v in value)
        ):
            return f"expected {self.expected}, found {describe(value)}"
        return self.check(value) if self.check is not None else None


@dataclass(frozen=True)
class Table:
    keys: Mapping[str, Key]
    required: bool = False

    def defaults(self) -> dict[str, Any]:
        """Every key that has a default, with it."""
        return {name: key.default for name, key in self.keys.items() if key.has_default}


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
        if complaint := key.complaint(data[name]):
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


def section(data: Mapping[str, Any], schema: Schema, name: str) -> dict[str, Any]:
    """Table *name* of the checked document *data*, every key it leaves out
    that has a default filled in; a table left out gives just the defaults."""
    part = schema[name]
    if not isinstance(part, Table):
        raise TypeError(f"[[{name}]] is an array of tables, not a table")
    return {**part.defaults(), **data.get(name, {})}


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
    if not re.fullmatch(r"[0-9]{12}", value):  # ASCII digits only
        return f"expected the 12-digit statistical area code of the village, found {value!r}"
    return None


def not_blank(value: str) -> str | None:
    return None if value.strip() else "expected text, found an empty value"

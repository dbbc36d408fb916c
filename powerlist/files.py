"""Catalog files: one UTF-8 TOML file per catalog, as a county clerk edits it.

A UTF-8 byte-order mark (as Windows Notepad writes) is accepted; GBK and
UTF-16 files are refused with the advice to save as UTF-8.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

from powerlist.codec import catalog_from_dict
from powerlist.errors import CatalogError
from powerlist.model import Catalog

SAMPLE_RESOURCE = "samples/sample-catalog.toml"
_UTF8_BOM = "\ufeff"
MAX_CATALOG_NESTING = 32  # arrays and inline tables within one another
_TOML_STRING_OR_COMMENT = re.compile(
    r'"""[\s\S]*?(?:"""|$)|\'\'\'[\s\S]*?(?:\'\'\'|$)|"(?:[^"\\\n]|\\.)*"?|\'[^\'\n]*\'?|#[^\n]*'
)


def decode_catalog_bytes(raw: bytes, source: str) -> str:
    """The text of a catalog file, or :class:`CatalogError` saying how to re-save it."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CatalogError([
            f"{source}: the file is saved as UTF-16 (\"Unicode\"); save as UTF-8 "
            "(in Notepad: 另存为, 编码 UTF-8)"
        ])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        try:
            raw.decode("gbk")
            guess = "it looks like GBK (the old Chinese Windows encoding)"
        except UnicodeDecodeError:
            guess = "it is not UTF-8 text"
        raise CatalogError([
            f"{source}: {guess}, unreadable at byte {error.start}; save as UTF-8 "
            "(in Notepad: 另存为, 编码 UTF-8) and try again"
        ]) from None


def toml_nesting(text: str) -> int:
    """How deep arrays and inline tables nest in the TOML *text* (brackets in
    strings and comments not counted); linear in the text, no recursion."""
    depth = deepest = 0
    for char in _TOML_STRING_OR_COMMENT.sub("", text):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(0, depth - 1)
    return deepest


_DIGIT_RUNS = re.compile(r"[0-9][0-9_]*")


def parse_catalog(text: str, source: str) -> Catalog:
    """Check and build the catalog written in TOML *text*; *source* names it
    (usually the file name) in every problem."""
    text = text.removeprefix(_UTF8_BOM)
    depth = toml_nesting(text)
    if depth > MAX_CATALOG_NESTING:
        raise CatalogError([
            f"{source}: brackets nest {depth} levels deep; a catalog needs at most "
            f"{MAX_CATALOG_NESTING}: remove the extra '[' and '{{'"
        ])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CatalogError([
            f"{source}: not valid TOML: {error}; check the quotes, brackets and '=' there"
        ]) from None
    except ValueError:  # a number Python will not read (thousands of digits)
        raise CatalogError([_unreadable_number(text, source)]) from None
    return catalog_from_dict(data, source)


def _unreadable_number(text: str, source: str) -> str:
    """The problem of a TOML text whose number is too long to be read, naming its line."""
    longest = max(_DIGIT_RUNS.finditer(text), key=lambda run: len(run.group()), default=None)
    if longest is None:
        return f"{source}: a number in it cannot be read; check the numbers"
    line = text.count("\n", 0, longest.start()) + 1
    return (f"{source}: line {line}: a number of {len(longest.group())} digits cannot be "
            "read; a catalog's numbers have a few digits: check that line")


def load_catalog(path: Path | str) -> Catalog:
    """Read, check and build the catalog in the file at *path*."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise CatalogError([f"{source}: no such file; check the name and folder"]) from None
    except IsADirectoryError:
        raise CatalogError([f"{source}: is a folder; give the catalog's .toml file"]) from None
    except OSError as error:
        raise CatalogError([f"{source}: cannot be read ({error.strerror})"]) from None
    return parse_catalog(decode_catalog_bytes(raw, source), source)


def validate_file(path: Path | str) -> list[str]:
    """Every problem with the catalog file at *path*; an empty list means valid."""
    try:
        load_catalog(path)
    except CatalogError as error:
        return error.problems
    return []


def sample_text() -> str:
    """The text of the sample catalog shipped with the package."""
    return resources.files("powerlist").joinpath(SAMPLE_RESOURCE).read_text("utf-8")


def load_sample() -> Catalog:
    """The sample catalog (``sample = true``) that a county replaces with its own."""
    return parse_catalog(sample_text(), SAMPLE_RESOURCE)

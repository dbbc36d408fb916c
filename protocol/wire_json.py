"""The JSON that travels in request bodies, and the rules it must keep:
I-JSON (RFC 7493), bounded.

- UTF-8 text; objects and arrays nested at most :data:`MAX_JSON_DEPTH`
  levels in a whole body (checked on the bytes, before any parser recurses);
- numbers within ±(2^53 - 1), where a double holds every whole number
  exactly (no ``1e400``, no ``NaN`` or ``Infinity``; a double past that
  bound has no fraction, so the bound is the same for every number);
- text of whole Unicode characters (no lone surrogate, such as ``"\\ud800"``);
- no object naming a member twice.

:func:`read_json` parses a body. What breaks the first rule, or is not JSON
at all, is a :class:`WireJsonError`: no part of such a body can be trusted.
What breaks the others is kept in the value as a marker
(:class:`UnsafeNumber`, :class:`RepeatedKeys`, a non-finite float, a lone
surrogate) so that :func:`value_problem` can name the part that carries it:
a county refuses one bad event of a batch, by its index, not the batch.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from itertools import accumulate
from typing import Any

from protocol.canonical import MAX_SAFE_INTEGER
from protocol.errors import ProtocolError

MAX_JSON_DEPTH = 64  # objects and arrays within one another, in a whole body
_MAX_NUMBER_DIGITS = 32  # longer integers are marked without being converted

# A JSON string (or what is left of an unterminated one, to the end), so
# brackets inside text are not counted. Linear: every alternative eats one
# character or one escape, and an unterminated string ends the search.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_SURROGATE = re.compile("[\ud800-\udfff]")


class WireJsonError(ProtocolError, ValueError):
    """A body that is not JSON, or nests deeper than :data:`MAX_JSON_DEPTH`."""


class UnsafeNumber(str):
    """A number as it was written, that no double holds exactly (or at all)."""


class RepeatedKeys(dict[str, Any]):
    """An object that named some members more than once; the last value is kept."""

    repeated: tuple[str, ...] = ()


def nesting_depth(data: bytes) -> int:
    """How deep objects and arrays nest in the JSON *data*, brackets inside
    strings not counted; bounded time and memory for any input."""
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _integer(text: str) -> int | UnsafeNumber:
    if len(text) > _MAX_NUMBER_DIGITS:
        return UnsafeNumber(text)
    number = int(text)
    return number if abs(number) <= MAX_SAFE_INTEGER else UnsafeNumber(text)


def _fraction(text: str) -> float | UnsafeNumber:
    number = float(text)
    return number if abs(number) <= MAX_SAFE_INTEGER else UnsafeNumber(text)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    marked = RepeatedKeys(result)
    counts = Counter(key for key, _ in pairs)
    marked.repeated = tuple(sorted(key for key, count in counts.items() if count > 1))
    return marked


def read_json(data: bytes) -> Any:
    """The JSON value of the body *data*, with markers for the values that
    break the rules; :class:`WireJsonError` if it is not UTF-8 JSON nested
    at most :data:`MAX_JSON_DEPTH` deep."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise WireJsonError(f"the body is not UTF-8 JSON (byte {error.start} is not "
                            "UTF-8)") from None
    opened = data.count(b"[") + data.count(b"{")  # depth is at most this: no scan needed
    depth = nesting_depth(data) if opened > MAX_JSON_DEPTH else 0
    if depth > MAX_JSON_DEPTH:
        raise WireJsonError(f"the JSON nests {depth} levels deep; at most {MAX_JSON_DEPTH} "
                            "are allowed")
    try:
        return json.loads(text, parse_int=_integer, parse_float=_fraction,
                          parse_constant=UnsafeNumber, object_pairs_hook=_object)
    except ValueError as error:
        raise WireJsonError(f"the body is not UTF-8 JSON ({error})") from None


def value_problem(value: Any, where: str = "$", max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """What in *value* breaks the rules above, named by its path (``$.a[2]``),
    or None. Plain Python values are checked as well as :func:`read_json`'s."""
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    while stack:
        item, at, depth = stack.pop()
        if isinstance(item, UnsafeNumber):
            return (f"{at} is the number {_clip(item)}, past ±(2^53 - 1), where JSON "
                    "readers may hold another number; send it as text")
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return f"{at} holds a lone surrogate (\\ud800 to \\udfff), not a character"
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int | float):
            if not abs(item) <= MAX_SAFE_INTEGER:  # NaN too
                big = isinstance(item, int) and item.bit_length() > 300  # slow to print
                shown = "of over 90 digits" if big else repr(item)
                return (f"{at} is the number {shown}, past ±(2^53 - 1), where JSON readers "
                        "may hold another number; send it as text")
        elif isinstance(item, dict | list | tuple):
            if depth >= max_depth:
                return f"{at} nests deeper than {max_depth} levels"
            if isinstance(item, RepeatedKeys):
                return f"{at} names the member {item.repeated[0]!r} more than once"
            if isinstance(item, dict):
                for key, element in item.items():
                    if not isinstance(key, str):
                        return f"{at} has the key {key!r}, which is not text"
                    if _SURROGATE.search(key):
                        return f"{at} has a key with a lone surrogate (\\ud800 to \\udfff)"
                    stack.append((element, f"{at}.{_clip(key)}", depth + 1))
            else:
                stack.extend((element, f"{at}[{index}]", depth + 1)
                             for index, element in enumerate(item))
        else:
            return f"{at}: a {type(item).__name__} is not a JSON value"
    return None


def _clip(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:12]}...({len(text)} characters)"

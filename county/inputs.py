"""How the county reads what a client sends, independent of HTTP plumbing:
whole numbers in headers and the query, the query itself, JSON bodies.
Whatever cannot be read is a :class:`~county.rejection.Rejected` (400)
saying which part and why; nothing a client sends reaches the handlers
unchecked.

- A whole number is ASCII digits only (``[0-9]+``: ``str.isdigit`` also
  takes ``²`` and ``１``), at most 16 of them, and at most
  :data:`MAX_WHOLE_NUMBER` (2^53 - 1), unless a lower bound is stated.
- The query is UTF-8 percent-encoding; a parameter named twice is refused.
- A JSON body follows :mod:`protocol.wire_json`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from county.rejection import Rejected, malformed
from protocol.canonical import MAX_SAFE_INTEGER
from protocol.wire_json import WireJsonError, read_json, value_problem

MAX_WHOLE_NUMBER = MAX_SAFE_INTEGER
MAX_QUERY_FIELDS = 16
_DIGITS = re.compile(r"[0-9]{1,16}")


def whole_or_none(text: str, *, low: int = 0, high: int = MAX_WHOLE_NUMBER) -> int | None:
    """*text* as a whole number from *low* to *high*, written in the ASCII
    digits 0-9 (at most 16 of them, spaces or tabs around), or None: the one
    reading of a number a client typed or sent, for every caller."""
    digits = text.strip(" \t")
    if not _DIGITS.fullmatch(digits):
        return None
    value = int(digits)
    return value if low <= value <= high else None


def whole_number(text: str, name: str, *, maximum: int = MAX_WHOLE_NUMBER) -> int:
    """*text* (a header value or query parameter called *name*) as a whole
    number from 0 to *maximum*, or :class:`Rejected` (400)."""
    value = whole_or_none(text, high=maximum)
    if value is None:
        raise malformed(f"{name} must be a whole number from 0 to {maximum} in the digits "
                        f"0-9, found {_quote(text)}")
    return value


def query_parameters(target: str) -> dict[str, str]:
    """The query of a request *target*, each parameter once, or :class:`Rejected`."""
    query = urlsplit(target).query
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query),
                          encoding="utf-8", errors="strict", max_num_fields=MAX_QUERY_FIELDS)
    except UnicodeDecodeError:
        raise malformed("the query is not UTF-8 percent-encoding") from None
    except ValueError:
        raise malformed(f"the query must be name=value pairs joined by '&', at most "
                        f"{MAX_QUERY_FIELDS} of them") from None
    parameters: dict[str, str] = {}
    for name, value in pairs:
        if name in parameters:
            raise malformed(f"the query names {_quote(name)} more than once")
        parameters[name] = value
    return parameters


def json_body(body: bytes) -> Any:
    """The JSON value of a request body; :class:`Rejected` (400) unless it is
    UTF-8 JSON within :mod:`protocol.wire_json`'s depth, though values in it
    may still break its other rules (see :func:`json_object`)."""
    try:
        return read_json(body)
    except WireJsonError as error:
        raise malformed(str(error)) from None


def json_object(body: bytes) -> dict[str, Any]:
    """A request body that must be one JSON object keeping every rule of
    :mod:`protocol.wire_json`, or :class:`Rejected` (400)."""
    document = json_body(body)
    if not isinstance(document, dict):
        raise malformed("the body must be a JSON object")
    problem = value_problem(document)
    if problem is not None:
        raise malformed(f"the body cannot be taken: {problem}")
    return document


def unsupported_encoding(value: str) -> Rejected:
    return Rejected(415, "unsupported_encoding",
                    f"Content-Encoding {_quote(value)} is not supported here; send the body "
                    "as it is (no Content-Encoding), or gzip where the contract allows it")


def _quote(text: str) -> str:
    shown = text if len(text) <= 40 else f"{text[:40]}..."
    return ascii(shown)

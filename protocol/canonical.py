"""The canonical bytes of a JSON value: RFC 8785, the JSON Canonicalization
Scheme (JCS), through the ``rfc8785`` library.

Every signed object of the protocol is signed (or, for the ledger chain,
hashed) over these bytes: feed documents, approval token payloads, ledger
records and the answers the county sends. JCS is what lets a county or a
verifier written by someone else, in any language, get the same bytes:
keys sorted by their UTF-16 code units, no spaces, numbers written as
ECMAScript writes them (``1.0`` is ``1``, ``1e-7`` stays ``1e-7``), strings
escaped minimally and encoded as UTF-8.

JCS cannot represent everything Python can. What it cannot is refused here,
before anything is signed, with the place of the value in the error:
NaN and infinities, integers beyond ±(2^53 - 1) (a JSON number is a double:
2^53 + 1 would be read back as 2^53), and for the same reason the doubles
from there up to 10^21, which RFC 8785 writes as integers (a Python reader
takes ``10000000000000000`` for an int, a JavaScript reader for a double),
text that is not whole Unicode
characters (a lone surrogate), keys that are not text, types JSON lacks, and
values nested deeper than :data:`MAX_DEPTH`.
"""

from __future__ import annotations

import math
from typing import Any

import rfc8785

from protocol.errors import ProtocolError

MAX_SAFE_INTEGER = 2**53 - 1
MAX_DEPTH = 64  # far deeper than any document of the protocol


class CanonicalFormError(ProtocolError, ValueError):
    """A value that has no RFC 8785 form; nothing was signed or hashed."""


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 bytes of *value*, or :class:`CanonicalFormError`."""
    check_representable(value)
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeError) as error:
        # check_representable refuses all of these first; kept for a newer rfc8785.
        raise CanonicalFormError(f"cannot be written in RFC 8785 form: {error}") from None


def check_representable(value: Any) -> None:
    """Raise :class:`CanonicalFormError` naming the first part of *value*
    (as a JSON path: ``$.body.items[2]``) that RFC 8785 cannot represent."""
    stack: list[tuple[Any, str, int]] = [(value, "$", 0)]
    while stack:
        item, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise CanonicalFormError(f"{where}: nested deeper than {MAX_DEPTH} levels")
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            if abs(item) > MAX_SAFE_INTEGER:
                raise CanonicalFormError(
                    f"{where}: the integer {_short(item)} is beyond ±(2^53 - 1), which JSON "
                    "numbers (doubles) cannot hold exactly; send it as text"
                )
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise CanonicalFormError(f"{where}: {item} is not a JSON number")
            if MAX_SAFE_INTEGER < abs(item) < 1e21:
                raise CanonicalFormError(
                    f"{where}: {item!r} is beyond ±(2^53 - 1): RFC 8785 writes it as an "
                    "integer, which readers may take for another number; send it as text"
                )
        elif isinstance(item, str):
            _check_text(item, where)
        elif isinstance(item, list | tuple):
            stack.extend((element, f"{where}[{index}]", depth + 1)
                         for index, element in enumerate(item))
        elif isinstance(item, dict):
            for key, element in item.items():
                if not isinstance(key, str):
                    raise CanonicalFormError(f"{where}: the key {key!r} is not text")
                _check_text(key, f"{where} (a key)")
                stack.append((element, f"{where}.{key}", depth + 1))
        else:
            raise CanonicalFormError(f"{where}: a {type(item).__name__} is not a JSON value")


def _check_text(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(text[error.start])
        raise CanonicalFormError(
            f"{where}: the text holds U+{code:04X}, a lone surrogate, which is not a "
            "Unicode character"
        ) from None


def _short(number: int) -> str:
    if number.bit_length() <= 100:
        return str(number)
    return f"of {number.bit_length()} bits"  # str() of a huge integer is slow, or refused

"""The county's signed answers: what lets a device believe "accepted".

The county signs its answer to every signed request with its Ed25519 key and
sends the signature in ``X-VE-Answer-Signature``. The signed bytes are
``VE-ANS1`` and a line feed, then three lines, each ending with a line feed:

- the request's own ``X-VE-Signature``, exactly as the device sent it: the
  answer belongs to that one request (its method, target, body, headers,
  timestamp and nonce) and cannot be replayed for another;
- the HTTP status, three digits;
- the sha256 in hex of the answer's body: the bytes of the JSON the county
  wrote (before any content coding a proxy may add). The county writes that
  JSON in its RFC 8785 canonical form (:mod:`protocol.canonical`), so the
  body is also the canonical form of the answer object.

A device acts on an answer only if it verifies with the pinned county key
(``sync.client``). None of this depends on TLS: the same bytes are signed
over ``http://`` and ``https://``, through any proxy.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from protocol.canonical import CanonicalFormError, canonical_json
from protocol.signing import (
    SignatureError,
    b64url,
    sha256_hex,
    signature_bytes,
    verify_signature,
)

ANSWER_CONTEXT = b"VE-ANS1\n"


def answer_message(request_signature: str, status: int, body: bytes) -> bytes:
    if not 100 <= status <= 999:
        raise SignatureError(f"{status} is not an HTTP status")
    signature_bytes(request_signature)  # the form of a signature: no line feed can hide in it
    lines = (request_signature, str(status), sha256_hex(body))
    return ANSWER_CONTEXT + "".join(f"{line}\n" for line in lines).encode("ascii")


def sign_answer(key: Ed25519PrivateKey, request_signature: str, status: int, body: bytes) -> str:
    """The ``X-VE-Answer-Signature`` of an answer; :class:`SignatureError` if
    *request_signature* is not the form of a signature."""
    return b64url(key.sign(answer_message(request_signature, status, body)))


def verify_answer(
    public: Ed25519PublicKey, answer_signature: str, request_signature: str, status: int,
    body: bytes,
) -> None:
    """Raise :class:`SignatureError` unless the county holding *public* gave
    exactly this answer (*status*, *body*) to the request signed *request_signature*."""
    verify_signature(public, answer_signature, answer_message(request_signature, status, body))


def answer_body(answer: dict[str, Any]) -> bytes:
    """The bytes the county writes for *answer*: its RFC 8785 form, or, for an
    answer that has none (a refusal quoting text with a lone surrogate),
    ASCII-escaped JSON, which any JSON reader still reads."""
    try:
        return canonical_json(answer)
    except CanonicalFormError:
        return json.dumps(answer, ensure_ascii=True, separators=(",", ":"),
                          default=str).encode("ascii")

"""Ed25519 signatures of the county protocol, in one place for both sides.

What is signed, each over bytes that start with a context string of its own
so that no signature can be taken for another kind:

- every request a device makes (``sign_request``, ``VE-REQ2``): the method,
  the request target (path and query), the sha256 of the body as sent, and
  every header that changes what the request means (:func:`signed_headers`:
  each ``X-VE-*`` header, so the device, timestamp, nonce, backlog, blob
  offset and size, and ``Content-Encoding``), so the county rejects forged,
  altered and replayed requests;
- every feed document the county publishes (``sign_document``, ``VE-DOC1``),
  over its RFC 8785 canonical JSON (:mod:`protocol.canonical`); the county's
  statement of its clock is such a document, of kind ``time``;
- every answer of the county to a signed request (:mod:`protocol.answers`).

Keys travel as base64url without padding of their 32 raw bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from protocol.api import (
    HEADER_DEVICE,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    SIGNED_HEADER_PREFIX,
    SIGNED_HEADERS_ALSO,
)
from protocol.canonical import CanonicalFormError, canonical_json
from protocol.errors import ProtocolError

REQUEST_CONTEXT = b"VE-REQ2\n"
DOCUMENT_CONTEXT = b"VE-DOC1\n"

SIGNATURE_BYTES = 64
MAX_TIMESTAMP_DIGITS = 12  # seconds since 1970 until the year 33658


class SignatureError(ProtocolError, ValueError):
    """A signature, key or signed value is malformed or does not verify."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    if not isinstance(text, str) or any(c in text for c in "=+/ \n"):
        raise SignatureError("not base64url without padding")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise SignatureError(f"not base64url: {error}") from None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def private_key_from_bytes(raw: bytes) -> Ed25519PrivateKey:
    if len(raw) != 32:
        raise SignatureError(f"an Ed25519 private key is 32 bytes, found {len(raw)}")
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return b64url(public.public_bytes(Encoding.Raw, PublicFormat.Raw))


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """The Ed25519 public key in *text* (base64url of 32 bytes);
    :class:`SignatureError` for anything else, a key of small order included."""
    raw = unb64url(text)
    if len(raw) != 32:
        raise SignatureError(f"an Ed25519 public key is 32 bytes, found {len(raw)}")
    if is_small_order(raw):
        raise SignatureError("the key is a point of small order, for which signatures can be "
                             "made without any private key; make a new key")
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as error:
        raise SignatureError(f"not an Ed25519 public key ({error})") from None


_FIELD_PRIME = 2**255 - 19
_ORDER_8_Y = 0x7A03AC9277FDC74EC6CC392CFA53202A0F67100D760B3CBA4FD84D3D706A17C7
#: the y coordinates of the eight points of order 1, 2, 4 and 8 (each y is of
#: small-order points only, whatever the sign of x)
_SMALL_ORDER_Y = frozenset({0, 1, _FIELD_PRIME - 1, _ORDER_8_Y, _FIELD_PRIME - _ORDER_8_Y})


def is_small_order(raw: bytes) -> bool:
    """True if the 32-byte Ed25519 encoding *raw* is a point of small order,
    in any encoding (either sign bit; y written as itself or plus the prime)."""
    y = int.from_bytes(raw, "little") & ((1 << 255) - 1)
    return y % _FIELD_PRIME in _SMALL_ORDER_Y


def key_fingerprint(public: Ed25519PublicKey | str) -> str:
    """sha256 of the raw public key, first 16 hex digits: what a technician compares."""
    text = public if isinstance(public, str) else public_key_text(public)
    return hashlib.sha256(unb64url(text)).hexdigest()[:16]


def signature_bytes(text: str) -> bytes:
    """The 64 bytes of a signature in base64url, or :class:`SignatureError`."""
    signature = unb64url(text)
    if len(signature) != SIGNATURE_BYTES or b64url(signature) != text:
        raise SignatureError("a signature is the base64url (no padding) of 64 bytes")
    return signature


def verify_signature(public: Ed25519PublicKey, signature_text: str, message: bytes) -> None:
    try:
        public.verify(signature_bytes(signature_text), message)
    except InvalidSignature:
        raise SignatureError("signature does not verify") from None


# -- requests ----------------------------------------------------------------


def _is_signed_header(lower_name: str) -> bool:
    if lower_name == HEADER_SIGNATURE.lower():
        return False
    return lower_name.startswith(SIGNED_HEADER_PREFIX) or lower_name in SIGNED_HEADERS_ALSO


def signed_headers(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The headers a request signature covers, in their canonical form: every
    ``X-VE-*`` header but ``X-VE-Signature``, and ``Content-Encoding``; each as
    (lower-case name, value without surrounding spaces), sorted by name.

    A covered header sent twice, or with a value that is not visible ASCII
    (and inner spaces), is a :class:`SignatureError`: its meaning would depend
    on who reads it."""
    chosen: dict[str, str] = {}
    for name, value in headers:
        lower = name.strip().lower()
        if not _is_signed_header(lower):
            continue
        if lower in chosen:
            raise SignatureError(f"the header {name} is sent twice")
        text = value.strip(" \t")
        if not all(" " <= c <= "~" for c in text):
            raise SignatureError(f"the header {name} must be printable ASCII")
        chosen[lower] = text
    return tuple(sorted(chosen.items()))


def request_message(
    method: str, target: str, body: bytes, headers: Iterable[tuple[str, str]]
) -> bytes:
    """The bytes a request signature covers: ``VE-REQ2``, the method, the
    request target, the body's sha256 in hex, then ``name:value`` for each of
    :func:`signed_headers`; every line ends with a line feed."""
    lines = [method.upper(), target, sha256_hex(body),
             *(f"{name}:{value}" for name, value in signed_headers(headers))]
    return REQUEST_CONTEXT + "".join(f"{line}\n" for line in lines).encode("utf-8")


def sign_request(
    key: Ed25519PrivateKey,
    device_id: str,
    method: str,
    path: str,
    body: bytes,
    now: float,
    headers: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The headers that authenticate one request; *path* includes the query.

    *headers* are the other headers the request will carry, exactly as sent:
    those among them that change its meaning (``X-VE-Backlog``,
    ``X-VE-Offset``, ``X-VE-Size``, ``Content-Encoding``) are signed too."""
    timestamp = str(int(now))
    nonce = secrets.token_hex(16)
    made = {HEADER_DEVICE: device_id, HEADER_TIMESTAMP: timestamp, HEADER_NONCE: nonce}
    covered = [*(headers or {}).items(), *made.items()]
    signature = key.sign(request_message(method, path, body, covered))
    return {**made, HEADER_SIGNATURE: b64url(signature)}


@dataclass(frozen=True)
class SignedRequest:
    device_id: str
    timestamp: int
    nonce: str
    signature: str
    headers: tuple[tuple[str, str], ...]  # signed_headers() of the request as received


def read_request_headers(headers: Iterable[tuple[str, str]]) -> SignedRequest:
    """The signature headers of a request (all its headers, as received),
    checked for form only."""
    items = list(headers)
    covered = signed_headers(items)
    values = dict(covered)
    signatures = [value.strip() for name, value in items
                  if name.strip().lower() == HEADER_SIGNATURE.lower()]
    for name in (HEADER_DEVICE, HEADER_TIMESTAMP, HEADER_NONCE):
        if name.lower() not in values:
            raise SignatureError(f"missing header {name}")
    if not signatures:
        raise SignatureError(f"missing header {HEADER_SIGNATURE}")
    if len(signatures) > 1:
        raise SignatureError(f"the header {HEADER_SIGNATURE} is sent twice")
    timestamp = values[HEADER_TIMESTAMP.lower()]
    if not (timestamp.isascii() and timestamp.isdigit()
            and len(timestamp) <= MAX_TIMESTAMP_DIGITS):
        raise SignatureError(f"{HEADER_TIMESTAMP} is not a whole number of seconds")
    nonce = values[HEADER_NONCE.lower()]
    if not (8 <= len(nonce) <= 64 and nonce.isascii() and nonce.isalnum()):
        raise SignatureError(f"{HEADER_NONCE} must be 8 to 64 letters or digits")
    signature_bytes(signatures[0])
    return SignedRequest(values[HEADER_DEVICE.lower()], int(timestamp), nonce, signatures[0],
                         covered)


def verify_request(
    public: Ed25519PublicKey, signed: SignedRequest, method: str, path: str, body: bytes
) -> None:
    verify_signature(public, signed.signature,
                     request_message(method, path, body, signed.headers))


# -- documents ---------------------------------------------------------------


def document_message(document: Mapping[str, Any]) -> bytes:
    """``VE-DOC1`` and a line feed, then the document's RFC 8785 bytes;
    :class:`SignatureError` if it has none (a NaN, an integer past 2^53...)."""
    try:
        return DOCUMENT_CONTEXT + canonical_json(dict(document))
    except CanonicalFormError as error:
        raise SignatureError(f"the document cannot be signed: {error}") from None


def sign_document(key: Ed25519PrivateKey, document: Mapping[str, Any]) -> str:
    return b64url(key.sign(document_message(document)))


def verify_document(public: Ed25519PublicKey, document: Mapping[str, Any], signature: str) -> None:
    verify_signature(public, signature, document_message(document))

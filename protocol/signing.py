"""Ed25519 signatures of the county protocol, in one place for both sides.

Three things are signed:

- every request a device makes (``sign_request``): method, path, a timestamp,
  a nonce and the sha256 of the body as sent, so the county rejects forged,
  altered and replayed uploads;
- every feed document the county publishes (``sign_document``);
- the county's statement of its clock (a document of kind ``time``).

Keys travel as base64url without padding of their 32 raw bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from collections.abc import Mapping
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

from protocol.errors import ProtocolError

REQUEST_CONTEXT = b"VE-REQ1\n"
DOCUMENT_CONTEXT = b"VE-DOC1\n"

HEADER_DEVICE = "X-VE-Device"
HEADER_TIMESTAMP = "X-VE-Timestamp"
HEADER_NONCE = "X-VE-Nonce"
HEADER_SIGNATURE = "X-VE-Signature"


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


def canonical_json(value: Any) -> bytes:
    """UTF-8 JSON with sorted keys and no spaces: the bytes that are signed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


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
    raw = unb64url(text)
    if len(raw) != 32:
        raise SignatureError(f"an Ed25519 public key is 32 bytes, found {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def key_fingerprint(public: Ed25519PublicKey | str) -> str:
    """sha256 of the raw public key, first 16 hex digits: what a technician compares."""
    text = public if isinstance(public, str) else public_key_text(public)
    return hashlib.sha256(unb64url(text)).hexdigest()[:16]


def _verify(public: Ed25519PublicKey, signature_text: str, message: bytes) -> None:
    signature = unb64url(signature_text)
    try:
        public.verify(signature, message)
    except InvalidSignature:
        raise SignatureError("signature does not verify") from None


# -- requests ----------------------------------------------------------------


def request_message(method: str, path: str, timestamp: int, nonce: str, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return REQUEST_CONTEXT + f"{method.upper()}\n{path}\n{timestamp}\n{nonce}\n{digest}".encode()


def sign_request(
    key: Ed25519PrivateKey, device_id: str, method: str, path: str, body: bytes, now: float
) -> dict[str, str]:
    """The headers that authenticate one request; *path* includes the query."""
    timestamp = int(now)
    nonce = secrets.token_hex(16)
    signature = key.sign(request_message(method, path, timestamp, nonce, body))
    return {
        HEADER_DEVICE: device_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: b64url(signature),
    }


@dataclass(frozen=True)
class SignedRequest:
    device_id: str
    timestamp: int
    nonce: str
    signature: str


def read_request_headers(headers: Mapping[str, str]) -> SignedRequest:
    """The signature headers of a request, checked for form only."""
    try:
        device_id = headers[HEADER_DEVICE]
        timestamp = int(headers[HEADER_TIMESTAMP])
        nonce = headers[HEADER_NONCE]
        signature = headers[HEADER_SIGNATURE]
    except KeyError as missing:
        raise SignatureError(f"missing header {missing.args[0]}") from None
    except ValueError:
        raise SignatureError(f"{HEADER_TIMESTAMP} is not a whole number of seconds") from None
    if not (8 <= len(nonce) <= 64 and nonce.isalnum()):
        raise SignatureError(f"{HEADER_NONCE} must be 8 to 64 letters or digits")
    return SignedRequest(device_id, timestamp, nonce, signature)


def verify_request(
    public: Ed25519PublicKey, signed: SignedRequest, method: str, path: str, body: bytes
) -> None:
    _verify(public, signed.signature,
            request_message(method, path, signed.timestamp, signed.nonce, body))


# -- documents ---------------------------------------------------------------


def document_message(document: Mapping[str, Any]) -> bytes:
    return DOCUMENT_CONTEXT + canonical_json(document)


def sign_document(key: Ed25519PrivateKey, document: Mapping[str, Any]) -> str:
    return b64url(key.sign(document_message(document)))


def verify_document(public: Ed25519PublicKey, document: Mapping[str, Any], signature: str) -> None:
    _verify(public, signature, document_message(document))

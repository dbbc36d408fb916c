"""Sealed reports: a complaint or whistle-blower report encrypted on the kiosk
to the county's X25519 public key, so that only the county can read it.

The county's Ed25519 key signs but cannot encrypt, so the county keeps a
second key pair for reports (:mod:`county.complaints`) and publishes the
public half as the signed feed document ``config/complaint-key``, body
``{"x25519": "<base64url of 32 raw bytes>"}``.

A sealed box, version 1: a fresh (ephemeral) X25519 key agrees a secret with
the county's key; HKDF-SHA256 (salt: both public keys, info:
:data:`HKDF_INFO`) turns it into a 256-bit AES-GCM key; AES-256-GCM encrypts
the report with a random 96-bit nonce and authenticates *associated* data —
the device id and the tracking code (:func:`report_context`) — so a sealed
report cannot be passed off as another device's or another code's. The
envelope is ``{"v": 1, "epk": ..., "nonce": ..., "ct": ...}``, base64url
without padding, as every key in this suite. The kiosk keeps no key that
can open it: the ephemeral private key is dropped once the box is sealed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from protocol.errors import ProtocolError
from protocol.signing import SignatureError, b64url, unb64url

ENVELOPE_VERSION = 1
HKDF_INFO = b"village-edge sealed report v1"
CONTEXT_PREFIX = b"VE-REPORT1\n"
KEY_DOCUMENT = ("config", "complaint-key")  # (kind, name) in the feed
KEY_FIELD = "x25519"
NONCE_BYTES = 12


class EnvelopeError(ProtocolError, ValueError):
    """A key or sealed envelope is malformed, or the envelope does not open."""


def public_bytes(key: X25519PublicKey | X25519PrivateKey) -> bytes:
    public = key.public_key() if isinstance(key, X25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_text(key: X25519PublicKey | X25519PrivateKey) -> str:
    """The public key as published: base64url of its 32 raw bytes."""
    return b64url(public_bytes(key))


def public_key_from_text(text: str) -> X25519PublicKey:
    try:
        raw = unb64url(text)
    except SignatureError as error:
        raise EnvelopeError(f"the county's report key is not base64url: {error}") from None
    if len(raw) != 32:
        raise EnvelopeError(
            f"an X25519 public key is 32 bytes, the county's report key has {len(raw)}"
        )
    return X25519PublicKey.from_public_bytes(raw)


def report_context(device_id: str, code: str) -> bytes:
    """The associated data of one report: what the envelope is bound to."""
    return CONTEXT_PREFIX + f"{device_id}\n{code}".encode()


def _derive(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=HKDF_INFO
    ).derive(shared)


def seal(
    recipient: X25519PublicKey, plaintext: bytes, associated: bytes, *,
    ephemeral: X25519PrivateKey | None = None, nonce: bytes | None = None,
) -> dict[str, Any]:
    """Encrypt *plaintext* so that only the holder of *recipient*'s private key
    reads it. *ephemeral* and *nonce* are fresh and random unless given (only
    ever for published test vectors: a box must never reuse either)."""
    ephemeral = ephemeral or X25519PrivateKey.generate()
    epk = public_bytes(ephemeral)
    key = _derive(ephemeral.exchange(recipient), epk, public_bytes(recipient))
    nonce = os.urandom(NONCE_BYTES) if nonce is None else nonce
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, associated)
    return {"v": ENVELOPE_VERSION, "epk": b64url(epk), "nonce": b64url(nonce),
            "ct": b64url(ciphertext)}


def open_sealed(
    private: X25519PrivateKey, envelope: object, associated: bytes
) -> bytes:
    """The plaintext of *envelope*; :class:`EnvelopeError` if it is malformed, was
    sealed to another key, was altered, or is bound to other associated data."""
    if not isinstance(envelope, Mapping):
        raise EnvelopeError("a sealed report must be a JSON object")
    if envelope.get("v") != ENVELOPE_VERSION:
        raise EnvelopeError(
            f"sealed report version {envelope.get('v')!r} is not known (this county reads "
            f"version {ENVELOPE_VERSION}): update the county software"
        )
    try:
        epk = unb64url(envelope["epk"])
        nonce = unb64url(envelope["nonce"])
        ciphertext = unb64url(envelope["ct"])
    except KeyError as missing:
        raise EnvelopeError(f"sealed report has no {missing.args[0]!r}") from None
    except SignatureError as error:
        raise EnvelopeError(f"sealed report is not base64url: {error}") from None
    if len(epk) != 32 or len(nonce) != NONCE_BYTES:
        raise EnvelopeError("sealed report has a malformed key or nonce")
    ephemeral = X25519PublicKey.from_public_bytes(epk)
    try:
        key = _derive(private.exchange(ephemeral), epk, public_bytes(private))
        return AESGCM(key).decrypt(nonce, ciphertext, associated)
    except (InvalidTag, ValueError):
        raise EnvelopeError(
            "sealed report does not open: it was sealed to another county key, altered, "
            "or moved to another device or tracking code"
        ) from None

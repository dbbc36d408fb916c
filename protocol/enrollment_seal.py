"""The sealed enrollment code: a one-time code that is useless to anyone who
sees it on the path.

A device enrolls over whatever link it has, plain ``http://`` included. Were
the code sent in clear, whoever is on the path could read it and enroll its
own key under the device's id first. So the device seals the code, together
with the device id and the public key it enrolls, to the county key it has
pinned (and seen proved: :meth:`sync.client.CountyClient.proven_county_key`):
only the county can open it, and the county refuses an enrollment whose
sealed id or key is not the one presented.

The county's key is an Ed25519 key, which signs but cannot agree a secret;
its X25519 form is the same key on the birational equivalent curve (RFC 7748,
section 4.1: u = (1 + y) / (1 - y) mod 2^255 - 19 for the public key; the
X25519 private scalar is the first half of SHA-512 of the Ed25519 seed, as
Ed25519 itself uses it). The box is the sealed report's
(:mod:`protocol.complaint_envelope`: ephemeral X25519, HKDF-SHA256,
AES-256-GCM), with :data:`ENROLL_CONTEXT` as its associated data so that a
sealed code cannot pass for a sealed report or the other way round. The
sealed plaintext is the RFC 8785 form of
``{"code": ..., "device_id": ..., "public_key": ...}``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from protocol.canonical import canonical_json
from protocol.complaint_envelope import EnvelopeError, open_sealed, seal

ENROLL_CONTEXT = b"VE-ENROLL1\n"
FIELD_PRIME = 2**255 - 19


def x25519_public(public: Ed25519PublicKey) -> X25519PublicKey:
    """The X25519 form of an Ed25519 public key (the Montgomery u of its point)."""
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    y = int.from_bytes(raw, "little") & ((1 << 255) - 1)
    if y >= FIELD_PRIME or (1 - y) % FIELD_PRIME == 0:
        raise EnvelopeError("the county key has no X25519 form (not a usable Ed25519 key)")
    u = (1 + y) * pow(1 - y, FIELD_PRIME - 2, FIELD_PRIME) % FIELD_PRIME
    return X25519PublicKey.from_public_bytes(u.to_bytes(32, "little"))


def x25519_private(private: Ed25519PrivateKey) -> X25519PrivateKey:
    """The X25519 form of an Ed25519 private key: its public half is
    :func:`x25519_public` of the Ed25519 public key."""
    seed = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return X25519PrivateKey.from_private_bytes(hashlib.sha512(seed).digest()[:32])


def seal_code(
    county: Ed25519PublicKey, code: str, device_id: str, public_key: str, *,
    ephemeral: X25519PrivateKey | None = None, nonce: bytes | None = None,
) -> dict[str, Any]:
    """The ``sealed_code`` of an enrollment: *code*, bound to *device_id* and
    the device's *public_key* (base64url), readable only by *county*
    (*ephemeral* and *nonce*: for test vectors only, see :func:`seal`)."""
    plain = canonical_json({"code": code, "device_id": device_id, "public_key": public_key})
    return seal(x25519_public(county), plain, ENROLL_CONTEXT, ephemeral=ephemeral, nonce=nonce)


def open_code(county: Ed25519PrivateKey, sealed: object, device_id: str, public_key: str) -> str:
    """The code sealed in *sealed*; :class:`EnvelopeError` if it does not open
    with *county*'s key, or was sealed for another device id or key."""
    if not isinstance(sealed, dict) or not all(
        isinstance(sealed.get(name), str) for name in ("epk", "nonce", "ct")
    ):
        raise EnvelopeError("sealed_code must be an object with the text fields epk, nonce, ct")
    plain = open_sealed(x25519_private(county), sealed, ENROLL_CONTEXT)
    try:
        form = json.loads(plain)
    except ValueError:
        raise EnvelopeError("the sealed code is not JSON") from None
    if not isinstance(form, dict) or not all(
        isinstance(form.get(name), str) for name in ("code", "device_id", "public_key")
    ):
        raise EnvelopeError("the sealed code lacks code, device_id or public_key")
    if form["device_id"] != device_id or form["public_key"] != public_key:
        raise EnvelopeError("the code was sealed for another device id or key")
    return str(form["code"])

"""Feed documents: what the county publishes to devices, signed.

A document is a JSON object ``{kind, name, version, issued, expires,
audience, body}``; on the wire it travels as ``{"document": ..., "signature":
...}`` with the signature of :func:`protocol.signing.sign_document`, over the
document's RFC 8785 canonical JSON (:mod:`protocol.canonical`). A document
with a value that form cannot hold (NaN, an integer past 2^53, a lone
surrogate) is malformed: refused before it is signed, and on arrival. A device
accepts a document only if the signature verifies with the pinned county key,
it is addressed to this device (its id, its village as ``village:<code>``,
or ``"*"``), it has not expired, and its version is above the one the device
holds for the same (kind, name). A device that does not know its village
takes no village's document.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from protocol.api import VILLAGE_CODE
from protocol.canonical import CanonicalFormError, check_representable
from protocol.errors import ProtocolError
from protocol.signing import SignatureError, sign_document, verify_document

DOCUMENT_KINDS = ("catalog", "disclosure", "roster", "approval", "config", "command", "time")
EVERY_DEVICE = "*"
VILLAGE_AUDIENCE = "village:"  # followed by the 12-digit village code
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")


def village_audience(village_code: str) -> str:
    """The audience of the devices enrolled in *village_code*; ValueError
    unless it is a village code (12 ASCII digits)."""
    if not VILLAGE_CODE.fullmatch(village_code):
        raise ValueError(f"{village_code!r} is not a village code (12 digits)")
    return VILLAGE_AUDIENCE + village_code


def addressed_to(audience: str, device_id: str, village_code: str | None) -> bool:
    """Whether a document for *audience* is for the device *device_id* of
    *village_code* (None: a device that does not know its village)."""
    if audience in (EVERY_DEVICE, device_id):
        return True
    return (village_code is not None and VILLAGE_CODE.fullmatch(village_code) is not None
            and audience == VILLAGE_AUDIENCE + village_code)


class DocumentRejected(ProtocolError, ValueError):
    """A feed document that must not replace what the device holds."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason  # a short tag: malformed, signature, audience, expired, rollback
        super().__init__(f"{reason}: {detail}")


@dataclass(frozen=True)
class FeedDocument:
    kind: str
    name: str
    version: int
    issued: int
    expires: int
    audience: str
    body: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.name)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> FeedDocument:
        if not isinstance(data, dict):
            raise DocumentRejected("malformed", "a document must be a JSON object")
        fields = {"kind": str, "name": str, "version": int, "issued": int, "expires": int,
                  "audience": str, "body": dict}
        if set(data) != set(fields):
            raise DocumentRejected(
                "malformed", f"expected the fields {sorted(fields)}, found {sorted(data)}"
            )
        for name, kind in fields.items():
            value = data[name]
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise DocumentRejected("malformed", f"{name} must be {kind.__name__}")
        if data["kind"] not in DOCUMENT_KINDS:
            raise DocumentRejected("malformed", f"unknown kind {data['kind']!r}")
        if not NAME_PATTERN.fullmatch(data["name"]):
            raise DocumentRejected("malformed", f"bad name {data['name']!r}")
        if data["version"] < 1 or data["expires"] <= data["issued"]:
            raise DocumentRejected("malformed", "version must be 1 or more, expiry after issue")
        try:
            check_representable(data)
        except CanonicalFormError as error:
            raise DocumentRejected("malformed", f"no RFC 8785 form: {error}") from None
        return cls(**data)


@dataclass(frozen=True)
class SignedDocument:
    document: FeedDocument
    signature: str

    @classmethod
    def sign(cls, key: Ed25519PrivateKey, document: FeedDocument) -> SignedDocument:
        """*document* signed; :class:`DocumentRejected` (malformed) if it has
        no canonical form, so nothing unverifiable is ever signed."""
        try:
            return cls(document, sign_document(key, document.to_dict()))
        except SignatureError as error:
            raise DocumentRejected("malformed", str(error)) from None

    def to_wire(self) -> dict[str, Any]:
        return {"document": self.document.to_dict(), "signature": self.signature}

    @classmethod
    def from_wire(cls, data: Any) -> SignedDocument:
        if not isinstance(data, dict) or set(data) != {"document", "signature"}:
            raise DocumentRejected("malformed", "expected {document, signature}")
        if not isinstance(data["signature"], str):
            raise DocumentRejected("malformed", "signature must be text")
        return cls(FeedDocument.from_dict(data["document"]), data["signature"])

    def check(
        self,
        county_key: Ed25519PublicKey,
        *,
        device_id: str,
        now: float,
        held_version: int | None,
        village_code: str | None = None,
    ) -> None:
        """Raise :class:`DocumentRejected` unless this document may be taken
        by *device_id* of *village_code* (None: its village is not known)."""
        document = self.document
        label = f"{document.kind}/{document.name} v{document.version}"
        try:
            verify_document(county_key, document.to_dict(), self.signature)
        except SignatureError as error:
            raise DocumentRejected("signature", f"{label}: {error}") from None
        if not addressed_to(document.audience, device_id, village_code):
            raise DocumentRejected("audience", f"addressed to {document.audience}")
        if now >= document.expires:
            raise DocumentRejected("expired", label)
        if held_version is not None and document.version <= held_version:
            raise DocumentRejected(
                "rollback", f"{label} is not newer than v{held_version} held"
            )

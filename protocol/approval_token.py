"""The approval token: what lets one seal be used a limited number of times.

Format, so the county, the station and any third party can make and check it:
``VE1.<payload>.<signature>``, where ``payload`` is base64url without padding
of the RFC 8785 canonical JSON of the payload object (:mod:`protocol.canonical`;
for these fields: sorted keys, no spaces, UTF-8), and ``signature`` is base64url
without padding of the Ed25519 signature over the ASCII bytes ``VE1.``
followed by the payload text. Payload fields: ``aid`` approval id, ``req``
request id, ``dev`` device id, ``slot`` seal slot, ``uses`` stamps allowed
(1 to 50), ``nbf`` and ``exp`` Unix seconds, ``apr`` approver id, and
optionally ``doc``, the fingerprint of the approved document photo. A payload
that is not exactly its canonical form is refused (``encoding``), so no two
readers can see different fields in one token (a key twice, say).

:func:`read_token` checks the form and the signature only; whether the token
fits this station, this request and this moment is the controller's question.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from protocol.canonical import CanonicalFormError, canonical_json
from protocol.errors import ProtocolError
from protocol.signing import SignatureError, b64url, unb64url

PREFIX = "VE1."
MAX_TOKEN_CHARS = 1200  # a QR code a phone shows and a 640x480 frame still reads
MIN_USES, MAX_USES = 1, 50
#: The county dates an approval's ``nbf`` this long before it issues it, so a
#: station whose clock is a little behind still takes it; a station reads the
#: issue time of an approval as ``nbf + NBF_BACKDATE_SECONDS``.
NBF_BACKDATE_SECONDS = 60
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
DOC_PATTERN = re.compile(r"[0-9a-f]{16}")
B64URL = re.compile(r"[A-Za-z0-9_-]+")


class TokenRejected(ProtocolError, ValueError):
    """A token that must not move the lock; *reason* is a short tag."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")


@dataclass(frozen=True)
class Approval:
    aid: str
    req: str
    dev: str
    slot: str
    uses: int
    nbf: int
    exp: int
    apr: str
    doc: str | None = None

    def payload(self) -> dict[str, Any]:
        fields = asdict(self)
        if self.doc is None:
            del fields["doc"]
        return fields


def issue_token(key: Ed25519PrivateKey, approval: Approval) -> str:
    _check_fields(approval.payload())
    try:
        payload = b64url(canonical_json(approval.payload()))
    except CanonicalFormError as error:
        raise TokenRejected("fields", str(error)) from None
    signature = key.sign((PREFIX + payload).encode("ascii"))
    return f"{PREFIX}{payload}.{b64url(signature)}"


def read_token(text: str, county_key: Ed25519PublicKey) -> Approval:
    """The approval in *text*, if it is well formed and the county signed it."""
    if not isinstance(text, str):
        raise TokenRejected("format", "not text")
    text = text.strip()
    if len(text) > MAX_TOKEN_CHARS:
        raise TokenRejected("oversized", f"{len(text)} characters, at most {MAX_TOKEN_CHARS}")
    if not text.startswith(PREFIX):
        raise TokenRejected("format", "not an approval code (it must start with VE1.)")
    parts = text[len(PREFIX):].split(".")
    if len(parts) != 2 or not all(parts):
        raise TokenRejected("format", "an approval code has three parts: VE1.payload.signature")
    payload_text, signature_text = parts
    if not (B64URL.fullmatch(payload_text) and B64URL.fullmatch(signature_text)):
        raise TokenRejected("encoding", "not base64url without padding")
    try:
        payload_bytes = unb64url(payload_text)
        signature = unb64url(signature_text)
    except SignatureError as error:
        raise TokenRejected("encoding", str(error)) from None
    if b64url(payload_bytes) != payload_text or b64url(signature) != signature_text:
        raise TokenRejected("encoding", "not the canonical base64url of its bytes")
    try:
        county_key.verify(signature, (PREFIX + payload_text).encode("ascii"))
    except InvalidSignature:
        raise TokenRejected(
            "signature", "not signed by this county's key (forged, altered or from another county)"
        ) from None
    try:
        fields = json.loads(payload_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise TokenRejected("json", "the signed payload is not UTF-8 JSON") from None
    if not isinstance(fields, dict):
        raise TokenRejected("json", "the signed payload is not a JSON object")
    _check_fields(fields)
    try:
        canonical = canonical_json(fields)
    except CanonicalFormError as error:
        raise TokenRejected("encoding", f"the payload has no RFC 8785 form: {error}") from None
    if canonical != payload_bytes:
        raise TokenRejected("encoding", "the payload is not in its RFC 8785 canonical form")
    return Approval(**fields)


def _check_fields(fields: dict[str, Any]) -> None:
    required = {"aid", "req", "dev", "slot", "uses", "nbf", "exp", "apr"}
    missing = required - set(fields)
    extra = set(fields) - required - {"doc"}
    if missing or extra:
        raise TokenRejected("fields", f"missing {sorted(missing)}, unknown {sorted(extra)}")
    for name in ("aid", "req", "dev", "slot", "apr"):
        value = fields[name]
        if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
            raise TokenRejected("fields", f"{name} is not a valid id: {value!r}")
    for name in ("uses", "nbf", "exp"):
        if not isinstance(fields[name], int) or isinstance(fields[name], bool):
            raise TokenRejected("fields", f"{name} must be a whole number")
    if not MIN_USES <= fields["uses"] <= MAX_USES:
        raise TokenRejected("uses", f"uses must be {MIN_USES} to {MAX_USES}, not {fields['uses']}")
    if fields["exp"] <= fields["nbf"]:
        raise TokenRejected("fields", "exp must be after nbf")
    doc = fields.get("doc")
    if doc is not None and (not isinstance(doc, str) or not DOC_PATTERN.fullmatch(doc)):
        raise TokenRejected("fields", "doc must be a 16-digit hex fingerprint")

"""Who is asking: the signature headers of a device request checked against
the device's enrolled key, the clock and the nonces already seen.

The checks run in this order, so a forgery is counted as a forgery whatever
its timestamp: headers present (else ``forged``), device enrolled (else
``unknown_device``), signature verifies over the method, target, body bytes
as sent and every signed header (:func:`protocol.signing.signed_headers`;
else ``forged``), timestamp within :data:`~protocol.api.CLOCK_SKEW_SECONDS`
(else ``stale``, also counted as replayed), nonce not seen from this device
within :data:`~county.policy.NONCE_WINDOW_SECONDS` (else ``replayed``).

The answer to a request whose signature verified is signed in turn
(:func:`answer_headers`), refusals included (``stale``, ``replayed`` and
whatever the handler refuses). A refusal made before the signature verified
(``forged``, ``unknown_device``, and the 404, 405, 413 and 415 of routing)
is not signed: its request may have been altered on the way, and a signed
"no" to an altered request would let whoever altered it make the device
give up something good (a photo set aside as refused for good).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from county.enrollment import role_for_device
from county.rejection import Rejected
from county.store import Store
from protocol.answers import sign_answer
from protocol.api import CLOCK_SKEW_SECONDS, HEADER_ANSWER_SIGNATURE
from protocol.signing import (
    SignatureError,
    SignedRequest,
    public_key_from_text,
    read_request_headers,
    verify_request,
)

Headers = Iterable[tuple[str, str]]


def signature_headers(headers: Headers) -> SignedRequest:
    """The signature headers among *headers* (every header of the request)."""
    try:
        return read_request_headers(headers)
    except SignatureError as error:
        raise Rejected(401, "forged",
                       f"the request is not properly signed ({error}); devices sign every "
                       "request with protocol.signing.sign_request", counters=("forged",)) from None


def check_signature(
    public: Ed25519PublicKey, signed: SignedRequest, method: str, target: str, body: bytes
) -> None:
    try:
        verify_request(public, signed, method, target, body)
    except SignatureError:
        raise Rejected(401, "forged",
                       f"the signature does not verify with the key of {signed.device_id} "
                       "(wrong key, or the request was altered after signing)",
                       counters=("forged",)) from None


def check_fresh(store: Store, signed: SignedRequest, now: float) -> None:
    """Reject a stale timestamp or a nonce seen before; remember the nonce and
    that the device was seen."""
    offset = signed.timestamp - now
    if abs(offset) > CLOCK_SKEW_SECONDS:
        direction = "ahead of" if offset > 0 else "behind"
        raise Rejected(401, "stale",
                       f"the request's timestamp is {abs(offset):.0f} s {direction} the county's "
                       f"clock (at most {CLOCK_SKEW_SECONDS} s allowed); fix the device's clock "
                       "(GET /v1/health gives server_time) and sign again",
                       counters=("replayed", "stale"), extra={"server_time": now})
    if not store.accept_nonce(signed.device_id, signed.nonce, now, clock_offset=offset):
        raise Rejected(401, "replayed",
                       f"nonce {signed.nonce} was already used by {signed.device_id}; "
                       "sign every request afresh, retries included", counters=("replayed",))


class Verified(Protocol):
    verified: bool


def authenticate(
    store: Store, headers: Headers, method: str, target: str, body: bytes, now: float,
    verification: Verified,
) -> str:
    """The enrolled device that signed this request, or :class:`Rejected`
    (401); *verification* is marked verified as soon as the signature is."""
    signed = signature_headers(headers)
    device = store.device(signed.device_id)
    if device is None:
        raise Rejected(401, "unknown_device",
                       f"device {signed.device_id!r} is not enrolled; enroll it with a code from "
                       f"`village-edge county enroll-code --device {signed.device_id} --role "
                       f"{role_for_device(signed.device_id)}`",
                       counters=("unknown_device",))
    try:
        public = public_key_from_text(device.public_key)
    except SignatureError as error:  # enrolled before such keys were refused
        raise Rejected(401, "forged", f"the key {signed.device_id} enrolled is not usable "
                       f"({error}); enroll the device again", counters=("forged",)) from None
    check_signature(public, signed, method, target, body)
    verification.verified = True
    check_fresh(store, signed, now)
    return signed.device_id


def answer_headers(
    key: Ed25519PrivateKey, request_signature: str | None, status: int, body: bytes
) -> dict[str, str]:
    """``X-VE-Answer-Signature`` for the answer (*status*, *body*) to a request
    that carried *request_signature*; nothing when the request carried none,
    or something that is not the form of a signature."""
    if request_signature is None:
        return {}
    try:
        return {HEADER_ANSWER_SIGNATURE: sign_answer(key, request_signature.strip(), status, body)}
    except SignatureError:
        return {}

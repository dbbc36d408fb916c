"""The sealed box: only the county's private key opens it, bound to device and code."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from protocol.complaint_envelope import (
    EnvelopeError,
    open_sealed,
    public_key_from_text,
    public_key_text,
    report_context,
    seal,
)
from protocol.signing import b64url, unb64url

REPORT = "村集体资产处置不公开".encode()


@pytest.fixture
def county_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def test_the_county_opens_what_was_sealed_to_its_key(county_key: X25519PrivateKey) -> None:
    context = report_context("ve-k1", "1234567890")
    envelope = seal(county_key.public_key(), REPORT, context)

    assert set(envelope) == {"v", "epk", "nonce", "ct"} and envelope["v"] == 1
    assert REPORT not in unb64url(envelope["ct"])
    assert open_sealed(county_key, envelope, context) == REPORT


def test_the_envelope_follows_the_documented_construction(county_key: X25519PrivateKey) -> None:
    """Decrypt by hand, from the module docstring's recipe: a county written
    against the format (not this code) must be able to open version 1."""
    context = report_context("ve-k1", "1234567890")
    envelope = seal(county_key.public_key(), REPORT, context)
    epk = unb64url(envelope["epk"])
    recipient = county_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    shared = county_key.exchange(X25519PublicKey.from_public_bytes(epk))
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=epk + recipient,
               info=b"village-edge sealed report v1").derive(shared)
    assert context == b"VE-REPORT1\nve-k1\n1234567890"
    plain = AESGCM(key).decrypt(unb64url(envelope["nonce"]), unb64url(envelope["ct"]), context)
    assert plain == REPORT and len(unb64url(envelope["nonce"])) == 12


def test_sealing_twice_gives_different_envelopes(county_key: X25519PrivateKey) -> None:
    context = report_context("ve-k1", "1234567890")
    first, second = (seal(county_key.public_key(), REPORT, context) for _ in range(2))
    assert first["epk"] != second["epk"] and first["ct"] != second["ct"]


def test_another_key_cannot_open_it(county_key: X25519PrivateKey) -> None:
    context = report_context("ve-k1", "1234567890")
    envelope = seal(county_key.public_key(), REPORT, context)
    with pytest.raises(EnvelopeError, match="another county key"):
        open_sealed(X25519PrivateKey.generate(), envelope, context)


@pytest.mark.parametrize("device, code", [("ve-k2", "1234567890"), ("ve-k1", "1234567891")])
def test_it_is_bound_to_the_device_and_the_tracking_code(
    county_key: X25519PrivateKey, device: str, code: str
) -> None:
    envelope = seal(county_key.public_key(), REPORT, report_context("ve-k1", "1234567890"))
    with pytest.raises(EnvelopeError):
        open_sealed(county_key, envelope, report_context(device, code))


@pytest.mark.parametrize("field", ["ct", "nonce", "epk"])
def test_an_altered_envelope_does_not_open(county_key: X25519PrivateKey, field: str) -> None:
    context = report_context("ve-k1", "1234567890")
    envelope = seal(county_key.public_key(), REPORT, context)
    raw = bytearray(unb64url(envelope[field]))
    raw[0] ^= 1
    with pytest.raises(EnvelopeError):
        open_sealed(county_key, {**envelope, field: b64url(bytes(raw))}, context)


@pytest.mark.parametrize("change, message", [
    ({"v": 2}, "version 2 is not known"),
    ({"ct": "not base64!"}, "not base64url"),
    ({"epk": b64url(b"short")}, "malformed key or nonce"),
])
def test_malformed_envelopes_say_what_is_wrong(
    county_key: X25519PrivateKey, change: dict[str, object], message: str
) -> None:
    context = report_context("ve-k1", "1234567890")
    envelope = {**seal(county_key.public_key(), REPORT, context), **change}
    with pytest.raises(EnvelopeError, match=message):
        open_sealed(county_key, envelope, context)


def test_public_keys_travel_as_base64url_of_32_bytes(county_key: X25519PrivateKey) -> None:
    text = public_key_text(county_key)
    assert len(unb64url(text)) == 32
    assert public_key_text(public_key_from_text(text)) == text
    with pytest.raises(EnvelopeError, match="32 bytes"):
        public_key_from_text(b64url(b"x" * 31))

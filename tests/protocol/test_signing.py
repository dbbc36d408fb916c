"""Request and answer signatures cover exactly the bytes the contract
(county/openapi.yaml) defines, built here again from its words."""

from __future__ import annotations

import hashlib

import pytest

from protocol.answers import answer_body, sign_answer, verify_answer
from protocol.signing import (
    SignatureError,
    b64url,
    new_private_key,
    public_key_from_text,
    public_key_text,
    read_request_headers,
    request_message,
    sign_request,
    signed_headers,
    unb64url,
    verify_request,
)

DEVICE = new_private_key()
COUNTY = new_private_key()
BODY = b'{"events":[]}'
EXTRA = {"Content-Type": "application/json", "Content-Encoding": "gzip", "X-VE-Backlog": "12"}


def _signed() -> tuple[dict[str, str], list[tuple[str, str]]]:
    auth = sign_request(DEVICE, "ve-seal-1", "POST", "/v1/events", BODY, 1_800_000_000.9,
                        headers=EXTRA)
    return auth, [*EXTRA.items(), *auth.items()]


def test_the_signed_message_is_the_one_the_contract_describes() -> None:
    auth, sent = _signed()
    expected = (
        "VE-REQ2\n"
        "POST\n"
        "/v1/events\n"
        f"{hashlib.sha256(BODY).hexdigest()}\n"
        "content-encoding:gzip\n"
        "x-ve-backlog:12\n"
        "x-ve-device:ve-seal-1\n"
        f"x-ve-nonce:{auth['X-VE-Nonce']}\n"
        "x-ve-timestamp:1800000000\n"
    ).encode()
    assert request_message("POST", "/v1/events", BODY, sent) == expected
    DEVICE.public_key().verify(unb64url(auth["X-VE-Signature"]), expected)


def test_signed_headers_are_lower_case_trimmed_sorted_and_only_those_that_matter() -> None:
    headers = [("Host", "county"), ("X-VE-Size", " 10 "), ("Content-Type", "text/plain"),
               ("x-ve-offset", "0"), ("X-VE-Signature", "abc"), ("CONTENT-ENCODING", "gzip")]
    assert signed_headers(headers) == (
        ("content-encoding", "gzip"), ("x-ve-offset", "0"), ("x-ve-size", "10"))


@pytest.mark.parametrize(
    "headers",
    [[("X-VE-Size", "1"), ("x-ve-size", "1")], [("X-VE-Backlog", "١٢")],
     [("Content-Encoding", "gzip\x00")]],
    ids=["twice", "not ASCII", "control character"],
)
def test_a_covered_header_that_could_be_read_two_ways_is_refused(
    headers: list[tuple[str, str]],
) -> None:
    with pytest.raises(SignatureError):
        signed_headers(headers)


@pytest.mark.parametrize(
    "change",
    ["method", "target", "body", "content-encoding", "x-ve-backlog", "x-ve-device",
     "x-ve-nonce", "x-ve-timestamp", "new x-ve header", "dropped header"],
)
def test_every_signed_element_changed_breaks_the_signature(change: str) -> None:
    _, sent = _signed()
    method, target, body = "POST", "/v1/events", BODY
    if change == "method":
        method = "PUT"
    elif change == "target":
        target = "/v1/events?x=1"
    elif change == "body":
        body = BODY + b" "
    elif change == "new x-ve header":
        sent.append(("X-VE-Offset", "0"))
    elif change == "dropped header":
        sent = [(k, v) for k, v in sent if k != "X-VE-Backlog"]
    else:
        sent = [(k, "999999999" if k.lower() == change else v) for k, v in sent]
    request = read_request_headers(sent)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_request(DEVICE.public_key(), request, method, target, body)


def test_the_unchanged_request_verifies() -> None:
    _, sent = _signed()
    request = read_request_headers(sent)
    assert (request.device_id, request.timestamp) == ("ve-seal-1", 1_800_000_000)
    verify_request(DEVICE.public_key(), request, "POST", "/v1/events", BODY)


@pytest.mark.parametrize(
    ("header", "value", "message"),
    [("X-VE-Timestamp", "１８００", "printable ASCII"),
     ("X-VE-Timestamp", "9" * 13, "whole number"),
     ("X-VE-Nonce", "short", "8 to 64"), ("X-VE-Signature", "AAAA", "64 bytes"),
     ("X-VE-Device", None, "missing header X-VE-Device")],
)
def test_malformed_signature_headers_are_named(
    header: str, value: str | None, message: str
) -> None:
    _, sent = _signed()
    sent = [(k, v) for k, v in sent if k != header]
    if value is not None:
        sent.append((header, value))
    with pytest.raises(SignatureError, match=message):
        read_request_headers(sent)


def test_an_answer_signature_binds_request_status_and_body() -> None:
    auth, _ = _signed()
    request_signature = auth["X-VE-Signature"]
    body = answer_body({"accepted": ["e1"], "duplicates": [], "server_time": 1.0})
    assert body == b'{"accepted":["e1"],"duplicates":[],"server_time":1}'
    signature = sign_answer(COUNTY, request_signature, 200, body)
    verify_answer(COUNTY.public_key(), signature, request_signature, 200, body)
    other_request = _signed()[0]["X-VE-Signature"]
    for args in ((other_request, 200, body), (request_signature, 201, body),
                 (request_signature, 200, body.replace(b"e1", b"e2"))):
        with pytest.raises(SignatureError):
            verify_answer(COUNTY.public_key(), signature, *args)
    with pytest.raises(SignatureError):
        verify_answer(DEVICE.public_key(), signature, request_signature, 200, body)


def test_only_a_real_request_signature_can_be_answered() -> None:
    with pytest.raises(SignatureError):
        sign_answer(COUNTY, "abc\n200", 200, b"{}")


def test_an_answer_rfc_8785_cannot_hold_is_still_written_as_json() -> None:
    body = answer_body({"error": "malformed", "detail": "bad text \ud800"})
    assert body == b'{"error":"malformed","detail":"bad text \\ud800"}'


FIELD_PRIME = 2**255 - 19
ORDER_8_Y = 0x7A03AC9277FDC74EC6CC392CFA53202A0F67100D760B3CBA4FD84D3D706A17C7


def _encodings(y: int) -> list[bytes]:
    """Every 32-byte encoding of the points with y coordinate *y*: either
    sign bit, and y + p where that still fits in 255 bits."""
    ys = [y] + ([y + FIELD_PRIME] if y + FIELD_PRIME < 2**255 else [])
    return [(value | sign << 255).to_bytes(32, "little") for value in ys for sign in (0, 1)]


@pytest.mark.parametrize("y", [0, 1, FIELD_PRIME - 1, ORDER_8_Y, FIELD_PRIME - ORDER_8_Y],
                         ids=["order 4", "identity", "order 2", "order 8", "order 8, negated"])
def test_a_key_of_small_order_is_refused_in_every_encoding(y: int) -> None:
    """With such a key, signatures verify that no private key made (the
    all-zero signature verifies for many messages under the zero key)."""
    for raw in _encodings(y):
        with pytest.raises(SignatureError, match="small order"):
            public_key_from_text(b64url(raw))


def test_real_keys_are_not_taken_for_small_order() -> None:
    for _ in range(200):
        public_key_from_text(public_key_text(new_private_key()))

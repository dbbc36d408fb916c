"""Approval tokens: exactly the documented format, and every kind of bad
token refused with a reason."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.approval_token import Approval, TokenRejected, issue_token, read_token
from protocol.signing import new_private_key

COUNTY = new_private_key()
APPROVAL = Approval(aid="A-1", req="R7-abc", dev="ve-seal-1", slot="committee", uses=3,
                    nbf=1_800_000_000, exp=1_800_000_600, apr="zhang.wei", doc="0123456789abcdef")


def test_the_format_is_exactly_as_documented() -> None:
    token = issue_token(COUNTY, APPROVAL)
    prefix, payload, signature = token.split(".")
    assert prefix == "VE1" and "=" not in token
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert raw == json.dumps(APPROVAL.payload(), sort_keys=True, separators=(",", ":")).encode()
    sig = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    COUNTY.public_key().verify(sig, f"VE1.{payload}".encode("ascii"))  # a third party checks it
    assert read_token(token, COUNTY.public_key()) == APPROVAL


def _with_payload(fields: dict, key=COUNTY) -> str:  # type: ignore[no-untyped-def]
    payload = base64.urlsafe_b64encode(
        json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()).rstrip(b"=").decode()
    signature = base64.urlsafe_b64encode(key.sign(f"VE1.{payload}".encode())).rstrip(b"=")
    return f"VE1.{payload}.{signature.decode()}"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (issue_token(new_private_key(), APPROVAL), "signature"),
        ("VE1.abc", "format"),
        ("VE2." + issue_token(COUNTY, APPROVAL)[4:], "format"),
        ("VE1.a+b/.c==", "encoding"),
        ("VE1." + "A" * 2000 + ".x", "oversized"),
        (_with_payload({"aid": 1}) , "fields"),
        (_with_payload({**APPROVAL.payload(), "uses": 51}), "uses"),
        (_with_payload({**APPROVAL.payload(), "uses": 0}), "uses"),
        (_with_payload({**APPROVAL.payload(), "extra": True}), "fields"),
        (_with_payload({**APPROVAL.payload(), "exp": 1}), "fields"),
        ("https://example.cn/not-a-token", "format"),
    ],
)
def test_bad_tokens_are_refused_with_a_reason(token: str, reason: str) -> None:
    with pytest.raises(TokenRejected) as caught:
        read_token(token, COUNTY.public_key())
    assert caught.value.reason == reason


def test_a_payload_that_is_not_json_is_refused() -> None:
    payload = base64.urlsafe_b64encode(b"\xff\xfe not json").rstrip(b"=").decode()
    signature = base64.urlsafe_b64encode(COUNTY.sign(f"VE1.{payload}".encode())).rstrip(b"=")
    with pytest.raises(TokenRejected) as caught:
        read_token(f"VE1.{payload}.{signature.decode()}", COUNTY.public_key())
    assert caught.value.reason == "json"


@settings(max_examples=300, deadline=None)
@given(position=st.integers(min_value=4), replacement=st.characters(
    whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters="-_"))
def test_any_altered_character_is_refused(position: int, replacement: str) -> None:
    token = issue_token(COUNTY, APPROVAL)
    position %= len(token)
    if token[position] in (replacement, "."):
        return
    altered = token[:position] + replacement + token[position + 1:]
    with pytest.raises(TokenRejected):
        read_token(altered, COUNTY.public_key())


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_passes(text: str) -> None:
    with pytest.raises(TokenRejected):
        read_token(text, COUNTY.public_key())


@settings(max_examples=100, deadline=None)
@given(cut=st.integers(min_value=1, max_value=200))
def test_truncated_tokens_are_refused(cut: int) -> None:
    token = issue_token(COUNTY, APPROVAL)
    with pytest.raises(TokenRejected):
        read_token(token[: max(0, len(token) - cut)], COUNTY.public_key())

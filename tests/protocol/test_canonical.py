"""The bytes every signature covers are RFC 8785's, and what RFC 8785 cannot
hold is refused before anything is signed, naming where it is."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.approval_token import Approval, TokenRejected, issue_token, read_token
from protocol.canonical import CanonicalFormError, canonical_json
from protocol.documents import DocumentRejected, FeedDocument, SignedDocument
from protocol.ledger_chain import GENESIS, check_chain, record_hash
from protocol.signing import b64url, new_private_key, unb64url

COUNTY = new_private_key()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.0, "1"),
        (-0.0, "0"),
        (1e21, "1e+21"),
        (1e21 * 10, "1e+22"),
        (1e-7, "1e-7"),
        (0.000001, "0.000001"),
        (0.1 + 0.2, "0.30000000000000004"),
        (2**53 - 1, "9007199254740991"),
        ({"b": 1, "a": [True, None, "x"]}, '{"a":[true,null,"x"],"b":1}'),
        ("\u2028 \x1f \" \\ \n é 村", '"\u2028 \\u001f \\" \\\\ \\n é 村"'),
        # sorted by UTF-16 code units: U+1F600 (D83D DE00) comes before U+E000
        ({"\ue000": 1, "\U0001f600": 2, "a": 3}, '{"a":3,"\U0001f600":2,"\ue000":1}'),
    ],
    ids=["one point zero", "minus zero", "1e21", "1e22", "1e-7", "1e-6", "0.1+0.2", "2^53-1",
         "sorted", "escapes", "non-BMP key"],
)
def test_the_bytes_are_rfc_8785s(value: Any, expected: str) -> None:
    assert canonical_json(value) == expected.encode("utf-8")


def test_the_rfc_8785_example_object() -> None:
    """The example of RFC 8785 section 3.2.2."""
    parsed = json.loads('{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, '
                        '0.000000000000000000000000001],'
                        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
                        ' "literals": [null, true, false]}')
    assert canonical_json(parsed) == (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    ).encode()


@pytest.mark.parametrize(
    ("value", "where", "what"),
    [
        ({"body": {"x": math.nan}}, "$.body.x", "nan is not a JSON number"),
        ({"x": [1, math.inf]}, "$.x[1]", "inf is not a JSON number"),
        ({"n": 2**53}, "$.n", "beyond ±(2^53 - 1)"),
        ({"n": -(2**53)}, "$.n", "beyond ±(2^53 - 1)"),
        ({"n": 10**400}, "$.n", "of 1329 bits"),
        ({"n": 1e16}, "$.n", "1e+16 is beyond ±(2^53 - 1)"),
        ({"t": "ok \ud800"}, "$.t", "U+D800, a lone surrogate"),
        ({"\udfff": 1}, "$ (a key)", "U+DFFF"),
        ({1: "x"}, "$", "the key 1 is not text"),
        ({"s": {1, 2}}, "$.s", "a set is not a JSON value"),
    ],
)
def test_what_rfc_8785_cannot_hold_is_refused_where_it_is(
    value: Any, where: str, what: str
) -> None:
    with pytest.raises(CanonicalFormError) as caught:
        canonical_json(value)
    assert str(caught.value).startswith(f"{where}:")
    assert what in str(caught.value)


def test_nesting_is_bounded() -> None:
    deep: Any = "bottom"
    for _ in range(100):
        deep = [deep]
    with pytest.raises(CanonicalFormError, match="nested deeper than 64 levels"):
        canonical_json(deep)


@given(st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not 2**53 <= abs(f) < 1e21)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
))
def test_canonical_bytes_read_back_to_the_same_value_and_are_a_fixed_point(value: Any) -> None:
    data = canonical_json(value)
    again = json.loads(data)
    assert canonical_json(again) == data
    assert again == value or _has_minus_zero(value)


def _has_minus_zero(value: Any) -> bool:
    if isinstance(value, float):
        return value == 0 and math.copysign(1, value) < 0
    if isinstance(value, list):
        return any(_has_minus_zero(v) for v in value)
    if isinstance(value, dict):
        return any(_has_minus_zero(v) for v in value.values())
    return False


def _document(body: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "catalog", "name": "items", "version": 1, "issued": 1_800_000_000,
            "expires": 1_900_000_000, "audience": "*", "body": body}


def test_a_document_holding_one_point_zero_is_signed_over_its_rfc_8785_form() -> None:
    document = FeedDocument.from_dict(_document({"price": 1.0, "\U0001f600": "😀"}))
    signed = SignedDocument.sign(COUNTY, document)
    message = b"VE-DOC1\n" + canonical_json(document.to_dict())
    assert b'"price":1,' in message
    COUNTY.public_key().verify(unb64url(signed.signature), message)
    wire = json.loads(json.dumps(signed.to_wire()))  # as a device reads it
    SignedDocument.from_wire(wire).check(COUNTY.public_key(), device_id="d", now=0,
                                         held_version=None)


@pytest.mark.parametrize("bad", [math.nan, 2**60, "\ud83d"])
def test_a_document_rfc_8785_cannot_hold_is_malformed_and_never_signed(bad: Any) -> None:
    with pytest.raises(DocumentRejected) as caught:
        FeedDocument.from_dict(_document({"value": bad}))
    assert caught.value.reason == "malformed"
    assert "$.body.value" in str(caught.value)


def test_an_approval_payload_must_be_exactly_its_canonical_form() -> None:
    approval = Approval(aid="A-1", req="R-1", dev="ve-seal-1", slot="committee", uses=1,
                        nbf=1_800_000_000, exp=1_800_000_600, apr="zhang.wei")
    token = issue_token(COUNTY, approval)
    assert read_token(token, COUNTY.public_key()) == approval
    fields = approval.payload()
    # the same fields, signed, but with a duplicated key a reader may take either way
    doubled = canonical_json(fields)[:-1] + b',"uses":50}'
    spaced = json.dumps(fields, sort_keys=True).encode()
    for payload_bytes in (doubled, spaced):
        payload = b64url(payload_bytes)
        signature = b64url(COUNTY.sign(f"VE1.{payload}".encode()))
        with pytest.raises(TokenRejected) as caught:
            read_token(f"VE1.{payload}.{signature}", COUNTY.public_key())
        assert caught.value.reason == "encoding"


def test_the_ledger_hash_is_sha256_of_the_rfc_8785_bytes() -> None:
    record = {"seq": 1, "prev": GENESIS, "at": 1_800_000_000.0, "kind": "opened"}
    expected = hashlib.sha256(
        b'{"at":1800000000,"kind":"opened","prev":"' + GENESIS.encode() + b'","seq":1}'
    ).hexdigest()
    assert record_hash(record) == expected
    assert check_chain([record | {"hash": expected}]).ok


def test_a_ledger_hashed_the_old_way_still_verifies_and_new_records_follow_it() -> None:
    old = {"seq": 1, "prev": GENESIS, "at": 1_800_000_000.0, "kind": "opened"}
    text = json.dumps(old, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    old["hash"] = hashlib.sha256(text.encode()).hexdigest()
    assert old["hash"] != record_hash(old)  # "1800000000.0" then, "1800000000" now
    new = {"seq": 2, "prev": old["hash"], "at": 1_800_000_001.5, "kind": "closed"}
    new["hash"] = record_hash(new)
    assert check_chain([old, new]).ok
    altered = old | {"kind": "closed"}
    report = check_chain([altered, new])
    assert not report.ok and report.first_bad_seq == 1

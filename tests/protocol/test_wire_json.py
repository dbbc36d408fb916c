"""The rules of JSON request bodies (protocol.wire_json): the depth is found
on the bytes before any parser recurses, and every value a reader could not
hold exactly is named by its place."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.wire_json import (
    MAX_JSON_DEPTH,
    RepeatedKeys,
    UnsafeNumber,
    WireJsonError,
    nesting_depth,
    read_json,
    value_problem,
)

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


def depth_of(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    return 0


@given(JSON_VALUES, st.booleans())
def test_the_depth_on_the_bytes_is_the_depth_of_the_value(value: Any, ascii_only: bool) -> None:
    data = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    assert nesting_depth(data) == depth_of(value)


@given(JSON_VALUES)
def test_every_value_within_the_rules_reads_back_unchanged(value: Any) -> None:
    data = json.dumps(value, ensure_ascii=True).encode()
    if value_problem(value) is None:
        assert read_json(data) == value


def test_a_body_too_deep_is_refused_without_parsing() -> None:
    deep = b"[" * 1_000_000 + b"]" * 1_000_000
    with pytest.raises(WireJsonError, match="nests 1000000 levels deep; at most 64"):
        read_json(deep)
    limit = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    assert depth_of(read_json(limit)) == MAX_JSON_DEPTH


def test_brackets_in_text_and_escaped_quotes_do_not_count() -> None:
    assert nesting_depth(b'["[[[", "\\"[[", {"{": "}}}"}]') == 2
    assert nesting_depth(b'"unterminated [[[[') == 0


@pytest.mark.parametrize("data", [b"\xff{}", b"{", b"", b"[1,]", b"{'a': 1}"])
def test_what_is_not_utf8_json_is_an_error(data: bytes) -> None:
    with pytest.raises(WireJsonError, match="not UTF-8 JSON"):
        read_json(data)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b'{"a": 9007199254740992}', "$.a is the number 9007199254740992"),
        (b'{"a": -9007199254740992}', "$.a is the number -9007199254740992"),
        (b'{"a": [1, 1e309]}', "$.a[1] is the number 1e309"),
        (b'{"a": [1, 1e300]}', "$.a[1] is the number 1e300"),
        (b'{"a": 9007199254740992.0}', "$.a is the number 9007199254740992.0"),
        (b'{"a": NaN}', "$.a is the number NaN"),
        (b'{"a": -Infinity}', "$.a is the number -Infinity"),
        (b'{"a": "ok \\ud800"}', "$.a holds a lone surrogate"),
        (b'{"a": {"\\udbff": 1}}', "$.a has a key with a lone surrogate"),
        (b'{"a": 1, "b": {"c": 1, "c": 2}}', "$.b names the member 'c' more than once"),
        (b'{"' + b"k" * 100 + b'": "\\ud800"}', "$.kkkkkkkkkkkk...(100 characters) holds"),
    ],
)
def test_values_a_reader_cannot_hold_are_named_by_their_place(data: bytes, problem: str) -> None:
    found = value_problem(read_json(data))
    assert found is not None and found.startswith(problem)


def test_the_markers_keep_what_was_written() -> None:
    value = read_json(b'{"n": 1' + b"0" * 40 + b', "r": {"x": 1, "x": 2}}')
    assert isinstance(value["n"], UnsafeNumber) and value["n"] == "1" + "0" * 40
    assert isinstance(value["r"], RepeatedKeys) and value["r"] == {"x": 2}
    assert value["r"].repeated == ("x",)


def test_a_proper_surrogate_pair_is_a_character() -> None:
    assert value_problem(read_json(b'{"emoji": "\\ud83d\\ude00"}')) is None


def test_plain_python_values_are_checked_too() -> None:
    past = "past ±(2^53 - 1), where JSON readers may hold another number; send it as text"
    assert value_problem({"a": float("nan")}) == f"$.a is the number nan, {past}"
    assert value_problem({"a": 2**60}) == f"$.a is the number {2**60}, {past}"
    assert value_problem({"a": -1e300}) == f"$.a is the number -1e+300, {past}"
    assert value_problem({"a": 10**5000}) == f"$.a is the number of over 90 digits, {past}"
    assert value_problem({"a": b"x"}) == "$.a: a bytes is not a JSON value"
    assert value_problem({1: "x"}) == "$ has the key 1, which is not text"
    nested: Any = 1
    for _ in range(5):
        nested = [nested]
    assert value_problem(nested, max_depth=5) is None
    assert value_problem([nested], max_depth=5) == "$[0][0][0][0][0] nests deeper than 5 levels"

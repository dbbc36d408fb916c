"""Whatever a client sends is answered with a JSON refusal saying what is
wrong, never a 500 and never an HTML page: integers past every bound,
digits of other scripts, lone surrogates, JSON nested thousands deep,
repeated members, strange methods, broken HTTP. Each test sends it to a
real county on loopback and checks that nothing was stored."""

from __future__ import annotations

import gzip
import json
import logging
import socket
from collections.abc import Callable
from typing import Any

import pytest
import requests

from county.server import CountyServer
from tests.county.conftest import Device, event, to_json

BLOB = "ab" * 32
BIG = str(2**63)  # past a signed 64-bit integer
HUGE = "1" + "0" * 400  # past a double


def refused(response: requests.Response, status: int, error: str = "malformed") -> str:
    """The detail of a JSON refusal with *status* and *error*."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    answer = response.json()
    assert answer["error"] == error, answer
    assert isinstance(answer["detail"], str) and answer["detail"]
    return str(answer["detail"])


@pytest.fixture(autouse=True)
def no_county_failure(caplog: pytest.LogCaptureFixture) -> Any:
    """Whatever the test sent, the county never failed on it."""
    caplog.set_level(logging.INFO, logger="county")
    yield
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == []


def raw_exchange(county: CountyServer, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send *data* as it is and read the whole answer (the county closes)."""
    with socket.create_connection(("127.0.0.1", county.port), timeout=30) as connection:
        connection.sendall(data)
        answer = b""
        while block := connection.recv(65536):
            answer += block
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


# -- whole numbers -------------------------------------------------------------


@pytest.mark.parametrize("after", [BIG, HUGE, "-1", "1.5", "", "0x10", "1e3", "%20", "1%00"])
def test_an_after_that_is_no_whole_number_in_range_is_refused(device: Device, after: str) -> None:
    detail = refused(device.send("GET", f"/v1/feed?after={after}"), 400)
    assert detail.startswith("after must be a whole number from 0 to 9007199254740991")


@pytest.mark.parametrize("digit", ["%C2%B2", "%EF%BC%91", "%D9%A1"])  # ², fullwidth 1, Arabic 1
def test_digits_of_other_scripts_are_not_numbers(device: Device, digit: str) -> None:
    detail = refused(device.send("GET", f"/v1/feed?after={digit}"), 400)
    assert "in the digits 0-9" in detail
    assert device.feed(1).status_code == 200  # the same in ASCII is read


def test_a_query_that_cannot_be_read_is_refused(device: Device) -> None:
    assert "more than once" in refused(device.send("GET", "/v1/feed?after=1&after=2"), 400)
    assert "UTF-8" in refused(device.send("GET", "/v1/feed?after=%FF"), 400)
    assert "name=value" in refused(device.send("GET", "/v1/feed?after"), 400)


def test_a_backlog_past_64_bits_is_refused_and_nothing_stored(
    device: Device, stats: Callable[[], dict[str, Any]]
) -> None:
    detail = refused(device.post_events([event("e1")], backlog=2**63), 400)
    assert detail.startswith("X-VE-Backlog must be a whole number")
    assert stats()["events_stored"] == 0
    assert stats()["devices"][device.device_id]["backlog"] is None


@pytest.mark.parametrize("header", ["X-VE-Offset", "X-VE-Size"])
@pytest.mark.parametrize("value", [BIG, HUGE, "-0", "+1", "1 2", "0x1"])
def test_blob_offsets_and_sizes_are_whole_numbers_in_range(
    device: Device, header: str, value: str
) -> None:
    headers = {"X-VE-Offset": "0", "X-VE-Size": "1", header: value}
    detail = refused(device.send("PUT", f"/v1/blobs/{BLOB}", b"x", headers), 400)
    assert detail.startswith(f"{header} must be a whole number")


def test_a_blob_size_over_the_limit_is_too_large(device: Device) -> None:
    headers = {"X-VE-Offset": "0", "X-VE-Size": str(2**53 - 1)}
    refused(device.send("PUT", f"/v1/blobs/{BLOB}", b"x", headers), 413, "too_large")


# -- JSON bodies ---------------------------------------------------------------


def wire_event(event_id: str, created: str = "1714550000", payload: str = "{}") -> bytes:
    return (f'{{"id":"{event_id}","stream":"kiosk.view","created":{created},'
            f'"payload":{payload}}}').encode()


def batch(*events: bytes) -> bytes:
    return b'{"events":[' + b",".join(events) + b"]}"


@pytest.mark.parametrize(
    ("created", "payload", "expected"),
    [
        (HUGE, "{}", "created must be a number of seconds since 1970"),
        ("1e400", "{}", "created must be a number of seconds since 1970"),
        ("-1", "{}", "created must be a number of seconds since 1970"),
        ("253402300800", "{}", "created must be a number of seconds since 1970"),
        ("1", '{"count": 9007199254740993}', "payload.count is the number 9007199254740993"),
        ("1", f'{{"count": {HUGE}}}', "payload.count is the number 1000"),
        ("1", '{"ratio": -1e999}', "payload.ratio is the number -1e999"),
        ("1", '{"ratio": Infinity}', "payload.ratio is the number Infinity"),
        ("1", '{"name": "\\ud800"}', "payload.name holds a lone surrogate"),
        ("1", '{"\\udfff": 1}', "has a key with a lone surrogate"),
        ("1", '{"a": 1, "a": 2}', "payload names the member 'a' more than once"),
        ("1", '{"a":' * 33 + "1" + "}" * 33, "nests deeper than 32 levels"),
    ],
)
def test_a_bad_value_in_an_event_refuses_that_event_by_its_index(
    device: Device, stats: Callable[[], dict[str, Any]], created: str, payload: str,
    expected: str,
) -> None:
    body = batch(wire_event("good1"), wire_event("bad", created, payload), wire_event("good2"))
    response = device.send("POST", "/v1/events", body, {"Content-Type": "application/json"})
    detail = refused(response, 400)
    assert response.json()["index"] == 1
    assert detail.startswith("event 1 ") and expected in detail
    assert stats()["events_stored"] == 0


def test_the_same_event_with_a_field_named_twice_is_refused(device: Device) -> None:
    body = batch(b'{"id":"a","id":"b","stream":"s","created":1,"payload":{}}')
    response = device.send("POST", "/v1/events", body)
    assert "names the field 'id' more than once" in refused(response, 400)
    assert response.json()["index"] == 0


def test_numbers_within_the_bounds_are_stored(
    device: Device, stats: Callable[[], dict[str, Any]]
) -> None:
    payload = '{"big": 9007199254740991, "small": -9007199254740991, "tiny": 5e-324}'
    body = batch(wire_event("e1", "0", payload), wire_event("e2", "253402300799"))
    response = device.send("POST", "/v1/events", body, {"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    assert stats()["events_stored"] == 2


@pytest.mark.parametrize("depth", [65, 5_000, 1_000_000])
def test_json_nested_thousands_deep_is_refused_before_it_is_parsed(
    device: Device, depth: int
) -> None:
    body = b'{"events":[' + b"[" * depth + b"]" * depth + b"]}"
    detail = refused(device.send("POST", "/v1/events", gzip.compress(body),
                                 {"Content-Encoding": "gzip"}), 400)
    assert detail == f"the JSON nests {depth + 2} levels deep; at most 64 are allowed"


def test_brackets_inside_text_do_not_count_as_nesting(
    device: Device, stats: Callable[[], dict[str, Any]]
) -> None:
    text = '"[[[{{{\\"[[[' + "[" * 100 + '"'
    response = device.post_events([event("e1") | {"payload": {"note": text[1:-1]}}])
    assert response.status_code == 200, response.text
    assert stats()["events_stored"] == 1


def test_a_body_member_outside_the_events_is_checked_too(device: Device) -> None:
    body = b'{"events": [], "note": "\\udc00"}'
    detail = refused(device.send("POST", "/v1/events", body), 400)
    assert "$.note holds a lone surrogate" in detail
    assert "index" not in device.send("POST", "/v1/events", body).json()


def test_enrollment_nested_thousands_deep_is_refused(
    new_device: Callable[[str], Device],
) -> None:
    stranger = new_device("ve-x-seal1")  # any key signs an enrollment: it is not yet known
    body = b"[" * 8000 + b"]" * 8000
    response = stranger.send("POST", "/v1/enroll", body)
    assert refused(response, 400) == "the JSON nests 8000 levels deep; at most 64 are allowed"


@pytest.mark.parametrize(
    "form",
    [
        b'{"device_id": "ve-x-seal1", "public_key": "k", "code": "\\ud83d", "role": "seal", '
        b'"village_code": "330226100201"}',
        b'{"device_id": "ve-x-seal1", "device_id": "ve-y-seal1", "public_key": "k", '
        b'"code": "c", "role": "seal", "village_code": "330226100201"}',
        b'{"device_id": "ve-x-seal1", "public_key": "k", "code": "c", "role": "seal", '
        b'"village_code": "330226100201", "extra": 1e400}',
    ],
)
def test_an_enrollment_with_a_bad_value_is_refused(
    new_device: Callable[[str], Device], form: bytes
) -> None:
    device = new_device("ve-x-seal1")
    assert "the body cannot be taken" in refused(device.send("POST", "/v1/enroll", form), 400)


# -- methods and HTTP --------------------------------------------------------------


@pytest.mark.parametrize("method", ["OPTIONS", "TRACE", "PROPFIND", "FOO", "DELETE", "PATCH"])
def test_every_other_method_is_a_json_405_with_allow(county: CountyServer, method: str) -> None:
    for path, allowed in [("/v1/health", "GET"), ("/v1/events", "POST"),
                          (f"/v1/blobs/{BLOB}", "GET, PUT")]:
        response = requests.request(method, county.url + path, timeout=10)
        detail = refused(response, 405, "method_not_allowed")
        assert response.headers["Allow"] == allowed
        assert method in detail


def test_head_is_a_405_with_allow_and_no_body(county: CountyServer) -> None:
    response = requests.head(county.url + "/v1/health", timeout=10)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.content == b""


def test_an_unknown_method_on_an_unknown_path_is_a_json_404(county: CountyServer) -> None:
    response = requests.request("FOO", county.url + "/v9/none", timeout=10)
    refused(response, 404, "not_found")


@pytest.mark.parametrize(
    ("head", "status", "expected"),
    [
        (b"GET /v1/health HTTP/1.1\r\nContent-Length: \xd9\xa1\r\n", 400, "Content-Length"),
        (b"GET /v1/health HTTP/1.1\r\nContent-Length: +0\r\n", 400, "Content-Length"),
        (b"GET /v1/health HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n", 400,
         "given once"),
        (b"GET /v1/health HTTP/1.1\r\n" + b"X-Pad: a\r\n" * 120, 431, "Too many headers"),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n", 414, "Too Long"),
        (b"GET /v1/health HTTP/2.0\r\n", 505, "HTTP version"),
        (b"GET /v1/health HTTP/x\r\n", 400, "Bad request version"),
        (b"GARBAGE\r\n", 400, "Bad request syntax"),
    ],
)
def test_http_the_server_cannot_read_is_refused_in_json(
    county: CountyServer, head: bytes, status: int, expected: str
) -> None:
    got, headers, body = raw_exchange(county, head + b"\r\n")
    assert got == status
    assert headers["Content-Type"].startswith("application/json")
    answer = json.loads(body)
    assert set(answer) == {"error", "detail"}
    assert expected in answer["detail"]


@pytest.mark.parametrize("target", [b"*", b"http://county.example/v1/health"])
def test_a_target_that_is_not_a_path_is_refused_in_json(
    county: CountyServer, target: bytes
) -> None:
    got, headers, body = raw_exchange(
        county, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert got == 404
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body)["error"] == "not_found"


def test_a_client_that_half_closes_after_its_request_still_gets_the_answer(
    county: CountyServer,
) -> None:
    with socket.create_connection(("127.0.0.1", county.port), timeout=30) as connection:
        connection.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        connection.shutdown(socket.SHUT_WR)
        answer = b""
        while block := connection.recv(65536):
            answer += block
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert json.loads(body)["ok"] is True


def test_a_content_encoding_the_route_does_not_read_is_refused(device: Device) -> None:
    headers = {"X-VE-Offset": "0", "X-VE-Size": "1", "Content-Encoding": "gzip"}
    response = device.send("PUT", f"/v1/blobs/{BLOB}", gzip.compress(b"x"), headers)
    refused(response, 415, "unsupported_encoding")
    assert device.send("GET", f"/v1/blobs/{BLOB}").json()["received"] == 0


def test_a_batch_in_another_content_encoding_is_refused(device: Device) -> None:
    response = device.send("POST", "/v1/events", to_json({"events": []}),
                           {"Content-Encoding": "br"})
    refused(response, 415, "unsupported_encoding")


def test_the_county_still_answers_after_all_of_it(device: Device) -> None:
    raw_exchange(device.county, b"GET /v1/health HTTP/2.0\r\n\r\n")
    device.send("GET", f"/v1/feed?after={BIG}")
    assert device.post_events([event("e1")]).status_code == 200

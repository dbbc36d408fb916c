"""Everything that changes what a request means is signed (method, path,
query, body, every X-VE-* header and Content-Encoding), so a request changed
in any of them after signing is refused with a JSON 401 and changes nothing;
and the county signs every answer to a signed request, for that request."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from county.server import CountyServer
from protocol.answers import verify_answer
from protocol.api import HEADER_ANSWER_SIGNATURE, HEADER_SIGNATURE
from protocol.canonical import canonical_json
from protocol.signing import SignatureError, public_key_from_text
from tests.county.conftest import Device, enroll, event, to_json

PHOTO = b"a photo of the seal register, page 12" * 100
DIGEST = hashlib.sha256(PHOTO).hexdigest()
OTHER_DIGEST = hashlib.sha256(b"another photo").hexdigest()


@dataclass(frozen=True)
class Raw:
    """A request exactly as it goes on the wire: nothing added, nothing merged."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""

    def send(self, county: CountyServer) -> tuple[int, dict[str, str], bytes]:
        address = urlsplit(county.url)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        try:
            connection.putrequest(self.method, self.target, skip_accept_encoding=True)
            for name, value in (*self.headers, ("Content-Length", str(len(self.body)))):
                connection.putheader(name, value)
            connection.endheaders(self.body)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def set(self, name: str, value: str | None) -> Raw:
        """This request with header *name* replaced (or removed, or added)."""
        kept = tuple((k, v) for k, v in self.headers if k.lower() != name.lower())
        return replace(self, headers=kept if value is None else (*kept, (name, value)))


def signed(device: Device, method: str, target: str, body: bytes = b"",
           headers: dict[str, str] | None = None) -> Raw:
    auth = device.sign(method, target, body, headers=headers)
    return Raw(method, target, (*(headers or {}).items(), *auth.items()), body)


def batch(device: Device) -> Raw:
    body = gzip.compress(to_json({"events": [event("e1", amount=10)]}))
    return signed(device, "POST", "/v1/events", body,
                  {"Content-Type": "application/json", "Content-Encoding": "gzip",
                   "X-VE-Backlog": "7"})


def chunk(device: Device) -> Raw:
    return signed(device, "PUT", f"/v1/blobs/{DIGEST}", PHOTO[:1000],
                  {"X-VE-Offset": "0", "X-VE-Size": str(len(PHOTO))})


def feed(device: Device) -> Raw:
    return signed(device, "GET", "/v1/feed?after=0")


def blob_status(device: Device) -> Raw:
    return signed(device, "GET", f"/v1/blobs/{DIGEST}")


Mutation = tuple[Callable[[Device], Raw], Callable[[Raw], Raw]]
MUTATIONS: dict[str, Mutation] = {
    "method": (blob_status, lambda r: replace(r, method="PUT")),
    "path": (blob_status, lambda r: replace(r, target=f"/v1/blobs/{OTHER_DIGEST}")),
    "query": (feed, lambda r: replace(r, target="/v1/feed?after=1")),
    "query added": (feed, lambda r: replace(r, target="/v1/feed?after=0&after=5")),
    "body": (batch, lambda r: replace(
        r, body=gzip.compress(to_json({"events": [event("e1", amount=10000)]})))),
    "X-VE-Device": (batch, lambda r: r.set("X-VE-Device", "ve-330226100201-seal2")),
    "X-VE-Timestamp": (batch, lambda r: r.set(
        "X-VE-Timestamp", str(int(dict(r.headers)["X-VE-Timestamp"]) + 1))),
    "X-VE-Nonce": (batch, lambda r: r.set("X-VE-Nonce", "0123456789abcdef0123456789abcdef")),
    "X-VE-Backlog changed": (batch, lambda r: r.set("X-VE-Backlog", "0")),
    "X-VE-Backlog removed": (batch, lambda r: r.set("X-VE-Backlog", None)),
    "X-VE-Backlog added": (feed, lambda r: r.set("X-VE-Backlog", "3")),
    "X-VE-Backlog twice": (batch, lambda r: replace(
        r, headers=(*r.headers, ("X-VE-Backlog", "7")))),
    "X-VE-Offset": (chunk, lambda r: r.set("X-VE-Offset", "1")),
    "X-VE-Size": (chunk, lambda r: r.set("X-VE-Size", str(len(PHOTO) + 1))),
    "another X-VE-* header": (chunk, lambda r: r.set("X-VE-Note", "hello")),
    "Content-Encoding removed": (batch, lambda r: r.set("Content-Encoding", None)),
    "Content-Encoding changed": (batch, lambda r: r.set("Content-Encoding", "GZIP")),
    "Content-Encoding added": (chunk, lambda r: r.set("Content-Encoding", "identity")),
}


@pytest.fixture
def devices(new_device: Callable[[str], Device], data_dir: Path) -> tuple[Device, Device]:
    return (enroll(new_device("ve-330226100201-seal1"), data_dir),
            enroll(new_device("ve-330226100201-seal2"), data_dir))


@pytest.mark.parametrize("make", [batch, chunk, feed, blob_status],
                         ids=["batch", "chunk", "feed", "blob status"])
def test_each_request_as_signed_is_accepted(
    make: Callable[[Device], Raw], devices: tuple[Device, Device], county: CountyServer
) -> None:
    status, _, body = make(devices[0]).send(county)
    assert status == 200, body


@pytest.mark.parametrize("element", sorted(MUTATIONS))
def test_a_request_changed_after_signing_is_refused(
    element: str, devices: tuple[Device, Device], county: CountyServer, stats
) -> None:
    make, mutate = MUTATIONS[element]
    original = make(devices[0])

    status, headers, body = mutate(original).send(county)

    assert status == 401, body
    assert headers["Content-Type"].startswith("application/json")
    refusal = json.loads(body)
    assert refusal["error"] == "forged" and refusal["detail"]
    report = stats()
    assert report["rejected"]["forged"] == 1
    assert report["events_stored"] == 0
    assert not list((county.data_dir / "blobs").glob(f"{DIGEST}*"))  # no byte of the chunk kept


def _check_answer(county: CountyServer, request: Raw, status: int, headers: dict[str, str],
                  body: bytes) -> None:
    request_signature = dict(request.headers)[HEADER_SIGNATURE]
    verify_answer(public_key_from_text(county.public_key), headers[HEADER_ANSWER_SIGNATURE],
                  request_signature, status, body)
    assert canonical_json(json.loads(body)) == body  # the body is the answer's RFC 8785 form


@pytest.mark.parametrize(
    ("make", "expected"),
    [(feed, 200), (batch, 200), (chunk, 200), (blob_status, 200),
     (lambda d: signed(d, "POST", "/v1/events", b'{"events": [1]}'), 400),
     (lambda d: signed(d, "PUT", f"/v1/blobs/{DIGEST}", b"x",
                       {"X-VE-Offset": "5", "X-VE-Size": "10"}), 409)],
    ids=["feed", "batch", "chunk", "blob status", "malformed", "offset"],
)
def test_every_answer_to_a_verified_request_is_signed_for_that_request(
    make: Callable[[Device], Raw], expected: int, devices: tuple[Device, Device],
    county: CountyServer,
) -> None:
    request = make(devices[0])
    status, headers, body = request.send(county)
    assert status == expected, body
    _check_answer(county, request, status, headers, body)
    # ...and for no other request, status or body
    other = feed(devices[0])
    public = public_key_from_text(county.public_key)
    for args in ((dict(other.headers)[HEADER_SIGNATURE], status, body),
                 (dict(request.headers)[HEADER_SIGNATURE], 299 if status == 200 else 200, body),
                 (dict(request.headers)[HEADER_SIGNATURE], status, body + b" ")):
        with pytest.raises(SignatureError):
            verify_answer(public, headers[HEADER_ANSWER_SIGNATURE], *args)


@pytest.mark.parametrize(
    ("make", "expected"),
    [(lambda d: replace(feed(d), target="/v1/feed?after=9"), 401),
     (lambda d: signed(d, "GET", "/v1/nothing"), 404),
     (lambda d: signed(d, "DELETE", "/v1/events"), 405),
     (lambda d: _encoded(blob_status(d), "br"), 415)],
    ids=["forged", "no such path", "wrong method", "encoding"],
)
def test_a_refusal_before_the_signature_verified_is_not_signed(
    make: Callable[[Device], Raw], expected: int, devices: tuple[Device, Device],
    county: CountyServer,
) -> None:
    """Such a request may have been altered on the way: a signed refusal of it
    would let whoever altered it show the device a county "no" it never gave."""
    status, headers, body = make(devices[0]).send(county)
    assert status == expected, body
    assert json.loads(body)["error"]
    assert HEADER_ANSWER_SIGNATURE not in headers


def _encoded(request: Raw, encoding: str) -> Raw:
    return replace(request, headers=(*request.headers, ("Content-Encoding", encoding)))


def test_an_unsigned_request_gets_an_unsigned_answer(county: CountyServer) -> None:
    status, headers, body = Raw("GET", "/v1/health", ()).send(county)
    assert status == 200 and json.loads(body)["ok"] is True
    assert HEADER_ANSWER_SIGNATURE not in headers

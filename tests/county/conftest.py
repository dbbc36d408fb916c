"""Fixtures for the county tests: a real county server on a loopback port and
devices that talk to it over HTTP with keys from protocol.signing."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from county import operator
from county.server import CountyServer
from protocol.enrollment_seal import seal_code
from protocol.signing import new_private_key, public_key_from_text, public_key_text, sign_request

VILLAGE = "330226100201"


def event(event_id: str, stream: str = "kiosk.view", **payload: Any) -> dict[str, Any]:
    return {"id": event_id, "stream": stream, "created": 1714550000.5, "payload": payload}


def to_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


@dataclass
class Device:
    """A device as the county sees it: an id, a key, HTTP to the county."""

    county: CountyServer
    device_id: str
    key: Ed25519PrivateKey = field(default_factory=new_private_key)
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def public_key(self) -> str:
        return public_key_text(self.key)

    def sign(
        self, method: str, target: str, body: bytes = b"", *,
        now: float | None = None, key: Ed25519PrivateKey | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, str]:
        return sign_request(key or self.key, self.device_id, method, target, body,
                            time.time() if now is None else now, headers=headers)

    def send(
        self, method: str, target: str, body: bytes = b"",
        headers: dict[str, str] | None = None, **signing: Any,
    ) -> requests.Response:
        """*body* and *headers* signed as they are sent, then sent."""
        all_headers = {**(headers or {}),
                       **self.sign(method, target, body, headers=headers, **signing)}
        return self.session.request(method, self.county.url + target, data=body,
                                    headers=all_headers, timeout=30)

    def seal(self, code: str) -> dict[str, Any]:
        """*code* sealed to the county key for this device and its key."""
        return seal_code(public_key_from_text(self.county.public_key), code, self.device_id,
                         self.public_key)

    def enroll(
        self, code: str, *, role: str = "seal", sealed: dict[str, Any] | None = None,
        village: str = VILLAGE, **signing: Any,
    ) -> requests.Response:
        body = to_json({"device_id": self.device_id, "public_key": self.public_key,
                        "sealed_code": self.seal(code) if sealed is None else sealed,
                        "role": role, "village_code": village})
        return self.send("POST", "/v1/enroll", body, **signing)

    def post_events(
        self, events: list[dict[str, Any]], *, compress: bool = False,
        backlog: int | None = None, **signing: Any,
    ) -> requests.Response:
        body = to_json({"events": events})
        headers = {"Content-Type": "application/json"}
        if compress:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        if backlog is not None:
            headers["X-VE-Backlog"] = str(backlog)
        return self.send("POST", "/v1/events", body, headers, **signing)

    def feed(self, after: int = 0) -> requests.Response:
        return self.send("GET", f"/v1/feed?after={after}")


ENGINES = ("sqlite", "postgresql")


def use_engine(request: pytest.FixtureRequest, data_dir: Path) -> Path:
    """*data_dir* for a county on the engine the test is parametrised with:
    PostgreSQL (a new database of the test server) is named in its
    county.toml, as an operator names it; SQLite needs nothing."""
    if request.param == "postgresql":
        cluster = request.getfixturevalue("postgres")
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / "county.toml").write_text(
            f'[database]\nurl = "{cluster.new_database()}"\n', encoding="utf-8")
    return data_dir


@pytest.fixture(params=ENGINES)
def data_dir(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The data directory of a county, on each engine in turn."""
    return use_engine(request, tmp_path / "county-data")


def county_sql(data_dir: Path, statement: str, params: tuple[Any, ...] = ()) -> list[Any]:
    """Run *statement* (``?`` placeholders) in the county's own database, whichever engine."""
    from county.datadir import existing_county
    from county.store import Store

    with Store.open(existing_county(data_dir).database) as store:
        return store.execute(statement, params)


@pytest.fixture
def county(data_dir: Path) -> Iterator[CountyServer]:
    with CountyServer(data_dir) as server:
        yield server


@pytest.fixture
def new_device(county: CountyServer) -> Iterator[Callable[[str], Device]]:
    """Make a device (not enrolled) with a fresh key."""
    made: list[Device] = []

    def make(device_id: str = "ve-330226100201-seal1") -> Device:
        device = Device(county, device_id)
        made.append(device)
        return device

    yield make
    for device in made:
        device.session.close()


def enroll(device: Device, data_dir: Path) -> Device:
    response = device.enroll(operator.make_enroll_code(data_dir, device.device_id, role="seal"))
    assert response.status_code == 200, response.text
    return device


@pytest.fixture
def device(new_device: Callable[[str], Device], data_dir: Path) -> Device:
    """An enrolled seal station."""
    return enroll(new_device("ve-330226100201-seal1"), data_dir)


@pytest.fixture
def stats(data_dir: Path) -> Callable[[], dict[str, Any]]:
    return lambda: operator.stats(data_dir)

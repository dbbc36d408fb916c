"""Device requests are signed: forged, altered, replayed and stale requests
are refused with 401, stored nowhere, and counted in the statistics."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

import requests

from county.datadir import existing_county
from county.store import Store
from protocol.signing import new_private_key
from tests.county.conftest import Device, event, to_json


def _refused(response: requests.Response, error: str) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"] == error
    assert response.json()["detail"]


def test_a_request_signed_with_another_key_is_forged(device: Device, stats) -> None:
    response = device.post_events([event("e1")], key=new_private_key())

    _refused(response, "forged")
    assert "does not verify" in response.json()["detail"]
    assert stats()["rejected"]["forged"] == 1
    assert stats()["events_stored"] == 0


def test_a_body_altered_after_signing_is_forged(device: Device, stats) -> None:
    signed_body = to_json({"events": [event("e1", amount=10)]})
    altered = to_json({"events": [event("e1", amount=10000)]})
    headers = device.sign("POST", "/v1/events", signed_body)

    response = requests.post(device.county.url + "/v1/events", data=altered, headers=headers,
                             timeout=10)

    _refused(response, "forged")
    assert stats()["rejected"]["forged"] == 1
    assert stats()["events_stored"] == 0


def test_a_request_for_another_query_is_forged(device: Device) -> None:
    headers = device.sign("GET", "/v1/feed?after=0")
    response = requests.get(device.county.url + "/v1/feed?after=5", headers=headers, timeout=10)
    _refused(response, "forged")


def test_an_unsigned_request_is_refused_naming_the_missing_header(device: Device, stats) -> None:
    response = requests.post(device.county.url + "/v1/events", data=b'{"events": []}',
                             timeout=10)
    _refused(response, "forged")
    assert "X-VE-Device" in response.json()["detail"]
    assert stats()["rejected"]["forged"] == 1


def test_the_same_request_sent_twice_is_a_replay(device: Device, stats) -> None:
    body = to_json({"events": [event("e1")]})
    headers = device.sign("POST", "/v1/events", body)
    url = device.county.url + "/v1/events"

    first = requests.post(url, data=body, headers=headers, timeout=10)
    second = requests.post(url, data=body, headers=headers, timeout=10)

    assert first.status_code == 200
    _refused(second, "replayed")
    report = stats()
    assert report["rejected"]["replayed"] == 1
    assert report["rejected"]["stale"] == 0
    assert report["events_stored"] == 1


def test_a_stale_timestamp_is_refused_and_counted_as_replayed(device: Device, stats) -> None:
    asked = time.time()
    response = device.post_events([event("e1")], now=asked - 1000)
    answered = time.time()

    _refused(response, "stale")
    assert "behind" in response.json()["detail"]
    assert asked <= response.json()["server_time"] <= answered  # the county's "now"
    assert stats()["rejected"] == {
        "forged": 0, "replayed": 1, "stale": 1, "unknown_device": 0, "enroll_refused": 0
    }
    assert stats()["events_stored"] == 0


def test_a_timestamp_from_the_future_is_stale_too(device: Device) -> None:
    response = device.post_events([event("e1")], now=time.time() + 400)
    _refused(response, "stale")
    assert "ahead of" in response.json()["detail"]


def test_a_clock_a_little_off_is_accepted(device: Device) -> None:
    assert device.post_events([event("e1")], now=time.time() - 250).status_code == 200


def test_an_unknown_device_is_told_how_to_enroll(
    new_device: Callable[[str], Device], stats
) -> None:
    response = new_device("ve-330226100201-seal9").post_events([event("e1")])
    _refused(response, "unknown_device")
    assert "enroll-code --device ve-330226100201-seal9" in response.json()["detail"]
    assert stats()["rejected"]["unknown_device"] == 1


def test_an_accepted_request_updates_last_seen(device: Device, stats) -> None:
    before = stats()["devices"][device.device_id]["last_seen"]
    while time.time() <= before:  # until the clock shows a later time, however soon
        pass
    device.feed()
    assert stats()["devices"][device.device_id]["last_seen"] > before


def test_nonces_are_forgotten_after_the_window(data_dir: Path, county) -> None:
    with Store.open(existing_county(data_dir).database) as store:
        with store.transaction():
            assert store.remember_nonce("dev", "n1", 1000.0)
        with store.transaction():
            assert not store.remember_nonce("dev", "n1", 1500.0)  # within 600 s
            assert store.remember_nonce("other", "n1", 1500.0)  # nonces are per device
        with store.transaction():
            assert store.remember_nonce("dev", "n1", 1000.0 + 601)


def test_health_needs_no_signature(county) -> None:
    asked = time.time()
    answer = requests.get(county.url + "/v1/health", timeout=10).json()
    assert answer["ok"] is True
    assert asked <= answer["server_time"] <= time.time()  # the county's "now"
    assert answer["county_public_key"] == county.public_key  # a device about to enroll
    # signs this request and checks the answer's signature with it (sync.enrollment)


def test_unknown_paths_and_methods_answer_json(county) -> None:
    missing = requests.get(county.url + "/v2/nothing", timeout=10)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong = requests.delete(county.url + "/v1/events", timeout=10)
    assert wrong.status_code == 405 and "POST" in json.loads(wrong.text)["detail"]


def test_requests_are_logged_and_refusals_give_their_reason(device: Device, caplog) -> None:
    caplog.set_level(logging.INFO, logger="county")
    device.post_events([event("e1")])
    device.post_events([event("e2")], key=new_private_key())

    lines = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "county.server"]
    assert (logging.INFO, f"{device.device_id} POST /v1/events -> 200") in lines
    warnings = [message for level, message in lines if level == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{device.device_id} POST /v1/events -> 401 refused (forged)")
    assert "does not verify" in warnings[0]

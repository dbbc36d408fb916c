"""Event batches: stored once per (device, id), gzip or not, limits enforced,
a malformed batch refused whole with the index of its first bad event."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from county.complaints import filed_reports
from county.datadir import existing_county
from county.store import Store
from tests.county.conftest import Device, enroll, event, to_json


def test_a_batch_is_stored_and_counted(device: Device, stats) -> None:
    batch = [event("e1"), event("e2", "kiosk.view"), event("e3", "seal.opened", slot=1)]

    response = device.post_events(batch)

    assert response.status_code == 200
    assert response.json()["accepted"] == ["e1", "e2", "e3"]
    assert response.json()["duplicates"] == []
    assert isinstance(response.json()["server_time"], float)
    report = stats()
    assert report["events_stored"] == 3
    assert report["devices"][device.device_id]["events_by_stream"] == {
        "kiosk.view": 2, "seal.opened": 1
    }


def test_the_same_batch_sent_twice_is_stored_once(device: Device, stats) -> None:
    batch = [event(f"e{i}") for i in range(5)]
    assert device.post_events(batch).json()["accepted"] == [f"e{i}" for i in range(5)]

    again = device.post_events(batch)  # the first answer was lost: the device resends

    assert again.status_code == 200
    assert again.json()["accepted"] == []
    assert again.json()["duplicates"] == [f"e{i}" for i in range(5)]
    assert stats()["events_stored"] == 5
    assert stats()["duplicates_rejected"] == 5


def test_a_batch_of_old_and_new_events_stores_only_the_new(device: Device, stats) -> None:
    device.post_events([event("a")])
    answer = device.post_events([event("a"), event("b")]).json()
    assert (answer["accepted"], answer["duplicates"]) == (["b"], ["a"])
    assert stats()["events_stored"] == 2


def test_ids_are_per_device(
    device: Device, new_device: Callable[[str], Device], data_dir: Path, stats
) -> None:
    kiosk = enroll(new_device("ve-330226100201-kiosk"), data_dir)
    device.post_events([event("same-id")])
    assert kiosk.post_events([event("same-id")]).json()["accepted"] == ["same-id"]
    assert stats()["events_stored"] == 2


def test_a_gzip_batch_is_accepted(device: Device, stats) -> None:
    batch = [event(f"g{i}", note="村委会 " * 20) for i in range(50)]
    response = device.post_events(batch, compress=True)
    assert response.status_code == 200, response.text
    assert len(response.json()["accepted"]) == 50
    assert stats()["events_stored"] == 50


def test_the_reported_backlog_is_recorded(device: Device, stats) -> None:
    device.post_events([event("e1")], backlog=1234)
    assert stats()["devices"][device.device_id]["backlog"] == 1234


def test_more_than_1000_events_is_too_large(device: Device, stats) -> None:
    response = device.post_events([event(f"e{i}") for i in range(1001)])
    assert response.status_code == 413
    assert "at most 1000 events" in response.json()["detail"]
    assert stats()["events_stored"] == 0


def test_a_batch_over_8_mib_decompressed_is_too_large(device: Device, stats) -> None:
    big = [event("big", blob="x" * (8 * 1024 * 1024 + 100))]  # gzips to a few KiB
    response = device.post_events(big, compress=True)
    assert response.status_code == 413
    assert "8 MiB" in response.json()["detail"]
    assert stats()["events_stored"] == 0


def test_a_body_over_the_limit_is_refused_before_it_is_read(device: Device) -> None:
    body = b"x" * (10 * 1024 * 1024)
    response = device.send("POST", "/v1/events", body)
    assert response.status_code == 413
    assert "8 MiB" in response.json()["detail"]
    assert device.post_events([event("after")]).status_code == 200  # the server is fine


def test_a_malformed_event_refuses_the_whole_batch_naming_its_index(
    device: Device, stats
) -> None:
    batch = [event("ok1"), event("ok2"), event("not ok!"), event("bad-too", created="x")]

    response = device.post_events(batch)

    assert response.status_code == 400
    assert response.json()["error"] == "malformed"
    assert response.json()["index"] == 2
    assert response.json()["detail"].startswith("event 2 id must be")
    assert stats()["events_stored"] == 0


def test_an_event_naming_more_photos_than_a_station_takes_is_refused(
    device: Device, stats
) -> None:
    many = [f"{n:064x}" for n in range(11)]
    batch = [event("ok1"), event("ten", "alarm", blobs=many[:10]),
             event("eleven", "alarm", blobs=many)]

    response = device.post_events(batch)

    assert response.status_code == 400 and response.json()["index"] == 2
    assert "at most 10" in response.json()["detail"]
    assert stats()["events_stored"] == 0
    assert device.post_events(batch[:2]).status_code == 200  # the rest go on


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"{not json", "not UTF-8 JSON"),
        (to_json([event("a")]), '{"events": [...]}'),
        (to_json({"events": [{"id": "a", "stream": "s", "created": 1}]}), "event 0 must have"),
        (to_json({"events": [event("a" * 65)]}), "event 0 id must be 1 to 64"),
        (to_json({"events": [event("a") | {"created": True}]}), "event 0 created"),
        (to_json({"events": [event("a") | {"payload": [1]}]}), "event 0 payload"),
        (to_json({"events": [event("a") | {"stream": ""}]}), "event 0 stream"),
        (b'{"events": [{"id": "a", "stream": "s", "created": NaN, "payload": {}}]}',
         "event 0 created must be a number"),
    ],
)
def test_malformed_batches_are_refused_with_what_is_wrong(
    device: Device, body: bytes, expected: str
) -> None:
    response = device.send("POST", "/v1/events", body)
    assert response.status_code == 400, response.text
    assert expected in response.json()["detail"]


def test_a_body_that_claims_gzip_but_is_not_is_malformed(device: Device) -> None:
    response = device.send("POST", "/v1/events", b"plain", {"Content-Encoding": "gzip"})
    assert response.status_code == 400
    assert "gzip" in response.json()["detail"]


def test_a_truncated_gzip_body_is_malformed(device: Device) -> None:
    body = gzip.compress(to_json({"events": [event("a")]}))[:-6]
    response = device.send("POST", "/v1/events", body, {"Content-Encoding": "gzip"})
    assert response.status_code == 400


def test_the_same_batch_sent_concurrently_is_stored_once(device: Device, stats) -> None:
    from concurrent.futures import ThreadPoolExecutor

    batch = [event(f"c{i}") for i in range(200)]
    with ThreadPoolExecutor(4) as pool:
        answers = [f.result().json() for f in
                   [pool.submit(device.post_events, batch) for _ in range(4)]]

    accepted = [i for answer in answers for i in answer["accepted"]]
    assert sorted(accepted) == sorted(e["id"] for e in batch)
    assert stats()["events_stored"] == 200
    assert stats()["duplicates_rejected"] == 600


@pytest.mark.parametrize("code", [" 8319167516", "8319167516\u200b", "８３１９１６７５１６",
                                  "83191 67516", "8319167517", 8319167516])
def test_a_report_whose_code_is_not_as_a_kiosk_makes_it_is_refused(
    device: Device, stats, code: object,
) -> None:
    """atk13b finding 8: a code written otherwise would be listed looking
    like another village's code, and opening it would find nothing."""
    batch = [event("ok1", "complaint", code="8319167516", sealed="x"),
             event("odd", "whistle", code=code, sealed="x")]

    response = device.post_events(batch)

    assert response.status_code == 400 and response.json()["index"] == 1
    assert "tracking code" in response.json()["detail"]
    assert stats()["events_stored"] == 0
    assert device.post_events(batch[:1]).status_code == 200


def test_a_report_taken_before_with_an_odd_code_is_never_listed(device: Device,
                                                                data_dir: Path) -> None:
    with Store.open(existing_county(data_dir).database) as store, store.transaction():
        for event_id, code in (("old1", " 8319167516"), ("old2", "8319167516")):
            store.add_event(device.device_id, event_id, "complaint", 1714550000.5,
                            json.dumps({"code": code, "sealed": "x"}), time.time())
    with Store.open(existing_county(data_dir).database) as store:
        assert [filed.code for filed in filed_reports(store)] == ["8319167516"]

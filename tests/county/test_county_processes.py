"""Several county server processes on one PostgreSQL database, as a county
runs them: ``village-edge county serve --workers 2`` on one port and a
second ``village-edge county serve`` on another, each a real process. The
devices' requests are spread across them, often the same batch to two
processes at the same moment (a device retrying on another process after
an answer was lost): every event is stored once, none is lost, and a nonce
or an enrollment code works once whichever process sees it first."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests

from county import operator
from tests.conftest import REPO
from tests.county.conftest import Device, county_sql, event, to_json
from tests.postgres_server import PostgresCluster

DEVICES = 6
EVENTS_PER_DEVICE = 120
BATCH = 20
STUCK = 60.0  # a bound for a stuck process, never an expected time


@dataclass
class Endpoint:
    """A county server process, as a :class:`Device` reaches it."""

    url: str
    public_key: str  # the county key, which a device seals its enrollment code to


@pytest.fixture
def county_data(tmp_path: Path, postgres: PostgresCluster) -> Path:
    data = tmp_path / "county-data"
    data.mkdir()
    (data / "county.toml").write_text(
        f'[database]\nurl = "{postgres.new_database()}"\n', encoding="utf-8")
    return data


def serve(data: Path, log: Path, *extra: str) -> tuple[str, subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "village_edge", "county", "serve", "--port", "0",
         "--data", str(data), *extra],
        cwd=REPO, stdout=subprocess.PIPE, stderr=log.open("w"), text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"listening on (http://\S+)", line)
    if not found:
        process.kill()
        pytest.fail(f"the county did not start: {line!r}\n{log.read_text()}")
    return found.group(1), process


@pytest.fixture
def processes(county_data: Path, tmp_path: Path) -> Iterator[list[Endpoint]]:
    """Two servers on two ports, the first with two worker processes."""
    first = serve(county_data, tmp_path / "first.log", "--workers", "2")
    second = serve(county_data, tmp_path / "second.log")
    try:
        for url, _ in (first, second):  # the workers take requests once ready
            assert requests.get(url + "/v1/health", timeout=STUCK).status_code == 200
        key = operator.county_public_key(county_data)
        yield [Endpoint(first[0], key), Endpoint(second[0], key)]
    finally:
        for _, process in (first, second):
            process.terminate()
        for _, process in (first, second):
            try:
                process.wait(timeout=STUCK)
            except subprocess.TimeoutExpired:
                process.kill()
                raise


def at(device: Device, endpoint: Endpoint) -> Device:
    """*device* (same id and key) talking to another server process."""
    return Device(endpoint, device.device_id, device.key)  # type: ignore[arg-type]


def together(*calls: Callable[[], requests.Response]) -> list[requests.Response]:
    """Run *calls* at the same moment, each in a thread of its own."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], requests.Response]) -> requests.Response:
        start.wait(timeout=STUCK)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def enrolled(data: Path, endpoint: Endpoint, device_id: str) -> Device:
    device = Device(endpoint, device_id)  # type: ignore[arg-type]
    response = device.enroll(operator.make_enroll_code(data, device_id, role="seal"))
    assert response.status_code == 200, response.text
    return device


def test_events_sent_to_several_processes_are_stored_once_and_none_is_lost(
    processes: list[Endpoint], county_data: Path
) -> None:
    first, second = processes
    devices = [enrolled(county_data, first, f"ve-330226100201-dev{n}") for n in range(DEVICES)]
    answers: dict[str, list[tuple[list[str], dict[str, Any], dict[str, Any]]]] = {}

    def send_backlog(device: Device) -> None:
        here, there = at(device, first), at(device, second)
        for start in range(0, EVENTS_PER_DEVICE, BATCH):
            batch = [event(f"{device.device_id}-e{n}", n=n)
                     for n in range(start, start + BATCH)]
            one, other = together(partial(here.post_events, batch),
                                  partial(there.post_events, batch))
            assert one.status_code == other.status_code == 200, (one.text, other.text)
            answers.setdefault(device.device_id, []).append(
                ([e["id"] for e in batch], one.json(), other.json()))

    with ThreadPoolExecutor(DEVICES) as pool:
        list(pool.map(send_backlog, devices))

    for device in devices:
        for ids, one, other in answers[device.device_id]:
            # each event accepted by exactly one process; the other calls it a duplicate
            assert sorted(one["accepted"] + other["accepted"]) == sorted(ids)
            assert set(one["accepted"]) == set(other["duplicates"])
            assert set(other["accepted"]) == set(one["duplicates"])
    rows = county_sql(county_data, "SELECT device_id, event_id FROM events")
    stored = sorted((row["device_id"], row["event_id"]) for row in rows)
    assert stored == sorted((device.device_id, f"{device.device_id}-e{n}")
                            for device in devices for n in range(EVENTS_PER_DEVICE))
    report = operator.stats(county_data)
    assert report["events_stored"] == DEVICES * EVENTS_PER_DEVICE
    assert report["duplicates_rejected"] == DEVICES * EVENTS_PER_DEVICE


def test_a_request_replayed_to_another_process_is_refused_there(
    processes: list[Endpoint], county_data: Path
) -> None:
    first, second = processes
    device = enrolled(county_data, first, "ve-330226100201-seal1")
    for n in range(12):
        body = to_json({"events": [event(f"e{n}")]})
        headers = {"Content-Type": "application/json",
                   **device.sign("POST", "/v1/events", body)}  # one nonce, sent twice
        answers = together(*(partial(requests.post, endpoint.url + "/v1/events", data=body,
                                     headers=headers, timeout=STUCK)
                             for endpoint in (first, second)))
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [200, 401], [answer.text for answer in answers]
        refused = next(answer for answer in answers if answer.status_code == 401)
        assert refused.json()["error"] == "replayed"
    assert operator.stats(county_data)["events_stored"] == 12


def test_an_enrollment_code_works_once_across_processes(
    processes: list[Endpoint], county_data: Path
) -> None:
    first, second = processes
    for n in range(8):
        device_id = f"ve-330226100201-kiosk{n}"
        code = operator.make_enroll_code(county_data, device_id, role="seal")
        technician = Device(first, device_id)  # type: ignore[arg-type]
        impostor = Device(second, device_id)  # type: ignore[arg-type]
        answers = together(partial(technician.enroll, code), partial(impostor.enroll, code))
        assert sorted(answer.status_code for answer in answers) == [200, 403]
        refused = next(answer for answer in answers if answer.status_code == 403)
        assert refused.json()["error"] == "code_used"
        winner = technician if answers[0].status_code == 200 else impostor
        loser = impostor if winner is technician else technician
        # the county holds the key of the enrollment that won, and only that one
        assert at(winner, second).post_events([event("hello")]).status_code == 200
        assert at(loser, first).post_events([event("hello2")]).status_code == 401

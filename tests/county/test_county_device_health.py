"""The device health the county keeps, on both engines: the report in a
feed request's X-VE-Health header (the latest only; an old or unreadable
one ignored with a log line, never costing the device its feed) and the
clock offset measured from each accepted request's signed timestamp."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from county.datadir import existing_county
from county.device_health import DeviceHealth, device_health
from county.store import Store
from protocol.device_health import HealthReport
from tests.county.conftest import Device


def health(data_dir: Path, device_id: str) -> DeviceHealth | None:
    with Store.open(existing_county(data_dir).database) as store:
        return device_health(store, device_id)


def report(at: float, **figures: object) -> HealthReport:
    values: dict[str, object] = {"version": "0.9.0", "disk_free": 800_000_000,
                                 "disk_total": 16_000_000_000, "temp_c": 51.5,
                                 "undervoltage": "no", "paper": "ok", **figures}
    return HealthReport(int(at), **values)  # type: ignore[arg-type]


def feed_with(device: Device, header: str) -> int:
    answer = device.send("GET", "/v1/feed?after=0", headers={"X-VE-Health": header})
    return answer.status_code


def test_a_report_is_kept_and_the_next_replaces_it(device: Device, data_dir: Path) -> None:
    now = time.time()
    assert feed_with(device, report(now - 60).to_header()) == 200
    kept = health(data_dir, device.device_id)
    assert kept is not None and kept.report == report(now - 60)
    assert feed_with(device, report(now, temp_c=80.0, paper="out").to_header()) == 200
    kept = health(data_dir, device.device_id)
    assert kept is not None and kept.report is not None
    assert (kept.report.temp_c, kept.report.paper) == (80.0, "out")


@pytest.mark.parametrize("header", [
    "not json", '{"v":1}', '{"v":2,"at":1767000000,"version":"1"}',
    '{"v":1,"at":1767000000,"version":"1","temp_c":"hot"}',
    '{"v":1,"at":1767000000,"version":"1","disk_free":5,"disk_total":4}',
    '{"v":1,"at":1767000000,"version":"1","colour":"red"}',
])
def test_an_unreadable_report_is_ignored_with_a_log_line_and_the_feed_still_served(
        device: Device, data_dir: Path, header: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="county.device_health"):
        assert feed_with(device, header) == 200
    kept = health(data_dir, device.device_id)
    assert kept is None or kept.report is None
    assert any(f"health report of {device.device_id} ignored" in r.getMessage()
               for r in caplog.records)


def test_an_old_report_is_ignored_with_a_log_line(device: Device, data_dir: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    now = time.time()
    assert feed_with(device, report(now, version="0.9.1").to_header()) == 200
    with caplog.at_level(logging.WARNING, logger="county.device_health"):
        assert feed_with(device, report(now - 30, version="0.9.0").to_header()) == 200
        assert feed_with(device, report(now - 2 * 3600, version="0.8.0").to_header()) == 200
    kept = health(data_dir, device.device_id)
    assert kept is not None and kept.report is not None and kept.report.version == "0.9.1"
    messages = [r.getMessage() for r in caplog.records]
    assert any("not after the one held" in m for m in messages)
    assert any("before it arrived" in m for m in messages)


def test_a_report_from_the_future_does_not_hide_the_honest_ones(
        device: Device, data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    """atk13b finding 12: a report dated at 10^12-1 was kept, and every
    later report of the device was then older than it and ignored."""
    now = time.time()
    with caplog.at_level(logging.WARNING, logger="county.device_health"):
        assert feed_with(device, report(10 ** 12 - 1, version="9.9.9").to_header()) == 200
    assert any("ahead of the county's clock" in r.getMessage() for r in caplog.records)
    assert feed_with(device, report(now, version="0.9.1").to_header()) == 200
    kept = health(data_dir, device.device_id)
    assert kept is not None and kept.report is not None and kept.report.version == "0.9.1"


def test_a_future_report_held_from_before_is_replaced_by_an_honest_one(
        device: Device, data_dir: Path) -> None:
    now = time.time()
    assert feed_with(device, report(now, version="0.9.0").to_header()) == 200
    with Store.open(existing_county(data_dir).database) as store, store.transaction():
        store.execute("UPDATE device_health SET reported = ? WHERE device_id = ?",
                      (10 ** 12 - 1, device.device_id))
    assert feed_with(device, report(now + 1, version="0.9.1").to_header()) == 200
    kept = health(data_dir, device.device_id)
    assert kept is not None and kept.report is not None and kept.report.version == "0.9.1"


def test_the_clock_offset_is_measured_from_the_signed_timestamp(device: Device,
                                                                data_dir: Path) -> None:
    assert device.feed().status_code == 200
    on_time = health(data_dir, device.device_id)
    assert on_time is not None and on_time.clock_offset is not None
    assert abs(on_time.clock_offset) < 5
    assert device.send("GET", "/v1/feed?after=0", now=time.time() - 120).status_code == 200
    behind = health(data_dir, device.device_id)
    assert behind is not None and behind.clock_offset is not None
    assert -125 < behind.clock_offset < -115


def test_a_replayed_request_measures_nothing(device: Device, data_dir: Path) -> None:
    headers = device.sign("GET", "/v1/feed?after=0", now=time.time() - 200)
    first = device.session.get(device.county.url + "/v1/feed?after=0", headers=headers,
                               timeout=30)
    assert first.status_code == 200
    assert device.feed().status_code == 200  # measured again, near zero
    again = device.session.get(device.county.url + "/v1/feed?after=0", headers=headers,
                               timeout=30)
    assert again.status_code == 401
    kept = health(data_dir, device.device_id)
    assert kept is not None and kept.clock_offset is not None and abs(kept.clock_offset) < 5

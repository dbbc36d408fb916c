"""The device's health report: each figure read through its seam (files
written here stand in for /sys; "unknown" where the device cannot tell),
and carried to a real county by the sync agent at its first round, then
only every health_interval_seconds."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from county.datadir import existing_county
from county.device_health import DeviceHealth, device_health
from county.store import Store
from sync.agent import SyncSettings
from sync.device_health import HealthSources, measure_health, note_paper
from tests.sync.conftest import DEVICE, Station


def sources(tmp_path: Path, *, thermal: str | None = "51234\n", throttled: str | None = "0\n",
            vcgencmd: int | None = None) -> HealthSources:
    zone, flags = tmp_path / "thermal", tmp_path / "throttled"
    if thermal is not None:
        zone.write_text(thermal)
    if throttled is not None:
        flags.write_text(throttled)
    return HealthSources(tmp_path, paper_note=tmp_path / "printer-status.json",
                         thermal_zone=zone, throttled=flags, vcgencmd=lambda: vcgencmd,
                         version=lambda: "0.9.0")


def test_every_figure_is_read_from_its_source(tmp_path: Path) -> None:
    now = time.time()
    note_paper(tmp_path / "printer-status.json", "near_end", now - 60)
    report = measure_health(sources(tmp_path), now)
    stats = os.statvfs(tmp_path)
    assert report.at == int(now) and report.version == "0.9.0"
    assert report.disk_total == stats.f_blocks * stats.f_frsize
    assert report.disk_free is not None and 0 < report.disk_free <= report.disk_total
    assert (report.temp_c, report.undervoltage, report.paper) == (51.2, "no", "near_end")


@pytest.mark.parametrize(("flags", "said"), [("50005", "now"), ("50000", "earlier"),
                                             ("0", "no"), ("80008", "no")])
def test_the_firmware_throttled_flags_say_undervoltage(tmp_path: Path, flags: str,
                                                        said: str) -> None:
    assert measure_health(sources(tmp_path, throttled=flags), time.time()).undervoltage == said


def test_vcgencmd_answers_where_the_firmware_file_is_not(tmp_path: Path) -> None:
    report = measure_health(sources(tmp_path, throttled=None, vcgencmd=0x10000), time.time())
    assert report.undervoltage == "earlier"


def test_what_the_device_cannot_tell_is_unknown(tmp_path: Path) -> None:
    now = time.time()
    report = measure_health(sources(tmp_path, thermal=None, throttled=None), now)
    assert (report.temp_c, report.undervoltage, report.paper) == (None, None, None)
    note_paper(tmp_path / "printer-status.json", "ok", now - 2 * 3600)  # old news
    assert measure_health(sources(tmp_path), now).paper is None
    note_paper(tmp_path / "printer-status.json", "unknown", now)
    assert measure_health(sources(tmp_path), now).paper is None
    (tmp_path / "thermal").write_text("garbage")
    assert measure_health(sources(tmp_path, thermal=None), now).temp_c is None


def kept(station: Station) -> DeviceHealth | None:
    with Store.open(existing_county(station.county.data_dir).database) as store:
        return device_health(store, DEVICE)


def test_the_agent_carries_the_report_at_start_then_every_interval(station: Station,
                                                                   tmp_path: Path) -> None:
    measured: list[float] = []

    def health(now: float):  # type: ignore[no-untyped-def]
        measured.append(now)
        return measure_health(sources(tmp_path), now)

    agent = station.agent(station.county.url, SyncSettings(health_interval_seconds=3600))
    agent.health = health
    agent.run_once()
    first = kept(station)
    assert first is not None and first.report is not None and first.report.temp_c == 51.2
    assert first.clock_offset is not None and abs(first.clock_offset) < 5
    agent.run_once()
    assert len(measured) == 1  # not due again for an hour
    again = station.agent(station.county.url, SyncSettings(health_interval_seconds=0))
    again.health = health
    time.sleep(1)  # a report is kept only if measured after the one held (whole seconds)
    again.run_once()
    latest = kept(station)
    assert len(measured) == 2 and latest is not None and latest.received is not None
    assert first.received is not None and latest.received > first.received

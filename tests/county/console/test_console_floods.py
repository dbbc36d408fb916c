"""A rogue device cannot flood the console's pages (atk13b findings 2 and
3): lists are paged, a device's long text is cut for display, a photo the
county does not hold is one sentence, not a picture each. Over real HTTP on
the sample data."""

from __future__ import annotations

import json
import re
from itertools import pairwise

from county.console import sample_data as sample
from county.store import NewEvent
from protocol.api import LEDGER_STREAM
from tests.county.console.conftest import Console

PAGE_MOST = 100 * 1024


def _flood(console: Console, device_id: str, stream: str, payloads: list[dict[str, object]]
           ) -> None:
    now = console.clock()
    events = [NewEvent(f"flood-{n}", stream, now - 3600 + n, json.dumps(payload))
              for n, payload in enumerate(payloads)]
    with console.sample.store() as store, store.transaction():
        store.add_events(device_id, events, now)


def _pages(person: object, first: str) -> list[str]:
    """Every page of a list, following "下一页"."""
    pages, path = [], first
    while path:
        page = person.get(path)  # type: ignore[attr-defined]
        assert page.status_code == 200 and len(page.content) < PAGE_MOST
        pages.append(page.text)
        after = re.search(r'<a href="/console([^"]+)">下一页</a>', page.text)
        path = after.group(1).replace("&amp;", "&") if after else ""
    return pages


def test_three_thousand_requests_are_paged_and_the_real_one_reached(
        sqlite_console: Console) -> None:
    console = sqlite_console
    _flood(console, sample.STATION, "seal.request", [
        {"req": f"F{n:05d}-flood", "slot": "committee", "matter": "刷" * 100, "uses": 1,
         "doc": None, "blobs": []} for n in range(3000)])
    wang = console.person()
    wang.log_in("wang")
    pages = _pages(wang, "/approver")
    assert len(pages) > 50 and "下一页" in pages[0] and "上一页" in pages[1]
    assert any(sample.OPEN_REQUEST in page for page in pages)


def test_five_thousand_alarms_are_paged_and_a_long_text_is_cut(sqlite_console: Console) -> None:
    console = sqlite_console
    _flood(console, sample.STATION, "alarm", [
        {"code": "lid_open", "text": "x" * 1_000_000 if n == 4999 else "刷", "blobs": []}
        for n in range(5000)])
    sun = console.person()
    sun.log_in("sun")
    first = sun.get("/supervisor/alerts")
    assert first.status_code == 200 and len(first.content) < PAGE_MOST
    assert "下一页" in first.text
    longest = sun.get(f"/supervisor/alerts/alarm:{sample.STATION}:flood-4999")
    assert longest.status_code == 200 and len(longest.content) < PAGE_MOST
    assert "……（共 1000000 字）" in longest.text


def test_photos_the_county_does_not_hold_are_one_sentence(sqlite_console: Console) -> None:
    console = sqlite_console
    absent = [f"{n:064x}" for n in range(10)]
    _flood(console, sample.STATION, "seal.request", [
        {"req": "R77-absent", "slot": "committee", "matter": "出具证明", "uses": 1,
         "doc": None, "blobs": absent}])
    wang = console.person()
    wang.log_in("wang")
    page = wang.get(f"/approver/requests/{sample.STATION}/R77-absent")
    assert page.status_code == 200
    assert page.text.count("照片还没传到县里") == 1
    assert not any(digest in page.text for digest in absent)


def test_four_hundred_devices_are_paged_for_technician_and_supervisor(
        sqlite_console: Console) -> None:
    console = sqlite_console
    with console.sample.store() as store, store.transaction():
        for n in range(400):  # enrolled and last seen two days ago: all missing
            store.enroll_device(f"ve-{sample.VILLAGE}-seal{100 + n}", f"key-{n}", "seal",
                                sample.VILLAGE, console.clock() - 2 * 86400)
    zhang = console.person()
    zhang.log_in("zhang")
    fleet = _pages(zhang, "/technician")
    assert len(fleet) == 9 and "上一页" in fleet[1]
    counted = re.search(r"全部设备（(\d+) 台）", fleet[0])
    assert counted is not None and int(counted[1]) > 400, counted
    assert "另有 " in fleet[0] and " 台失联设备，在下面的全部设备里" in fleet[0]
    assert any(f"/technician/devices/{sample.STATION}\"" in page for page in fleet)
    sun = console.person()
    sun.log_in("sun")
    stations = _pages(sun, "/supervisor/stations")
    assert len(stations) == 9 and "上一页" in stations[1]
    assert sum(page.count(f"/supervisor/stations/{sample.STATION}\"") for page in stations) == 1


def test_the_alerts_list_shows_only_a_photo_the_county_holds(sqlite_console: Console) -> None:
    console = sqlite_console
    with console.sample.store() as store:
        held = store.execute("SELECT sha256 FROM blobs WHERE complete = 1 LIMIT 1")[0]["sha256"]
    absent = [f"{n:064x}" for n in range(3)]
    _flood(console, sample.STATION, "alarm", [
        {"code": "lid_open", "text": "只有没传到的照片", "blobs": absent},
        {"code": "lid_open", "text": "最后一张没传到", "blobs": [held, absent[0]]}])
    sun = console.person()
    sun.log_in("sun")
    page = sun.get("/supervisor/alerts")
    assert page.status_code == 200
    assert not any(digest in page.text for digest in absent)
    assert f"/console/photo/{held}/thumb.jpg" in page.text


def test_one_page_decodes_at_most_eight_new_photos_to_compare(sqlite_console: Console) -> None:
    # twelve more stamps of the approved request, each a photo of another page
    console = sqlite_console
    with console.sample.store() as store:
        aid = next(record["aid"] for record in store.payloads(sample.STATION, LEDGER_STREAM)
                   if record.get("kind") == "approved" and record.get("req") == sample.DONE_REQUEST)
    stamps = [console.sample.photo(sample.STATION, 100 + n, stamped=True) for n in range(12)]
    console.sample.ledger(sample.STATION, [
        {"kind": "stamp", "slot": "committee", "aid": aid, "n": 3 + n, "remaining": 0,
         "photo": photo} for n, photo in enumerate(stamps)])
    hashed = console.sample.root / "console-cache" / "page-hash"

    def compared() -> set[str]:
        return {path.stem for path in hashed.glob("*.txt")} if hashed.exists() else set()

    sun = console.person()
    sun.log_in("sun")
    counts = [0]
    for _ in range(5):  # a page at a time, each decoding at most eight
        assert sun.get("/supervisor/alerts").status_code == 200
        counts.append(len(compared()))
    steps = [after - before for before, after in pairwise(counts)]
    assert steps[0] == 8 and all(step <= 8 for step in steps), steps
    assert set(stamps) <= compared()  # the rest were compared on later pages


def test_an_item_with_more_photos_than_a_page_shows_says_how_many(
        sqlite_console: Console) -> None:
    console = sqlite_console
    held = [console.sample.photo(sample.STATION, 200 + n) for n in range(9)]
    _flood(console, sample.STATION, "seal.request", [
        {"req": "R78-many", "slot": "committee", "matter": "出具证明", "uses": 1,
         "doc": None, "blobs": held}])
    wang = console.person()
    wang.log_in("wang")
    page = wang.get(f"/approver/requests/{sample.STATION}/R78-many")
    assert page.status_code == 200
    assert "另有 3 张照片没有显示" in page.text
    assert sum(f"/console/photo/{digest}/thumb.jpg" in page.text for digest in held) == 6
    assert "照片还没传到县里" not in page.text

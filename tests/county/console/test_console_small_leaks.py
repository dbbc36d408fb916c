"""Small things a page gave away or got wrong (atk13 finding 11): the role
of another village's device, an English answer to a method a page does
not take, and photos kept in a shared PC's browser cache after logout."""

from __future__ import annotations

import re

import requests

from county.console import sample_data as sample
from county.enrollment import role_for_device
from tests.county.console.conftest import Console


def checked_role(page: str) -> str:
    found = re.search(r'name="role" value="([a-z]+)" checked', page)
    assert found is not None
    return found.group(1)


def test_another_villages_device_looks_like_an_unknown_one(sqlite_console: Console) -> None:
    console = sqlite_console
    chen = console.person()  # a technician of the other village
    chen.log_in("chen")
    own = console.person()
    own.log_in("zhang")
    assert checked_role(own.get(f"/technician/enroll?device={sample.KIOSK}").text) == "kiosk"
    unseen = chen.get(f"/technician/enroll?device={sample.KIOSK}").text
    assert role_for_device(sample.KIOSK) != "kiosk"  # so the page would tell
    assert checked_role(unseen) == role_for_device(sample.KIOSK)


def test_a_method_a_page_does_not_take_is_answered_in_chinese(
        sqlite_console: Console) -> None:
    console = sqlite_console
    for method in ("PUT", "DELETE", "PATCH"):
        answer = requests.request(method, console.url + "/approver", timeout=30,
                                  allow_redirects=False)
        assert answer.status_code == 405
        assert "这个页面不能这样打开" in answer.text and "Method Not Allowed" not in answer.text
        assert set(answer.headers["Allow"].split(", ")) == {"GET", "HEAD"}
        assert answer.headers["Cache-Control"] == "no-store"


def test_nothing_the_console_answers_stays_in_the_browsers_cache(
        sqlite_console: Console) -> None:
    console = sqlite_console
    wang = console.person()
    wang.log_in("wang")
    page = wang.get(f"/approver/requests/{sample.STATION}/{sample.OPEN_REQUEST}")
    photos = re.findall(r'src="/console(/photo/[0-9a-f]{64}/[a-z]+\.jpg)"', page.text)
    assert photos
    for path in photos:
        answer = wang.get(path)
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert page.headers["Cache-Control"] == "no-store"

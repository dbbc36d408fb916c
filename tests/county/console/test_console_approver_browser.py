"""The approver at the console in a real browser (Debian's Chromium,
headless, through its chromedriver) on a phone-sized window, deciding a
request a real seal station filed: the station (its controller on
MockFactory pins, syncing with the county on loopback) unlocks on its next
sync after the approval; a refusal's reason is on its panel after the next
sync. The approval's QR code on the phone's screen decodes with the suite's
reader."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from camera.qr import scan_qr
from county.console.admin import create_account
from county.console.browser import PHONE, click_and_load, log_in
from tests.county.conftest import county_sql
from tests.county.console.station import LiveStation, live_station

PASSWORD = "a-long-test-password"


@pytest.fixture
def station(tmp_path: Path) -> Iterator[LiveStation]:
    with live_station(tmp_path / "station") as live:
        create_account(live.county.data_dir, "wang", PASSWORD, roles=("approver",),
                       villages=(live.config.village_code,), display_name="王书记")
        yield live


def open_the_request(phone: WebDriver, station: LiveStation, req: str) -> None:
    """Log in as the approver, and open *req* from the list of open requests."""
    log_in(phone, station.county.server.url, "wang", PASSWORD)
    click_and_load(phone, phone.find_element(By.LINK_TEXT, "用印审批"))
    items = phone.find_elements(By.CSS_SELECTOR, "a.item")
    assert len(items) == 1 and "出具证明" in items[0].text and "盖 2 次" in items[0].text
    click_and_load(phone, items[0])
    assert req in phone.find_element(By.TAG_NAME, "main").text
    photo = phone.find_element(By.CSS_SELECTOR, "a.photo img")
    # the document photo arrived with the request and shows (a thumbnail, a phone's width)
    width = phone.execute_script("return arguments[0].naturalWidth", photo)
    assert 0 < width <= 360
    assert phone.execute_script("return arguments[0].complete", photo)


def test_an_approval_on_the_phone_unlocks_the_station_at_its_next_sync(
    station: LiveStation, phone: WebDriver
) -> None:
    request = station.controller.request(station.slot.name, "出具证明", 2)
    station.sync()  # the request and its document photo reach the county
    assert station.slot.lock.is_locked

    open_the_request(phone, station, request.req)
    click_and_load(phone, phone.find_element(By.ID, "approve"))  # 2 stamps, 10 minutes
    assert "已同意，待使用" in phone.find_element(By.CLASS_NAME, "state").text

    # the approval's QR code, as the phone's screen shows it, is the token
    qr = phone.find_element(By.ID, "approval-qr")
    phone.execute_script("arguments[0].scrollIntoView({block: 'center'})", qr)
    screen = Image.open(io.BytesIO(phone.get_screenshot_as_png()))
    assert screen.size == PHONE
    [token] = county_sql(station.county.data_dir, "SELECT token FROM seal_answers")
    assert scan_qr(screen) == [token["token"]]
    assert qr.size["width"] >= 0.85 * PHONE[0]  # large: the station's camera at arm's length

    assert station.slot.lock.is_locked  # nothing moves before the station syncs
    station.sync()
    assert not station.slot.lock.is_locked
    assert station.panel.startswith("审批已通过")
    audit = county_sql(station.county.data_dir,
                       "SELECT actor, action, object FROM console_audit ORDER BY seq")
    assert [(r["actor"], r["action"]) for r in audit][-2:] == [("wang", "login"),
                                                               ("wang", "approve")]
    assert audit[-1]["object"] == f"request:{station.config.device_id}/{request.req}"


def test_a_refusal_on_the_phone_reaches_the_custodians_panel(
    station: LiveStation, phone: WebDriver
) -> None:
    request = station.controller.request(station.slot.name, "出具证明", 2)
    station.sync()
    open_the_request(phone, station, request.req)
    phone.find_element(By.NAME, "reason").send_keys("证明材料缺村委会签字，请补齐后再申请")
    click_and_load(phone, phone.find_element(By.ID, "refuse"))
    assert "不同意" in phone.find_element(By.CLASS_NAME, "state").text

    station.sync()
    assert station.panel.startswith("这次用印申请没有得到同意")
    assert "证明材料缺村委会签字，请补齐后再申请" in station.panel
    assert station.slot.lock.is_locked

"""A supervisor at the console in a real browser (Debian's Chromium,
headless) on a phone-sized window: a real seal station (its controller on
MockFactory pins, with a simulated camera, syncing with the county on
loopback) raises a forced-press alarm when someone presses a locked seal;
after its next sync the supervisor sees the alert with its photo, and
acknowledges and closes it with a note; the audit trail has the closing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from county.console.admin import create_account
from county.console.browser import click_and_load, log_in
from tests.county.conftest import county_sql
from tests.county.console.station import LiveStation, live_station

PASSWORD = "a-long-test-password"
NOTE = "已到村里查看：保管人打扫时碰到印章，没有盖到文件。已提醒。"


@pytest.fixture
def station(tmp_path: Path) -> Iterator[LiveStation]:
    with live_station(tmp_path / "station") as live:
        create_account(live.county.data_dir, "sun", PASSWORD, roles=("supervisor",),
                       villages=(live.config.village_code,), display_name="孙主任")
        yield live


def loaded_width(driver: WebDriver, image: object) -> int:
    """The width of the image as it arrived (0: it did not)."""
    driver.execute_script("arguments[0].scrollIntoView()", image)
    assert driver.execute_script("return arguments[0].complete", image)
    return int(driver.execute_script("return arguments[0].naturalWidth", image))


def test_a_forced_press_is_an_alert_with_its_photo_closed_with_a_note(
    station: LiveStation, phone: WebDriver
) -> None:
    station.world.press(station.slot.name)  # the seal is locked: this is forced
    station.world.release(station.slot.name)
    station.sync()  # the alarm and its photo reach the county

    log_in(phone, station.county.server.url, "sun", PASSWORD)
    click_and_load(phone, phone.find_element(By.LINK_TEXT, "报警"))
    [item] = phone.find_elements(By.CSS_SELECTOR, "a.item")
    assert "强行按压" in item.text and "未处理" in item.text
    assert 0 < loaded_width(phone, item.find_element(By.TAG_NAME, "img")) <= 360

    click_and_load(phone, item)
    assert phone.find_element(By.ID, "alert-state").text == "未处理"
    photo = phone.find_element(By.CSS_SELECTOR, "a.photo img")
    assert 0 < loaded_width(phone, photo) <= 360
    full = phone.find_element(By.CSS_SELECTOR, "a.photo").get_attribute("href")
    assert full is not None and full.endswith("/full.jpg")  # tap: the large copy

    phone.find_element(By.NAME, "note").send_keys("收到，去村里看看")
    click_and_load(phone, phone.find_element(By.ID, "acknowledge"))
    assert phone.find_element(By.ID, "alert-state").text == "已知悉，处理中"
    phone.find_element(By.ID, "close-note").send_keys(NOTE)
    click_and_load(phone, phone.find_element(By.ID, "close"))
    assert phone.find_element(By.ID, "alert-state").text == "已关闭"
    steps = phone.find_element(By.ID, "alert-steps").text
    assert "收到，去村里看看" in steps and NOTE in steps
    assert not phone.find_elements(By.ID, "close")  # nothing left to do on it

    click_and_load(phone, phone.find_element(By.LINK_TEXT, "报警"))
    assert not phone.find_elements(By.CSS_SELECTOR, "a.item")  # the open ones: none left
    assert "没有要处理的报警" in phone.find_element(By.TAG_NAME, "main").text

    audit = county_sql(station.county.data_dir,
                       "SELECT actor, action, address, object, detail FROM console_audit "
                       "ORDER BY seq")
    closing = audit[-1]
    assert (closing["actor"], closing["action"], closing["address"]) == (
        "sun", "alert_closed", "127.0.0.1")
    assert closing["object"].startswith(f"alert:alarm:{station.config.device_id}:")
    assert NOTE in closing["detail"]
    assert audit[-2]["action"] == "alert_acknowledged"

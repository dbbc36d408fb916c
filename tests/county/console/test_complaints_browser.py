"""In the real browser (Debian's Chromium, headless, through the system's
chromedriver), on a phone-sized window: a complaint sealed by a real kiosk
and sent by its sync agent goes from received to replied, and the kiosk's
progress lookup shows the reply; a clerk uploads a catalog, sees its
preview and publishes it; an invalid catalog is refused with its problems
and nothing is published."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from county import operator
from county.complaints import ensure_complaint_key
from county.console.browser import (
    PHONE,
    chromium,
    click_and_load,
    log_in,
    screenshot,
    set_viewport,
)
from county.server import CountyServer
from kiosk.services.complaints import ComplaintForm, ComplaintReceipt, file_complaint
from kiosk.services.progress import lookup
from kiosk.wiring import FeedProgress
from powerlist import sample_text
from protocol.signing import public_key_from_text
from sync.agent import SyncAgent, SyncSettings
from sync.client import CountyClient
from sync.enrollment import enroll
from sync.feed_store import FeedStore
from sync.identity import load_or_create_device_key
from sync.outbox import Outbox
from tests.county.console.complaints_helpers import (
    KIOSK,
    PASSWORD,
    VILLAGE,
    make_account,
    published,
)
from tests.county.console.test_clerk_pages import SAMPLE_ID, broken_catalog

REPLY = "村委会已在公开栏补充公布了低保评议结果，以后每月更新。"


@pytest.fixture
def county(tmp_path: Path) -> Iterator[CountyServer]:
    with CountyServer(tmp_path / "county", port=0) as server:
        make_account(server.data_dir, "chen", ("complaints",), (VILLAGE,))
        make_account(server.data_dir, "sun", ("clerk",))
        yield server


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    with chromium() as driver:
        set_viewport(driver, PHONE)
        yield driver


def text(driver: WebDriver) -> str:
    return driver.find_element(By.TAG_NAME, "main").text


def change_status(driver: WebDriver, status: str, reply: str = "") -> None:
    Select(driver.find_element(By.ID, "status")).select_by_value(status)
    box = driver.find_element(By.ID, "reply")
    box.clear()
    if reply:
        box.send_keys(reply)
    click_and_load(driver, driver.find_element(By.ID, "save"))


def test_a_kiosk_complaint_is_replied_to_and_the_kiosk_shows_the_reply(
        tmp_path: Path, county: CountyServer, browser: WebDriver) -> None:
    state = tmp_path / "kiosk"
    client = CountyClient(county.url, KIOSK, load_or_create_device_key(state / "device.key"),
                          county.public_key)
    code = operator.make_enroll_code(county.data_dir, KIOSK, role="kiosk")
    enroll(client, code=code, role="kiosk", village_code=VILLAGE,
           pinned_key=county.public_key, path=state / "enrollment.json")
    outbox = Outbox(state / "outbox")
    feed = FeedStore(state / "feed", public_key_from_text(county.public_key), KIOSK,
                     clock=time.time)
    agent = SyncAgent(outbox, client, feed, state / "status.json", SyncSettings())
    try:
        ensure_complaint_key(county.data_dir)
        agent.run_once()
        form = ComplaintForm("secrecy", "BM-02", "最低生活保障申请（低保）", phone="13912345678")
        receipt = file_complaint(outbox, feed, KIOSK, form, now=datetime.now())
        assert isinstance(receipt, ComplaintReceipt)
        assert agent.run_once().events_sent == 1

        log_in(browser, county.url, "chen", PASSWORD)
        browser.get(f"{county.url}/console/complaints")
        assert "待答复 1 件" in text(browser) and "待处理" in text(browser)
        click_and_load(browser, browser.find_element(By.PARTIAL_LINK_TEXT, receipt.display_code))
        assert "13912345678" in text(browser) and "信息不公开" in text(browser)
        assert "任何拿到查询码的人都能看到" in text(browser)

        change_status(browser, "received")
        assert "已保存" in text(browser)
        agent.run_once()
        assert lookup(feed, receipt.code).state == "received"

        change_status(browser, "replied", REPLY)
        assert "已保存" in text(browser) and REPLY in text(browser)
        options = [o.get_attribute("value") for o in
                   Select(browser.find_element(By.ID, "status")).options]
        assert options == ["replied"]  # nothing earlier is offered any more

        agent.run_once()
        view = lookup(feed, receipt.code)
        assert (view.state, view.reply) == ("replied", REPLY)
        shown = FeedProgress(feed).lookup(receipt.display_code)
        assert shown is not None and f"县里的答复：{REPLY}" in shown.lines
        screenshot(browser, tmp_path / "replied.png")
    finally:
        outbox.close()
        client.close()


def upload(driver: WebDriver, base: str, path: Path) -> None:
    driver.get(f"{base}/console/clerk")
    driver.find_element(By.ID, "catalog").send_keys(str(path))
    click_and_load(driver, driver.find_element(By.ID, "check"))


def test_a_clerk_uploads_previews_and_publishes_a_catalog(
        tmp_path: Path, county: CountyServer, browser: WebDriver) -> None:
    path = tmp_path / "权力清单.toml"
    path.write_text(sample_text(), encoding="utf-8")
    log_in(browser, county.url, "sun", PASSWORD)
    upload(browser, county.url, path)
    assert "清单预览" in browser.title
    page = text(browser)
    assert "36 项" in page and "重大决策" in page and "找谁办" in page
    assert published(county.data_dir, "catalog", SAMPLE_ID) == []
    click_and_load(browser, browser.find_element(By.ID, "publish"))
    assert "已发布" in browser.find_element(By.ID, "published").text
    [document] = published(county.data_dir, "catalog", SAMPLE_ID)
    assert len(document["body"]["items"]) == 36


def test_an_invalid_catalog_is_refused_with_its_problems_and_not_published(
        tmp_path: Path, county: CountyServer, browser: WebDriver) -> None:
    path = tmp_path / "权力清单.toml"
    path.write_text(broken_catalog(), encoding="utf-8")
    log_in(browser, county.url, "sun", PASSWORD)
    upload(browser, county.url, path)
    errors = browser.find_element(By.ID, "errors")
    assert "清单没有通过检查，没有发布" in errors.text
    places = [e.text for e in errors.find_elements(By.CLASS_NAME, "where")]
    assert any("“名称”（name）" in place for place in places)
    assert browser.find_elements(By.ID, "publish") == []
    assert published(county.data_dir, "catalog", SAMPLE_ID) == []
    screenshot(browser, tmp_path / "refused.png")

"""In the real browser (Debian's Chromium, headless, phone-sized): a clerk
fills in a disclosure for one village, is told what is missing beside the
field, previews it and publishes it; that village's kiosk, enrolled and
syncing with its real agent, then shows it on its 阳光村务 screen exactly
as the preview did, and a kiosk of another village never receives it.
Withdrawn, it leaves the kiosk's screen."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from county import operator
from county.console.browser import click_and_load, log_in, screenshot
from county.server import CountyServer
from kiosk.viewmodels.disclosures import DisclosuresViewModel
from protocol.signing import public_key_from_text
from sync.agent import SyncAgent, SyncSettings
from sync.client import CountyClient
from sync.enrollment import enroll
from sync.feed_store import FeedStore
from sync.identity import load_or_create_device_key
from sync.outbox import Outbox
from tests.county.console.complaints_helpers import (
    OTHER_VILLAGE,
    PASSWORD,
    VILLAGE,
    make_account,
)

TITLE = "村道硬化工程招标结果"


@dataclass
class Kiosk:
    """A kiosk enrolled in its village, with its feed and its sync agent."""

    feed: FeedStore
    agent: SyncAgent
    outbox: Outbox
    client: CountyClient

    def shown(self) -> list[tuple[str, ...]]:
        """(title, second line, third line) of each row of its 阳光村务 screen
        (spaces as a browser shows them: a run of them as one)."""
        self.agent.run_once()
        model = DisclosuresViewModel(self.feed)
        return [as_shown(row.title, f"{row.category} · {row.date_text} · 来源：{row.source}",
                         row.detail) for row in model.rows]


def as_shown(*lines: str) -> tuple[str, ...]:
    return tuple(" ".join(line.split()) for line in lines)


def kiosk(county: CountyServer, state: Path, village: str) -> Kiosk:
    device_id = f"ve-{village}-k1"
    client = CountyClient(county.url, device_id, load_or_create_device_key(state / "device.key"),
                          county.public_key)
    code = operator.make_enroll_code(county.data_dir, device_id, role="kiosk")
    enroll(client, code=code, role="kiosk", village_code=village, pinned_key=county.public_key,
           path=state / "enrollment.json")
    feed = FeedStore(state / "feed", public_key_from_text(county.public_key), device_id,
                     time.time, village_code=village)
    outbox = Outbox(state / "outbox")
    agent = SyncAgent(outbox, client, feed, state / "status.json", SyncSettings())
    return Kiosk(feed, agent, outbox, client)


@pytest.fixture
def county(tmp_path: Path) -> Iterator[CountyServer]:
    with CountyServer(tmp_path / "county", port=0) as server:
        make_account(server.data_dir, "sun", ("clerk",))
        yield server


@pytest.fixture
def kiosks(tmp_path: Path, county: CountyServer) -> Iterator[tuple[Kiosk, Kiosk]]:
    """A kiosk of the village the clerk publishes for, and one of another village."""
    ours = kiosk(county, tmp_path / "ours", VILLAGE)
    theirs = kiosk(county, tmp_path / "theirs", OTHER_VILLAGE)
    yield ours, theirs
    for each in (ours, theirs):
        each.outbox.close()
        each.client.close()


def type_into(driver: WebDriver, field: str, text: str) -> None:
    box = driver.find_element(By.ID, field)
    box.clear()
    box.send_keys(text)


def test_a_clerks_disclosure_reaches_its_villages_kiosk_only(
        tmp_path: Path, county: CountyServer, kiosks: tuple[Kiosk, Kiosk],
        phone: WebDriver) -> None:
    ours, theirs = kiosks
    assert ours.shown() == [] and theirs.shown() == []  # enrolled: the villages are known
    log_in(phone, county.url, "sun", PASSWORD)
    phone.get(f"{county.url}/console/disclosures")
    Select(phone.find_element(By.ID, "village")).select_by_value(VILLAGE)
    Select(phone.find_element(By.ID, "category")).select_by_value("工程项目")
    type_into(phone, "amount", "8.6万")
    click_and_load(phone, phone.find_element(By.ID, "check"))
    assert "请填写标题" in phone.find_element(By.ID, "problem-title").text
    assert "只写整数" in phone.find_element(By.ID, "problem-amount").text
    screenshot(phone, tmp_path / "problems.png")

    type_into(phone, "title", TITLE)
    type_into(phone, "amount", "86000")
    type_into(phone, "contractor", "某建设有限公司")
    type_into(phone, "text", "三家投标，\n按程序开标评标。")
    click_and_load(phone, phone.find_element(By.ID, "check"))
    preview = as_shown(*(phone.find_element(By.CSS_SELECTOR, f"#preview .kiosk-{line}").text
                         for line in ("title", "meta", "detail")))
    assert preview[0] == TITLE and "金额 8.6 万元" in preview[2]
    screenshot(phone, tmp_path / "preview.png")
    click_and_load(phone, phone.find_element(By.ID, "publish"))
    assert "已发布" in phone.find_element(By.ID, "published").text

    assert ours.shown() == [preview]  # on the kiosk exactly as previewed
    [name] = ours.feed.names("disclosure")
    held = ours.feed.get("disclosure", name)
    assert held is not None and held.document.body["text"] == "三家投标，\n按程序开标评标。"
    assert theirs.shown() == [] and not theirs.feed.rejected  # never even sent there

    click_and_load(phone, phone.find_element(By.ID, "withdraw"))
    assert "已撤回" in phone.find_element(By.ID, "withdrawn").text
    assert ours.shown() == []
    assert ours.feed.names("disclosure") != []  # held, with no entries: nothing shown

"""The technician's day in a real browser (Debian's Chromium, headless,
through Selenium), on a phone-sized window, against a real county on
loopback: an enrollment code issued on the page enrolls a real device;
the health its real sync agent reports is on the device's page; a silent
device is on the missing list; and a screenshot asked on the page is
taken by the real kiosk app (Kivy, under Xvfb, in a process of its own)
from the command its agent pulled, sent back by the agent, and shown."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from county.console import sample_data as sample
from county.console.browser import PHONE, chromium, click_and_load, log_in, set_viewport
from county.console.sample_data import SampleCounty, sample_county
from county.server import CountyServer
from kiosk.xvfb import Xvfb
from protocol.signing import public_key_from_text
from sync.agent import SyncAgent
from sync.client import CountyClient
from sync.device_health import HealthSources, measure_health
from sync.enrollment import enroll
from sync.feed_store import FeedStore
from sync.identity import load_or_create_device_key
from sync.outbox import Outbox
from tests.conftest import REPO

KIOSK = "ve-330226100201-kiosk7"


@pytest.fixture
def seeded(tmp_path: Path) -> SampleCounty:
    return sample_county(tmp_path / "county")


@pytest.fixture
def server(seeded: SampleCounty) -> Iterator[CountyServer]:
    with CountyServer(seeded.root) as county:
        yield county


@pytest.fixture
def display() -> Iterator[str]:
    with Xvfb() as name:
        yield name


def kiosk_agent(state: Path, county: CountyServer, code: str) -> tuple[SyncAgent, Outbox]:
    """The kiosk's sync agent, enrolled with *code*, reporting the health of
    a device whose sensors are files here."""
    key = load_or_create_device_key(state / "device.key")
    client = CountyClient(county.url, KIOSK, key, county.public_key)
    enroll(client, code=code, role="kiosk", village_code=sample.VILLAGE,
           pinned_key=county.public_key, path=state / "enrollment.json")
    (state / "thermal").write_text("63500\n")
    (state / "throttled").write_text("50005\n")  # under-voltage now
    sources = HealthSources(state, thermal_zone=state / "thermal", throttled=state / "throttled",
                            version=lambda: "1.2.3")
    outbox = Outbox(state / "outbox")
    feed = FeedStore(state / "feed", public_key_from_text(county.public_key), KIOSK, time.time)
    agent = SyncAgent(outbox, client, feed, state / "sync-status.json",
                      health=lambda now: measure_health(sources, now))
    return agent, outbox


def test_a_technician_enrolls_a_kiosk_sees_its_health_and_its_screen(
        server: CountyServer, seeded: SampleCounty, tmp_path: Path, display: str) -> None:
    from selenium.webdriver.common.by import By

    state = tmp_path / "kiosk"
    with chromium() as browser:
        set_viewport(browser, PHONE)
        log_in(browser, server.url, "zhang", seeded.password)
        browser.get(f"{server.url}/console/technician")
        missing = browser.find_element(By.ID, "missing").text
        assert sample.SILENT_KIOSK in missing and "3 天前" in missing

        browser.get(f"{server.url}/console/technician/enroll")
        browser.find_element(By.NAME, "device").send_keys(KIOSK)
        browser.find_element(By.CSS_SELECTOR, "input[name=role][value=kiosk]").click()
        click_and_load(browser, browser.find_element(By.ID, "make-code"))
        code = browser.find_element(By.ID, "enroll-code").text

        agent, outbox = kiosk_agent(state, server, code)
        try:
            agent.run_once()
            browser.get(f"{server.url}/console/technician/devices/{KIOSK}")
            assert browser.find_element(By.ID, "health-version").text == "1.2.3"
            assert browser.find_element(By.ID, "health-temp").text == "64 °C"
            assert browser.find_element(By.ID, "health-power").text == "电压不足（现在）"
            assert browser.find_element(By.ID, "health-clock").text == "准"
            assert "GB" in browser.find_element(By.ID, "health-disk").text
            assert browser.find_element(By.ID, "health-paper").text == "不知道"

            click_and_load(browser, browser.find_element(By.ID, "ask-screenshot"))
            assert browser.find_elements(By.ID, "screenshot-waiting")
            agent.run_once()  # the command reaches the kiosk's feed
            env = {k: v for k, v in os.environ.items() if not k.startswith("KIVY_")}
            env.update(DISPLAY=display, HOME=str(tmp_path))
            kiosk = subprocess.run(
                [sys.executable, "-m", "tests.county.console.kiosk_answers", str(state), KIOSK,
                 server.public_key], cwd=REPO, env=env, capture_output=True, text=True,
                timeout=180)
            assert kiosk.returncode == 0, kiosk.stderr[-3000:]
            agent.run_once()  # the picture and its event reach the county
        finally:
            outbox.close()

        browser.get(f"{server.url}/console/technician/devices/{KIOSK}")
        assert not browser.find_elements(By.ID, "screenshot-waiting")
        image = browser.find_element(By.ID, "screenshot-image")
        assert browser.execute_script("return arguments[0].naturalWidth", image) == 360
        full = browser.find_element(By.CSS_SELECTOR, "#screenshot a.photo").get_attribute("href")
    assert full is not None and full.endswith("/full.jpg")  # the whole screen on tap
    picture = picture_at_county(seeded)
    assert picture.size == (800, 480)
    assert len(picture.getcolors(maxcolors=1 << 16) or range(1 << 16)) > 4  # a drawn screen


def picture_at_county(seeded: SampleCounty) -> Image.Image:
    """The newest screenshot the county holds of the kiosk."""
    from county.store import Store

    with Store.open(seeded.county.database) as store:
        payloads = store.payloads(KIOSK, "kiosk.screenshot")
    digest = payloads[-1]["blobs"][0]
    return Image.open(io.BytesIO(seeded.county.objects.read(digest)))

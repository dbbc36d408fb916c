"""Headless Chromium for the console's screenshots and browser tests: the
system's own browser and driver (Debian's ``chromium`` and
``chromium-driver``), driven by Selenium; never a browser downloaded.

Each browser gets a fresh profile directory, removed when it closes.
"""

from __future__ import annotations

import base64
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from county.errors import CountyError

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PHONE = (390, 844)
PC = (1366, 768)
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--lang=zh-CN", "--hide-scrollbars")


class NoBrowser(CountyError, FileNotFoundError):
    """Chromium, its driver or Selenium is not installed."""


@contextmanager
def chromium() -> Iterator[WebDriver]:
    """A headless Chromium, closed (and its profile removed) when the ``with`` ends."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        raise NoBrowser(f"{' and '.join(missing)} not found: install Debian's chromium and "
                        "chromium-driver (./setup.sh dev does)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        raise NoBrowser("Selenium is not installed: pip install 'village-edge[screenshots]' "
                        "(./setup.sh dev installs it)") from None
    profile = Path(tempfile.mkdtemp(prefix="village-edge-chromium-"))
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    try:
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    except Exception:
        shutil.rmtree(profile, ignore_errors=True)
        raise
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def set_viewport(driver: WebDriver, size: tuple[int, int]) -> None:
    """The page's viewport exactly *size* (a phone's is a mobile viewport)."""
    width, height = size
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": size == PHONE})


def screenshot(driver: WebDriver, path: Path, *, whole_page: bool = True) -> Path:
    """The page as a PNG at *path*: the whole length of the page, at the
    viewport's width (or only the viewport)."""
    params: dict[str, Any] = {"format": "png"}
    if whole_page:
        metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        content = metrics["cssContentSize"]
        viewport = metrics["cssLayoutViewport"]
        params.update(captureBeyondViewport=True, clip={
            "x": 0, "y": 0, "width": viewport["clientWidth"],
            "height": max(content["height"], viewport["clientHeight"]), "scale": 1})
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", params)
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def click_and_load(driver: WebDriver, element: WebElement, timeout: float = 60) -> None:
    """Click *element* (a link, a form's button) and wait for the next page."""
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    element.click()
    wait = WebDriverWait(driver, timeout)
    wait.until(expected_conditions.staleness_of(element))
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")


def log_in(driver: WebDriver, base: str, name: str, password: str) -> None:
    """Log in on the console at *base* (``http://host:port``) as *name*."""
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/console/login")
    driver.delete_all_cookies()  # whoever was logged in before
    driver.get(f"{base}/console/login")
    driver.find_element(By.NAME, "name").send_keys(name)
    driver.find_element(By.NAME, "password").send_keys(password)
    click_and_load(driver, driver.find_element(By.CSS_SELECTOR, "form.card button[type=submit]"))
    if "/console/login" in driver.current_url:
        raise CountyError(f"could not log in as {name} on {base}: "
                          f"{driver.find_element(By.TAG_NAME, 'main').text[:200]}")

"""``village-edge county screenshots DIR``: a county with the sample data
(:mod:`county.console.sample_data`) on loopback, every page of the tour
(:mod:`county.console.tour`) opened in headless Chromium as its account,
saved at phone size (390x844) and PC size (1366x768)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from county.console.browser import PC, PHONE, chromium, log_in, screenshot, set_viewport
from county.console.sample_data import sample_county
from county.console.tour import PAGES
from county.server import CountyServer

SIZES = {"phone": PHONE, "pc": PC}


def take_screenshots(directory: Path, *,
                     progress: Callable[[str], None] = lambda _: None) -> list[Path]:
    """Every tour page at both sizes, as ``DIR/<page>-phone.png`` and
    ``DIR/<page>-pc.png``; the files saved."""
    directory.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="village-edge-console-") as temporary:
        sample = sample_county(Path(temporary) / "county")
        with CountyServer(sample.root) as county, chromium() as driver:
            logged_in: str | None = None
            for page in PAGES:
                if page.account != logged_in:
                    if page.account is None:
                        driver.get(f"{county.url}/console/login")
                        driver.delete_all_cookies()
                    else:
                        log_in(driver, county.url, page.account, sample.password)
                    logged_in = page.account
                for label, size in SIZES.items():
                    set_viewport(driver, size)
                    driver.get(f"{county.url}/console{page.path}")
                    path = screenshot(driver, directory / f"{page.name}-{label}.png")
                    saved.append(path)
                    progress(f"{path.name}: {page.path}")
    return saved

"""``village-edge county screenshots DIR``: every page of the tour at phone
and PC size, from a county with the sample data; and every page of the tour
light enough for a weak mobile connection (under 100 KB before photos)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PIL import Image

from county.console.browser import PC, PHONE
from county.console.tour import PAGES
from tests.conftest import REPO
from tests.county.console.conftest import Console

PAGE_BUDGET = 100 * 1024


def test_every_page_is_saved_at_phone_and_pc_size(tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    ran = subprocess.run([sys.executable, "-m", "village_edge", "county", "screenshots",
                          str(shots)], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[-1] == f"{2 * len(PAGES)} screenshots in {shots}"
    assert len({page.name for page in PAGES}) == len(PAGES)
    for page in PAGES:
        for label, (width, height) in (("phone", PHONE), ("pc", PC)):
            with Image.open(shots / f"{page.name}-{label}.png") as image:
                assert image.width == width and image.height >= height, (page.name, label)
                # something was drawn: not one colour from edge to edge
                assert len(image.convert("RGB").getcolors(maxcolors=1 << 20) or [0, 0]) > 1


def test_every_page_is_under_100_kb_before_photos(sqlite_console: Console) -> None:
    console = sqlite_console
    css = console.person().get("/static/console.css")
    assert css.status_code == 200
    people = {}
    for page in PAGES:
        person = people.get(page.account)
        if person is None:
            person = people[page.account] = console.person()
            if page.account is not None:
                person.log_in(page.account)
        answer = person.get(page.path)
        assert answer.status_code in (200, 404), (page.name, answer.status_code)
        assert answer.headers["content-type"].startswith("text/html")
        assert len(answer.content) + len(css.content) < PAGE_BUDGET, page.name

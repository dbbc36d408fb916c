"""``village-edge demo --wait``: after its story the demo keeps the county
and the station running with the next request filed; a newcomer approves
it at the console in a browser (headless Chromium here) and the demo tells
that the station unlocked; Ctrl+C ends it cleanly."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from county.console.browser import PHONE, chromium, click_and_load, log_in, set_viewport
from tests.conftest import REPO


class Lines:
    """The lines a process writes, read in a thread so a test can wait for one."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        assert process.stdout is not None
        stream = process.stdout
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self._queue.put(line)
        self._queue.put(None)

    def until(self, pattern: str, timeout: float = 240) -> re.Match[str]:
        while True:
            line = self._queue.get(timeout=timeout)
            if line is None:
                raise AssertionError(f"the demo ended before {pattern!r}:\n{''.join(self.seen)}")
            self.seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found


@pytest.fixture
def waiting_demo(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Lines]]:
    env = dict(os.environ, TMPDIR=str(tmp_path), PYTHONUNBUFFERED="1")
    process = subprocess.Popen([sys.executable, "-m", "village_edge", "demo", "--speed", "50",
                                "--wait"], cwd=REPO, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        yield process, Lines(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_newcomer_approves_the_next_request_in_a_browser(
    waiting_demo: tuple[subprocess.Popen[str], Lines],
) -> None:
    process, lines = waiting_demo
    told = lines.until(r"^web console at (http://127\.0\.0\.1:\d+)/console/ \(log in as "
                       r"(\w+), password (\S+): made for this run\)")
    base, name, password = told.groups()
    asked = lines.until(r"the custodian asks again: .*\(request (R[\w-]+)\)")
    lines.until(r"press Ctrl\+C to end")
    assert any(f"in a browser: {base}/console/approver" in line for line in lines.seen)

    with chromium() as phone:
        set_viewport(phone, PHONE)
        log_in(phone, base, name, password)
        click_and_load(phone, phone.find_element(By.LINK_TEXT, "用印审批"))
        [item] = phone.find_elements(By.CSS_SELECTOR, "a.item")
        click_and_load(phone, item)
        assert asked.group(1) in phone.find_element(By.TAG_NAME, "main").text
        click_and_load(phone, phone.find_element(By.ID, "approve"))

    unlocked = lines.until(r"^station: (.+) (OPEN|LOCKED); panel: (.*)$")
    assert unlocked.group(2) == "OPEN" and unlocked.group(3).startswith("审批已通过")
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0
    lines.until(r"the demo ends \(Ctrl\+C\)")
    lines.until(r"the demo's files are in")

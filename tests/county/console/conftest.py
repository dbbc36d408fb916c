"""Fixtures for the console tests: a county with the sample data
(:mod:`county.console.sample_data`) served on loopback, on each engine, with
a clock the test can move; and a person at the console over HTTP (a
``requests`` session that logs in through the login form)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from selenium.webdriver.chrome.webdriver import WebDriver

from county.console.browser import PHONE, chromium, set_viewport
from county.console.sample_data import SampleCounty, sample_county
from county.console.sessions import COOKIE
from county.server import CountyServer
from tests.county.conftest import use_engine


@dataclass
class Clock:
    """The county's clock: now, plus what the test added."""

    offset: float = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass
class Console:
    """A county with sample data, served."""

    sample: SampleCounty
    server: CountyServer
    clock: Clock

    @property
    def url(self) -> str:
        return self.server.url + "/console"

    def person(self) -> Person:
        return Person(self)


@dataclass
class Person:
    """Someone at the console with a browser of their own (cookies), over HTTP."""

    console: Console
    http: requests.Session = field(default_factory=requests.Session)

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.console.url + path, timeout=30, allow_redirects=False)

    def post(self, path: str, form: dict[str, str], *, origin: str | None = "own",
             csrf: str | None = "own") -> requests.Response:
        """Send *form* as the page's form would: with this session's CSRF
        token and the console's Origin (unless the test says otherwise)."""
        data = dict(form)
        if csrf == "own":
            data["csrf"] = self.csrf()
        elif csrf is not None:
            data["csrf"] = csrf
        headers = {}
        if origin == "own":
            headers["Origin"] = self.console.server.url
        elif origin is not None:
            headers["Origin"] = origin
        return self.http.post(self.console.url + path, data=data, headers=headers, timeout=30,
                              allow_redirects=False)

    def csrf(self) -> str:
        page = self.http.get(self.console.url + "/", timeout=30).text
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        return found.group(1) if found else ""

    def log_in(self, name: str, password: str | None = None) -> requests.Response:
        answer = self.post("/login", {"name": name, "next": "/console/",
                                      "password": password or self.console.sample.password},
                           csrf=None)
        token = answer.cookies.get(COOKIE)
        if token:
            # the cookie is Secure; a browser sends it to http://127.0.0.1 (a secure
            # context), requests only over https: kept here as the browser keeps it
            self.http.cookies.set(COOKIE, token, path="/console")
        return answer


def serve_sample(data_dir: Path) -> Iterator[Console]:
    sample = sample_county(data_dir)
    clock = Clock()
    with CountyServer(data_dir, clock=clock) as server:
        yield Console(sample, server, clock)


@pytest.fixture(params=["sqlite", "postgresql"])
def console(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Console]:
    """The sample county on each engine, served."""
    yield from serve_sample(use_engine(request, tmp_path / "county"))


@pytest.fixture
def sqlite_console(tmp_path: Path) -> Iterator[Console]:
    """The sample county on SQLite only, for the tests of what the engine does not change."""
    yield from serve_sample(tmp_path / "county")


@pytest.fixture
def phone() -> Iterator[WebDriver]:
    """Headless Chromium on a 390x844 window, for the browser tests."""
    with chromium() as driver:
        set_viewport(driver, PHONE)
        yield driver

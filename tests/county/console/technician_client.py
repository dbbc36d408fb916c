"""A console visitor over real HTTP for the technicians' tests: logs in
with the login form, keeps the session cookie (Secure: sent by hand, as a
browser does to 127.0.0.1) and sends each form with its CSRF token and
the console's own Origin."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import requests

from county.server import CountyServer

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Visitor:
    county: CountyServer
    session: requests.Session = field(default_factory=requests.Session)
    cookie: str = ""

    def _headers(self) -> dict[str, str]:
        return {"Cookie": f"ve_console={self.cookie}"} if self.cookie else {}

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.county.url + "/console" + path, headers=self._headers(),
                                allow_redirects=False, timeout=30)

    def post(self, path: str, form: dict[str, str], *, csrf_from: str | None = None,
             csrf: str | None = None) -> requests.Response:
        """POST *form* with the CSRF token of the page *csrf_from* (or *csrf*)."""
        if csrf is None:
            found = CSRF.search(self.get(csrf_from or path).text)
            csrf = found.group(1) if found else ""
        return self.session.post(
            self.county.url + "/console" + path, data={**form, "csrf": csrf},
            headers={**self._headers(), "Origin": self.county.url}, allow_redirects=False,
            timeout=30)

    def log_in(self, name: str, password: str) -> Visitor:
        answer = self.post("/login", {"name": name, "password": password, "next": "/console/"},
                           csrf="")
        assert answer.status_code == 303, answer.text[:500]
        self.cookie = answer.cookies["ve_console"]
        return self

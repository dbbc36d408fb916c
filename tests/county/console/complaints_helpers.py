"""What the complaint handlers' and the clerks' tests share: accounts made
as `county admin create` makes them, a console client speaking plain HTTP
to a real county server on loopback (its session cookie sent by hand:
it is Secure, and the server is plain HTTP on 127.0.0.1, which browsers
trust but `requests` does not), and reports sealed by the kiosk's own
filing service."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from county.complaints import ensure_complaint_key
from county.console.accounts import EVERYWHERE, Account, hash_password, save_account
from county.datadir import existing_county
from county.store import Store
from kiosk.services.complaints import ComplaintForm, ComplaintReceipt, file_complaint
from protocol.complaint_envelope import KEY_DOCUMENT
from sync.outbox import Outbox

PASSWORD = "a-long-test-password"
VILLAGE = "330226100201"
OTHER_VILLAGE = "330226100202"
KIOSK = f"ve-{VILLAGE}-k1"
OTHER_KIOSK = f"ve-{OTHER_VILLAGE}-k1"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def store_of(data_dir: Path) -> Store:
    return Store.open(existing_county(data_dir).database)


def make_account(data_dir: Path, name: str, roles: tuple[str, ...],
                 villages: tuple[str, ...] = (EVERYWHERE,)) -> None:
    now = time.time()
    account = Account(name, name.title(), hash_password(PASSWORD), roles, villages, None,
                      (EVERYWHERE,), (), None, now, now)
    with store_of(data_dir) as store, store.transaction():
        save_account(store, account)


def enroll_kiosk(data_dir: Path, device_id: str, village: str) -> None:
    with store_of(data_dir) as store, store.transaction():
        store.enroll_device(device_id, "test-" + device_id, "kiosk", village, time.time())


class StandInFeed:
    """The one feed document the filing service reads (the county's report
    key), taken from the county as it is published."""

    def __init__(self, data_dir: Path) -> None:
        from protocol.documents import SignedDocument

        with store_of(data_dir) as store:
            wires = [wire for _, wire in store.documents_after(0, "*", 10_000)
                     if (wire["document"]["kind"], wire["document"]["name"]) == KEY_DOCUMENT]
        self.key = SignedDocument.from_wire(wires[-1])

    def get(self, kind: str, name: str) -> Any:
        return self.key if (kind, name) == KEY_DOCUMENT else None


def file_report(data_dir: Path, tmp: Path, device_id: str, form: ComplaintForm, *,
                days_ago: float = 0) -> ComplaintReceipt:
    """A report sealed by the kiosk's filing service and stored at the
    county as the sync agent would send it, *days_ago* days ago."""
    ensure_complaint_key(data_dir)
    outbox = Outbox(tmp / f"outbox-{device_id}-{time.monotonic_ns()}")
    try:
        receipt = file_complaint(outbox, StandInFeed(data_dir), device_id,  # type: ignore[arg-type]
                                 form, now=datetime.now())
        assert isinstance(receipt, ComplaintReceipt), receipt
        sent = time.time() - days_ago * 86400
        with store_of(data_dir) as store, store.transaction():
            for event in outbox.pending(100):
                store.add_event(device_id, event.id, event.stream, sent,
                                json.dumps(event.payload, ensure_ascii=False), sent)
    finally:
        outbox.close()
    return receipt


@dataclass
class ConsoleClient:
    """One browser's worth of the console over plain HTTP."""

    base: str  # http://127.0.0.1:PORT
    token: str | None = None
    csrf: str | None = None
    last: requests.Response | None = field(default=None, repr=False)

    def _headers(self) -> dict[str, str]:
        headers = {"Origin": self.base}
        if self.token:
            headers["Cookie"] = f"ve_console={self.token}"
        return headers

    def login(self, name: str, password: str = PASSWORD) -> ConsoleClient:
        answer = requests.post(f"{self.base}/console/login", headers={"Origin": self.base},
                               data={"name": name, "password": password},
                               allow_redirects=False, timeout=30)
        assert answer.status_code == 303, answer.text
        cookie = answer.headers["set-cookie"]
        self.token = cookie.split("ve_console=", 1)[1].split(";", 1)[0]
        self.get("/")
        return self

    def get(self, path: str) -> requests.Response:
        answer = requests.get(f"{self.base}/console{path}", headers=self._headers(),
                              allow_redirects=False, timeout=30)
        found = CSRF.search(answer.text)
        if found:
            self.csrf = found[1]
        self.last = answer
        return answer

    def post(self, path: str, data: dict[str, str]) -> requests.Response:
        return requests.post(f"{self.base}/console{path}", headers=self._headers(),
                             data={"csrf": self.csrf or "", **data}, allow_redirects=False,
                             timeout=30)

    def upload(self, path: str, file_name: str, content: bytes) -> requests.Response:
        return requests.post(f"{self.base}/console{path}", headers=self._headers(),
                             data={"csrf": self.csrf or ""},
                             files={"catalog": (file_name, content, "application/toml")},
                             allow_redirects=False, timeout=60)


def audit_rows(data_dir: Path, action: str) -> list[dict[str, Any]]:
    with store_of(data_dir) as store:
        return store.execute("SELECT actor, action, object, detail FROM console_audit "
                             "WHERE action = ? ORDER BY seq", (action,))


def published(data_dir: Path, kind: str, name: str) -> list[dict[str, Any]]:
    """Every published version of (kind, name), as devices get them, oldest first."""
    with store_of(data_dir) as store:
        return [wire["document"] for _, wire in store.documents_after(0, "*", 10_000)
                if (wire["document"]["kind"], wire["document"]["name"]) == (kind, name)]

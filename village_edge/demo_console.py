"""The demo's console step: an approver's account on the demo's county (a
password made for this run), and, when the demo is asked to wait (a
terminal, or ``--wait``), the county and the station kept running with the
next request filed, for the newcomer to approve or refuse in a browser,
while the demo tells what the station does."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import TextIO

from county.console.admin import create_account
from hardware.station import SealSlot
from seal_controller.controller import SealController
from seal_controller.feed_watch import FeedWatcher
from sync.agent import SyncAgent
from sync.errors import SyncError
from village_edge.demo_county import DemoCounty

ACCOUNT = "demo"
SYNC_SECONDS = 2.0  # how often the waiting station syncs (a real one: every minute or so)


@dataclass(frozen=True)
class DemoLogin:
    address: str  # the console's first page
    name: str
    password: str


def make_demo_login(county: DemoCounty, village_code: str, out: TextIO) -> DemoLogin:
    """An approver for the demo's village, told on *out*."""
    password = secrets.token_urlsafe(9)
    create_account(county.data_dir, ACCOUNT, password, roles=("approver",),
                   villages=(village_code,), display_name="演示审批人")
    login = DemoLogin(f"{county.server.url}/console/", ACCOUNT, password)
    out.write(f"web console at {login.address} (log in as {login.name}, password "
              f"{login.password}: made for this run)\n\n")
    return login


def wait_for_the_browser(
    login: DemoLogin, county: DemoCounty, controller: SealController, agent: SyncAgent,
    feed: FeedWatcher, slot: SealSlot, out: TextIO, stop: threading.Event | None = None,
) -> None:
    """File the next request, then sync every few seconds and tell what the
    station does, until Ctrl+C (or *stop*)."""
    stop = stop or threading.Event()
    request = controller.request(slot.name, "出具证明", 1)
    _sync(agent, feed, controller, out)
    out.write(
        f"\nthe custodian asks again: {slot.label}, 1 stamp (request {request.req}).\n"
        f"approve or refuse it in a browser: {county.server.url}/console/approver\n"
        f"  log in as {login.name}, password {login.password}\n"
        "the station syncs every few seconds and tells here what it does; "
        "press Ctrl+C to end\n")
    out.flush()
    shown = (controller.phase, slot.lock.is_locked)
    try:
        while not stop.wait(SYNC_SECONDS):
            _sync(agent, feed, controller, out)
            now = (controller.phase, slot.lock.is_locked)
            if now != shown:  # a new phase: the panel's message says what happened
                state = "LOCKED" if slot.lock.is_locked else "OPEN"
                out.write(f"station: {slot.label} {state}; panel: "
                          f"{controller.view().message}\n")
                out.flush()
                shown = now
    except KeyboardInterrupt:
        out.write("\nthe demo ends (Ctrl+C)\n")


def _sync(agent: SyncAgent, feed: FeedWatcher, controller: SealController, out: TextIO) -> None:
    try:
        agent.run_once()
    except (SyncError, OSError) as error:
        out.write(f"station: sync failed ({error}); trying again\n")
        return
    feed.deliver(controller)

"""``village-edge demo``: the suite's main job, simulated on this machine.

A seal station on gpiozero mock pins with a simulated camera, a local county
server, and the sync agent between them play one morning: the custodian asks
to use the village committee's seal, the request reaches the county, the
county approves it, the approval comes back through the feed and the seal
unlocks; two stamps are counted and photographed and the seal locks itself;
a forged approval shown as a QR code is refused; a forced press and an
opened lid raise the alarm; the ledger reaches the county with its chain
intact, and every stamp with its photo; a disclosure published at the
county arrives on the device; a receipt is printed. Every change of state is
printed as it happens.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from camera.settings import CameraSettings
from camera.simulated import SimulatedCamera
from county.approvals import approve, write_qr
from device.config import EMBEDDED_SOURCE, Config, embedded_default_text, parse_config
from device.runtime import open_outbox, open_station, simulated_world
from hardware.printer import Receipt
from hardware.simulation import SimulatedWorld
from hardware.station import Station
from protocol.approval_token import Approval, issue_token
from protocol.signing import new_private_key
from seal_controller.camera_link import CameraLink
from seal_controller.controller import SealController
from seal_controller.feed_watch import FeedWatcher
from seal_controller.ledger import Ledger
from seal_controller.trusted_clock import TrustedClock
from sync.outbox import Outbox
from village_edge.demo_console import DemoLogin, make_demo_login, wait_for_the_browser
from village_edge.demo_county import DemoCounty
from village_edge.demo_kiosk import run_kiosk_demo
from village_edge.errors import CliError
from village_edge.exits import SOFTWARE

STATE_DIR_LINE = re.compile(r"^state_dir\s*=.*$", re.MULTILINE)


def demo_config(directory: Path) -> Config:
    """The built-in development configuration (simulated hardware), with
    *directory* as its state directory and as ``~``: nothing the demo does
    lands anywhere else."""
    text, found = STATE_DIR_LINE.subn(f"state_dir = {json.dumps(str(directory))}",
                                      embedded_default_text())
    if found != 1:
        raise CliError(SOFTWARE, "the built-in configuration has no single [paths] state_dir "
                                 "line to point at the demo's directory (a bug)")
    config = parse_config(text, source=EMBEDDED_SOURCE, home=directory, simulate=True)
    if not config.station.slots:
        raise CliError(SOFTWARE, "the built-in configuration has no [[slots]]: the demo "
                                 "needs a seal station (a bug)")
    return config


def play_demo(out: TextIO, *, speed: float, wait: bool = False) -> Path:
    """Play the demo in a new directory of its own, kept afterwards (the
    receipt preview and the approval's QR code are there); its path. With
    *wait*, keep the county and the station running afterwards with the
    next request filed, for the console in a browser, until Ctrl+C."""
    directory = Path(tempfile.mkdtemp(prefix="village-edge-demo-"))
    out.write(f"the demo runs in its own directory {directory}; nothing else on this "
              "machine is read or written\n")
    out.flush()
    config = demo_config(directory)
    with open_station(config) as station:
        world = simulated_world(config, station)
        assert world is not None  # the demo's configuration is simulated
        with DemoCounty(config, out) as county, open_outbox(county.config) as outbox:
            login = make_demo_login(county, config.village_code, out)
            run_demo(county.config, station, world, county, outbox, out, speed=speed,
                     login=login if wait else None)
    out.write(f"\nthe demo's files are in {directory} (remove it when done)\n")
    return directory


def snapshot(station: Station) -> str:
    """The station at a glance, as the demo prints it."""
    parts = []
    for slot in station.slots.values():
        lock = slot.lock
        state = "LOCKED" if lock.is_locked else f"OPEN {lock.duty:.0%}"
        where = "home" if slot.sleeve.is_present else "OUT"
        press = " pressed" if slot.plunger.is_pressed else ""
        parts.append(f"{slot.name}:{state}/{where}{press}")
    if station.lid is not None:
        parts.append("lid OPEN" if station.lid.is_open else "lid shut")
    if station.lamp is not None:
        parts.append(f"lamp {station.lamp.signal.value}")
    return "  ".join(parts)


class Narrator:
    def __init__(self, station: Station, out: TextIO, speed: float) -> None:
        self.station = station
        self.out = out
        self.speed = speed
        self.started = time.monotonic()

    def say(self, message: str, panel: str | None = None) -> None:
        elapsed = time.monotonic() - self.started
        self.out.write(f"[{elapsed:6.2f}s] {message}\n")
        self.out.write(f"          {snapshot(self.station)}\n")
        if panel:
            self.out.write(f"          panel: {panel}\n")
        self.out.flush()

    def pause(self, seconds: float) -> None:
        time.sleep(seconds / self.speed)


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)


def run_demo(
    config: Config,
    station: Station,
    world: SimulatedWorld,
    county: DemoCounty,
    outbox: Outbox,
    out: TextIO,
    speed: float = 1.0,
    login: DemoLogin | None = None,
) -> Path | None:
    """Play the morning; returns the receipt preview's path, if a printer
    exists. With *login*, then wait for decisions taken at the console."""
    say = Narrator(station, out, speed)
    camera = SimulatedCamera(CameraSettings(backend="simulated"), scene="document",
                             document_seed=3)
    camera.start()
    ledger = Ledger(config.state.ledger, time.time)
    clock = TrustedClock(config.state.trusted_time)
    clock.trust(time.time(), "demo")
    agent = county.agent(outbox)
    controller = SealController(
        device_id=config.device_id, station=station, ledger=ledger, outbox=outbox,
        county_key=agent.feed.county_key, clock=clock,
        matters=config.seal_matters, return_seconds=config.seal_return_seconds,
        camera=CameraLink(camera, outbox, config.device_id),
    )
    feed = FeedWatcher(agent.feed, clock)
    try:
        controller.recover()
        slot = list(station.slots.values())[min(1, len(station.slots) - 1)]
        say.say("station started: every lock driven locked, every seal home",
                controller.view().message)
        say.pause(1.5)

        request = controller.request(slot.name, "出具证明", 2)
        say.say(f"custodian asks to use {slot.label} for 2 stamps (request {request.req}); "
                "the document is photographed", controller.view().message)
        county.sync(agent)
        say.pause(1.5)

        issued = approve(county.data_dir, request.req, device_id=config.device_id, uses=2,
                         minutes=10, approver="town.approver")
        say.say(f"county approves {request.req}: 2 stamps, 10 minutes "
                f"(approval {issued.approval.aid})")
        county.sync(agent)
        reported: list[str] = []
        slot.lock.when_changed = lambda state, duty: reported.append(f"{duty:.0%}")
        for token in feed.poll():
            controller.offer_token(token, "feed")
        say.say("the approval arrives through the feed; signature, station, seal, request "
                "and time all check out: the seal unlocks", controller.view().message)
        wait_for(lambda: len(reported) >= 2)
        slot.lock.when_changed = None
        steps = [f"{what} {duty}" for what, duty in zip(("pulled in at", "then held at"),
                                                          reported, strict=False)]
        say.say(f"the lock reports: {', '.join(steps)} (the solenoid's reduced holding power)")
        say.pause(1)

        camera.show("document_and_hand")
        for n in (1, 2):
            world.press(slot.name)
            say.say(f"stamp {n} of 2: counted and photographed", controller.view().message)
            world.release(slot.name)
            say.pause(1)
        camera.show("document")
        say.say("the plunger comes up after the last allowed stamp: locked again at once",
                controller.view().message)
        say.pause(1.5)

        forged = _forged_token(config.device_id, slot.name, controller)
        camera.show("qr", qr_payload=forged)
        controller.request(slot.name, "合同签订", 1)
        camera.show("qr", qr_payload=forged)
        controller.tick()
        say.say("someone shows a forged approval QR code (signed with another key): refused; "
                "the lock does not move", controller.view().message)
        camera.show("document")
        controller.cancel()
        say.pause(1.5)

        other = next(iter(station.slots.values()))
        world.press(other.name)
        say.say(f"ALARM: someone forces the plunger of {other.label} while it is locked",
                controller.view().message)
        world.release(other.name)
        say.pause(1.5)
        world.open_lid()
        say.say("ALARM: the enclosure lid is opened", controller.view().message)
        world.shut_lid()
        say.pause(1.5)
        out.write("\n")
        county.sync(agent)
        county.show_ledger()
        county.show_stamps(slot.name, outbox)
        county.publish_disclosure()
        county.sync(agent)
        county.show_arrival(agent)
        run_kiosk_demo(county, agent, out)
        preview = None
        if station.printer is not None:
            receipt = _receipt(config, slot.label, ledger)
            station.printer.print(receipt)
            preview = station.printer.save_preview(receipt,
                                                   config.state_dir / "demo-receipt.png")
            write_qr(issued.token, config.state_dir / "demo-approval-qr.png")
            out.write(f"\nreceipt printed to {config.printer.file_path} (ESC/POS bytes)\n"
                      f"receipt preview: {preview}\n"
                      f"the approval as the approver's phone would show it: "
                      f"{config.state_dir / 'demo-approval-qr.png'}\n")
        if login is not None:
            wait_for_the_browser(login, county, controller, agent, feed, slot, out)
        return preview
    finally:
        agent.client.close()
        ledger.close()
        camera.stop()


def _forged_token(device_id: str, slot: str, controller: SealController) -> str:
    now = int(time.time())
    approval = Approval(aid="A-forged", req=f"R{controller.ledger.head_seq + 1}-forged",
                        dev=device_id, slot=slot, uses=50, nbf=now - 60, exp=now + 3600,
                        apr="nobody")
    return issue_token(new_private_key(), approval)


def _receipt(config: Config, label: str, ledger: Ledger) -> Receipt:
    stamps = sum(1 for r in ledger.records if r["kind"] == "stamp")
    alarms = sum(1 for r in ledger.records if str(r["kind"]).startswith("alarm_"))
    return (
        Receipt.build()
        .title("用印记录（演示）")
        .text(f"村名：{config.village_name}")
        .text(f"印章：{label}")
        .text(f"盖章次数：{stamps} 次，每次都已拍照")
        .text(f"时间：{datetime.now():%Y-%m-%d %H:%M}")
        .rule()
        .text(f"报警：{alarms} 次，已上报")
        .qr(f"ve-ledger:{config.device_id}:{ledger.head_seq}:{ledger.head_hash[:16]}",
            caption="扫码核对用印记录")
        .done()
    )


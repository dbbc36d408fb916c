"""A seal station on mock pins with its ledger, outbox, clock, feed and county
key: what the controller tests drive. Its time is a manual one: approvals run
out and seals become overdue when a test advances it, never because the
machine was slow."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gpiozero.pins.mock import MockFactory
from PIL import Image

from camera.simulated import SimulatedCamera
from hardware.failsafe import FailSafe
from hardware.lock import LockState, LockTiming
from hardware.pins import mock_pin_factory
from hardware.simulation import SimulatedWorld
from hardware.station import SlotSpec, Station, StationSpec
from protocol.api import TIME_DOCUMENT_NAME
from protocol.approval_token import Approval, issue_token
from protocol.documents import FeedDocument, SignedDocument
from protocol.signing import new_private_key
from seal_controller.controller import SealController
from seal_controller.feed_watch import FeedWatcher
from seal_controller.ledger import Ledger
from seal_controller.trusted_clock import TrustedClock
from sync.boot import BootClock
from sync.feed_store import FeedStore
from sync.outbox import Outbox, Syscalls
from tests.conftest import wait_until

DEVICE = "ve-test-seal1"
MATTERS = ("出具证明", "合同签订", "财务报销", "其他")
COUNTY = new_private_key()
SPEC = StationSpec(
    slots=(SlotSpec("party", "村党组织印章", 17, 5, 6),
           SlotSpec("committee", "村民委员会印章", 27, 13, 19)),
    lid=26, lamp=(16, 20, 21), buzzer=12,
    lock_timing=LockTiming(pull_in_seconds=0.02, hold_duty=0.4, max_on_seconds=600),
    settle_seconds=0.0,
)
STUCK = 30.0  # a bound for a stuck test, never an expected time


@dataclass
class Rig:
    directory: Path
    factory: MockFactory
    world: SimulatedWorld
    station: Station
    ledger: Ledger
    outbox: Outbox
    clock: TrustedClock
    controller: SealController
    feed: FeedStore
    watcher: FeedWatcher
    wall: Callable[[], float]
    time: ManualClock

    def approval(self, **changes: object) -> Approval:
        request = self.controller.request_open
        now = int(self.wall())
        fields = {"aid": f"A-{time.monotonic_ns()}", "req": request.req if request else "R0-x",
                  "dev": DEVICE, "slot": request.slot if request else "party",
                  "uses": request.uses if request else 1, "nbf": now - 5, "exp": now + 300,
                  "apr": "county.approver"}
        fields.update(changes)
        return Approval(**fields)  # type: ignore[arg-type]

    def token(self, key=COUNTY, **changes: object) -> str:  # type: ignore[no-untyped-def]
        return issue_token(key, self.approval(**changes))

    def publish(self, kind: str, name: str, body: dict[str, object], *,
                version: int = 1) -> None:
        """The county publishes a document and the sync agent takes it in."""
        now = int(self.wall())
        document = FeedDocument(kind, name, version, now, now + 3600, DEVICE, body)
        self.feed.accept(SignedDocument.sign(COUNTY, document).to_wire())

    def county_clock(self, now: float | None = None) -> None:
        """The county's signed clock, as it comes with every feed answer."""
        now = self.wall() if now is None else now
        self.publish("time", TIME_DOCUMENT_NAME, {"time": now}, version=time.time_ns() // 1000)

    def lock_levels(self, pin: int) -> list[float]:
        """Every level the lock's pin was driven to, in order."""
        return [float(s.state) for s in self.factory.pin(pin).states]

    def wait_for_hold(self, slot: str) -> bool:
        """Wait until *slot*'s lock has pulled in and holds (it then holds
        until something locks it: the maximum on-time is minutes)."""
        lock = self.station.slots[slot].lock
        return wait_until(lambda: lock.state is LockState.HOLDING, timeout=STUCK)

    def kinds(self) -> list[str]:
        return [r["kind"] for r in self.ledger.records]

    def close(self) -> None:
        self.station.close()
        self.ledger.close()
        self.outbox.close()


class HeldCamera(SimulatedCamera):
    """A camera whose still can be held mid-capture until the test lets it go."""

    def __init__(self) -> None:
        super().__init__(scene="document", document_seed=3)
        self.go = threading.Event()
        self.go.set()
        self.capturing = threading.Event()

    def capture_still(self) -> Image.Image:
        self.capturing.set()
        self.go.wait(STUCK)
        return super().capture_still()


class Hands:
    """A custodian's finger on a plunger, each edge delivered by its own
    thread, as the switch's settling timers deliver them: the next edge can
    come while the last is still being handled."""

    def __init__(self, rig: Rig, slot: str) -> None:
        self.rig = rig
        self.slot = slot
        self.threads: list[threading.Thread] = []

    def edge(self, pressed: bool) -> None:
        pin = self.rig.factory.pin(next(s.plunger for s in SPEC.slots if s.name == self.slot))
        drive = pin.drive_low if pressed else pin.drive_high
        thread = threading.Thread(target=drive, daemon=True)
        thread.start()
        self.threads.append(thread)
        plunger = self.rig.station.slots[self.slot].plunger
        # settled (its callback may still be waiting for its turn)
        assert wait_until(lambda: plunger.is_pressed is pressed, STUCK)

    def done(self) -> None:
        for thread in self.threads:
            thread.join(STUCK)
            assert not thread.is_alive(), "an edge never finished"


class Boot:
    """A machine's boot as a test wants it: an id and a boot clock to move."""

    def __init__(self) -> None:
        self.number = 1
        self.seconds = 1000.0

    def clock(self) -> BootClock:
        return BootClock(lambda: f"test-boot-{self.number}", lambda: self.seconds)

    def reboot(self) -> None:
        self.number += 1
        self.seconds = 20.0


class ManualClock:
    """Wall-clock time and the boot clock, moving together only when
    :meth:`advance` is called."""

    def __init__(self, wall: float, boot: Boot) -> None:
        self._wall = wall
        self.boot = boot

    def wall(self) -> float:
        return self._wall

    def advance(self, seconds: float) -> None:
        self._wall += seconds
        self.boot.seconds += seconds


def make_rig(directory: Path, *, trusted: bool = True, camera=None,  # type: ignore[no-untyped-def]
             boot: Boot | None = None, wall=None, syscalls: Syscalls | None = None,
             outbox_syscalls: Syscalls | None = None, seals_out: tuple[str, ...] = ()) -> Rig:
    """*seals_out*: seals out of their holders when the station starts (they
    stayed out across the restart)."""
    boot = boot if boot is not None else Boot()
    manual = ManualClock(time.time(), boot)
    wall = wall if wall is not None else manual.wall
    factory = mock_pin_factory()
    station = Station.build(SPEC, pin_factory=factory, failsafe=FailSafe(signals=()))
    world = SimulatedWorld(factory, SPEC)
    world.settle_normal(station)
    for slot in seals_out:
        world.take_seal(slot)
    ledger = Ledger(directory / "ledger", wall, syscalls=syscalls)
    outbox = Outbox(directory / "outbox", syscalls=outbox_syscalls)
    boot_clock = boot.clock()
    clock = TrustedClock(directory / "trusted-time", wall=wall, boot=boot_clock)
    if trusted:
        clock.trust(wall(), "test")
    link = camera(outbox) if camera else None
    controller = SealController(device_id=DEVICE, station=station, ledger=ledger, outbox=outbox,
                                county_key=COUNTY.public_key(), clock=clock, camera=link,
                                matters=MATTERS, return_seconds=0.5)
    controller.recover()
    feed = FeedStore(directory / "feed", COUNTY.public_key(), DEVICE, wall, boot=boot_clock)
    return Rig(directory, factory, world, station, ledger, outbox, clock, controller, feed,
               FeedWatcher(feed, clock), wall, manual)

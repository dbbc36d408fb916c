"""The seal station's reaction times on this machine, with the real
controller, mock pins, the simulated camera and the real ledger and outbox.

    .venv/bin/python bench/seal_timings.py [--rounds N]

- QR in front of the camera to lock energised: one ``tick()`` (grab a scan
  frame, decode it, check the token, write the ledger, energise), per frame
  size. Target: the lock within 50 ms of the QR decode.
- Plunger press to photo stored: from the pin going low (debounce included)
  to the stamp record, with the photo's sha256, on disk. Target: 300 ms.
- Ledger append: one durable, hash-chained record.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import ClassVar

from gpiozero.pins.mock import MockFactory, MockPWMPin

from camera.settings import CameraSettings
from camera.simulated import SimulatedCamera
from hardware.failsafe import FailSafe
from hardware.lock import LockTiming
from hardware.simulation import SimulatedWorld
from hardware.station import SlotSpec, Station, StationSpec
from protocol.approval_token import Approval, issue_token
from protocol.signing import new_private_key
from seal_controller.camera_link import CameraLink
from seal_controller.controller import SealController
from seal_controller.ledger import Ledger
from seal_controller.trusted_clock import TrustedClock
from sync.outbox import Outbox

DEVICE = "ve-bench-seal"
COUNTY = new_private_key()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def line(name: str, values: list[float], target: str = "") -> str:
    return (f"{name:<44} p50 {1000 * statistics.median(values):7.1f} ms   "
            f"p95 {1000 * percentile(values, 0.95):7.1f} ms   {target}")


class TimedPin(MockPWMPin):
    """A mock pin that notes when it goes fully high (the solenoid pulled in)."""

    rose_at: ClassVar[dict[str, float]] = {}

    def _change_state(self, value):  # type: ignore[no-untyped-def]
        changed = super()._change_state(value)
        if changed and float(value) == 1.0:
            TimedPin.rose_at[self.info.name] = time.perf_counter()
        return changed


def build(directory: Path, scan_size: tuple[int, int], settle: float):  # type: ignore[no-untyped-def]
    spec = StationSpec(slots=(SlotSpec("committee", "村民委员会印章", 27, 13, 19),), lid=26,
                       lamp=(16, 20, 21), buzzer=12,
                       lock_timing=LockTiming(pull_in_seconds=0.2, hold_duty=0.4,
                                              max_on_seconds=900),
                       settle_seconds=settle)
    factory = MockFactory(pin_class=TimedPin)
    station = Station.build(spec, pin_factory=factory, failsafe=FailSafe(signals=()))
    world = SimulatedWorld(factory, spec, station)
    world.settle_normal(station)
    camera = SimulatedCamera(CameraSettings(backend="simulated", scan_size=scan_size),
                             scene="document", document_seed=2)
    camera.start()
    ledger = Ledger(directory / "ledger", time.time)
    outbox = Outbox(directory / "outbox")
    clock = TrustedClock(directory / "trusted-time")
    clock.trust(time.time(), "bench")
    controller = SealController(device_id=DEVICE, station=station, ledger=ledger,
                                outbox=outbox, county_key=COUNTY.public_key(), clock=clock,
                                matters=("出具证明",), return_seconds=60.0,
                                camera=CameraLink(camera, outbox, DEVICE))
    controller.recover()
    return factory, station, world, camera, ledger, outbox, controller


def token_for(controller: SealController, uses: int) -> str:
    request = controller.request_open
    assert request is not None
    now = int(time.time())
    return issue_token(COUNTY, Approval(aid=f"A-{time.monotonic_ns():x}", req=request.req,
                                        dev=DEVICE, slot=request.slot, uses=uses,
                                        nbf=now - 60, exp=now + 600, apr="bench"))


def qr_to_lock(size: tuple[int, int], rounds: int) -> tuple[list[float], list[float]]:
    """(decode finished to lock energised, whole tick from frame grab to lock)."""
    after_decode, whole = [], []
    with tempfile.TemporaryDirectory() as scratch:
        factory, station, _, camera, ledger, outbox, controller = build(Path(scratch), size, 0.0)
        link = controller.camera
        assert link is not None
        scan, decoded = link.scan_codes, []

        def timed_scan() -> list[str]:
            codes = scan()
            decoded.append(time.perf_counter())
            return codes

        link.scan_codes = timed_scan  # type: ignore[method-assign]
        for _ in range(rounds):
            controller.request("committee", "出具证明", 1)
            camera.show("qr", qr_payload=token_for(controller, 1))
            started = time.perf_counter()
            controller.tick()
            rose = TimedPin.rose_at["GPIO27"]
            assert factory.pin(27).state == 1.0 and rose > started, "the lock did not energise"
            after_decode.append(rose - decoded[-1])
            whole.append(rose - started)
            camera.show("document")
            controller.end()
        station.close()
        ledger.close()
        outbox.close()
    return after_decode, whole


def press_to_photo(rounds: int) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as scratch:
        factory, station, world, camera, ledger, outbox, controller = build(
            Path(scratch), (640, 480), 0.02)
        controller.request("committee", "出具证明", 50)
        controller.offer_token(token_for(controller, 50), "feed")
        camera.show("document_and_hand")
        for _ in range(min(rounds, 49)):
            before = ledger.head_seq
            started = time.perf_counter()
            factory.pin(19).drive_low()
            while ledger.head_seq == before:
                time.sleep(0.0005)
            times.append(time.perf_counter() - started)
            record = ledger.records[-1]
            assert record["kind"] == "stamp" and outbox.blob_path(record["photo"]).exists()
            world.release("committee")
        station.close()
        ledger.close()
        outbox.close()
    return times


def ledger_appends(rounds: int) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as scratch, Ledger(Path(scratch), time.time) as ledger:
        for n in range(rounds):
            started = time.perf_counter()
            ledger.append("stamp", aid="A-bench", n=n, photo="0" * 64)
            times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    for size in ((640, 480), (1280, 720)):
        after_decode, whole = qr_to_lock(size, args.rounds)
        label = f"{size[0]}x{size[1]}"
        print(line(f"QR decoded ({label}) to lock energised", after_decode, "target 50 ms"))
        print(line(f"frame grabbed ({label}) to lock energised", whole))
    print(line("press to photo stored (20 ms debounce incl.)", press_to_photo(args.rounds),
               "target 300 ms"))
    print(line("ledger append (fsync'd)", ledger_appends(args.rounds * 5)))


if __name__ == "__main__":
    main()

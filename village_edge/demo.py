"""``village-edge demo``: the suite's main job, simulated on this machine.

So far the suite is the seal station's hardware: the demo plays a day at the
station on mock pins — a request, an unlock, stamps counted, the seal put
back and locked, a forced press and an opened lid raising the alarm — and
prints every change of state as it happens, then a receipt with its preview.
Later parts (sync, the seal controller, the kiosk) join this script.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from hardware.lock import LockState
from hardware.patterns import Signal
from hardware.printer import Receipt
from hardware.simulation import SimulatedWorld
from hardware.station import SealSlot, Station
from sync.outbox import Outbox
from village_edge.config import Config


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


class DemoRun:
    """One play-through; *speed* above 1 shortens every pause."""

    def __init__(
        self,
        config: Config,
        station: Station,
        world: SimulatedWorld,
        out: TextIO,
        speed: float = 1.0,
        outbox: Outbox | None = None,
    ) -> None:
        self.config = config
        self.outbox = outbox
        self.station = station
        self.world = world
        self.out = out
        self.speed = speed
        self.started = time.monotonic()
        self.stamps: dict[str, int] = {name: 0 for name in station.slots}
        self.alarms: list[str] = []

    # -- narration ---------------------------------------------------------

    def say(self, message: str) -> None:
        elapsed = time.monotonic() - self.started
        state = snapshot(self.station)
        self.out.write(f"[{elapsed:6.2f}s] {message}\n")
        self.out.write(f"          {state}\n")
        self.out.flush()
        self.record("station.event", {"what": message, "state": state})

    def record(self, stream: str, payload: dict[str, object]) -> None:
        """Keep what happened for the county (the seal ledger proper comes with
        the seal controller)."""
        if self.outbox is not None:
            self.outbox.append(stream, payload)

    def pause(self, seconds: float) -> None:
        time.sleep(seconds / self.speed)

    def settle(self, until: Callable[[], bool]) -> None:
        """Wait for the debounced sensors to report what the world did."""
        deadline = time.monotonic() + 5
        while not until() and time.monotonic() < deadline:
            time.sleep(0.005)

    # -- the station's reactions (the seal controller will own these) ------

    def watch(self) -> None:
        for slot in self.station.slots.values():
            slot.plunger.when_closed = lambda slot=slot: self.on_press(slot)
        if self.station.lid is not None:
            self.station.lid.when_opened = lambda: self.raise_alarm("enclosure lid opened")

    def on_press(self, slot: SealSlot) -> None:
        if slot.lock.is_locked:
            self.raise_alarm(f"{slot.label}: plunger pressed while locked")
        else:
            self.stamps[slot.name] += 1

    def raise_alarm(self, reason: str) -> None:
        self.alarms.append(reason)
        self.station.signal(Signal.ALARM)
        self.record("alarm", {"reason": reason})

    # -- the script --------------------------------------------------------

    def run(self) -> None:
        station, world = self.station, self.world
        slot = next(iter(station.slots.values()))
        other = list(station.slots.values())[-1]
        self.watch()
        station.signal(Signal.IDLE)
        self.say("station started: every lock driven locked, every seal home")
        self.pause(1.5)

        station.signal(Signal.WAITING)
        self.say(f"custodian asks to use {slot.label} for 2 stamps: waiting for approval")
        self.pause(2)

        slot.lock.unlock(30)
        station.signal(Signal.UNLOCKED)
        self.say(f"approval received: {slot.label} unlocked, solenoid pulled in at full power")
        self.settle(lambda: slot.lock.state is LockState.HOLDING)
        self.say("solenoid held at reduced power")

        world.take_seal(slot.name)
        self.settle(lambda: not slot.sleeve.is_present)
        self.say("custodian takes the seal out of its holder")
        self.pause(1)
        for n in (1, 2):
            world.press(slot.name)
            self.settle(lambda n=n: self.stamps[slot.name] == n)
            self.say(f"stamp {n} of 2 pressed and counted")
            world.release(slot.name)
            self.settle(lambda: not slot.plunger.is_pressed)
            self.pause(1)
        world.return_seal(slot.name)
        self.settle(lambda: slot.sleeve.is_present)
        slot.lock.lock()
        station.signal(Signal.IDLE)
        self.say("seal returned after the last allowed stamp: locked again at once")
        self.pause(2)

        world.press(other.name)
        self.settle(lambda: bool(self.alarms))
        self.say(f"ALARM: someone forces the plunger of {other.label} while it is locked")
        world.release(other.name)
        self.pause(2)
        station.signal(Signal.IDLE)

        world.open_lid()
        self.settle(lambda: len(self.alarms) >= 2)
        self.say("ALARM: the enclosure lid is opened")
        self.pause(2)
        world.shut_lid()
        self.settle(lambda: station.lid is None or not station.lid.is_open)
        station.signal(Signal.IDLE)
        self.say("lid shut, alarm acknowledged: station idle")

    def receipt(self) -> Receipt:
        slot = next(iter(self.station.slots.values()))
        when = datetime.now().strftime("%Y-%m-%d %H:%M")
        return (
            Receipt.build()
            .title("用印记录（演示）")
            .text(f"村名：{self.config.village_name}")
            .text(f"印章：{slot.label}")
            .text(f"盖章次数：{self.stamps[slot.name]} 次")
            .text(f"时间：{when}")
            .rule()
            .text(f"报警：{len(self.alarms)} 次")
            .qr(f"ve-demo:{self.config.device_id}:{slot.name}", caption="扫码查看记录")
            .done()
        )


def run_demo(
    config: Config,
    station: Station,
    world: SimulatedWorld,
    out: TextIO,
    speed: float = 1.0,
    outbox: Outbox | None = None,
) -> Path | None:
    """Play the station's part; returns the receipt preview's path, if a
    printer exists. Every change is also appended to *outbox*."""
    out.write(
        "village-edge demo: a seal station simulated on this machine "
        "(gpiozero mock pins; no real hardware is driven)\n"
        f"device {config.device_id}, {config.village_name}, state in {config.state_dir}\n\n"
    )
    play = DemoRun(config, station, world, out, speed, outbox)
    play.run()
    if station.printer is None:
        return None
    receipt = play.receipt()
    station.printer.print(receipt)
    play.record("receipt", {"title": receipt.title or "", "stamps": sum(play.stamps.values())})
    preview = station.printer.save_preview(receipt, config.state_dir / "demo-receipt.png")
    out.write(
        f"\nreceipt printed to {config.printer.file_path} (ESC/POS bytes)\n"
        f"receipt preview: {preview}\n"
    )
    return preview

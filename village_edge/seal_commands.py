"""``village-edge seal ...``: the station daemon, the hardware-in-the-loop
harness, and the ledger check."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

from village_edge.arguments import INPUT_DIR, OUTPUT_DIR, IntRange, PathArg, ScreenSize
from village_edge.errors import CliError
from village_edge.exits import NO_INPUT, OK, PROBLEMS_FOUND

if TYPE_CHECKING:
    from device.config import Config
    from seal_controller.ledger import LedgerReading

log = logging.getLogger(__name__)

TICK_SECONDS = 0.05
FEED_SECONDS = 1.0
NTP_SECONDS = 60.0
ALIVE_SECONDS = 2.0
SHIPPED_SCENARIOS = ("approved-session", "offline-qr", "hostile-approvals", "hostile-hands",
                     "power-cut", "stale-clock", "damaged-ledger", "cut-ledger", "guarded-seals",
                     "full-disk", "approval-while-down", "county-refusal")


@dataclass(frozen=True)
class ScenarioPath(PathArg):
    """An argparse type: a scenario file, or the name of a shipped one."""

    def __call__(self, text: str) -> Path:
        path = super().__call__(text)
        if path.exists() or path.suffix or "/" in text:
            return path
        shipped = Path(str(resources.files("seal_controller").joinpath(
            "scenarios", f"{text}.toml")))
        return shipped if shipped.exists() else path


SCENARIO = ScenarioPath("input", "file", missing="give a scenario file (TOML) or the name of "
                        f"a shipped one: {', '.join(SHIPPED_SCENARIOS)}")


def add_seal_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    seal = commands.add_parser("seal")
    sub = seal.add_subparsers(dest="seal_command", required=True, metavar="SEAL_COMMAND")
    run = sub.add_parser("run", help="the station daemon")
    run.add_argument("--simulate", action="store_true", help="simulated hardware and camera")
    simulate = sub.add_parser(
        "simulate", help="play a scenario on mock pins (HIL harness)",
        description="Play a scenario and print its JSON trace; exit 0 when every "
        "expectation held, 1 when one did not, 65 for a scenario that is not one.")
    simulate.add_argument("--scenario", type=SCENARIO, required=True, metavar="FILE",
                          help="a scenario TOML file, or the name of a shipped example "
                               f"({', '.join(SHIPPED_SCENARIOS)})")
    simulate.add_argument("--state", type=OUTPUT_DIR, metavar="DIR",
                          help="where the ledger and outbox live (default: a fresh "
                               "temporary directory)")
    simulate.add_argument("--kill-after-seq", type=IntRange(1, 10**9), help=argparse.SUPPRESS)
    shots = sub.add_parser("screenshots", help="render the custodian's panel to PNG")
    shots.add_argument("directory", type=OUTPUT_DIR, metavar="DIR")
    shots.add_argument("--size", type=ScreenSize(), default=(800, 480), metavar="WxH",
                       help="WIDTHxHEIGHT (default 800x480)")
    ledger = sub.add_parser("ledger", help="the seal ledger")
    ledger_sub = ledger.add_subparsers(dest="ledger_command", required=True, metavar="CMD")
    verify = ledger_sub.add_parser(
        "verify", help="check a ledger's records, hash chain and marks",
        description="Check a ledger's records, hash chain and marks; exit 0 when it is "
        "unbroken, 1 when it is broken or damaged (said on stdout).")
    verify.add_argument("directory", type=INPUT_DIR, metavar="DIR",
                        help="the ledger directory (STATE/ledger); its high-water mark is "
                             "STATE/ledger-mark")


def run_seal(config: Config | None, args: argparse.Namespace, out: TextIO) -> int:
    """``seal ledger verify`` needs no configuration; the others do."""
    if args.seal_command == "ledger":
        return run_ledger_verify(args, out)
    assert config is not None
    if args.seal_command == "simulate":
        return run_simulate(config, args, out)
    if args.seal_command == "screenshots":
        return run_panel_screenshots(config, args, out)
    return run_daemon(config, out)


def run_simulate(config: Config, args: argparse.Namespace, out: TextIO) -> int:
    from seal_controller.harness import play

    def say(text: str) -> None:
        out.write(text + "\n")

    if args.state is not None:
        ok = play(args.scenario, args.state, config.station, kill_after_seq=args.kill_after_seq,
                  out=say)
    else:
        with tempfile.TemporaryDirectory(prefix="seal-sim-") as scratch:
            ok = play(args.scenario, Path(scratch), config.station, out=say)
    return OK if ok else PROBLEMS_FOUND


def run_ledger_verify(args: argparse.Namespace, out: TextIO) -> int:
    from seal_controller.ledger import LEDGER_FILE, set_aside_files, verify_ledger

    directory: Path = args.directory
    if not (directory / LEDGER_FILE).is_file() and not set_aside_files(directory):
        raise CliError(NO_INPUT, f"{directory}: no {LEDGER_FILE} here; give the ledger "
                                 "directory, STATE/ledger")
    reading = verify_ledger(directory)
    lines, damaged = describe_reading(reading, set_aside_files(directory))
    out.write("\n".join(lines) + "\n")
    return PROBLEMS_FOUND if damaged else OK


def describe_reading(reading: LedgerReading, set_aside: list[Path]) -> tuple[list[str], bool]:
    """The verdict on a ledger for a technician, and whether it is damaged
    (now, or found damaged earlier and not yet cleared by the county)."""
    from seal_controller.replay import replay

    records = reading.records
    first = records[0]["seq"] if records else None
    span = f"records {first} to {records[-1]['seq']}" if records else "no records"
    damage = reading.damage
    open_damage = replay(records).damage if damage is None else None
    if damage is not None:
        lines = [f"ledger BROKEN at record {damage.first_bad_seq or '?'}: {damage.detail} "
                 f"({len(records)} good records before it)"]
    elif open_damage is not None:
        lines = [f"ledger BROKEN earlier: record {open_damage.get('seq')} says "
                 f"{open_damage.get('problem', 'damage was found')}; the county has not "
                 f"cleared it ({span} verify)"]
    else:
        lines = [f"ledger OK: {span}, the chain is unbroken"]
    if reading.mark is not None:
        lines.append(f"high-water mark: record {reading.mark.seq}")
    if reading.forwarded:
        lines.append(f"forwarded to the outbox: up to record {reading.forwarded}")
    if reading.torn_bytes:
        lines.append(f"a write torn by a power cut at the end ({reading.torn_bytes} bytes): "
                     "not a record, harmless")
    lines += [f"set aside after damage: {path.name}" for path in set_aside]
    return lines, damage is not None or open_damage is not None


class DaemonLoop:
    """One pass of the station's main loop: the feed every second, NTP every
    minute, the controller's tick, the watchdog every two seconds. A part that
    fails is logged (once per distinct error) and the loop goes on: the
    locks stay locked and the watchdog is fed, never a crash loop."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        self.next_feed = self.next_ntp = self.next_alive = 0.0
        self.errors: set[str] = set()

    def _guarded(self, part: Any) -> None:
        try:
            part()
        except Exception as error:
            text = f"{type(error).__name__}: {error}"
            if text not in self.errors:
                self.errors.add(text)
                log.exception("seal station loop: %s", text)

    def step(self) -> None:
        now = time.monotonic()
        if now >= self.next_feed:
            self._guarded(self.runtime.poll_feed)
            self.next_feed = now + FEED_SECONDS
        if now >= self.next_ntp:
            self._guarded(self.runtime.check_ntp)
            self.next_ntp = now + NTP_SECONDS
        self._guarded(self.runtime.retry_camera)  # only while it is missing, now and then
        self._guarded(self.runtime.controller.tick)
        if now >= self.next_alive:
            self.runtime.watchdog()  # WatchdogSec=15s: a hung loop is restarted, locks locked
            self.next_alive = now + ALIVE_SECONDS


def run_daemon(config: Config, out: TextIO) -> int:
    """The station: locks first, then the controller, until SIGTERM; with the
    custodian's panel when configured and a display is there."""
    import os

    from device.seal_runtime import SealRuntime
    from kiosk.xvfb import needs_own_display

    stop = threading.Event()
    with SealRuntime(config) as runtime:
        loop = DaemonLoop(runtime)
        slots = ", ".join(runtime.controller.station.slots)
        if config.seal_panel and not needs_own_display(os.environ):
            out.write(f"seal station {config.device_id} running with its panel: {slots} locked\n")
            out.flush()
            return _run_with_panel(config, runtime, loop)
        if config.seal_panel:
            out.write("no display: running without the custodian's panel\n")

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, on_signal)
        out.write(f"seal station {config.device_id} running: {slots} locked\n")
        out.flush()
        while not stop.is_set():
            loop.step()
            stop.wait(TICK_SECONDS)
    return OK


def _run_with_panel(config: Config, runtime: Any, loop: DaemonLoop) -> int:
    import os

    from kiosk.kivy_setup import prepare_kivy

    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    prepare_kivy(config.state_dir, os.environ, size=(800, 480), fullscreen=True)
    from seal_controller.panel_app import SealPanelApp
    from seal_controller.panel_model import PanelModel

    app = SealPanelApp(PanelModel(runtime.controller, runtime.outbox.blob_path), loop.step)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        app.stop()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    app.run()
    return OK


def run_panel_screenshots(config: Config, args: argparse.Namespace, out: TextIO) -> int:
    """``seal screenshots DIR``: the panel in every phase, under a private
    Xvfb when this machine has no display."""
    import os

    from kiosk.kivy_setup import prepare_kivy
    from kiosk.xvfb import Xvfb, needs_own_display

    width, height = args.size
    xvfb = None
    if needs_own_display(os.environ):
        print("note: no display here: drawing on a private Xvfb", file=sys.stderr)
        xvfb = Xvfb()
        os.environ["DISPLAY"] = xvfb.start()
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")  # leave the root logger alone
    try:
        prepare_kivy(config.state_dir, os.environ, size=(width, height), fullscreen=False)
        from seal_controller.panel_screenshots import render_panel

        for path in render_panel(args.directory, config.station, (width, height)):
            out.write(f"{path}\n")
    finally:
        if xvfb is not None:
            xvfb.stop()
    return OK

"""``village-edge kiosk``: the village-hall touchscreen, and ``village-edge
kiosk screenshots DIR`` rendering every screen to PNG.

This is a composition root: it prepares Kivy's environment before Kivy is
imported, opens the feed store, builds the services the screens call and
starts an own X server when there is no display to draw on.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from village_edge.arguments import OUTPUT_DIR, ScreenSize
from village_edge.errors import CliError
from village_edge.exits import OK, SOFTWARE

if TYPE_CHECKING:
    from device.config import Config

log = logging.getLogger(__name__)


def add_kiosk_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    kiosk = commands.add_parser("kiosk", help="the village-hall touchscreen (Kivy)")
    kiosk.add_argument("--simulate", action="store_true",
                       help="sample data and stand-in services where nothing is configured")
    kiosk.add_argument("--fullscreen", action="store_true", help="fill the screen (a real kiosk)")
    kiosk.add_argument("--size", type=ScreenSize(), default=(800, 480), metavar="WxH",
                       help="window size when not full screen (default 800x480)")
    sub = kiosk.add_subparsers(dest="kiosk_command", metavar="KIOSK_COMMAND")
    shots = sub.add_parser("screenshots", help="render every screen to PNG files in DIR")
    shots.add_argument("directory", type=OUTPUT_DIR, metavar="DIR")
    shots.add_argument("--size", type=ScreenSize(), default=(800, 480), metavar="WxH",
                       help="screen size, e.g. 800x480, 1920x1080 or 480x800 (portrait)")


def technician_pin(config: Config) -> str:
    """The technician PIN: ``[kiosk] technician_pin`` once the configuration
    has it, else a random one kept in the state directory (never printed)."""
    configured = getattr(config, "kiosk_technician_pin", "")
    if configured:
        return str(configured)
    import secrets

    path = config.state.technician_pin
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pin = f"{secrets.randbelow(10**6):06d}"
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(pin + "\n")
        return pin


@contextmanager
def display_for_kivy() -> Iterator[None]:
    """An X display: the one in $DISPLAY, or a private Xvfb for the duration."""
    from kiosk.xvfb import Xvfb, needs_own_display

    if not needs_own_display(os.environ):
        yield
        return
    server = Xvfb()
    display = server.start()
    print(f"note: no display; started a private Xvfb on {display} for this run",
          file=sys.stderr)
    os.environ["DISPLAY"] = display
    try:
        yield
    finally:
        server.stop()
        os.environ.pop("DISPLAY", None)


def _technician_hooks(config: Config, simulate: bool):  # type: ignore[no-untyped-def]
    from kiosk.viewmodels.technician import TechnicianHooks

    def health():  # type: ignore[no-untyped-def]
        from village_edge.doctor import diagnose

        return diagnose(config, asked_to_simulate=simulate)

    def backlog() -> str:
        from sync.outbox import peek_stats

        stats = peek_stats(config.state.outbox, quota_bytes=config.outbox_quota_bytes)
        return f"{stats.pending} events waiting ({stats.pending_bytes} bytes)"

    def last_sync() -> str:
        import json

        try:
            status = json.loads(config.state.sync_status.read_text("utf-8"))
        except (FileNotFoundError, ValueError):
            return "no sync yet"
        success = status.get("last_success")
        when = datetime.fromtimestamp(success).isoformat(" ", "seconds") if success else "never"
        error = status.get("last_error")
        return f"last success {when}" + (f"; last error: {error}" if error else "")

    def printer_test() -> str:
        from device.runtime import make_printer
        from hardware.printer import sample_test_receipt

        printer = make_printer(config)
        if printer is None:
            return "no printer configured"
        try:
            printer.print(sample_test_receipt(config.device_id, config.village_name,
                                              datetime.now()))
        finally:
            printer.close()
        return "test receipt sent"

    def camera_test() -> str:
        from camera.probe import probe_camera

        return str(probe_camera(config.camera))

    return TechnicianHooks(health, backlog, last_sync, printer_test, camera_test)


def _feed(config: Config):  # type: ignore[no-untyped-def]
    if not config.county_public_key:
        return None
    from protocol.signing import public_key_from_text
    from sync.feed_store import FeedStore

    return FeedStore(config.state.feed, public_key_from_text(config.county_public_key),
                     config.device_id, time.time)


def run_kiosk(config: Config, args: argparse.Namespace, out: TextIO) -> int:
    if args.kiosk_command == "screenshots":
        return _screenshots(config, args.directory, args.size, out)
    return _run_live(config, args, args.size, out)


def kiosk_scanner(config: Config) -> Any:
    """The kiosk's QR scanner (not started), or None: only a kiosk whose
    configuration has ``[camera] enabled = true`` reads QR codes. On a device
    with role ``all`` the camera is the seal station's, over its tray."""
    if not config.camera.enabled or config.role != "kiosk":
        return None
    from camera.factory import open_camera
    from kiosk.services.scanner import CodeScanner

    return CodeScanner(open_camera(config.camera))


@contextmanager
def scanning(services: Any) -> Iterator[None]:
    """The services' QR scanner reading while the window is open."""
    scanner = services.scanner
    if scanner is not None:
        scanner.start()
    try:
        yield
    finally:
        if scanner is not None:
            scanner.stop()


def real_services(config: Config, feed: Any, outbox: Any) -> Any:
    """The kiosk's printing, complaint, progress, read-aloud and QR services;
    slips carry a QR code only where the kiosk reads them."""
    from hardware.errors import PrinterError
    from hardware.printer import open_printer
    from kiosk.services.print_queue import PrintQueue
    from kiosk.viewmodels.services import KioskServices
    from kiosk.wiring import FeedProgress, GuideSlips, QueuedPrinting, SealedComplaints, Voice

    printing = None
    try:
        printer = open_printer(config.printer)
    except PrinterError as error:
        log.error("no receipts: %s", error)
        printer = None
    if printer is not None:
        printing = QueuedPrinting(PrintQueue(config.state.print_queue, printer))
    scanner = kiosk_scanner(config)
    scans = scanner is not None
    return KioskServices(
        GuideSlips(feed, scanning=scans), printing,
        SealedComplaints(outbox, feed, config.device_id, scanning=scans)
        if feed is not None else None,
        FeedProgress(feed) if feed is not None else None,
        Voice(), int(config.printer.paper_mm), scanner,
    )


def open_window(config: Config, feed: Any, outbox: Any, *, simulate: bool,
                size: tuple[int, int] = (800, 480), fullscreen: bool = False) -> None:
    """Run the kiosk's window on *feed* and *outbox* until it is closed."""
    from kiosk.kivy_setup import prepare_kivy
    from kiosk.launch import build_view_model

    services = real_services(config, feed, outbox)
    vm = build_view_model(catalog_feed=feed, data_feed=feed, services=services,
                          technician=_technician_hooks(config, simulate),
                          pin=technician_pin(config))
    prepare_kivy(config.state.kiosk, os.environ, size=size, fullscreen=fullscreen)
    from hardware.printer import render_preview
    from kiosk.app import KioskApp

    with scanning(services):
        KioskApp(vm, receipt_image=render_preview).run()


def _run_live(config: Config, args: argparse.Namespace, size: tuple[int, int],
              out: TextIO) -> int:
    from device.runtime import open_outbox
    from kiosk.kivy_setup import prepare_kivy
    from kiosk.launch import build_view_model
    from kiosk.samples import SampleFeed

    simulate = args.simulate or config.simulate
    feed = _feed(config)
    data_feed = feed if feed is not None else (SampleFeed() if simulate else None)
    with open_outbox(config) as outbox:
        services = real_services(config, feed, outbox)
        vm = build_view_model(catalog_feed=feed, data_feed=data_feed, services=services,
                              technician=_technician_hooks(config, simulate),
                              pin=technician_pin(config))
        with display_for_kivy():
            prepare_kivy(config.state.kiosk, os.environ, size=size,
                         fullscreen=args.fullscreen)
            from hardware.printer import render_preview
            from kiosk.app import KioskApp

            with scanning(services):
                KioskApp(vm, receipt_image=render_preview).run()
    return OK


def _screenshots(config: Config, directory: Path, size: tuple[int, int], out: TextIO) -> int:
    import secrets

    from kiosk.kivy_setup import prepare_kivy
    from kiosk.launch import build_view_model
    from kiosk.samples import SampleFeed
    from kiosk.screenshots import screenshot_steps
    from kiosk.standins import GuideSlips, NoPrinter, PretendComplaints, PretendProgress
    from kiosk.viewmodels.services import KioskServices
    from kiosk.viewmodels.technician import TechnicianHooks

    pin = f"{secrets.randbelow(10**6):06d}"  # this run's own, typed by the script
    services = KioskServices(GuideSlips(), NoPrinter(), PretendComplaints(), PretendProgress(),
                             None, int(config.printer.paper_mm))
    hooks = TechnicianHooks(
        health=lambda: [], backlog=lambda: "0 events waiting (sample)",
        last_sync=lambda: "no sync yet (sample)", printer_test=lambda: "sample: not printed",
        camera_test=lambda: "sample: no camera")
    vm = build_view_model(catalog_feed=None, data_feed=SampleFeed(), services=services,
                          technician=hooks, pin=pin)
    directory.mkdir(parents=True, exist_ok=True)
    prefix = f"{size[0]}x{size[1]}-"
    with display_for_kivy():
        prepare_kivy(config.state.kiosk, os.environ, size=size, fullscreen=False)
        from hardware.printer import render_preview
        from kiosk.app import KioskApp
        from kiosk.script_runner import run_app_with_script

        app = KioskApp(vm, receipt_image=render_preview)
        report = run_app_with_script(app, screenshot_steps(directory, pin, prefix))
    if not report.get("ok"):
        raise CliError(SOFTWARE, f"the screenshots failed: {report.get('error')}")
    files = [step["file"] for step in report["steps"] if "file" in step]
    for file in files:
        out.write(f"{file}\n")
    out.write(f"{len(files)} screens rendered at {size[0]}x{size[1]}\n")
    return OK

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
from village_edge.exits import CONFIG, OK, SOFTWARE

if TYPE_CHECKING:
    from device.config import Config

log = logging.getLogger(__name__)


def add_kiosk_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    kiosk = commands.add_parser("kiosk")
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


def _technician_hooks(config: Config, simulate: bool, printing: Any = None):  # type: ignore[no-untyped-def]
    """The technician screen's figures, read from the device's own state;
    *printing* is the kiosk's print queue service (its printer is asked for
    its state, never opened twice)."""
    from kiosk.viewmodels.technician import (
        CameraFigures,
        DiskFigures,
        PrinterFigures,
        SyncFigures,
        TechnicianHooks,
        camera_line,
    )

    def health():  # type: ignore[no-untyped-def]
        from village_edge.doctor import diagnose

        return diagnose(config, asked_to_simulate=simulate)

    def backlog() -> tuple[int, int]:
        from sync.outbox import peek_stats

        stats = peek_stats(config.state.outbox, quota_bytes=config.outbox_quota_bytes)
        return stats.pending, stats.pending_bytes

    def sync() -> SyncFigures:
        from sync.agent import SyncStatus

        status = SyncStatus.load(config.state.sync_status)

        def when(stamp: float | None) -> datetime | None:
            return datetime.fromtimestamp(stamp) if stamp else None

        return SyncFigures(when(status.last_success), status.last_error,
                           when(status.last_error_at), status.clock_offset_seconds)

    def printer() -> PrinterFigures:
        queue = getattr(printing, "queue", None)
        if queue is None:
            return PrinterFigures(configured=False)
        status = queue.printer.status()
        return PrinterFigures(True, status.online, status.paper, queue.pending(), status.detail)

    def camera() -> CameraFigures:
        from camera.probe import probe_camera

        found = probe_camera(config.camera)
        return CameraFigures(config.camera.enabled, found.present, found.detail)

    def disk() -> DiskFigures:
        import shutil

        usage = shutil.disk_usage(config.state_dir if config.state_dir.exists() else "/")
        return DiskFigures(usage.free, usage.total)

    def version() -> str:
        from village_edge import __version__

        return __version__

    def printer_test() -> str:
        from hardware.printer import sample_test_receipt

        queue = getattr(printing, "queue", None)
        if queue is None:
            return "这台机器没有配置打印机"
        outcome = printing.submit(sample_test_receipt(config.device_id, config.village_name,
                                                      datetime.now()))
        return "测试纸条已经打印" if outcome.printed else str(outcome.message)

    def camera_test() -> str:
        return camera_line(camera())

    return TechnicianHooks(health=health, backlog=backlog, sync=sync, printer=printer,
                           camera=camera, disk=disk, version=version,
                           printer_test=printer_test, camera_test=camera_test)


def _feed(config: Config):  # type: ignore[no-untyped-def]
    if not config.county_public_key:
        return None
    from protocol.signing import public_key_from_text
    from sync.feed_store import FeedStore

    return FeedStore(config.state.feed, public_key_from_text(config.county_public_key),
                     config.device_id, time.time, village_code=config.village_code)


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


def _printer_opener(config: Config) -> Any:
    """Opening the configured printer: the printer, or None (said in the log)
    when it cannot be opened."""

    def open_it() -> Any:
        from hardware.errors import PrinterError
        from hardware.printer import open_printer

        try:
            return open_printer(config.printer)
        except PrinterError as error:
            log.error("no receipts: %s", error)
            return None

    return open_it


def real_services(config: Config, feed: Any, outbox: Any) -> Any:
    """The kiosk's printing, complaint, progress, read-aloud and QR services;
    slips carry a QR code only where the kiosk reads them. The printer is
    opened later, on a thread (:class:`kiosk.wiring.PrinterOpenedLater`:
    :func:`after_first_frame` starts it once the window shows)."""
    from kiosk.viewmodels.services import KioskServices
    from kiosk.wiring import (
        FeedProgress,
        GuideSlips,
        PrinterOpenedLater,
        SealedComplaints,
        Voice,
    )

    printing = None
    if config.printer.connection != "none":
        printing = PrinterOpenedLater(_printer_opener(config), config.state.print_queue)
    scanner = kiosk_scanner(config)
    scans = scanner is not None
    return KioskServices(
        GuideSlips(feed, scanning=scans), printing,
        SealedComplaints(outbox, feed, config.device_id, scanning=scans)
        if feed is not None else None,
        FeedProgress(feed) if feed is not None else None,
        Voice(), int(config.printer.paper_mm), scanner,
    )


def after_first_frame(services: Any) -> list[Any]:
    """What the kiosk starts once its first frame is on the screen: the
    opening of its printer."""
    printing = services.printer
    opens = getattr(printing, "open_in_background", None)
    return [opens] if opens is not None else []


def _sample(config: Config) -> Any:
    """The sample catalog, from the copy the kiosk keeps in its state
    directory (:mod:`kiosk.sample_cache`): read when first shown."""

    def sample() -> Any:
        from kiosk.sample_cache import cached_sample

        return cached_sample(config.state.kiosk)

    return sample


def open_window(config: Config, feed: Any, outbox: Any, *, simulate: bool,
                size: tuple[int, int] = (800, 480), fullscreen: bool = False) -> None:
    """Run the kiosk's window on *feed* and *outbox* until it is closed."""
    from kiosk.kivy_setup import prepare_kivy
    from kiosk.kivy_style import KIOSK_RULES
    from kiosk.launch import build_view_model

    services = real_services(config, feed, outbox)
    vm = build_view_model(catalog_feed=feed, data_feed=feed, services=services,
                          technician=_technician_hooks(config, simulate, services.printer),
                          pin=technician_pin(config), sample=_sample(config))
    prepare_kivy(config.state.kiosk, os.environ, size=size, fullscreen=fullscreen,
                 style_rules=KIOSK_RULES)
    from kiosk.app import KioskApp

    app = KioskApp(vm, diagonal_inches=config.kiosk_display_inches,
                   after_first_frame=after_first_frame(services))
    attach_fleet_link(app, config, feed, outbox, services)
    with scanning(services):  # receipts drawn by the printer's module, when shown
        app.run()


def _run_live(config: Config, args: argparse.Namespace, size: tuple[int, int],
              out: TextIO) -> int:
    from device.runtime import open_outbox
    from kiosk.kivy_setup import prepare_kivy
    from kiosk.kivy_style import KIOSK_RULES
    from kiosk.launch import build_view_model
    from kiosk.samples import SampleFeed

    simulate = args.simulate or config.simulate
    feed = _feed(config)
    data_feed = feed if feed is not None else (SampleFeed() if simulate else None)
    from kiosk.display_power import blank_seconds, choose_display_power

    try:
        blank = blank_seconds(os.environ)
    except ValueError as error:
        raise CliError(CONFIG, f"{error}: fix it in /etc/village-edge/kiosk.env "
                               "(or the boot file's [display] blank_minutes)") from None
    with open_outbox(config) as outbox:
        services = real_services(config, feed, outbox)
        vm = build_view_model(catalog_feed=feed, data_feed=data_feed, services=services,
                              technician=_technician_hooks(config, simulate, services.printer),
                              pin=technician_pin(config), blank_seconds=blank,
                              sample=_sample(config))
        with display_for_kivy():
            prepare_kivy(config.state.kiosk, os.environ, size=size,
                         fullscreen=args.fullscreen, style_rules=KIOSK_RULES)
            from kiosk.app import KioskApp

            app = KioskApp(vm, diagonal_inches=config.kiosk_display_inches,
                           display_power=choose_display_power(os.environ),
                           after_first_frame=after_first_frame(services))
            attach_fleet_link(app, config, feed, outbox, services)
            with scanning(services):  # receipts drawn by the printer's module, when shown
                app.run()
    return OK


def attach_fleet_link(app: Any, config: Config, feed: Any, outbox: Any, services: Any) -> None:
    """The county's screenshot orders and the printer's paper note, on *app*
    (kiosk.fleet_link; started with the app, after its first frame)."""
    from kiosk.fleet_link import FleetLink, ScreenshotOrders, attach

    orders = (ScreenshotOrders(feed, outbox, config.device_id, config.state.screenshot_acted)
              if feed is not None else None)
    printing = services.printer

    def paper() -> Any:  # asked on a thread: waits for the printer opened after the frame
        queue = getattr(printing, "queue", None)
        return queue.printer.status().paper if queue is not None else None

    attach(app, FleetLink(orders, paper=paper if printing is not None else None,
                          paper_note=config.state.printer_status))


def _screenshots(config: Config, directory: Path, size: tuple[int, int], out: TextIO) -> int:
    import secrets

    from kiosk.kivy_setup import prepare_kivy
    from kiosk.kivy_style import KIOSK_RULES
    from kiosk.launch import build_view_model
    from kiosk.samples import SampleFeed, sample_technician_hooks
    from kiosk.screenshots import screenshot_steps
    from kiosk.standins import GuideSlips, NoPrinter, PretendComplaints, PretendProgress
    from kiosk.viewmodels.services import KioskServices

    pin = f"{secrets.randbelow(10**6):06d}"  # this run's own, typed by the script
    services = KioskServices(GuideSlips(), NoPrinter(), PretendComplaints(), PretendProgress(),
                             None, int(config.printer.paper_mm))
    hooks = sample_technician_hooks()
    vm = build_view_model(catalog_feed=None, data_feed=SampleFeed(), services=services,
                          technician=hooks, pin=pin)
    directory.mkdir(parents=True, exist_ok=True)
    prefix = f"{size[0]}x{size[1]}-"
    with display_for_kivy():
        prepare_kivy(config.state.kiosk, os.environ, size=size, fullscreen=False,
                     style_rules=KIOSK_RULES)
        from hardware.printer import render_preview
        from kiosk.app import KioskApp
        from kiosk.script_runner import run_app_with_script

        app = KioskApp(vm, receipt_image=render_preview,
                       diagonal_inches=config.kiosk_display_inches)
        report = run_app_with_script(app, screenshot_steps(directory, pin, prefix))
    if not report.get("ok"):
        raise CliError(SOFTWARE, f"the screenshots failed: {report.get('error')}")
    files = [step["file"] for step in report["steps"] if "file" in step]
    for file in files:
        out.write(f"{file}\n")
    out.write(f"{len(files)} screens rendered at {size[0]}x{size[1]}\n")
    return OK

"""``python -m tests.county.console.kiosk_answers STATE DEVICE COUNTY_KEY``:
the real kiosk app (sample catalog, stand-in printing) on the display in
$DISPLAY, with the real screenshot orders hooked in by
:func:`kiosk.fleet_link.attach` on the device's own feed store and outbox
in STATE; it stops once it has answered an order (exit 0), or after a
minute without one (exit 1). For the technicians' browser test."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.kivy_setup import prepare_kivy
from kiosk.launch import build_view_model
from kiosk.samples import SampleFeed, sample_technician_hooks
from kiosk.standins import GuideSlips, NoPrinter, PretendComplaints, PretendProgress
from kiosk.viewmodels.services import KioskServices
from protocol.screenshot_command import SCREENSHOT_STREAM
from protocol.signing import public_key_from_text
from sync.feed_store import FeedStore
from sync.outbox import Outbox

GIVE_UP_SECONDS = 60.0


def main(argv: list[str]) -> int:
    state, device_id, county_key = Path(argv[0]), argv[1], argv[2]
    prepare_kivy(state / "kiosk", os.environ, size=(800, 480), fullscreen=False)
    from kivy.clock import Clock

    from kiosk.app import KioskApp
    from kiosk.fleet_link import FleetLink, ScreenshotOrders, attach

    feed = FeedStore(state / "feed", public_key_from_text(county_key), device_id, time.time)
    outbox = Outbox(state / "outbox")
    services = KioskServices(GuideSlips(), NoPrinter(), PretendComplaints(), PretendProgress())
    vm = build_view_model(catalog_feed=None, data_feed=SampleFeed(), services=services,
                          technician=sample_technician_hooks(), pin="")
    app = KioskApp(vm)
    attach(app, FleetLink(ScreenshotOrders(feed, outbox, device_id,
                                           state / "kiosk" / "screenshot-acted")), every=0.5)
    started = time.monotonic()
    answered: list[bool] = []

    def check(dt: float) -> None:
        if any(e.stream == SCREENSHOT_STREAM for e in outbox.pending()):
            answered.append(True)
            app.stop()
        elif time.monotonic() - started > GIVE_UP_SECONDS:
            app.stop()

    def start(*_: Any) -> None:
        Clock.schedule_interval(check, 0.5)

    app.bind(on_start=start)
    app.run()
    outbox.close()
    return 0 if answered else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

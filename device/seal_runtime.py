"""The seal station daemon's parts, made in the order that keeps the seal
safe: the pins first (every lock driven locked), then the ledger, the outbox,
the camera and the controller, which recovers from the ledger (an
interrupted session recorded, an open request reopened, damage found) before
anything from the feed is offered to it: an approval that arrived while the
daemon was down meets the request it was made for.

A camera that fails to open does not stop the daemon (a crash loop raises no
alarm): the station comes up locked, halted with the camera alarm, refusing
every approval (no stamp without its photo), and the daemon tries the camera
again every :data:`CAMERA_RETRY_SECONDS`. The seal station never opens the
receipt printer: it prints nothing."""

from __future__ import annotations

import contextlib
import logging
import time

from camera.factory import open_camera
from device.clock import read_clock_state
from device.config import Config, ConfigError
from device.runtime import open_outbox, open_station
from device.systemd_notify import Notifier
from hardware.station import Station
from protocol.signing import public_key_from_text
from seal_controller.camera_link import CameraLink
from seal_controller.controller import SealController
from seal_controller.feed_watch import FeedWatcher
from seal_controller.ledger import Ledger
from seal_controller.trusted_clock import TrustedClock
from sync.feed_store import FeedStore
from sync.outbox import Outbox

log = logging.getLogger(__name__)

CAMERA_RETRY_SECONDS = 60.0


class SealRuntime:
    def __init__(self, config: Config) -> None:
        if config.role not in ("seal", "all"):
            raise ConfigError([f"{config.source}: [device] role is {config.role!r}: the seal "
                               "station runs on a device with role 'seal'"])
        if not config.county_public_key:
            raise ConfigError([f"{config.source}: [county] public_key is not set: approvals "
                               "cannot be checked, so no seal may ever unlock"])
        self.config = config
        self.notifier = Notifier.from_environment()
        self._stack = contextlib.ExitStack()
        self.camera_failure: str | None = None  # why there is no camera, while there is none
        self.next_camera_try = 0.0

    def __enter__(self) -> SealRuntime:
        config, stack = self.config, self._stack
        try:
            self.station: Station = stack.enter_context(open_station(config, with_printer=False))
            self.clock = TrustedClock(config.state.trusted_time)
            self.ledger = stack.enter_context(Ledger(config.state.ledger, time.time,
                                                     mark_path=config.state.ledger_mark))
            self.outbox: Outbox = stack.enter_context(open_outbox(config))
            link = self._open_camera() if config.camera.enabled else None
            county_key = public_key_from_text(config.county_public_key)
            self.feed = FeedWatcher(
                FeedStore(config.state.feed, county_key, config.device_id, time.time,
                          village_code=config.village_code), self.clock)
            self.controller = SealController(
                device_id=config.device_id, station=self.station, ledger=self.ledger,
                outbox=self.outbox, county_key=county_key, clock=self.clock, camera=link,
                matters=config.seal_matters, return_seconds=config.seal_return_seconds)
            self.controller.recover()
            if self.camera_failure is not None:
                self.controller.camera_missing(self.camera_failure)
            self.check_ntp()
            self.poll_feed()
        except BaseException:
            stack.close()  # the station closes last-in first-out: locks stay locked
            raise
        phase = self.controller.phase.value
        self.notifier.ready(f"{len(self.station.slots)} seals locked, {phase}")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.notifier.stopping("locking every seal")
        self._stack.close()

    def _open_camera(self) -> CameraLink | None:
        """The camera, started and linked; None (the reason kept) if it fails."""
        self.next_camera_try = time.monotonic() + CAMERA_RETRY_SECONDS
        try:
            camera = self._stack.enter_context(open_camera(self.config.camera))
        except Exception as error:  # a driver may raise anything: the station stays up
            self.camera_failure = f"camera failed to open: {type(error).__name__}: {error}"
            log.error("%s; every seal stays locked, trying again in %.0f s",
                      self.camera_failure, CAMERA_RETRY_SECONDS)
            return None
        self.camera_failure = None
        return CameraLink(camera, self.outbox, self.config.device_id, time.time)

    def retry_camera(self) -> None:
        """Now and then, while the camera is missing, try it again."""
        if self.camera_failure is None or time.monotonic() < self.next_camera_try:
            return
        link = self._open_camera()
        if link is not None:
            log.info("camera opened again")
            self.controller.camera_found(link)

    def poll_feed(self) -> None:
        self.feed.deliver(self.controller)

    def check_ntp(self) -> None:
        """While the kernel says the system clock is NTP-synchronised, its
        time is trusted (anchored to the boot clock now)."""
        state = read_clock_state()
        if state.synchronised:
            self.clock.trust(time.time(), "ntp")

    def watchdog(self) -> None:
        self.notifier.watchdog()

    def status(self, text: str) -> None:
        self.notifier.status(text)


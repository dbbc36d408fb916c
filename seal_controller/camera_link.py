"""The seal controller's use of the camera: photographs stored in the outbox
by sha256, a camera that fails or is covered, or a photo that cannot be
stored, reported as a failure (no stamping without photos), and approval QR
codes read from the scan stream."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from camera.base import Camera
from camera.checks import LIKELY_SAME_MAX_DISTANCE, fingerprint_distance, looks_blocked
from camera.errors import CameraError
from camera.photo import take_photo
from camera.qr import scan_qr
from sync.outbox import Outbox, OutboxError

log = logging.getLogger(__name__)

REPEAT_SECONDS = 5.0  # the same QR code held up is offered once per this


@dataclass(frozen=True)
class Shot:
    sha256: str | None
    fingerprint: str | None
    failure: str | None = None

    def same_document(self, expected: str) -> bool:
        if self.fingerprint is None:
            return True  # no photo: nothing to compare (the failure is reported itself)
        return fingerprint_distance(self.fingerprint, expected) <= LIKELY_SAME_MAX_DISTANCE


class CameraLink:
    def __init__(
        self,
        camera: Camera,
        outbox: Outbox,
        station_id: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.camera = camera
        self.outbox = outbox
        self.station_id = station_id
        self.clock = clock
        self._recent: dict[str, float] = {}

    def photograph(self, slot: str, purpose: str) -> Shot:
        """Take, check and keep one photo; a failure is described, not raised."""
        try:
            blocked = looks_blocked(self.camera.scan_frame())  # the cheap stream tells
            if blocked is not None:
                return Shot(None, None, f"camera blocked: {blocked}")
            photo = take_photo(self.camera, station=self.station_id, slot=slot, clock=self.clock)
        except CameraError as error:
            return Shot(None, None, f"camera failed: {error}")
        try:
            digest = self.outbox.put_blob(photo.jpeg)
        except (OutboxError, OSError) as error:  # a full or failing card: no photo kept
            return Shot(None, None, f"photo not stored: {error}")
        log.info("photo %s (%s, slot %s)", digest[:12], purpose, slot)
        return Shot(digest, photo.fingerprint)

    def forget_codes(self) -> None:
        """The codes shown so far were taken away: the next showing counts."""
        self._recent.clear()

    def scan_codes(self) -> list[str]:
        """QR codes in front of the camera now, each offered once a while."""
        try:
            codes = scan_qr(self.camera.scan_frame())
        except CameraError:
            return []
        now = time.monotonic()
        fresh = [c for c in codes if now - self._recent.get(c, -REPEAT_SECONDS) >= REPEAT_SECONDS]
        for code in fresh:
            self._recent[code] = now
        return fresh

"""The alarm path: what an alarm does, in an order that no full or failing
card can stop.

The lamp and the buzzer act first (pins, no storage); then a photograph is
tried (it may not be stored); then the alarm event is queued for the county,
marked ``photo_missing`` with the reason when there is no photo. Queuing uses
the outbox's critical lane as any event does; if even that fails, the
failure is logged and the alarm goes on: nothing here raises.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hardware.patterns import Signal
from hardware.station import Station
from seal_controller.messages import alarm_text
from sync.outbox import Outbox

if TYPE_CHECKING:
    from seal_controller.camera_link import CameraLink

log = logging.getLogger(__name__)

NO_PHOTO_CODES = frozenset({"camera", "storage"})  # the camera or the card is what failed


class AlarmPath:
    def __init__(self, station: Station, outbox: Outbox, camera: CameraLink | None) -> None:
        self.station = station
        self.outbox = outbox
        self.camera = camera

    def sound(self) -> None:
        """Lamp and buzzer, before anything that touches storage."""
        try:
            self.station.signal(Signal.ALARM)
        except Exception:  # a pin that fails must not stop the report
            log.exception("the alarm lamp or buzzer failed")

    def photograph(self, code: str, slot: str) -> tuple[str | None, str | None]:
        """(photo sha256, why there is none)."""
        if self.camera is None:
            return None, "this station has no camera"
        if code in NO_PHOTO_CODES:
            return None, "the camera or the storage is what failed"
        try:
            shot = self.camera.photograph(slot, "alarm")
        except Exception as error:  # the alarm goes on without its photo
            log.exception("alarm photo failed")
            return None, f"photo failed: {error}"
        if shot.failure is not None:
            return None, shot.failure
        return shot.sha256, None

    def report(self, code: str, *, phase: str, slot: str | None, photo: str | None,
               missing: str | None, details: Mapping[str, Any]) -> bool:
        """Queue the alarm event for the county; False (logged) if it could not be."""
        payload: dict[str, Any] = {"code": code, "text": alarm_text(code), "phase": phase,
                                   "blobs": [photo] if photo else []}
        if slot is not None:
            payload["slot"] = slot
        if missing is not None:
            payload["photo_missing"] = missing
        payload.update({k: v for k, v in details.items() if v is not None})
        try:
            self.outbox.append("alarm", payload)
        except Exception:  # never raised out of the alarm path
            log.exception("ALARM %s could not be queued for the county", code)
            return False
        return True

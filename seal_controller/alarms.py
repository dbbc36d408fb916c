"""The alarm path: what an alarm does, in an order that no full or failing
card can stop.

The lamp and the buzzer act first (pins, no storage); then a photograph is
tried (it may not be stored); then the alarm event is queued for the county,
marked ``photo_missing`` with the reason when there is no photo. Queuing uses
the outbox's critical lane as any event does; if even that fails (a card
read-only, or full past the lane's reserve), the alarm is kept in memory and
queued, marked ``delayed`` with the time it was raised, as soon as the
outbox takes events again (the next alarm, or the controller's tick). Memory
is bounded: :data:`KEPT_PER_CODE` alarms of each code are kept, later ones
only counted, and the count goes to the county too (``alarms_not_kept``).
Nothing here raises.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from hardware.patterns import Signal
from hardware.station import Station
from seal_controller.messages import alarm_text
from sync.outbox import Outbox

if TYPE_CHECKING:
    from seal_controller.camera_link import CameraLink

log = logging.getLogger(__name__)

NO_PHOTO_CODES = frozenset({"camera", "storage"})  # the camera or the card is what failed
#: Alarms of one code kept in memory while the outbox takes none; more are counted.
KEPT_PER_CODE = 5
NOT_KEPT = "alarms_not_kept"


class AlarmPath:
    def __init__(self, station: Station, outbox: Outbox, camera: CameraLink | None,
                 clock: Callable[[], float] = time.time) -> None:
        self.station = station
        self.outbox = outbox
        self.camera = camera
        self.clock = clock
        self.unsent: list[dict[str, Any]] = []  # in the order raised
        self.not_kept: Counter[str] = Counter()  # by code: raised, neither queued nor kept

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
        payload["raised_at"] = self.clock()
        if self.flush() and self._queue(payload):
            return True
        self._keep(payload)
        return False

    @property
    def waiting(self) -> int:
        """Alarms raised but not yet queued for the county (kept or counted)."""
        return len(self.unsent) + sum(self.not_kept.values())

    def flush(self) -> bool:
        """Queue the alarms kept in memory, oldest first, then the count of
        those not kept; True when none is left waiting."""
        while self.unsent:
            if not self._queue(self.unsent[0]):
                return False
            self.unsent.pop(0)
        if self.not_kept:
            counts = dict(sorted(self.not_kept.items()))
            if not self._queue({"code": NOT_KEPT, "text": alarm_text(NOT_KEPT), "blobs": [],
                                "photo_missing": "not kept", "counts": counts,
                                "raised_at": self.clock()}):
                return False
            self.not_kept.clear()
        return True

    def _queue(self, payload: dict[str, Any]) -> bool:
        try:
            self.outbox.append("alarm", payload)
        except Exception:  # never raised out of the alarm path
            log.exception("ALARM %s could not be queued for the county", payload.get("code"))
            return False
        if payload.get("delayed"):
            log.warning("ALARM %s queued for the county late", payload.get("code"))
        return True

    def _keep(self, payload: dict[str, Any]) -> None:
        code = str(payload.get("code"))
        if sum(1 for kept in self.unsent if kept.get("code") == code) < KEPT_PER_CODE:
            self.unsent.append({**payload, "delayed": True})
            log.error("ALARM %s kept in memory until the card takes it", code)
        else:
            self.not_kept[code] += 1
            log.error("ALARM %s neither stored nor kept (%d so far)", code, self.not_kept[code])

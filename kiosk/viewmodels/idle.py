"""Idle timeout: after a while with no touch the kiosk goes back to the home
screen (so the next villager starts fresh), and a while later shows the
attract screen until someone touches it. Where the boot file asks for it
(``blank_minutes``), the screen also goes dark after that long; the touch
that wakes it does nothing else. A person who is touching the screen never
meets a timeout: every touch starts the count again."""

from __future__ import annotations

from dataclasses import dataclass

HOME_AFTER = 90.0
ATTRACT_AFTER = 180.0


@dataclass
class IdleTimer:
    home_after: float = HOME_AFTER
    attract_after: float = ATTRACT_AFTER
    last_touch: float = 0.0
    blank_after: float = 0.0  # seconds; 0: the screen never goes dark
    asleep: bool = False
    _sent: str | None = None

    def touched(self, now: float) -> bool:
        """A touch; True when it woke the screen (and must do nothing else)."""
        self.last_touch = now
        self._sent = None
        woke, self.asleep = self.asleep, False
        return woke

    def tick(self, now: float) -> str | None:
        """``"home"`` or ``"attract"`` once each when their time comes, else None.
        The screen goes dark (:attr:`asleep`) when *blank_after* has passed."""
        idle = now - self.last_touch
        if self.blank_after > 0 and idle >= self.blank_after:
            self.asleep = True
        if idle >= self.attract_after and self._sent != "attract":
            self._sent = "attract"
            return "attract"
        if idle >= self.home_after and self._sent is None:
            self._sent = "home"
            return "home"
        return None

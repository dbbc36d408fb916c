"""Idle timeout: after a while with no touch the kiosk goes back to the home
screen (so the next villager starts fresh), and a while later shows the
attract screen until someone touches it."""

from __future__ import annotations

from dataclasses import dataclass

HOME_AFTER = 90.0
ATTRACT_AFTER = 180.0


@dataclass
class IdleTimer:
    home_after: float = HOME_AFTER
    attract_after: float = ATTRACT_AFTER
    last_touch: float = 0.0
    _sent: str | None = None

    def touched(self, now: float) -> None:
        self.last_touch = now
        self._sent = None

    def tick(self, now: float) -> str | None:
        """``"home"`` or ``"attract"`` once each when their time comes, else None."""
        idle = now - self.last_touch
        if idle >= self.attract_after and self._sent != "attract":
            self._sent = "attract"
            return "attract"
        if idle >= self.home_after and self._sent is None:
            self._sent = "home"
            return "home"
        return None

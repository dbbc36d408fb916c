"""The technician's corner: a hidden gesture, a PIN pad, and a screen of
health lines with printer and camera tests.

The gesture is five taps in the top-left corner within three seconds. The PIN
comes from the configuration and is shown nowhere; five wrong PINs lock the
pad for a minute."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kiosk.viewmodels.numpad import NumberPad
from kiosk.viewmodels.services import HealthFinding

log = logging.getLogger(__name__)

TAPS = 5
TAP_WINDOW = 3.0
CORNER = 0.12  # of the shorter side of the screen
MAX_WRONG = 5
LOCKOUT_SECONDS = 60.0


class CornerTaps:
    """Counts taps in the top-left corner; :meth:`tap` is True on the fifth
    within the window."""

    def __init__(self, taps: int = TAPS, window: float = TAP_WINDOW) -> None:
        self.taps = taps
        self.window = window
        self._times: list[float] = []

    @staticmethod
    def in_corner(x: float, y_from_top: float, width: float, height: float) -> bool:
        size = CORNER * min(width, height)
        return x <= size and y_from_top <= size

    def tap(self, now: float, in_corner: bool) -> bool:
        if not in_corner:
            self._times.clear()
            return False
        self._times = [t for t in self._times if now - t <= self.window] + [now]
        if len(self._times) >= self.taps:
            self._times.clear()
            return True
        return False


class PinPad:
    def __init__(self, pin: str, clock: Callable[[], float]) -> None:
        self._pin = pin
        self._clock = clock
        self.pad = NumberPad(max_length=12, masked=True)
        self.wrong = 0
        self.locked_until = 0.0
        self.message = "请输入维护密码"

    def clear(self) -> None:
        self.pad = NumberPad(max_length=12, masked=True)
        self.message = "请输入维护密码"

    def enter(self) -> bool:
        """Check what was typed; True opens the technician screen."""
        now = self._clock()
        typed, self.pad = self.pad.value, NumberPad(max_length=12, masked=True)
        if now < self.locked_until:
            self.message = f"错误次数太多，请 {int(self.locked_until - now) + 1} 秒后再试"
            return False
        if self._pin and hmac.compare_digest(typed.encode(), self._pin.encode()):
            self.wrong = 0
            self.message = "请输入维护密码"
            return True
        self.wrong += 1
        log.warning("technician PIN: wrong entry %d", self.wrong)
        if self.wrong >= MAX_WRONG:
            self.wrong = 0
            self.locked_until = now + LOCKOUT_SECONDS
            self.message = "错误次数太多，请一分钟后再试"
        else:
            self.message = "密码不对，请再试一次"
        return False


@dataclass(frozen=True)
class TechnicianHooks:
    """What the technician screen runs; each returns plain lines to show."""

    health: Callable[[], Sequence[HealthFinding]] | None = None
    backlog: Callable[[], str] | None = None
    last_sync: Callable[[], str] | None = None
    printer_test: Callable[[], str] | None = None
    camera_test: Callable[[], str] | None = None


def finding_line(finding: HealthFinding) -> str:
    status = getattr(finding.status, "value", finding.status)
    line = f"{status:<4} {finding.check}: {finding.detail}"
    return f"{line}  -> {finding.hint}" if finding.hint else line


class TechnicianViewModel:
    def __init__(self, hooks: TechnicianHooks, catalog_line: Callable[[], str]) -> None:
        self._hooks = hooks
        self._catalog_line = catalog_line
        self.lines: list[str] = []
        self.result = ""

    def refresh(self) -> list[str]:
        lines = [self._catalog_line()]
        for label, hook in (("outbox", self._hooks.backlog), ("sync", self._hooks.last_sync)):
            lines.append(f"{label}: {_call(hook)}")
        if self._hooks.health is not None:
            try:
                lines.extend(finding_line(f) for f in self._hooks.health())
            except Exception as error:
                log.exception("health check failed")
                lines.append(f"FAIL health: {error}")
        else:
            lines.append("health: not wired")
        self.lines = lines
        return lines

    def test_printer(self) -> str:
        self.result = f"printer: {_call(self._hooks.printer_test)}"
        return self.result

    def test_camera(self) -> str:
        self.result = f"camera: {_call(self._hooks.camera_test)}"
        return self.result


def _call(hook: Callable[[], str] | None) -> str:
    if hook is None:
        return "not wired"
    try:
        return hook()
    except Exception as error:
        log.exception("technician hook failed")
        return f"failed: {error}"

"""This boot of the device: which one it is, and how long it has been running.

Linux gives each boot a random id (``/proc/sys/kernel/random/boot_id``) and a
clock that starts at zero when the kernel starts and never goes backwards,
suspend included (``CLOCK_BOOTTIME``). Nobody can set either. Two processes of
the same boot read the same id and the same clock, so one can tell the other
"I received this at boottime T of boot B", and the other can tell how long ago
that was, or that it happened before this boot.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BOOT_ID_PATH = Path("/proc/sys/kernel/random/boot_id")


def read_boot_id(path: Path = BOOT_ID_PATH) -> str:
    """This boot's id; ``"unknown"`` where the kernel has none to give (then
    nothing recorded is ever taken as "this boot" by a later reader that can
    read the id)."""
    try:
        return path.read_text().strip() or "unknown"
    except OSError:
        return "unknown"


def read_boottime() -> float:
    """Seconds since this boot started, suspend included."""
    return time.clock_gettime(time.CLOCK_BOOTTIME)


@dataclass(frozen=True)
class BootMoment:
    """A moment of one boot: which boot, and its boot clock then."""

    boot_id: str
    boottime: float

    def to_dict(self) -> dict[str, object]:
        return {"boot_id": self.boot_id, "boottime": self.boottime}


class BootClock:
    """The boot id and the boot clock, injectable for tests and the harness."""

    def __init__(
        self,
        boot_id: Callable[[], str] = read_boot_id,
        boottime: Callable[[], float] = read_boottime,
    ) -> None:
        self._boot_id = boot_id
        self._boottime = boottime

    def boot_id(self) -> str:
        return self._boot_id()

    def boottime(self) -> float:
        return self._boottime()

    def moment(self) -> BootMoment:
        return BootMoment(self.boot_id(), self.boottime())

    def since(self, moment: BootMoment) -> float | None:
        """Seconds since *moment* if it belongs to this boot; None if it was
        recorded in another boot (before the last restart of the machine)."""
        boot_id = self.boot_id()
        if boot_id == "unknown" or moment.boot_id != boot_id:
            return None
        elapsed = self.boottime() - moment.boottime
        return elapsed if elapsed >= 0 else None

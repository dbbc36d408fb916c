"""This boot of the device: which one it is, and how long it has been running.

Linux gives each boot a random id (``/proc/sys/kernel/random/boot_id``, shared
through /run where a sandbox hides it: :func:`read_boot_id`) and a
clock that starts at zero when the kernel starts and never goes backwards,
suspend included (``CLOCK_BOOTTIME``). Nobody can set either. Two processes of
the same boot read the same id and the same clock, so one can tell the other
"I received this at boottime T of boot B", and the other can tell how long ago
that was, or that it happened before this boot.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BOOT_ID_PATH = Path("/proc/sys/kernel/random/boot_id")
#: The boot id as this device's processes share it: in /run, a tmpfs emptied
#: at every boot, in the directory systemd makes for the services
#: (``RuntimeDirectory=village-edge``, preserved while the machine runs).
SHARED_BOOT_ID_PATH = Path("/run/village-edge/boot-id")


def read_boot_id(path: Path = BOOT_ID_PATH, shared: Path = SHARED_BOOT_ID_PATH,
                 boottime: Callable[[], float] | None = None) -> str:
    """This boot's id; ``"unknown"`` where there is none to give (then nothing
    recorded is ever taken as "this boot" by a later reader).

    A sandboxed service may not see ``/proc/sys`` (systemd's
    ``ProcSubset=pid``). So the id the processes agree on is the one in
    *shared*, in /run: the first process of the boot to need it writes the
    kernel's id there (or, if it cannot read that, a random one), and every
    process reads it back. A shared id is believed only if it was written
    during this boot (the boot clock then is not ahead of the boot clock now,
    and it is not another kernel id than the one visible). Without a shared
    directory, the kernel's id as before."""
    kernel = _read_id(path)
    uptime = (boottime or read_boottime)()
    agreed = _read_shared(shared, kernel, uptime)
    if agreed is not None:
        return agreed
    if shared.parent.is_dir() and _publish(shared, kernel, uptime):
        agreed = _read_shared(shared, kernel, uptime)
        if agreed is not None:
            return agreed
    return kernel or "unknown"


def _read_id(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def _read_shared(shared: Path, kernel: str | None, uptime: float) -> str | None:
    try:
        boot_id, written_at = shared.read_text().split()
        if float(written_at) > uptime:
            return None  # written in another boot that ran longer: not this one
    except (OSError, ValueError):
        return None
    if kernel is not None and boot_id != kernel and _looks_like_kernel_id(boot_id):
        return None  # another boot's kernel id (a /run that is not emptied)
    return boot_id


def _looks_like_kernel_id(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def _publish(shared: Path, kernel: str | None, uptime: float) -> bool:
    """Write the kernel's id (or a random one) to *shared* unless a process
    of this boot got there first (replacing one left by another boot)."""
    boot_id = kernel or f"run-{uuid.uuid4().hex}"  # never taken for a kernel id
    temporary = shared.with_name(f".{shared.name}.{os.getpid()}")
    try:
        temporary.write_text(f"{boot_id} {uptime:.3f}\n")
        try:
            os.link(temporary, shared)  # atomic: the first writer wins
        except FileExistsError:
            if _read_shared(shared, kernel, uptime) is not None:
                return True  # another process of this boot wrote it
            os.replace(temporary, shared)  # left by another boot
        return True
    except OSError:
        return False
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()


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

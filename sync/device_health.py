"""The device's side of its health report (:mod:`protocol.device_health`):
measured by the sync agent, which runs on every device, just before a
feed request carries it to the county.

Each figure is read through one narrow seam (a path, or a function), so
that a test here reads files it wrote, and a device that cannot tell says
so (None, "unknown" on the county's page) rather than guessing:

- free disk: ``os.statvfs`` of the state directory;
- temperature: ``/sys/class/thermal/thermal_zone0/temp`` (millidegrees);
- undervoltage: the Raspberry Pi firmware's throttled flags, from
  ``/sys/devices/platform/soc/soc:firmware/get_throttled`` (hex), else
  ``vcgencmd get_throttled``;
- printer paper: what the process holding the printer last noted in
  ``printer-status.json`` (:func:`note_paper`), if within the last hour;
- software version: the installed package's.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from durable.atomic import atomic_write
from protocol.device_health import (
    PAPER,
    VERSION_TEXT,
    HealthReport,
    Paper,
    undervoltage_from_throttled,
)

log = logging.getLogger(__name__)

THERMAL_ZONE = Path("/sys/class/thermal/thermal_zone0/temp")
THROTTLED = Path("/sys/devices/platform/soc/soc:firmware/get_throttled")
PAPER_NOTE_SECONDS = 3600.0  # a note of the paper older than this is not believed
VCGENCMD_SECONDS = 5.0


def software_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("village-edge")
    except metadata.PackageNotFoundError:
        return "unknown"


def vcgencmd_throttled() -> int | None:
    """``vcgencmd get_throttled`` (``throttled=0x50000``); None where it is not."""
    command = shutil.which("vcgencmd")
    if command is None:
        return None
    try:
        done = subprocess.run([command, "get_throttled"], capture_output=True, text=True,
                              timeout=VCGENCMD_SECONDS, check=False)
        return int(done.stdout.strip().split("=", 1)[1], 16)
    except (OSError, subprocess.SubprocessError, IndexError, ValueError):
        return None


@dataclass(frozen=True)
class HealthSources:
    """Where each figure is read. *state_dir*: the file system whose free
    space counts; *paper_note*: the file :func:`note_paper` writes (None:
    this device has no printer)."""

    state_dir: Path
    paper_note: Path | None = None
    thermal_zone: Path = THERMAL_ZONE
    throttled: Path = THROTTLED
    vcgencmd: Callable[[], int | None] = field(default=vcgencmd_throttled)
    version: Callable[[], str] = field(default=software_version)


def _disk(path: Path) -> tuple[int | None, int | None]:
    try:
        stats = os.statvfs(path)
    except OSError:
        return None, None
    return stats.f_bavail * stats.f_frsize, stats.f_blocks * stats.f_frsize


def _temperature(path: Path) -> float | None:
    try:
        millidegrees = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    celsius = millidegrees / 1000
    return round(celsius, 1) if -60 <= celsius <= 200 else None


def _throttled(sources: HealthSources) -> int | None:
    try:
        return int(sources.throttled.read_text().strip(), 16)
    except (OSError, ValueError):
        return sources.vcgencmd()


def note_paper(path: Path, paper: str | None, now: float) -> None:
    """Record what the printer said of its paper ("ok", "near_end", "out";
    None or "unknown": it did not say), for the next health report."""
    atomic_write(path, json.dumps({"paper": paper if paper in PAPER else None,
                                   "at": now}).encode())


def _paper(path: Path | None, now: float) -> Paper | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_bytes())
        paper, at = data["paper"], float(data["at"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("the printer's note %s cannot be read: %s", path, error)
        return None
    if paper not in PAPER or not now - PAPER_NOTE_SECONDS <= at <= now + 60:
        return None
    return paper  # type: ignore[no-any-return]


def measure_health(sources: HealthSources, now: float) -> HealthReport:
    """This device's health now."""
    free, total = _disk(sources.state_dir)
    throttled = _throttled(sources)
    version = sources.version()
    return HealthReport(
        at=int(now), version=version if VERSION_TEXT.fullmatch(version) else "unknown",
        disk_free=free,
        disk_total=total, temp_c=_temperature(sources.thermal_zone),
        undervoltage=None if throttled is None else undervoltage_from_throttled(throttled),
        paper=_paper(sources.paper_note, now))

"""Turning the display's light off while the kiosk sleeps, and on again.

The screen goes black in any case (a black layer over everything, drawn by
:mod:`kiosk.ui.sleep`); where the display allows, its light goes off too:
the backlight through ``/sys/class/backlight/*/bl_power`` (the Raspberry Pi
touch display and most DSI panels), else DPMS through ``xset`` where X runs
(HDMI monitors). Imports no Kivy; runs ``xset`` only when asked.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

BACKLIGHT_ROOT = Path("/sys/class/backlight")
BL_ON = "0"  # FB_BLANK_UNBLANK
BL_OFF = "4"  # FB_BLANK_POWERDOWN
XSET_SECONDS = 5.0
BLANK_MINUTES = "VILLAGE_EDGE_BLANK_MINUTES"
MAX_BLANK_MINUTES = 1440


class DisplayPower(Protocol):
    def off(self) -> None: ...

    def on(self) -> None: ...


class BlackOnly:
    """No way to turn the light off: the screen is only drawn black."""

    name = "black screen only"

    def off(self) -> None:
        pass

    def on(self) -> None:
        pass


class Backlight:
    """The panel's backlight, through its ``bl_power`` file."""

    def __init__(self, bl_power: Path) -> None:
        self.bl_power = bl_power
        self.name = f"backlight {bl_power.parent.name}"

    def _write(self, value: str) -> None:
        try:
            self.bl_power.write_text(value + "\n")
        except OSError as error:  # the screen stays black; logged for the technician
            log.warning("cannot switch the backlight %s: %s", self.bl_power, error)

    def off(self) -> None:
        self._write(BL_OFF)

    def on(self) -> None:
        self._write(BL_ON)


class Dpms:
    """The monitor's power saving through X (``xset dpms force off|on``)."""

    name = "DPMS (xset)"

    def __init__(self, xset: str, display: str) -> None:
        self.xset = xset
        self.display = display

    def _force(self, state: str) -> None:
        try:
            subprocess.run([self.xset, "-display", self.display, "dpms", "force", state],
                           capture_output=True, timeout=XSET_SECONDS, check=True)
        except (OSError, subprocess.SubprocessError) as error:
            log.warning("xset dpms force %s failed: %s", state, error)

    def off(self) -> None:
        self._force("off")

    def on(self) -> None:
        self._force("on")


def choose_display_power(environ: Mapping[str, str],
                         backlight_root: Path = BACKLIGHT_ROOT) -> DisplayPower:
    """A writable backlight first (it saves the most), else DPMS where X runs
    and ``xset`` is installed, else a black screen only."""
    if backlight_root.is_dir():
        for panel in sorted(backlight_root.iterdir()):
            bl_power = panel / "bl_power"
            if bl_power.is_file() and _writable(bl_power):
                return Backlight(bl_power)
    display = environ.get("DISPLAY", "")
    xset = shutil.which("xset")
    if display and xset:
        return Dpms(xset, display)
    return BlackOnly()


def _writable(path: Path) -> bool:
    import os

    return os.access(path, os.W_OK)


def blank_seconds(environ: Mapping[str, str]) -> float:
    """Seconds without a touch before the screen sleeps, from
    ``VILLAGE_EDGE_BLANK_MINUTES`` (kiosk.env, written from the boot file's
    ``[display] blank_minutes``); 0 when unset or 0: never. ValueError,
    naming the variable, when it is not a whole number of minutes 0-1440."""
    raw = environ.get(BLANK_MINUTES, "").strip()
    if not raw:
        return 0.0
    if not raw.isdigit() or int(raw) > MAX_BLANK_MINUTES:
        raise ValueError(f"{BLANK_MINUTES}={raw!r} is not a number of minutes from 0 to "
                         f"{MAX_BLANK_MINUTES}")
    return int(raw) * 60.0

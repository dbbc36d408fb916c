"""A private X server (Xvfb) for a machine without a display: the screenshot
command, the render tests and the benchmark start one on a free display
number and stop it when done."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from kiosk.errors import KioskError

X_SOCKETS = Path("/tmp/.X11-unix")


class XvfbMissing(KioskError, RuntimeError):
    """Xvfb is not installed; says how to install it."""


def needs_own_display(environ: dict[str, str] | os._Environ[str]) -> bool:
    """True when there is neither an X display nor a console (KMS) to draw on."""
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return False
    return not (environ.get("KIVY_WINDOW") == "sdl2" and Path("/dev/dri/card0").exists()
                and environ.get("SDL_VIDEODRIVER") == "kmsdrm")


def free_display(first: int = 90, last: int = 400) -> int:
    for number in range(first, last):
        if not (X_SOCKETS / f"X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise RuntimeError(f"no free X display number between :{first} and :{last}")


class Xvfb:
    """``with Xvfb() as display:`` runs ``Xvfb :N -screen 0 1920x1080x24``."""

    def __init__(self, size: str = "1920x1080x24", timeout: float = 10.0) -> None:
        self.size = size
        self.timeout = timeout
        self.number: int | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def display(self) -> str:
        if self.number is None:
            raise RuntimeError("Xvfb is not running")
        return f":{self.number}"

    def start(self) -> str:
        program = shutil.which("Xvfb")
        if program is None:
            raise XvfbMissing(
                "Xvfb is not installed: run ./setup.sh dev (or sudo apt install xvfb "
                "libgl1-mesa-dri)"
            )
        for _ in range(5):
            number = free_display()
            process = subprocess.Popen(
                [program, f":{number}", "-screen", "0", self.size, "-nolisten", "tcp"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + self.timeout
            while time.monotonic() < deadline and process.poll() is None:
                if (X_SOCKETS / f"X{number}").exists():
                    self.number, self.process = number, process
                    return self.display
                time.sleep(0.02)
            process.kill()
            process.wait()
        raise RuntimeError("Xvfb did not start; try running it by hand to see why")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

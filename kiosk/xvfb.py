"""A private X server (Xvfb) for a machine without a display: the screenshot
command, the render tests and the benchmark start one on a free display
number and stop it when done."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import time
from pathlib import Path

from kiosk.errors import KioskError


class XvfbMissing(KioskError, RuntimeError):
    """Xvfb is not installed; says how to install it."""


def needs_own_display(environ: dict[str, str] | os._Environ[str]) -> bool:
    """True when there is neither an X display nor a console (KMS) to draw on."""
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return False
    return not (environ.get("KIVY_WINDOW") == "sdl2" and Path("/dev/dri/card0").exists()
                and environ.get("SDL_VIDEODRIVER") == "kmsdrm")


def _read_display_number(pipe: int, timeout: float) -> int | None:
    """The display number Xvfb writes on *pipe* when it is ready, or None
    if it exits or says nothing within *timeout* seconds."""
    deadline = time.monotonic() + timeout
    said = b""
    while not said.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([pipe], [], [], left)[0]:
            return None
        chunk = os.read(pipe, 16)
        if not chunk:
            return None  # it exited without saying
        said += chunk
    return int(said)


class Xvfb:
    """``with Xvfb() as display:`` runs ``Xvfb -screen 0 1920x1080x24`` on a
    display number of its own choosing."""

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
        """Start the server; it chooses a free display number itself and
        writes it on a pipe once it accepts clients (``-displayfd``), so two
        programs starting servers at once never share one."""
        program = shutil.which("Xvfb")
        if program is None:
            raise XvfbMissing(
                "Xvfb is not installed: run ./setup.sh dev (or sudo apt install xvfb "
                "libgl1-mesa-dri)"
            )
        read_end, write_end = os.pipe()
        try:
            process = subprocess.Popen(
                [program, "-displayfd", str(write_end), "-screen", "0", self.size,
                 "-nolisten", "tcp"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(write_end,),
            )
            os.close(write_end)
            number = _read_display_number(read_end, self.timeout)
        finally:
            os.close(read_end)
        if number is None:
            process.kill()
            process.wait()
            raise RuntimeError("Xvfb did not start; try running it by hand to see why")
        self.number, self.process = number, process
        return self.display

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

"""The kiosk stops when systemd stops it: SIGTERM ends the process, though a
close request from the window (a keyboard, a window manager) is refused."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO


def test_sigterm_stops_the_running_kiosk(x_display: str, kiosk_state: Path,
                                         tmp_path: Path) -> None:
    shown = tmp_path / "home.png"
    script = tmp_path / "script.json"
    script.write_text(json.dumps({
        "state_dir": str(kiosk_state), "size": [800, 480], "pin": "",
        "steps": [{"screenshot": str(shown)}, {"wait": 100000}]}), "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIVY_")}
    env.update(DISPLAY=x_display, HOME=str(tmp_path))
    kiosk = subprocess.Popen(
        [sys.executable, "-m", "kiosk.testing.driver", str(script), str(tmp_path / "r.json")],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not shown.exists() and kiosk.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert shown.exists(), "the kiosk never showed its home screen"
        kiosk.send_signal(signal.SIGTERM)
        assert kiosk.wait(timeout=30) == -signal.SIGTERM
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
            kiosk.wait()

"""The village-edge kiosk command opens its printer once the window shows:
a network printer's port on loopback sees the kiosk connect while the
kiosk runs, and the kiosk is still running."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_the_running_kiosk_connects_to_its_printer(x_display: str, tmp_path: Path) -> None:
    with socket.socket() as printer:
        printer.bind(("127.0.0.1", 0))
        printer.listen()
        printer.settimeout(90)
        config = tmp_path / "config.toml"
        config.write_text(f"""
[device]
id = "ve-kiosk-0001"
role = "kiosk"
simulate = false
[village]
code = "330226100201"
name = "红星村"
[paths]
state_dir = "{tmp_path / 'state'}"
[printer]
connection = "network"
host = "127.0.0.1"
port = {printer.getsockname()[1]}
""", "utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIVY_")}
        env.update(DISPLAY=x_display, HOME=str(tmp_path))
        kiosk = subprocess.Popen(
            [sys.executable, "-m", "village_edge", "--config", str(config), "kiosk"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            connection, _ = printer.accept()
            connection.close()
            assert kiosk.poll() is None, kiosk.stderr.read() if kiosk.stderr else ""
        finally:
            kiosk.send_signal(signal.SIGTERM)
            try:
                kiosk.wait(timeout=30)
            finally:
                if kiosk.poll() is None:
                    kiosk.kill()
                    kiosk.wait()

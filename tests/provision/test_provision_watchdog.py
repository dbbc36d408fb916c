"""The seal controller's side of the systemd watchdog, against a real process.

systemd cannot run as PID 1 in this sandbox (and CI is the same kind of
machine), so the test plays systemd's part: it binds the datagram socket
systemd would pass as ``$NOTIFY_SOCKET`` and starts ``village-edge seal run
--simulate`` as the unit would. READY=1 must arrive once the locks are
locked, WATCHDOG=1 must keep arriving, and a frozen process (SIGSTOP) must
go silent for a whole WatchdogSec (what systemd acts on: it kills and
restarts the unit); after SIGCONT the pings resume, and SIGTERM stops the
daemon cleanly (STOPPING=1, exit 0)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from protocol.signing import new_private_key, public_key_text
from provision.device_config import set_value
from tests.conftest import REPO, wait_until
from village_edge.seal_commands import ALIVE_SECONDS

UNIT = REPO / "systemd/village-edge-seal.service"
STUCK = 60.0  # a bound for a stuck daemon, never an expected time


def watchdog_sec() -> float:
    match = re.search(r"^WatchdogSec=(\d+)s$", UNIT.read_text(), re.MULTILINE)
    assert match, "village-edge-seal.service must set WatchdogSec= in seconds"
    return float(match.group(1))


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    path = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        yield sock, path


@pytest.fixture
def seal_config(tmp_path: Path) -> Path:
    """The development configuration (simulated pins and camera) with a
    pinned county key, as a seal station must have."""
    text = (REPO / "device/default-config.toml").read_text(encoding="utf-8")
    text = set_value(text, "county", "public_key", public_key_text(new_private_key()))
    text = set_value(text, "paths", "state_dir", str(tmp_path / "state"))
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def receive(sock: socket.socket, timeout: float) -> str | None:
    sock.settimeout(timeout)
    try:
        return sock.recv(4096).decode()
    except TimeoutError:
        return None


def messages_for(sock: socket.socket, seconds: float) -> list[str]:
    found, end = [], time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        message = receive(sock, left)
        if message is not None:
            found.append(message)
    return found


def waiting(sock: socket.socket) -> list[str]:
    """Every message already sent, without waiting for more."""
    found = []
    sock.setblocking(False)
    try:
        while True:
            found.append(sock.recv(4096).decode())
    except BlockingIOError:
        return found
    finally:
        sock.setblocking(True)


def process_state(pid: int) -> str:
    """The state letter of /proc/PID/stat: "T" once a SIGSTOP has taken hold."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2]


def test_the_loop_pings_at_least_twice_per_watchdog_period() -> None:
    assert watchdog_sec() >= ALIVE_SECONDS * 2


def test_ready_after_the_locks_then_pings_that_stop_when_frozen(
    notify_socket: tuple[socket.socket, str], seal_config: Path, tmp_path: Path
) -> None:
    sock, path = notify_socket
    env = dict(os.environ, NOTIFY_SOCKET=path, HOME=str(tmp_path), PYTHONUNBUFFERED="1")
    daemon = subprocess.Popen(
        [sys.executable, "-m", "village_edge", "--config", str(seal_config), "seal", "run",
         "--simulate"], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        ready = receive(sock, STUCK)
        assert ready is not None, "no READY=1 at all"
        assert ready.startswith("READY=1\n"), ready  # nothing before it, no ping either
        assert re.search(r"STATUS=3 seals locked, \w+", ready), ready

        pings: list[str | None] = []
        while pings.count("WATCHDOG=1") < 2 and None not in pings:
            pings.append(receive(sock, STUCK))
        assert pings.count("WATCHDOG=1") == 2, pings  # they keep coming

        period = watchdog_sec()
        daemon.send_signal(signal.SIGSTOP)
        assert wait_until(lambda: process_state(daemon.pid) == "T", timeout=STUCK)
        waiting(sock)  # pings sent before it stopped
        silent = messages_for(sock, period)
        assert silent == [], f"a frozen daemon still pinged: {silent}"

        daemon.send_signal(signal.SIGCONT)
        resumed = receive(sock, STUCK)
        assert resumed == "WATCHDOG=1"

        daemon.send_signal(signal.SIGTERM)
        out, err = daemon.communicate(timeout=30)
        assert daemon.returncode == 0, err
        assert re.search(r"seal station \S+ running: .+ locked", out), out
        rest = waiting(sock)  # it has exited: all it sent is here
        assert any(m.startswith("STOPPING=1") for m in rest), rest
    finally:
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGCONT)
            daemon.kill()
            daemon.wait(timeout=10)

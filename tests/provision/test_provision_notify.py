"""The sd_notify client against a real datagram socket, as systemd listens;
and the small helpers the units run."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from device.config import parse_config
from device.systemd_notify import Notifier, watchdog_seconds
from provision.console import main as console_main
from provision.role_config import role_config
from tests.conftest import REPO


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    path = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        sock.settimeout(5)
        yield sock, path


def test_ready_watchdog_status_and_stopping_reach_systemd(
    listener: tuple[socket.socket, str]
) -> None:
    sock, path = listener
    notify = Notifier.from_environment({"NOTIFY_SOCKET": path})
    assert notify.enabled
    assert notify.ready("seal station\nidle")
    assert sock.recv(4096) == b"READY=1\nSTATUS=seal station idle"
    assert notify.watchdog()
    assert sock.recv(4096) == b"WATCHDOG=1"
    assert notify.status("3 events waiting")
    assert sock.recv(4096) == b"STATUS=3 events waiting"
    assert notify.stopping()
    assert sock.recv(4096) == b"STOPPING=1"


def test_an_abstract_socket_address() -> None:
    name = f"village-edge-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(5)
        assert Notifier(f"@{name}").watchdog()
        assert sock.recv(100) == b"WATCHDOG=1"


def test_outside_systemd_nothing_is_sent_and_nothing_fails(tmp_path: Path) -> None:
    assert not Notifier.from_environment({}).ready()
    gone = Notifier(str(tmp_path / "no-such-socket"))
    assert gone.watchdog() is False  # logged, never raised


def test_watchdog_period_from_the_environment() -> None:
    pid = str(os.getpid())
    assert watchdog_seconds({"WATCHDOG_USEC": "15000000", "WATCHDOG_PID": pid}) == 15.0
    assert watchdog_seconds({"WATCHDOG_USEC": "15000000"}) == 15.0
    assert watchdog_seconds({"WATCHDOG_USEC": "15000000", "WATCHDOG_PID": "1"}) is None
    assert watchdog_seconds({}) is None and watchdog_seconds({"WATCHDOG_USEC": "x"}) is None


@pytest.mark.parametrize("role", ["kiosk", "seal"])
def test_the_installed_config_for_each_role_is_valid(role: str) -> None:
    text = role_config((REPO / "docs/config.example.toml").read_text(encoding="utf-8"), role)
    config = parse_config(text, source="config.toml", home=Path("/nonexistent"))
    assert config.role == role
    assert bool(config.station.slots) == (role == "seal")


def test_the_console_helper_never_stops_the_kiosk(capsys: pytest.CaptureFixture[str]) -> None:
    assert console_main(["--tty", "/dev/null"]) == 0  # not a terminal: said, not fatal
    assert "not locked" in capsys.readouterr().err

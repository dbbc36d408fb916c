"""Shared fixtures: a board of pins (mock, or real with VILLAGE_EDGE_HW=1 on
a Pi), fail-safe registries that leave pytest's own signal handlers alone,
and a way to run the ``village-edge`` command in a clean home."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from gpiozero import Factory
from gpiozero.pins.mock import MockFactory

from hardware.failsafe import FailSafe
from hardware.pins import mock_pin_factory, real_pin_factory

#: the throwaway PostgreSQL server of the county tests (fixture ``postgres``)
pytest_plugins = ("tests.postgres_server",)

REPO = Path(__file__).resolve().parent.parent
REAL_HW = os.environ.get("VILLAGE_EDGE_HW") == "1"


@pytest.fixture
def factory() -> Iterator[MockFactory]:
    """A fresh simulated board."""
    board = mock_pin_factory()
    yield board
    board.reset()


@dataclass
class Board:
    """What a contract test runs against: real pins or mock pins."""

    factory: Factory
    real: bool


@pytest.fixture
def board() -> Iterator[Board]:
    if REAL_HW:
        real = real_pin_factory()
        yield Board(real, real=True)
        real.close()
    else:
        mock = mock_pin_factory()
        yield Board(mock, real=False)
        mock.reset()


@pytest.fixture
def failsafe() -> FailSafe:
    """A registry that installs no signal handlers (pytest keeps its own)."""
    return FailSafe(signals=())


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll *condition* until true; False after *timeout*. For background
    threads (blinking, debouncing), never to assert a duration."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.002)
    return condition()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def run_cli(home: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``village-edge ARGS`` as a real process with HOME=*home* and no
    /etc config consulted unless --config is given."""

    def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, HOME=str(home), PYTHONUNBUFFERED="1")
        return subprocess.run(
            [sys.executable, "-m", "village_edge", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run

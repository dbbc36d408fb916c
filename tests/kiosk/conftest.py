"""The kiosk's render tests run the real Kivy app under a private Xvfb with
real GL (Mesa), in a subprocess per scenario: Kivy's event loop starts only
once per process, so each scenario is a script of touches run by
:mod:`kiosk.testing.driver`, which reports JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.xvfb import Xvfb, XvfbMissing
from tests.conftest import REPO

RunScript = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def x_display() -> Iterator[str]:
    """A private X server for the whole session; never skipped."""
    server = Xvfb()
    try:
        display = server.start()
    except XvfbMissing as error:
        pytest.fail(f"{error}. The kiosk's render tests need Xvfb and Mesa: run ./setup.sh dev")
    yield display
    server.stop()


@pytest.fixture(scope="session")
def kiosk_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One state directory (Kivy home, extracted font) shared by the session."""
    return tmp_path_factory.mktemp("kiosk-state")


@pytest.fixture
def run_script(x_display: str, kiosk_state: Path, tmp_path: Path) -> RunScript:
    def run(steps: list[dict[str, Any]], *, size: tuple[int, int] = (800, 480),
            pin: str = "", timeout: float = 60, **extra: Any) -> dict[str, Any]:
        script = tmp_path / "script.json"
        report = tmp_path / "report.json"
        script.write_text(json.dumps({"state_dir": str(kiosk_state), "size": list(size),
                                      "pin": pin, "steps": steps, **extra}), "utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIVY_")}
        env.update(DISPLAY=x_display, HOME=str(tmp_path))
        result = subprocess.run(
            [sys.executable, "-m", "kiosk.testing.driver", str(script), str(report)],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout,
        )
        assert report.exists(), f"the kiosk did not report:\n{result.stdout}\n{result.stderr}"
        data: dict[str, Any] = json.loads(report.read_text("utf-8"))
        assert data.get("ok"), data.get("error") or result.stderr[-3000:]
        assert data.get("errors") == [], data["errors"]
        return data

    return run

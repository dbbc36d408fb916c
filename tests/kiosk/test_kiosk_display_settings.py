"""The display settings of kiosk.env reach the kiosk: the cursor as the boot
file asks (also full screen), the blanking time read and checked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.display_power import blank_seconds
from tests.conftest import REPO

SHOW = """
import os, sys
from pathlib import Path
from kiosk.kivy_setup import prepare_kivy
prepare_kivy(Path(sys.argv[1]), os.environ, size=(800, 480), fullscreen=True)
from kivy.config import Config
print(Config.get("graphics", "show_cursor"))
"""


def _cursor_full_screen(tmp_path: Path, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("KIVY_", "KCFG_"))} | {"HOME": str(tmp_path)} | env
    result = subprocess.run([sys.executable, "-c", SHOW, str(tmp_path / "state")], cwd=REPO,
                            env=environ, capture_output=True, text=True, timeout=120,
                            check=True)
    return result.stdout.strip().splitlines()[-1]


def test_the_cursor_from_the_boot_file_is_shown_even_full_screen(tmp_path: Path) -> None:
    assert _cursor_full_screen(tmp_path, KCFG_GRAPHICS_SHOW_CURSOR="1") == "1"
    assert _cursor_full_screen(tmp_path, KCFG_GRAPHICS_SHOW_CURSOR="0") == "0"
    assert _cursor_full_screen(tmp_path) == "0"  # nothing said: a touchscreen has none


def test_the_blanking_time_comes_from_kiosk_env() -> None:
    assert blank_seconds({}) == 0
    assert blank_seconds({"VILLAGE_EDGE_BLANK_MINUTES": "0"}) == 0
    assert blank_seconds({"VILLAGE_EDGE_BLANK_MINUTES": "30"}) == 1800
    for wrong in ("half an hour", "-5", "2000"):
        with pytest.raises(ValueError, match="VILLAGE_EDGE_BLANK_MINUTES"):
            blank_seconds({"VILLAGE_EDGE_BLANK_MINUTES": wrong})


def test_a_wrong_blanking_time_is_one_clear_line_and_no_window(tmp_path: Path) -> None:
    env = dict(os.environ, HOME=str(tmp_path), VILLAGE_EDGE_BLANK_MINUTES="ten")
    env.pop("DISPLAY", None)
    result = subprocess.run([sys.executable, "-m", "village_edge", "kiosk", "--simulate"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 78
    lines = [line for line in result.stderr.strip().splitlines()
             if not line.startswith("note:")]  # the development configuration's note
    assert len(lines) == 1 and "VILLAGE_EDGE_BLANK_MINUTES='ten'" in lines[0], result.stderr
    assert "kiosk.env" in lines[0]

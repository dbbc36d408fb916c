"""The screen goes dark after the configured idle time, its backlight off
where there is one; a touch wakes it without pressing what is under the
finger; the next touch acts as usual. Run under Xvfb with injected touches."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from kiosk.display_power import BL_OFF, BL_ON, Backlight, BlackOnly, choose_display_power
from tests.kiosk.conftest import RunScript


def _colours(path: Path) -> int:
    return len(Image.open(path).convert("RGB").getcolors(maxcolors=1_000_000) or [])


def _black(path: Path) -> bool:
    return Image.open(path).convert("RGB").getextrema() == ((0, 0), (0, 0), (0, 0))


def test_an_idle_kiosk_goes_dark_and_the_waking_touch_presses_nothing(
    run_script: RunScript, tmp_path: Path
) -> None:
    panel = tmp_path / "backlight" / "rpi_backlight"
    panel.mkdir(parents=True)
    (panel / "bl_power").write_text(BL_ON + "\n")
    asleep, awake = tmp_path / "asleep.png", tmp_path / "awake.png"
    steps = [
        {"expect": "home"},
        {"wait_until_asleep": 900},
        {"screenshot": str(asleep)},
        {"tap": "complaint"},  # a finger on the complaint button of the dark screen
        {"sleep_state": True},
        {"screenshot": str(awake)},
        {"tap": "complaint"},  # the same button on the lit screen
        {"sleep_state": True},
    ]
    report = run_script(steps, blank_seconds=2, backlight_root=str(tmp_path / "backlight"))
    records = report["steps"]
    assert _black(asleep)
    assert records[4] == {**records[4], "asleep": False, "screen": "home"}
    assert _colours(awake) > 50
    assert records[7]["screen"] == "complaint"


def test_the_backlight_is_switched_off_while_asleep(
    run_script: RunScript, tmp_path: Path
) -> None:
    panel = tmp_path / "backlight" / "10-0045"
    panel.mkdir(parents=True)
    (panel / "bl_power").write_text(BL_ON + "\n")
    steps = [{"wait_until_asleep": 900}, {"wait": 2}]
    run_script(steps, blank_seconds=1, backlight_root=str(tmp_path / "backlight"))
    assert (panel / "bl_power").read_text().strip() == BL_OFF


def test_no_blank_minutes_means_the_screen_never_sleeps(run_script: RunScript) -> None:
    report = run_script([{"wait": 60}, {"sleep_state": True}])
    assert report["steps"][1]["asleep"] is False


def test_the_light_is_switched_where_the_display_allows(tmp_path: Path) -> None:
    root = tmp_path / "backlight"
    assert isinstance(choose_display_power({}, root), BlackOnly)  # no panel, no X
    (root / "rpi_backlight").mkdir(parents=True)
    (root / "rpi_backlight" / "bl_power").write_text("0\n")
    power = choose_display_power({"DISPLAY": ":0"}, root)
    assert isinstance(power, Backlight)
    power.off()
    assert (root / "rpi_backlight" / "bl_power").read_text() == "4\n"
    power.on()
    assert (root / "rpi_backlight" / "bl_power").read_text() == "0\n"

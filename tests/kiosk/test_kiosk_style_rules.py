"""The kiosk gives Kivy a style.kv cut down to the rules of its own widgets
(:mod:`kiosk.kivy_style`), so that less is parsed before the first frame;
nothing on the screen may change for it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops

from kiosk.kivy_style import (
    KIOSK_RULES,
    STYLE,
    cut_style,
    kiosk_data_dir,
    kivy_data_dir,
    style_blocks,
)
from kiosk.screenshots import screenshot_steps
from tests.conftest import REPO
from tests.kiosk.conftest import RunScript

SCROLL_BAR = 12  # px at the right edge: a scroll bar fades with time, not with the style
#: When the sample disclosures were published, the same for both renderings:
#: the disclosures screen shows the time, and two runs may straddle a minute.
SAMPLE_ISSUED = 1_760_000_000

STYLE_KV = """#:kivy 1.0
# a comment before the rules

<Label>:
    canvas:
        Color:
            rgba: 1, 1, 1, 1
<-Button,-ToggleButton>:
    state_image: self.background_normal

<FileChooserListView>:
    layout: layout
<ActionPreviousImage@Image>:
    color: 1, 1, 1, 1
#:import Window kivy.core.window.Window
<Settings>:
    orientation: 'horizontal'
"""


def styled_classes() -> set[str]:
    """The classes that Kivy's own style.kv has rules for."""
    text = (kivy_data_dir() / STYLE).read_text("utf-8")
    return {name for classes, _ in style_blocks(text) if classes for name in classes}


def test_the_cut_style_keeps_the_rules_of_the_kept_classes_and_every_directive() -> None:
    cut = cut_style(STYLE_KV, frozenset({"Label", "ToggleButton", "ActionPreviousImage"}))
    assert cut == STYLE_KV.replace(
        "<FileChooserListView>:\n    layout: layout\n", "").replace(
        "<Settings>:\n    orientation: 'horizontal'\n", "")


def test_the_data_directory_links_kivys_files_and_is_made_again_when_kivy_changes(
        tmp_path: Path) -> None:
    source = tmp_path / "kivy-data"
    (source / "fonts").mkdir(parents=True)
    (source / "fonts" / "Roboto.ttf").write_bytes(b"font")
    (source / STYLE).write_text(STYLE_KV, "utf-8")
    made = kiosk_data_dir(tmp_path / "cache", source, frozenset({"Label"}))
    assert (made / "fonts" / "Roboto.ttf").read_bytes() == b"font"
    assert "<Label>" in (made / STYLE).read_text("utf-8")
    assert "<Settings>" not in (made / STYLE).read_text("utf-8")
    assert kiosk_data_dir(tmp_path / "cache", source, frozenset({"Label"})) == made
    (source / STYLE).write_text(STYLE_KV + "<Slider>:\n    padding: 16\n", "utf-8")
    again = kiosk_data_dir(tmp_path / "cache", source, frozenset({"Label", "Slider"}))
    assert again != made and "<Slider>" in (again / STYLE).read_text("utf-8")


def test_the_data_directory_follows_kivy_when_it_is_installed_elsewhere(
        tmp_path: Path) -> None:
    """A kiosk whose Kivy moved (a reinstall in another environment, an
    upgrade) links to the new files, not to the removed ones."""
    old, new = tmp_path / "old" / "data", tmp_path / "new" / "data"
    for source in (old, new):
        (source / "glsl").mkdir(parents=True)
        (source / "glsl" / "header.vs").write_text(f"shader of {source.parent.name}")
        (source / STYLE).write_text(STYLE_KV, "utf-8")
    made = kiosk_data_dir(tmp_path / "cache", old, frozenset({"Label"}))
    assert (made / "glsl" / "header.vs").read_text() == "shader of old"
    moved = kiosk_data_dir(tmp_path / "cache", new, frozenset({"Label"}))
    assert (moved / "glsl" / "header.vs").read_text() == "shader of new"
    shutil.rmtree(new / "glsl")  # a link of the made directory now dangles
    (new / "images").mkdir()
    again = kiosk_data_dir(tmp_path / "cache", new, frozenset({"Label"}))
    assert (again / "images").is_dir() and not (again / "glsl").is_symlink()


def test_every_rule_of_kivys_style_that_a_shown_widget_needs_is_kept(
        run_script: RunScript, tmp_path: Path) -> None:
    steps = [{"classes": True} if "screenshot" in step else step
             for step in screenshot_steps(tmp_path, "2468")]
    report = run_script(steps, pin="2468", timeout=180)
    shown = {name for step in report["steps"] for name in step.get("classes", [])}
    assert "ChineseSpinnerOption" in shown and "TextInput" in shown
    needed = shown & styled_classes()
    assert needed <= KIOSK_RULES, f"rules cut that widgets use: {sorted(needed - KIOSK_RULES)}"


def _screens(x_display: str, state: Path, directory: Path, environ: dict[str, str]) -> None:
    script = directory / "script.json"
    script.write_text(json.dumps({"state_dir": str(state), "size": [480, 800], "pin": "2468",
                                  "sample_issued": SAMPLE_ISSUED,
                                  "steps": screenshot_steps(directory, "2468")}), "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIVY_")}
    env.update(DISPLAY=x_display, HOME=str(directory), **environ)
    subprocess.run([sys.executable, "-m", "kiosk.testing.driver", str(script),
                    str(directory / "report.json")], cwd=REPO, env=env, timeout=180,
                   capture_output=True, check=True)
    report: dict[str, Any] = json.loads((directory / "report.json").read_text("utf-8"))
    assert report["ok"], report.get("error")


def test_every_screen_looks_the_same_as_with_kivys_whole_style(
        x_display: str, tmp_path: Path) -> None:
    cut, whole = tmp_path / "cut", tmp_path / "whole"
    cut.mkdir()
    whole.mkdir()
    _screens(x_display, tmp_path / "state", cut, {})
    _screens(x_display, tmp_path / "state", whole, {"KIVY_DATA_DIR": str(kivy_data_dir())})
    pictures = sorted(path.name for path in cut.glob("*.png"))
    assert len(pictures) == 12 and pictures == sorted(p.name for p in whole.glob("*.png"))
    for name in pictures:
        if name == "attract.png":
            continue  # its "请点一下屏幕" pulses: no two pictures of it are alike
        with Image.open(cut / name) as mine, Image.open(whole / name) as kivys:
            differ = ImageChops.difference(mine.convert("RGB"), kivys.convert("RGB"))
        differ.paste((0, 0, 0), (differ.width - SCROLL_BAR, 0, differ.width, differ.height))
        assert differ.getbbox() is None, f"{name} differs from the screen with Kivy's whole style"

"""Preparing Kivy before it is imported: its environment, its configuration
and the screen font. Kivy reads its environment, its home directory and the
command line the moment it is first imported, so a composition root (the
``village-edge kiosk`` and ``village-edge seal`` commands, the test driver)
calls :func:`prepare_kivy` first and only then imports the Kivy apps
(:mod:`kiosk.app`, :mod:`seal_controller.panel_app`).

This module imports Kivy only inside :func:`configure_kivy` and
:func:`register_fonts`, so importing it imports no Kivy.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path

from kiosk.fonts import NOTO_CJK, NOTO_CJK_BOLD, screen_font
from kiosk.kivy_style import kiosk_data_dir

SHOW_CURSOR = "KCFG_GRAPHICS_SHOW_CURSOR"  # kiosk.env, from the boot file's [display] cursor


@dataclass(frozen=True)
class WindowOptions:
    size: tuple[int, int] = (800, 480)
    fullscreen: bool = False
    show_cursor: bool | None = None  # None: hidden when full screen, shown in a window

    @property
    def cursor(self) -> bool:
        return (not self.fullscreen) if self.show_cursor is None else self.show_cursor


def cursor_setting(environ: Mapping[str, str]) -> bool | None:
    """The cursor asked for in kiosk.env: True, False, or None when not said."""
    value = environ.get(SHOW_CURSOR, "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return None


def kivy_environment(state_dir: Path) -> dict[str, str]:
    """The environment Kivy must see before it is imported: no command-line
    parsing, no console log, its home (config, logs) under *state_dir*. SDL
    keeps its hands off SIGINT and SIGTERM: it would turn them into a close
    request, which the kiosk refuses (a villager must not close it), so
    ``systemctl stop`` would wait for its timeout and kill the kiosk. Images
    (the buttons' theme, the receipt preview, all PNG) are read by SDL alone:
    Kivy would otherwise load every image reader it has, PIL's among them,
    before the first frame."""
    return {
        "KIVY_NO_ARGS": "1",
        "KIVY_NO_CONSOLELOG": "1",
        "KIVY_HOME": str(state_dir / "kivy"),
        "KIVY_NO_FILELOG": "1",
        "KIVY_METRICS_DENSITY": "1",
        "SDL_NO_SIGNAL_HANDLERS": "1",
        "KIVY_IMAGE": "sdl2",
    }


def configure_kivy(options: WindowOptions) -> None:
    """Kivy's configuration for a locked-down kiosk; call before any other
    Kivy import creates the window."""
    from kivy.config import Config

    width, height = options.size
    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "resizable", "0")
    Config.set("graphics", "fullscreen", "auto" if options.fullscreen else "0")
    Config.set("graphics", "borderless", "1" if options.fullscreen else "0")
    Config.set("graphics", "show_cursor", "1" if options.cursor else "0")
    Config.set("graphics", "multisamples", "0")
    Config.set("graphics", "maxfps", "30")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "pause_on_minimize", "0")
    Config.set("kivy", "keyboard_mode", "system")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    for module in Config.options("modules"):  # no inspector, monitor, screen or touchring
        Config.remove_option("modules", module)


def register_fonts(regular: Path, bold: Path | None) -> None:
    """Make the Chinese font Kivy's default (its default is named Roboto)."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    LabelBase.register(DEFAULT_FONT, fn_regular=str(regular), fn_bold=str(bold or regular))


def prepare_kivy(
    state_dir: Path,
    environ: MutableMapping[str, str],
    *,
    size: tuple[int, int],
    fullscreen: bool,
    style_rules: frozenset[str] | None = None,
) -> None:
    """Set Kivy's environment in *environ*, configure it, register the font.
    The cursor is as kiosk.env's ``KCFG_GRAPHICS_SHOW_CURSOR`` says, where it
    says; else hidden when full screen. With *style_rules* (the kiosk's
    :data:`kiosk.kivy_style.KIOSK_RULES`) Kivy parses only those rules of its
    style.kv (:mod:`kiosk.kivy_style`); without, all of them. After this,
    Kivy may be imported."""
    for name, value in kivy_environment(state_dir).items():
        environ.setdefault(name, value)
    (state_dir / "kivy").mkdir(parents=True, exist_ok=True)
    if style_rules is not None and "KIVY_DATA_DIR" not in environ:
        environ["KIVY_DATA_DIR"] = str(kiosk_data_dir(state_dir / "kivy", keep=style_rules))
    configure_kivy(WindowOptions(size=size, fullscreen=fullscreen,
                                 show_cursor=cursor_setting(environ)))
    fonts = state_dir / "fonts"
    regular = screen_font(fonts, NOTO_CJK)
    bold = screen_font(fonts, NOTO_CJK_BOLD) if NOTO_CJK_BOLD.is_file() else None
    register_fonts(regular, bold)

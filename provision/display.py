"""The kiosk's display settings as ``/etc/village-edge/kiosk.env``, the
environment file of village-edge-kiosk.service: Kivy reads its
``KCFG_<SECTION>_<KEY>`` variables as configuration, the kiosk reads
``VILLAGE_EDGE_BLANK_MINUTES``."""

from __future__ import annotations

from provision.bootfile import Display


def kiosk_env(display: Display) -> str:
    return (
        "# /etc/village-edge/kiosk.env: the kiosk's display, written by provisioning from\n"
        "# the [display] table of the boot file (village-edge.toml). Change it there.\n"
        "# Screen rotation in degrees: 0, 90, 180 or 270 (touch is rotated with it).\n"
        f"KCFG_GRAPHICS_ROTATION={display.rotation}\n"
        "# Mouse cursor: 0 hidden (touchscreen), 1 shown (also full screen).\n"
        f"KCFG_GRAPHICS_SHOW_CURSOR={int(display.cursor)}\n"
        "# Minutes without a touch before the kiosk blanks the screen (black, backlight\n"
        "# off where the panel has one; the waking touch presses nothing); 0 never.\n"
        f"VILLAGE_EDGE_BLANK_MINUTES={display.blank_minutes}\n"
    )

"""The kiosk booted for real: Debian bookworm with the suite installed by
``setup.sh kiosk``, under ``qemu-system-x86_64 -accel tcg``, systemd as
PID 1, the emulator's virtio GPU as the display (``/dev/dri/card0``, a
kernel modesetting driver, 800x480 like the official 7-inch panel), a USB
tablet as the touchscreen, and a county on loopback in the guest. The unit
as shipped draws with SDL's kmsdrm driver on tty1; what the screen shows is
read from the emulator's screendumps (tests/boot/screen.py), touches and
keys are the emulator's input devices. The tests share one boot and run in
order.

What stands in for the Pi: the GPU (virtio-gpu, drawn by Mesa's software
renderer instead of the Pi's v3d), the touchscreen (a USB tablet: absolute
pointer events, as a single-touch panel gives).
"""

from __future__ import annotations

import time

import pytest
from PIL import Image

from tests.boot.guests import Guest
from tests.boot.paper import slip_printed
from tests.boot.screen import BAR_BUTTON, Look, button_at, changed

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]

UNIT = "village-edge-kiosk.service"
FIRSTBOOT = "village-edge-firstboot.service"
# Bounds for something stuck, never measured times (a TCG guest on a shared
# machine draws with a software renderer, tens of times slower than a Pi).
START = 900.0
SETTLE = 240.0
PY = "/opt/village-edge/current/bin/python"
STATE = "/var/lib/village-edge"
# A receipt in the kiosk's print queue, written as the queue writes one.
KEEP_RECEIPT = """
import json
from datetime import datetime
from pathlib import Path
from durable.atomic import atomic_write
from hardware.printer import sample_test_receipt
from kiosk.services.receipt_codec import receipt_to_dict
queue = Path("/var/lib/village-edge/print-queue")
queue.mkdir(mode=0o700, exist_ok=True)
receipt = sample_test_receipt("{code}", "示范村", datetime.now())
atomic_write(queue / "0000000001.json", json.dumps(receipt_to_dict(receipt)).encode())
"""


def show(guest: Guest, prop: str, unit: str = UNIT) -> str:
    return guest.machine.check(f"systemctl show -p {prop} --value {unit}").strip()


def journal(guest: Guest, unit: str = UNIT) -> str:
    return guest.machine.run(f"journalctl -b -u {unit} --no-pager | tail -60").output


def screen(guest: Guest, name: str) -> Image.Image:
    return guest.machine.screendump(guest.workdir / f"{name}.png")


def wait_for_screen(guest: Guest, name: str, wanted: str, timeout: float) -> Image.Image:
    """Screendumps until one shows *wanted* (a property of :class:`Look`)."""
    deadline = time.monotonic() + timeout
    while True:
        image = screen(guest, name)
        if getattr(Look.of(image), wanted) or time.monotonic() > deadline:
            return image
        time.sleep(3)


def running(guest: Guest, program: str) -> bool:
    """Whether a process named *program* runs in the guest (from /proc/*/comm:
    minbase has no procps)."""
    names = guest.machine.run("cat /proc/[0-9]*/comm 2>/dev/null; true").stdout
    return program in names.split()


def drawing_on_kms(guest: Guest) -> str:
    """The kiosk's process, if it holds the DRM device open: its pid."""
    pid = show(guest, "MainPID")
    assert pid != "0", journal(guest)
    fds = guest.machine.run(f"ls -l /proc/{pid}/fd").stdout
    return pid if "/dev/dri/card0" in fds else ""


def test_the_virtual_gpu_gives_a_kernel_modesetting_device(kiosk: Guest) -> None:
    machine = kiosk.machine
    # card0's device is the PCI function; the DRM driver binds its virtio device.
    assert machine.check("readlink -f /sys/class/drm/card0/device/virtio*/driver").strip() \
        .endswith("/virtio_gpu")
    assert machine.check("stat -c %F /dev/dri/card0").strip() == "character special file"
    # The display it drives: connected, at the 7-inch panel's 800x480.
    connectors = machine.check("grep -l '^connected' /sys/class/drm/card0-*/status").split()
    assert connectors, "no connected display on card0"
    modes = machine.check(f"cat {connectors[0].removesuffix('/status')}/modes")
    assert "800x480" in modes.split(), modes


def test_first_boot_commissions_the_kiosk_and_restarts_only_its_units(kiosk: Guest) -> None:
    machine = kiosk.machine
    assert machine.wait_until(
        f"systemctl show -p ConditionResult -p ActiveState -p Result -p ExecMainStatus "
        f"{FIRSTBOOT} | sort | tr '\\n' ' ' | grep -qx 'ActiveState=inactive "
        "ConditionResult=yes ExecMainStatus=0 Result=success '", START), \
        journal(kiosk, FIRSTBOOT)
    config = machine.check("cat /etc/village-edge/config.toml")
    assert 'role = "kiosk"' in config, config
    said = machine.check(f"journalctl -b -u {FIRSTBOOT} -o cat --no-pager")
    assert "Commissioned." in said, said
    assert "not found" not in said and "note:" not in said, said


def test_a_touch_on_the_tablet_changes_the_screen(kiosk: Guest) -> None:
    """Untouched for three minutes, the kiosk shows its attract screen; a
    touch anywhere brings the home screen, and a touch on 大字 there
    switches to large text."""
    machine = kiosk.machine
    idle = wait_for_screen(kiosk, "idle", "attract", START)
    assert Look.of(idle).attract, f"{Look.of(idle)}: see {kiosk.workdir / 'idle.png'}"
    width, height = idle.size
    machine.tap(width // 2, height // 2)
    home = wait_for_screen(kiosk, "touched", "home", SETTLE)
    assert Look.of(home).home, f"{Look.of(home)}: see {kiosk.workdir / 'touched.png'}"
    x, y = button_at(home, BAR_BUTTON, (0, 0, width, height // 5))  # 大字 (large text)
    machine.tap(x, y)
    deadline = time.monotonic() + SETTLE
    while True:
        after = screen(kiosk, "large-text")
        if changed(home, after) > 0.1 or time.monotonic() > deadline:
            break
        time.sleep(2)
    # Bigger words, another layout (a pressed button alone darkens under 2%
    # of the screen), still the home screen.
    assert changed(home, after) > 0.1, f"the touch at ({x}, {y}) changed nothing: see " \
                                       f"{kiosk.workdir / 'large-text.png'}"
    assert Look.of(after).home, f"{Look.of(after)}: see {kiosk.workdir / 'large-text.png'}"


def test_the_kiosk_draws_its_home_screen_on_kms_from_tty1(kiosk: Guest) -> None:
    machine = kiosk.machine
    assert machine.wait_until(f"systemctl is-active -q {UNIT}", START), journal(kiosk)
    image = wait_for_screen(kiosk, "home", "home", START)
    look = Look.of(image)
    assert look.home, f"the screen does not show the home screen ({look}); " \
                      f"see {kiosk.workdir / 'home.png'}\n{journal(kiosk)}"
    pid = drawing_on_kms(kiosk)
    assert pid, f"the kiosk does not hold /dev/dri/card0:\n{journal(kiosk)}"
    environ = machine.check(f"tr '\\0' '\\n' < /proc/{pid}/environ")
    assert "SDL_VIDEODRIVER=kmsdrm" in environ.splitlines()
    assert "DISPLAY" not in {line.split("=")[0] for line in environ.splitlines()}
    assert not running(kiosk, "Xvfb"), "an X server was started"
    # Mesa's GBM driver (libgl1-mesa-dri, installed by setup.sh kiosk) draws.
    assert "_dri.so" in machine.check(f"cat /proc/{pid}/maps")
    assert machine.check("cat /sys/class/tty/tty0/active").strip() == "tty1"


def test_ctrl_alt_f2_shows_no_login_prompt(kiosk: Guest) -> None:
    machine = kiosk.machine
    machine.keys("ctrl", "alt", "f2")
    time.sleep(5)
    image = screen(kiosk, "ctrl-alt-f2")
    look = Look.of(image)
    # The kiosk still (any of its screens), or black; a login prompt is light
    # text on black.
    assert look.kiosk or look.dark > 0.995, f"the screen after Ctrl+Alt+F2: {look}; see " \
                                             f"{kiosk.workdir / 'ctrl-alt-f2.png'}"
    assert machine.check("cat /sys/class/tty/tty0/active").strip() == "tty1"
    assert machine.run("systemctl is-active -q getty@tty2.service").returncode != 0
    gettys = machine.check("systemctl list-units --state=active --no-legend --plain "
                           "'getty@*' 'autovt@*'")
    assert "tty2" not in gettys, gettys


def test_a_killed_kiosk_is_back_on_the_screen(kiosk: Guest) -> None:
    machine = kiosk.machine
    pid = show(kiosk, "MainPID")
    restarts = int(show(kiosk, "NRestarts"))
    machine.check(f"systemctl kill -s KILL {UNIT}")
    assert machine.wait_until(
        f"systemctl is-active -q {UNIT} && "
        f"[ $(systemctl show -p NRestarts --value {UNIT}) -gt {restarts} ] && "
        f"ls -l /proc/$(systemctl show -p MainPID --value {UNIT})/fd | grep -q /dev/dri/card0",
        START), journal(kiosk)
    assert show(kiosk, "MainPID") != pid
    image = wait_for_screen(kiosk, "after-kill", "home", START)
    assert Look.of(image).home, f"{Look.of(image)}: see {kiosk.workdir / 'after-kill.png'}"


def test_the_kiosk_prints_a_kept_receipt_on_the_usb_printer_under_its_unit(
    kiosk: Guest,
) -> None:
    """A receipt kept on disk for later (as the kiosk keeps one when the
    printer is out of paper) is printed by the kiosk itself, under its unit's
    sandbox, on the USB receipt printer; its bytes reach this machine and its
    QR code reads what the receipt was made with."""
    machine = kiosk.machine
    before = len(machine.printed())
    mark = f"{kiosk.commissioning.device_id}-kept"
    machine.check(f"runuser -u village-edge -- {PY} -c '{KEEP_RECEIPT.format(code=mark)}'")
    paper = slip_printed(machine, mark, START, after=before)
    assert mark in paper.qr, f"{paper}\n{journal(kiosk)}"
    assert paper.lines_of_ink >= 5, paper
    assert machine.wait_until(f"[ -z \"$(ls {STATE}/print-queue/*.json 2>/dev/null)\" ]",
                              SETTLE), "the kept receipt is still waiting"

"""The Wi-Fi profile first boot writes, read back by NetworkManager's own
keyfile parser (libnm) and GLib's key-file parser under it, run by the OS's
python3: every printable ASCII character in the network name and in the
password, in every position, and names and passwords in Chinese."""

from __future__ import annotations

import json
import shutil
import string
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from county import operator
from county.server import CountyServer
from provision.bootfile import Wifi
from provision.wifi import FILE_NAME, nm_keyfile
from tests.provision.conftest import Device, boot_text

READER = Path(__file__).with_name("nm_reader.py")
OS_PYTHON = "/usr/bin/python3"
#: Debian's packages that give the OS's python3 NetworkManager's parser.
OS_PACKAGES = ("python3-gi", "gir1.2-glib-2.0", "gir1.2-nm-1.0")
PRINTABLE = string.printable[:95]  # ' ' to '~'


@cache
def os_python() -> str:
    """The OS's python3, with libnm and GLib importable (installed if missing)."""
    probe = [OS_PYTHON, "-c", "import gi; gi.require_version('NM', '1.0'); "
             "from gi.repository import NM, GLib"]
    if subprocess.run(probe, capture_output=True, check=False).returncode != 0:
        apt = shutil.which("apt-get")
        assert apt, f"install {' '.join(OS_PACKAGES)} for {OS_PYTHON}"
        installed = subprocess.run([apt, "install", "-y", "-q", *OS_PACKAGES],
                                   capture_output=True, text=True, check=False, timeout=600)
        assert installed.returncode == 0, installed.stderr
    return OS_PYTHON


def read_back(profiles: list[str]) -> list[dict[str, Any]]:
    """What NetworkManager and GLib read from each profile."""
    ran = subprocess.run([os_python(), str(READER)], input=json.dumps(profiles),
                         capture_output=True, text=True, check=False, timeout=120)
    assert ran.returncode == 0, ran.stderr
    answers: list[dict[str, Any]] = json.loads(ran.stdout)
    return answers


def assert_read_as(answer: dict[str, Any], ssid: str, password: str) -> None:
    """NetworkManager reads exactly *ssid* and *password*; GLib has no complaint."""
    nm = answer["nm"]
    assert "error" not in nm, (ssid, password, nm)
    assert bytes.fromhex(nm["ssid"]).decode("utf-8") == ssid
    assert nm["psk"] == (password or None)
    assert nm["id"] == "village-edge-wifi"
    assert not [value for value in answer["glib"].values() if isinstance(value, dict)], answer


def test_every_printable_character_in_every_position_reads_back() -> None:
    cases = [(f"{c}ss{c}id{c}", f"{c}pass{c}word{c}") for c in PRINTABLE]
    cases += [("1;2;3;", "1;2;3;4;"), ("   ", "        "), ("\\s\\n", "\\;\\s\\t\\\\"),
              (PRINTABLE[:32], PRINTABLE[32:95])]
    answers = read_back([nm_keyfile(Wifi(ssid, password, "CN", False))
                         for ssid, password in cases])
    for (ssid, password), answer in zip(cases, answers, strict=True):
        assert_read_as(answer, ssid, password)


@pytest.mark.parametrize(("ssid", "password"), [
    ("村委会 WiFi", "密码;#\"'\\ 通行证"),
    ("示范村村委会办公室网5G", "密码ab"),  # 32 bytes, the most; 8 bytes, the least
    ("📶 Café; #1", "口令" * 10 + "abc"),  # 4-byte UTF-8; a password of 63 bytes
    ("hidden", "0123456789abcdef" * 4),  # a raw key: 64 hex digits
    ("open network", ""),
], ids=["chinese", "longest", "emoji", "raw-key", "open"])
def test_names_and_passwords_beyond_ascii_read_back(ssid: str, password: str) -> None:
    hidden = ssid == "hidden"
    [answer] = read_back([nm_keyfile(Wifi(ssid, password, "CN", hidden))])
    assert_read_as(answer, ssid, password)
    assert answer["nm"]["hidden"] is hidden


def test_first_boot_writes_a_password_network_manager_reads(
    county: CountyServer, device: Device
) -> None:
    """The technician's password with ';', '#', quotes and a backslash, as
    the boot file spells it, reaches NetworkManager unchanged."""
    kiosk = "ve-330226100201-kiosk1"
    password = "a;b#c\"d'e\\f g"
    code = operator.make_enroll_code(county.data_dir, kiosk)
    device.write_boot(boot_text(county.url, role="kiosk", public_key=county.public_key,
                                enroll_code=code, ssid="村委会;#1",
                                password=json.dumps(password)[1:-1]))
    status, out = device.provision()
    assert status == 0, out
    [answer] = read_back([(device.wifi / FILE_NAME).read_text(encoding="utf-8")])
    assert_read_as(answer, "村委会;#1", password)

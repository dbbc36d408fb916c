"""The boot file's limits, as a technician meets them: a file too big (or no
file at all but a device such as /dev/zero), a value too long, a control
character, a value of the wrong kind thousands of items long. Each is one
line naming the field, exit 78, and nothing written."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from provision.bootfile import MAX_FILE_BYTES, MAX_PROBLEM_CHARS
from tests.provision.conftest import FINGERPRINT, URL, Device, boot_text, refused

CODE = "K7QM-3XPA-9TRW"
#: Address space for the whole command: what it needs, far from what an
#: unbounded read of /dev/zero would take.
ADDRESS_SPACE = 2 * 1024**3


def valid(**change: str) -> str:
    return boot_text(URL, **{"key_fingerprint": FINGERPRINT, "enroll_code": CODE, **change})


def problem_lines(err: str) -> list[str]:
    """The problems of a refusal, without the line that introduces them."""
    first, *rest = err.splitlines()
    return [line.strip() for line in rest] or [first.partition("was not changed: ")[2]]


def test_a_file_up_to_the_limit_is_read(device: Device) -> None:
    text = valid()
    padding = MAX_FILE_BYTES - len(text.encode()) - 1
    device.write_boot(f"{text}\n#{'x' * (padding - 1)}")
    assert device.boot.stat().st_size == MAX_FILE_BYTES
    status, out = device.provision("--dry-run")
    assert status == 0, out


@pytest.mark.parametrize("size", [MAX_FILE_BYTES + 1, 50 * 1024 * 1024], ids=["limit+1", "50MB"])
def test_a_bigger_file_is_refused_by_its_size(device: Device, size: int) -> None:
    text = valid()
    device.write_boot(f"{text}\n#{'x' * (size - len(text.encode()) - 2)}")
    assert device.boot.stat().st_size == size
    out = refused(device, "larger than 64 KiB", "template")
    assert len(out.splitlines()) == 1


def test_a_village_name_of_100000_characters_is_refused(device: Device) -> None:
    device.write_boot(valid(name="示" * 100_000))
    out = refused(device, "larger than 64 KiB")
    assert len(out) < MAX_PROBLEM_CHARS


def test_dev_zero_as_the_boot_file_is_refused_within_bounded_memory(tmp_path: Path) -> None:
    """Run as its own process under an address-space limit: reading all of
    /dev/zero would fail on it instead of filling the machine's memory."""

    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    ran = subprocess.run(
        [sys.executable, "-m", "village_edge", "provision", "--boot-config", "/dev/zero",
         "--dry-run", "--template", str(Path(__file__).parents[2] / "docs/config.example.toml")],
        capture_output=True, text=True, timeout=120, preexec_fn=bounded, check=False,
        cwd=tmp_path)
    assert ran.returncode == 78, ran.stderr
    assert ran.stdout == ""
    assert ran.stderr == (
        "village-edge provision: commissioning failed; the device configuration was not "
        "changed: /dev/zero: larger than 64 KiB, so not a boot file; start again from the "
        "template (village-edge.toml, about 2 KiB)\n")


@pytest.mark.parametrize(("key", "value"), [
    ("name", "示" * 40),
    ("url", "https://" + "c" * 192),
    ("enroll_code", "K7QM-" + "3" * 35),
    ("ssid", "w" * 32),
    ("password", "p" * 63),
    ("key_fingerprint", "0123 4567 89ab cdef" + " " * 21),
], ids=lambda value: str(value)[:12])
def test_the_longest_value_of_each_field_is_taken(device: Device, key: str, value: str) -> None:
    change = {key: value}
    if key == "password":
        change["ssid"] = "cun"
    device.write_boot(valid(**change))
    status, out = device.provision("--dry-run")
    assert status == 0, out


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("name", "示" * 41, "[village] name: at most 40 characters, found 41"),
    ("url", "https://" + "c" * 193, "[county] url: at most 200 characters, found 201"),
    ("key_fingerprint", " " * 41, "[county] key_fingerprint: at most 40 characters, found 41"),
    ("public_key", "A" * 101, "[county] public_key: at most 100 characters, found 101"),
    ("enroll_code", "K" * 41, "[county] enroll_code: at most 40 characters, found 41"),
    ("id", "v" * 41, "[device] id: at most 40 characters, found 41"),
    ("ssid", "w" * 33, "[wifi] ssid: at most 32 characters, found 33"),
    ("ssid", "村" * 11, "[wifi] ssid: a Wi-Fi name is at most 32 bytes"),
    ("password", "密" * 22, "[wifi] password: a WPA password has 8 to 63 bytes"),
    ("password", "密码a", "[wifi] password: a WPA password has 8 to 63 bytes"),
    ("password", "p" * 65, "[wifi] password: at most 64 characters, found 65"),
    ("name", "示范\\n村", "[village] name: a line break, tab or other control character"),
    ("password", "pass\\tword", "[wifi] password: a line break, tab or other control"),
    ("ssid", "cun\\u0000", "[wifi] ssid: a line break, tab or other control"),
], ids=lambda value: str(value)[:16])
def test_a_value_beyond_its_limit_is_one_short_line_naming_it(
    device: Device, key: str, value: str, expected: str
) -> None:
    change = {key: value}
    if key == "password":
        change["ssid"] = "cun"
    device.write_boot(valid(**change))
    out = refused(device, expected)
    [line] = [line for line in problem_lines(out) if expected in line]
    assert len(line) <= MAX_PROBLEM_CHARS, line


def test_a_value_of_the_wrong_kind_thousands_long_is_cut_to_one_line(device: Device) -> None:
    device.write_boot(valid().replace('name = "示范村"', f"name = [{', '.join(['1'] * 5000)}]"))
    out = refused(device, "[village] name: expected the village's name, found [1, 1, 1")
    [line] = problem_lines(out)
    assert len(line) <= MAX_PROBLEM_CHARS + 40 and line.endswith("characters)")

"""First boot against a real county: the boot file as a technician writes it
(Notepad: BOM, CRLF; or GBK by mistake), every bad input named by its field
with nothing written, and a successful enrollment that empties the code."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from county import operator
from county.server import CountyServer
from device.config import load_config
from provision.used_code import without_code
from tests.provision.conftest import (
    DEVICE,
    EXIT_UNREACHABLE,
    FINGERPRINT,
    URL,
    Device,
    boot_text,
    refused,
)


def test_a_notepad_file_enrolls_by_fingerprint_and_loses_only_its_code(
    county: CountyServer, device: Device
) -> None:
    code = operator.make_enroll_code(county.data_dir, DEVICE)
    device.write_boot(boot_text(county.url, key_fingerprint=county.key_fingerprint.upper(),
                                enroll_code=code), bom=True, crlf=True)
    before = device.boot.read_bytes()

    status, out = device.provision()

    assert status == 0, out
    assert f"device      {DEVICE}" in out and "示范村 (330226100201)" in out
    assert f"county key  {county.key_fingerprint}" in out
    config = load_config(device.config, home=device.root)
    assert (config.device_id, config.role, config.county_url) == (DEVICE, "seal", county.url)
    assert config.county_public_key == county.public_key
    assert config.state_dir == device.state
    enrollment = json.loads((device.state / "enrollment.json").read_text())
    assert enrollment["county_public_key"] == county.public_key
    assert operator.stats(county.data_dir)["devices"][DEVICE]["enrolled"]
    after = device.boot.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf") and b"\r\n" in after and b"\n" not in after.replace(
        b"\r\n", b"")
    assert code.encode() not in after
    changed = [(a, b) for a, b in zip(before.split(b"\r\n"), after.split(b"\r\n"), strict=True)
               if a != b]
    assert len(changed) == 1 and changed[0][1].startswith(b'enroll_code = ""')
    status_file = json.loads((device.state / "commissioning.json").read_text())
    assert status_file["ok"] and status_file["summary"]["device"] == DEVICE

    again, out = device.provision()  # the next boot: nothing to do
    assert again == 0, out
    assert "already enrolled" in out and "wrote" not in out
    assert device.boot.read_bytes() == after


def test_a_kiosk_with_the_full_key_wifi_and_display(county: CountyServer, device: Device) -> None:
    kiosk = "ve-330226100201-kiosk1"
    code = operator.make_enroll_code(county.data_dir, kiosk)
    text = boot_text(county.url, role="kiosk", public_key=county.public_key, enroll_code=code,
                     ssid="村委会 WiFi", password="cunweihui2024", rotation="90",
                     cursor="true", blank_minutes="30")
    device.write_boot(text)

    status, out = device.provision()

    assert status == 0, out
    config = load_config(device.config, home=device.root)
    assert config.device_id == kiosk and config.role == "kiosk"
    assert config.station.slots == () and not config.camera.enabled
    env = device.kiosk_env.read_text()
    assert "KCFG_GRAPHICS_ROTATION=90" in env and "KCFG_GRAPHICS_SHOW_CURSOR=1" in env
    assert "VILLAGE_EDGE_BLANK_MINUTES=30" in env
    profile = device.wifi / "village-edge-wifi.nmconnection"
    assert "ssid=村委会 WiFi" in profile.read_text() and "psk=cunweihui2024" in profile.read_text()
    assert profile.stat().st_mode & 0o777 == 0o600


def test_a_dry_run_contacts_no_one_and_writes_nothing(county: CountyServer, device: Device) -> None:
    device.write_boot(boot_text(county.url, key_fingerprint=county.key_fingerprint,
                                enroll_code="K7QM-3XPA-9TRW"))
    before = device.boot.read_bytes()
    status, out = device.provision("--dry-run")
    assert status == 0, out
    assert "would enroll" in out and "would remove the enrollment code" in out
    assert device.written() == [] and not device.state.exists()
    assert device.boot.read_bytes() == before




@pytest.mark.parametrize(("change", "fields"), [
    ({"url": "county.example.cn"}, ["[county] url", "https://"]),
    ({"url": "https://"}, ["[county] url"]),
    ({"role": "printer"}, ["[device] role", "'kiosk', 'seal'", "'printer'"]),
    ({"key_fingerprint": "0123456789abcdeg"}, ["[county] key_fingerprint", "16 hex digits"]),
    ({"key_fingerprint": "0123456789abcdef0"}, ["[county] key_fingerprint"]),
    ({"key_fingerprint": ""}, ["[county] key_fingerprint", "missing"]),
    ({"code": "33022610020"}, ["[village] code", "12-digit"]),
    ({"id": "Seal One"}, ["[device] id"]),
    ({"rotation": "45"}, ["[display] rotation"]),
    ({"password": "short"}, ["[wifi] password", "8 to 63"]),
], ids=lambda value: str(value))
def test_a_wrong_value_is_named_and_nothing_is_written(
    change: dict[str, str], fields: list[str], device: Device
) -> None:
    values = {"key_fingerprint": FINGERPRINT, "enroll_code": "K7QM-3XPA-9TRW", **change}
    if "password" in change:
        values["ssid"] = "cun"
    device.write_boot(boot_text(URL, **values))
    out = refused(device, *fields)
    assert str(device.boot) in out


def test_missing_keys_and_sections_are_all_named(device: Device) -> None:
    device.write_boot('[device]\nrole = "seal"\n[county]\nenroll_code = "K7QM-3XPA-9TRW"\n')
    refused(device, "[village]: missing section", "[county] url: missing")


def test_every_problem_is_listed_at_once(device: Device) -> None:
    device.write_boot(boot_text("ftp://county", role="kiosk2", code="12"))
    refused(device, "[county] url", "[device] role", "[village] code")


def test_gbk_text_is_refused_with_how_to_save_it(device: Device) -> None:
    device.write_boot(boot_text(URL, key_fingerprint=FINGERPRINT, name="示范村"), encoding="gbk")
    out = refused(device, "GBK", "save the file as UTF-8")
    assert "Encoding: UTF-8" in out


def test_text_without_quotes_is_named(device: Device) -> None:
    device.write_boot(boot_text(URL, key_fingerprint=FINGERPRINT).replace(
        'name = "示范村"', "name = 示范村"))
    refused(device, "not valid TOML", "double quotes")


def test_a_fingerprint_that_contradicts_the_key(county: CountyServer, device: Device) -> None:
    device.write_boot(boot_text(county.url, key_fingerprint=FINGERPRINT,
                                public_key=county.public_key, enroll_code="K7QM-3XPA-9TRW"))
    refused(device, "[county] key_fingerprint", "mistyped")


def test_a_mistyped_fingerprint_leaves_the_code_unused(
    county: CountyServer, device: Device, tmp_path: Path
) -> None:
    """The county proves its key before the device shows it the code: with a
    wrong fingerprint the code never leaves the device, and the same code
    still enrolls this device, or another card, once the file is right."""
    seal = "ve-330226100201-seal7"
    code = operator.make_enroll_code(county.data_dir, seal)
    device.write_boot(boot_text(county.url, id=seal, key_fingerprint=FINGERPRINT,
                                enroll_code=code))
    out = refused(device, "[county] key_fingerprint", county.key_fingerprint, FINGERPRINT)
    assert not (device.state / "enrollment.json").exists()
    assert "the enrollment code was not used and nothing was kept" in out
    assert seal not in operator.stats(county.data_dir)["devices"]

    other = Device(tmp_path / "another-card")  # a new device key: a used code would be refused
    other.write_boot(boot_text(county.url, id=seal, key_fingerprint=county.key_fingerprint,
                               enroll_code=code))
    status, out = other.provision()
    assert status == 0, out
    assert operator.stats(county.data_dir)["devices"][seal]["enrolled"]


def test_a_server_with_another_key_never_sees_the_code(
    county: CountyServer, device: Device, tmp_path: Path
) -> None:
    """The boot file pins the county's whole key; the address leads to another
    county (or someone in between) with a code for this device: it is not
    shown the code."""
    with CountyServer(tmp_path / "impostor") as impostor:
        code = operator.make_enroll_code(impostor.data_dir, DEVICE)
        device.write_boot(boot_text(impostor.url, public_key=county.public_key,
                                    enroll_code=code))
        out = refused(device, "[county] public_key", impostor.key_fingerprint,
                      county.key_fingerprint)
        assert "the enrollment code was not used" in out
        assert DEVICE not in operator.stats(impostor.data_dir)["devices"]


def test_a_code_the_county_refuses(county: CountyServer, device: Device) -> None:
    device.write_boot(boot_text(county.url, key_fingerprint=county.key_fingerprint,
                                enroll_code="AAAA-BBBB-CCCC"))
    out = refused(device, "[county] enroll_code", "refused the code")
    assert not (device.state / "enrollment.json").exists()
    assert "county operator" in out or "code" in out


def test_a_used_code_is_refused_on_another_device(
    county: CountyServer, device: Device, tmp_path: Path
) -> None:
    code = operator.make_enroll_code(county.data_dir, "ve-330226100201-seal2")
    text = boot_text(county.url, id="ve-330226100201-seal2",
                     key_fingerprint=county.key_fingerprint, enroll_code=code)
    first = Device(tmp_path / "first")
    first.write_boot(text)
    assert first.provision()[0] == 0
    device.write_boot(text)  # the same file copied onto a second card
    refused(device, "[county] enroll_code", "refused the code")


def test_no_code_on_a_device_never_enrolled(device: Device) -> None:
    device.write_boot(boot_text(URL, key_fingerprint=FINGERPRINT))
    refused(device, "[county] enroll_code: missing", "enroll-code --device")


def test_an_unreachable_county_is_retried_later(device: Device) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    device.write_boot(boot_text(f"http://127.0.0.1:{port}", key_fingerprint=FINGERPRINT,
                                enroll_code="K7QM-3XPA-9TRW"))
    refused(device, "cannot reach the county", "trying again", status=EXIT_UNREACHABLE)


def test_removing_the_code_keeps_every_other_byte() -> None:
    raw = b'\xef\xbb\xbf[county]\r\nurl = "x"\r\nenroll_code = "K7QM"  # from the county\r\n' \
          b'[wifi]\r\nenroll_code = "not this one"\r\n'
    out = without_code(raw, 0)
    assert out.startswith(b'\xef\xbb\xbf[county]\r\nurl = "x"\r\nenroll_code = ""    # used ')
    assert out.endswith(b'\r\n[wifi]\r\nenroll_code = "not this one"\r\n')
    assert without_code(out, 0) == out


@pytest.mark.parametrize("role", ["seal", "kiosk"])
def test_first_boot_restarts_only_the_units_of_the_installed_role(
    county: CountyServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, role: str
) -> None:
    """A seal station has no kiosk unit (and a kiosk no seal unit): naming
    one makes systemctl refuse the whole try-restart ("Unit ... not found"),
    and the new configuration is not taken up until the next boot. systemctl
    is the one stand-in (this machine's PID 1 is not systemd); the booted
    test (tests/boot/) runs the real one."""
    device_id = f"ve-330226100201-{role}9"
    code = operator.make_enroll_code(county.data_dir, device_id, role=role)
    device = Device(tmp_path / role)
    device.write_boot(boot_text(county.url, role=role, id=device_id,
                                key_fingerprint=county.key_fingerprint, enroll_code=code))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    calls = tmp_path / f"systemctl-{role}.txt"
    (bin_dir / "systemctl").write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    (bin_dir / "systemctl").chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))

    status, out = device.provision("--restart-services", "--slip", "never")

    assert status == 0, out
    other = "kiosk" if role == "seal" else "seal"
    assert calls.read_text().split() == ["try-restart", f"village-edge-{role}.service",
                                         "village-edge-sync.service"], (other, out)
    assert "note:" not in out

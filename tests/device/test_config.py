"""Every kind of bad configuration is refused at once, with the file, the key,
what was expected and what was found."""

from __future__ import annotations

from pathlib import Path

import pytest

from device.config import ConfigError, embedded_default_text, load_config, parse_config
from device.runtime import resolve_config

HOME = Path("/home/technician")


def config_with(old: str, new: str) -> str:
    text = embedded_default_text()
    assert old in text, old
    return text.replace(old, new, 1)


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="/etc/village-edge/config.toml", home=HOME)
    assert all(p.startswith("/etc/village-edge/config.toml: ") for p in caught.value.problems)
    return caught.value.problems


def test_the_embedded_default_runs_everything_simulated() -> None:
    config = load_config(None, home=HOME)
    assert config.simulate
    assert config.is_embedded_default
    assert config.state_dir == HOME / ".local/state/village-edge"
    assert [s.name for s in config.station.slots] == ["party", "committee", "coop"]
    assert config.printer.connection == "file"
    assert config.printer.file_path.startswith(str(config.state_dir))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("hold_duty = 0.4", "hold_duty = 0.4\nhodl = 1", "[lock] hodl: unknown key"),
        ("[camera]", "[camra]\n[camera]", "[camra]: unknown section"),
        ("lock = 17", 'lock = "seventeen"', "[[slots]] #1 lock: expected a BCM pin number, "
         "found 'seventeen' (text)"),
        ("simulate = true", "simulate = 1", "[device] simulate: expected true or false, "
         "found 1 (integer)"),
        ("pwm_hz = 1000", "pwm_hz = true", "[lock] pwm_hz: expected a PWM frequency in Hz, "
         "found True (true/false)"),
        ("pin = 12", "pin = 28", "[buzzer] pin: expected a BCM GPIO number from 2 to 27"),
        ("pin = 12", "pin = 0", "GPIO 0 and 1 are kept for HAT identification"),
        ("pin = 12", "pin = 17", "pins: BCM 17 is used by both slot party lock and buzzer"),
        ("sleeve = 13", "sleeve = 5", "BCM 5 is used by both slot party sleeve and slot "
         "committee sleeve"),
        ("lock = 17", "lock = 4", "BCM 4 is pulled high while the Pi boots"),
        ('role = "all"', 'role = "kisok"', "[device] role: expected one of 'kiosk', 'seal', "
         "'all', found 'kisok'"),
        ('id = "dev-demo-0001"', 'id = "Dev 1"', "[device] id: expected 3 to 40 lower-case"),
        ('code = "330226100201"', 'code = "3302"', "[village] code: expected the 12-digit"),
        ('code = "330226100201"', 'code = "٣٣٠٢٢٦١٠٠٢٠١"', "[village] code: expected the 12-digit"),
        ("pins = [16, 20, 21]", "pins = [16, 20]", "[lamp] pins: expected three BCM pin numbers"),
        ("pins = [16, 20, 21]", 'pins = [16, "x", 21]', "[lamp] pins: expected a list of three"),
        ("hold_duty = 0.4", "hold_duty = 1.5", "[lock] hold_duty: expected 0.05 to 1"),
        ("paper_mm = 58", "paper_mm = 57", "[printer] paper_mm: expected one of 58, 80"),
        ('connection = "file"', 'connection = "network"', "[printer] host: missing; "
         "connection = 'network' needs it"),
        ('name = "party"', 'name = "committee"', "'committee' is used by more than one slot"),
        ('[village]\ncode = "330226100201"\n', '[village]\n', "[village] code: missing"),
        ("pull_in_seconds = 0.2\nhold_duty = 0.4\nmax_on_seconds = 120.0",
         "pull_in_seconds = 4.0\nhold_duty = 0.4\nmax_on_seconds = 2.0",
         "[lock]: max_on_seconds must exceed pull_in_seconds"),
    ],
)
def test_bad_values_are_named(old: str, new: str, expected: str) -> None:
    found = problems(config_with(old, new))
    assert any(expected in p for p in found), found
    assert len(found) == 1, found


LOCK_LINES = {"pull_in_seconds": "pull_in_seconds = 0.2", "hold_duty": "hold_duty = 0.4",
              "max_on_seconds": "max_on_seconds = 120.0", "pwm_hz": "pwm_hz = 1000"}


@pytest.mark.parametrize(
    ("key", "low", "high", "below", "above"),
    [
        ("pull_in_seconds", "0.01", "5", "0.009", "5.01"),
        ("hold_duty", "0.05", "1", "0.04", "1.01"),
        ("max_on_seconds", "1", "3600", "0.99", "3601"),
        ("pwm_hz", "10", "20000", "9", "20001"),
    ],
)
def test_the_lock_accepts_every_timing_the_file_check_accepts(
    key: str, low: str, high: str, below: str, above: str
) -> None:
    for edge in (low, high):
        config = parse_config(config_with(LOCK_LINES[key], f"{key} = {edge}"), source="x",
                              home=HOME)
        assert getattr(config.station.lock_timing, key) == float(edge)
    for outside in (below, above):
        found = problems(config_with(LOCK_LINES[key], f"{key} = {outside}"))
        assert len(found) == 1 and f"[lock] {key}: expected {low} to {high}" in found[0], found


def test_a_missing_section_is_named() -> None:
    text = embedded_default_text()
    start = text.index("[village]")
    end = text.index("[paths]")
    assert any("[village]: missing section" in p for p in problems(text[:start] + text[end:]))


def test_every_problem_is_reported_at_once() -> None:
    text = config_with("pin = 12", "pin = 99")
    text = text.replace("paper_mm = 58", "paper_mm = 99")
    text = text.replace("hold_duty = 0.4", "hold_duty = 2")
    assert len(problems(text)) == 3


def test_too_many_seals_for_one_station() -> None:
    fourth = '\n[[slots]]\nname = "extra"\nlabel = "备用"\nlock = 9\nsleeve = 10\nplunger = 11\n'
    text = config_with("[printer]", fourth + "\n[printer]")
    assert any("at most 3 seals, found 4" in p for p in problems(text))


def test_a_kiosk_has_no_seal_slots() -> None:
    found = problems(config_with('role = "all"', 'role = "kiosk"'))
    assert any("a kiosk has no seal slots" in p for p in found)


def test_a_seal_station_needs_a_seal() -> None:
    text = embedded_default_text()
    text = text[: text.index("[[slots]]")] + text[text.index("[printer]"):]
    assert any("needs at least one [[slots]]" in p for p in problems(text))


def test_toml_syntax_errors_give_the_line() -> None:
    found = problems(config_with("[lock]", "[lock\n"))
    assert "not valid TOML" in found[0] and "line" in found[0]


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "config.toml", home=HOME)


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(embedded_default_text().encode("gbk"))
    with pytest.raises(ConfigError, match=r"not UTF-8 text .* save the file as UTF-8"):
        load_config(path, home=HOME)


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf" + embedded_default_text().encode("utf-8"))
    assert load_config(path, home=HOME).village_name == "示范村（开发用）"


def test_simulation_redirects_a_real_printer_to_a_file(tmp_path: Path) -> None:
    text = config_with('connection = "file"', 'connection = "usb"\nusb_vendor = 0x0416\n'
                       "usb_product = 0x5011")
    real = parse_config(text.replace("simulate = true", "simulate = false"), source="x",
                        home=HOME)
    assert real.printer.connection == "usb" and not real.simulate
    simulated = parse_config(text.replace("simulate = true", "simulate = false"), source="x",
                             home=HOME, simulate=True)
    assert simulated.printer.connection == "file"
    assert simulated.camera.backend == "simulated"


def test_a_pi_without_its_config_file_refuses_the_development_default(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="This is a Raspberry Pi"):
        resolve_config(None, simulate=False, home=HOME, default_path=tmp_path / "none.toml",
                       on_pi=True)
    rehearsal = resolve_config(None, simulate=True, home=HOME,
                               default_path=tmp_path / "none.toml", on_pi=True)
    assert rehearsal.simulate


def test_a_development_machine_uses_the_default(tmp_path: Path) -> None:
    config = resolve_config(None, simulate=False, home=HOME,
                            default_path=tmp_path / "none.toml", on_pi=False)
    assert config.is_embedded_default


def test_the_documented_example_is_a_valid_real_device_config() -> None:
    from tests.conftest import REPO

    config = load_config(REPO / "docs/config.example.toml", home=HOME)
    assert not config.simulate
    assert config.role == "seal"
    assert config.printer.connection == "usb"
    assert config.state_dir == Path("/var/lib/village-edge")

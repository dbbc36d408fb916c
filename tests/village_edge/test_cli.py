"""The ``village-edge`` command as a technician and a newcomer run it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

from device.config import embedded_default_text
from tests.conftest import REPO

Run = Callable[..., CompletedProcess[str]]
DEVICES = ["lock party", "sleeve party", "plunger party", "lock committee", "sleeve committee",
           "plunger committee", "lock coop", "sleeve coop", "plunger coop", "lid", "lamp",
           "buzzer", "printer"]


def write_config(tmp_path: Path, old: str = "", new: str = "", *, state: Path) -> Path:
    text = embedded_default_text().replace(
        'state_dir = "~/.local/state/village-edge"', f'state_dir = "{state}"'
    )
    if old:
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def lines_by_check(output: str) -> dict[str, str]:
    found = {}
    for line in output.splitlines():
        status, _, rest = line.partition("  ")
        name = rest.strip().split("  ")[0]
        found[name] = status.strip()
    return found


def test_doctor_simulated_reports_every_device(run_cli: Run) -> None:
    result = run_cli("doctor", "--simulate")
    assert result.returncode == 0, result.stdout + result.stderr
    checks = lines_by_check(result.stdout)
    for name in [*DEVICES, "config", "pin factory", "camera", "state directory", "clock"]:
        assert name in checks, (name, result.stdout)
    for name in DEVICES:
        assert checks[name] == "OK", result.stdout
    assert "built-in development configuration" in result.stderr


def test_doctor_json(run_cli: Run) -> None:
    result = run_cli("doctor", "--simulate", "--json")
    report = json.loads(result.stdout)
    assert report["ok"] is True
    statuses = {c["check"]: c["status"] for c in report["checks"]}
    assert statuses["lock coop"] == "OK"
    assert set(statuses.values()) <= {"OK", "WARN", "FAIL"}


def test_selftest_simulated_cycles_every_device(run_cli: Run, home: Path) -> None:
    result = run_cli("hw", "selftest", "--simulate")
    assert result.returncode == 0, result.stdout + result.stderr
    checks = lines_by_check(result.stdout)
    for name in DEVICES:
        assert checks.get(name) == "OK", (name, result.stdout)
    assert "held at 40%, locked again" in result.stdout
    state = home / ".local/state/village-edge"
    printed = (state / "printer/receipts.bin").read_bytes()
    assert printed.startswith(b"\x1b@")  # ESC @: a real ESC/POS job
    assert (state / "selftest-receipt.png").stat().st_size > 1000


def test_real_pins_never_fall_back_to_mock_pins(run_cli: Run, tmp_path: Path) -> None:
    config = write_config(tmp_path, "simulate = true", "simulate = false", state=tmp_path / "st")
    result = run_cli("--config", str(config), "doctor")
    assert result.returncode == 1
    checks = lines_by_check(result.stdout)
    assert checks["pin factory"] == "FAIL"
    assert "no real GPIO pin factory could be started" in result.stdout
    assert "--simulate" in result.stdout
    assert "MockFactory" not in result.stdout
    selftest = run_cli("--config", str(config), "hw", "selftest")
    assert selftest.returncode == 3
    assert "no real GPIO pin factory" in selftest.stdout


def test_a_bad_config_starts_nothing(run_cli: Run, tmp_path: Path) -> None:
    state = tmp_path / "state"
    config = write_config(tmp_path, "pin = 12", "pin = 17", state=state)
    for args in (("hw", "selftest", "--simulate"), ("demo",)):
        result = run_cli("--config", str(config), *args)
        assert result.returncode == 2, result.stdout
        assert "nothing was started" in result.stdout
        assert f"{config}: pins: BCM 17 is used by both slot party lock and buzzer" in result.stdout
    assert not state.exists()  # not even the state directory was made


def test_doctor_lists_config_problems(run_cli: Run, tmp_path: Path) -> None:
    config = write_config(tmp_path, "paper_mm = 58", "paper_mm = 57", state=tmp_path / "st")
    result = run_cli("--config", str(config), "doctor")
    assert result.returncode == 1
    assert "FAIL" in result.stdout and "[printer] paper_mm: expected one of 58, 80" in result.stdout


def test_doctor_warns_when_a_config_file_switches_simulation_on(
    run_cli: Run, tmp_path: Path
) -> None:
    config = write_config(tmp_path, state=tmp_path / "st")
    result = run_cli("--config", str(config), "doctor")
    assert lines_by_check(result.stdout)["pin factory"] == "WARN"
    assert "simulate = false" in result.stdout


def test_demo_plays_a_station_session(run_cli: Run, home: Path) -> None:
    result = run_cli("demo", "--speed", "20")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for expected in ("committee:OPEN 100%", "committee:OPEN 40%", "enrolled with code",
                     "stamp 2 of 2: counted and photographed", "locked again at once",
                     "审批码不是县里签发的", "lid OPEN", "ALARM", "receipt preview",
                     "chain verified",
                     "device holds disclosure/works-demo v1, signature verified",
                     "kiosk now shows: 示范县村级小微权力清单 v2",
                     "the county opens it:", "problem '不按程序', anonymous",
                     "the kiosk's window is not opened"):
        assert expected in out, (expected, out)
    assert out.rindex("committee:LOCKED") > out.rindex("committee:OPEN")
    forged = out.index("forged approval")
    assert "OPEN" not in out[forged:out.index("\n", out.index("\n", forged) + 1)]
    held = re.findall(r"the county holds (\d+) events \((.*)\)", out)
    assert held and int(held[-1][0]) >= 10 and "seal.ledger" in held[-1][1]
    state = home / ".local/state/village-edge"
    assert (state / "demo-receipt.png").exists() and (state / "demo-approval-qr.png").exists()


def test_demo_refuses_a_bad_speed(run_cli: Run) -> None:
    result = run_cli("demo", "--speed", "0")
    assert result.returncode == 2
    assert "--speed must be above 0" in result.stdout


def test_catalog_validate_names_every_problem(run_cli: Run, tmp_path: Path) -> None:
    good = run_cli("catalog", "validate", "powerlist/samples/sample-catalog.toml")
    assert good.returncode == 0, good.stdout
    assert "36 items" in good.stdout and "45 flowcharts" in good.stdout
    text = (REPO / "powerlist/samples/sample-catalog.toml").read_text()
    bad = tmp_path / "catalog.toml"
    bad.write_text(text.replace('category = "major_decision"', 'category = "major"', 1),
                   encoding="utf-8")
    result = run_cli("catalog", "validate", str(bad))
    assert result.returncode == 1
    assert "GP-01" in result.stdout and "category" in result.stdout
    assert "keep its last good catalog" in result.stdout

"""The ``village-edge`` command as a technician and a newcomer run it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

from device.config import embedded_default_text
from tests.conftest import REPO
from tests.village_edge.trees import snapshot

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
    assert selftest.returncode == 69  # unavailable
    [line] = selftest.stderr.splitlines()
    assert line.startswith("village-edge hw selftest: ") and "no real GPIO pin factory" in line
    assert selftest.stdout == ""


def test_a_bad_config_starts_nothing(run_cli: Run, tmp_path: Path) -> None:
    """doctor and selftest agree: 78, the problems on stderr, nothing made."""
    state = tmp_path / "state"
    config = write_config(tmp_path, "pin = 12", "pin = 17", state=state)
    for args in (("hw", "selftest", "--simulate"), ("doctor",), ("sync", "status"),
                 ("seal", "run", "--simulate")):
        result = run_cli("--config", str(config), *args)
        assert result.returncode == 78, result.stderr
        assert result.stderr == (f"village-edge {' '.join(a for a in args if a[0] != '-')}: "
                                 "the configuration cannot be used; nothing was started: "
                                 f"{config}: pins: BCM 17 is used by both slot party lock and "
                                 "buzzer\n")
        assert result.stdout == ""
    assert not state.exists()  # not even the state directory was made


def test_doctor_lists_config_problems(run_cli: Run, tmp_path: Path) -> None:
    config = write_config(tmp_path, "paper_mm = 58", "paper_mm = 57", state=tmp_path / "st")
    text = config.read_text(encoding="utf-8").replace('code = "330226100201"', 'code = "3302"')
    config.write_text(text, encoding="utf-8")
    result = run_cli("--config", str(config), "doctor")
    assert result.returncode == 78
    first, *problems = result.stderr.splitlines()
    assert first == ("village-edge doctor: the configuration cannot be used; nothing was "
                     "started (2 problems):")
    assert len(problems) == 2 and all(p.startswith(f"  {config}: ") for p in problems)
    assert any("[printer] paper_mm: expected one of 58, 80" in p for p in problems)
    assert result.stdout == ""
    report = run_cli("--config", str(config), "doctor", "--json")  # the update's health check
    assert report.returncode == 78 and report.stderr == result.stderr
    checks = json.loads(report.stdout)["checks"]
    assert [c["status"] for c in checks] == ["FAIL", "FAIL"]


def test_doctor_warns_when_a_config_file_switches_simulation_on(
    run_cli: Run, tmp_path: Path
) -> None:
    config = write_config(tmp_path, state=tmp_path / "st")
    result = run_cli("--config", str(config), "doctor")
    assert lines_by_check(result.stdout)["pin factory"] == "WARN"
    assert "simulate = false" in result.stdout


def demo(home: Path, scratch: Path, *args: str) -> CompletedProcess[str]:
    """``village-edge ARGS`` with its temporary directories made in *scratch*."""
    env = dict(os.environ, HOME=str(home), TMPDIR=str(scratch), PYTHONUNBUFFERED="1")
    return subprocess.run([sys.executable, "-m", "village_edge", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


def a_device_state(state: Path) -> None:
    """What a station keeps, as far as the demo used to touch it."""
    for name in ("ledger", "feed", "outbox", "demo-county"):
        (state / name).mkdir(parents=True)
        (state / name / "kept").write_bytes(f"the station's {name}".encode())
    (state / "trusted-time").write_text("1700000000\n")
    (state / "sync-status.json").write_text('{"last_success": 1700000000}')
    (state / "enrollment.json").write_text('{"county_url": "https://county.example"}')


def test_demo_plays_a_station_session(home: Path, tmp_path: Path) -> None:
    a_device_state(home / ".local/state/village-edge")  # the development state: not the demo's
    before = snapshot(home)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    result = demo(home, scratch, "demo", "--speed", "20")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for expected in ("pulled in at 100%, then held at 40%", "committee:OPEN 40%",
                     "enrolled with code",
                     "stamp 2 of 2: counted and photographed", "locked again at once",
                     "审批码不是县里签发的", "lid OPEN", "ALARM", "receipt preview",
                     "chain verified",
                     "county holds 2 stamps of committee, 2 photos (sha256 checked); "
                     "0 of them still on the station",
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
    # a directory of its own, kept for the user to look in (python-escpos
    # caches its printer capabilities in the temporary directory too)
    [directory] = scratch.glob("village-edge-demo-*")
    assert out.startswith(f"the demo runs in its own directory {directory};")
    assert out.rstrip().endswith(f"the demo's files are in {directory} (remove it when done)")
    assert (directory / "demo-receipt.png").exists()
    assert (directory / "demo-approval-qr.png").exists()
    assert (directory / "ledger").is_dir() and (directory / "demo-county").is_dir()
    assert snapshot(home) == before
    assert "Traceback" not in result.stderr


def test_demo_never_touches_a_device_state_given_by_config(
    home: Path, tmp_path: Path
) -> None:
    state = tmp_path / "var-lib-village-edge"
    a_device_state(state)
    config = write_config(tmp_path, state=state)
    scratch = home / "scratch"
    scratch.mkdir()
    before = snapshot(tmp_path)
    result = demo(home, scratch, "--config", str(config), "demo", "--speed", "20")
    assert result.returncode == 64
    [line] = result.stderr.splitlines()
    assert line.startswith("village-edge demo: the demo runs on its own built-in "
                           "configuration") and "leave out --config" in line
    assert result.stdout == ""
    assert snapshot(tmp_path) == before
    assert list(scratch.glob("village-edge-demo-*")) == []


def test_the_demo_configuration_is_the_built_in_one_in_its_own_directory(
    tmp_path: Path
) -> None:
    from device.config import load_config
    from village_edge.demo import demo_config

    config = demo_config(tmp_path)
    built_in = load_config(None, home=tmp_path / "home", simulate=True)
    assert config.state_dir == tmp_path and config.state.ledger == tmp_path / "ledger"
    assert config.printer.file_path == str(tmp_path / "printer/receipts.bin")
    assert config.simulate and config.station == built_in.station
    assert (config.device_id, config.village_name) == (built_in.device_id, built_in.village_name)


def test_demo_refuses_a_bad_speed(run_cli: Run) -> None:
    for speed in ("0", "-1", "nan", "inf", "fast"):
        result = run_cli("demo", "--speed", speed)
        assert result.returncode == 64, speed
        assert result.stderr == ("village-edge demo: argument --speed: expected a number above "
                                 f"0 up to 1000, not '{speed}' (see 'village-edge demo "
                                 "--help')\n")
        assert result.stdout == ""


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


#: Runs ``village-edge ARGS`` in this process, then prints the exit status and
#: the commands whose modules (``village_edge/<command>_commands.py``) were imported.
MODULES_AFTER = """
import json, sys
from village_edge.cli import COMMAND_MODULES, main
status = main(sys.argv[1:])
print(json.dumps([status, [name for name in COMMAND_MODULES
                           if f"village_edge.{name}_commands" in sys.modules]]))
"""


def commands_modules_after(*args: str) -> tuple[int, list[str], str]:
    ran = subprocess.run([sys.executable, "-c", MODULES_AFTER, *args], cwd=REPO,
                         capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, COLUMNS="200"))
    status, modules = json.loads(ran.stdout.splitlines()[-1])
    return status, modules, ran.stdout + ran.stderr


def test_the_kiosk_imports_no_other_commands_module() -> None:
    """Each command's module costs start-up time before the kiosk's first
    frame: naming ``kiosk`` builds its parser alone (a bad size is refused
    by it) and imports no other command's module."""
    status, modules, said = commands_modules_after("kiosk", "--simulate", "--size", "0x0")
    assert status == 64 and "village-edge kiosk: argument --size" in said
    assert modules == ["kiosk"]


def test_every_command_is_listed_and_answers_its_own_help() -> None:
    from village_edge.cli import COMMAND_MODULES

    status, modules, listing = commands_modules_after("--help")
    assert status == 0 and modules == []
    for command, help_line in COMMAND_MODULES.items():
        assert re.search(rf"^    {command} +{re.escape(help_line)}$", listing, re.M), command
        status, modules, said = commands_modules_after(command, "--help")
        assert status == 0 and said.startswith(f"usage: village-edge {command} "), said
        assert modules == [command]

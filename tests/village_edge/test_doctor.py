"""``village-edge doctor`` observes and changes nothing: run as root (as the
suite runs) on a state directory that is not there, and on one a station
has filled, it leaves every byte, owner and mode as it found them; it tells
a state directory the service user cannot write by its owner and mode."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from device.config import Config, load_config
from seal_controller.ledger import Ledger
from sync.outbox import Outbox
from tests.village_edge.test_cli import lines_by_check, write_config
from tests.village_edge.trees import snapshot
from village_edge import doctor as doctor_module
from village_edge.doctor import check_state_dir, check_station_devices
from village_edge.report import Status


def doctor(config: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, HOME=str(home))
    return subprocess.run([sys.executable, "-m", "village_edge", "--config", str(config),
                           "doctor", *args], cwd=home, env=env, capture_output=True, text=True,
                          timeout=120)


def line_of(output: str, check: str) -> str:
    return next(line for line in output.splitlines() if f"  {check}  " in line)


def test_a_missing_state_directory_is_reported_not_made(tmp_path: Path, home: Path) -> None:
    state = tmp_path / "state"
    config = write_config(tmp_path, state=state)
    before = snapshot(tmp_path)
    result = doctor(config, home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert snapshot(tmp_path) == before and not state.exists()
    assert f"{state}: not made yet" in line_of(result.stdout, "state directory")
    assert lines_by_check(result.stdout)["backlog"] == "OK"


def test_a_station_state_is_left_byte_for_byte(tmp_path: Path, home: Path) -> None:
    state = tmp_path / "state"
    config = write_config(tmp_path, state=state)
    with Outbox(state / "outbox") as outbox:
        for n in range(3):
            outbox.append("complaint", {"n": n})
    segment = sorted((state / "outbox" / "critical").iterdir())[0]
    segment.write_bytes(segment.read_bytes()[:-5])  # a power cut in the last write
    with Ledger(state / "ledger", lambda: 1000.0) as ledger:
        ledger.append("requested", req="r1", slot="party", uses=1)
    (state / "enrollment.json").write_text("{not json")  # damaged: reported, not replaced
    before = snapshot(tmp_path)
    for args in ((), ("--json",)):
        result = doctor(config, home, *args)
        assert snapshot(tmp_path) == before, args
        assert result.stderr == "", result.stderr
    text = doctor(config, home).stdout
    assert "2 events waiting" in line_of(text, "backlog")
    assert "1 damaged records set aside" in line_of(text, "quarantine")
    assert list(home.iterdir()) == []  # nor in the working directory


@pytest.fixture
def service_user() -> pwd.struct_passwd:
    return pwd.getpwnam("nobody")


def test_a_state_directory_the_service_user_cannot_write_fails_with_the_fix(
    tmp_path: Path, service_user: pwd.struct_passwd
) -> None:
    state = tmp_path / "state"
    config = load_config(write_config(tmp_path, state=state), home=tmp_path)

    missing = check_state_dir(config, service_user)
    assert missing.status is Status.WARN and "sudo install -d -o nobody" in missing.hint
    assert not state.exists()

    state.mkdir(mode=0o750)  # made by root, as an earlier doctor or a root shell did
    (state / "outbox").mkdir()
    root_owned = check_state_dir(config, service_user)
    assert root_owned.status is Status.FAIL
    assert "the directory, outbox not owned by nobody" in root_owned.detail
    assert "sudo chown -R nobody:" in root_owned.hint and str(state) in root_owned.hint

    os.chown(state, service_user.pw_uid, service_user.pw_gid)
    one_left = check_state_dir(config, service_user)
    assert one_left.status is Status.FAIL and "outbox not owned by nobody" in one_left.detail

    os.chown(state / "outbox", service_user.pw_uid, service_user.pw_gid)
    os.chmod(state, 0o550)
    read_only = check_state_dir(config, service_user)
    assert read_only.status is Status.FAIL and "not writable by nobody" in read_only.detail

    os.chmod(state, 0o750)
    assert check_state_dir(config, service_user).status is Status.OK
    assert sorted(p.name for p in state.iterdir()) == ["outbox"]


def fake_systemctl(directory: Path, script: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The one seam: what systemd says of the seal station's unit."""
    systemctl = directory / "systemctl"
    systemctl.write_text(f"#!/bin/sh\n{script}\n")
    systemctl.chmod(0o755)
    monkeypatch.setenv("PATH", f"{directory}:{os.environ['PATH']}")


@pytest.fixture
def real_pins(tmp_path: Path) -> Config:
    """A device's configuration (real pins), its pins simulated underneath."""
    config = load_config(write_config(tmp_path, "simulate = true", "simulate = false",
                                      state=tmp_path / "state"), home=tmp_path)
    assert not config.simulate
    return config


class LgpioError(Exception):
    """What lgpio raises for a line another process claimed."""


def test_the_running_stations_lines_are_not_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real_pins: Config, factory: MockFactory
) -> None:
    """Run while the station runs (a technician, or the health check after
    every update), the doctor leaves the lines alone: with some pin
    libraries opening them again would turn the station's outputs into
    inputs under it. That is the station doing its job, not a fault."""
    fake_systemctl(tmp_path, '[ "$*" = "is-active --quiet village-edge-seal.service" ]',
                   monkeypatch)
    [finding] = check_station_devices(real_pins, factory)
    assert finding.status is Status.OK
    assert "held by the running seal station (village-edge-seal.service); not opened" in \
        finding.detail
    assert factory.pins == {}  # not one line opened


def test_lines_held_while_the_station_is_down_are_a_fault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real_pins: Config, factory: MockFactory
) -> None:
    fake_systemctl(tmp_path, "exit 3", monkeypatch)  # inactive

    def held(spec: object, **kwargs: object) -> object:
        raise LgpioError("'GPIO busy'")

    monkeypatch.setattr(factory, "pin", held)
    [finding] = check_station_devices(real_pins, factory)
    assert finding.status is Status.FAIL
    assert "held by another process ('GPIO busy')" in finding.detail
    assert "village-edge-seal.service is not running: stop what holds the lines" in finding.hint


def test_a_systemd_that_does_not_answer_leaves_the_lines_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real_pins: Config, factory: MockFactory
) -> None:
    fake_systemctl(tmp_path, "sleep 30", monkeypatch)
    monkeypatch.setattr(doctor_module, "SYSTEMD_TIMEOUT", 0.5)
    [finding] = check_station_devices(real_pins, factory)
    assert finding.status is Status.WARN and "not opened" in finding.detail, finding
    assert factory.pins == {}


def test_without_systemd_the_devices_are_tested(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real_pins: Config, factory: MockFactory
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no systemctl at all
    names = [f.check for f in check_station_devices(real_pins, factory)]
    assert "lock committee" in names, names

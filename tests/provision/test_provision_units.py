"""The systemd units, checked by systemd itself: ``systemd-analyze verify``
in a root holding the units, the system's own units and the executables they
name, and ``systemd-analyze security --offline=yes`` against the targets."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

SYSTEMD = REPO / "systemd"
UNITS = ["village-edge-seal.service", "village-edge-sync.service",
         "village-edge-kiosk.service", "village-edge-firstboot.service",
         "village-edge-update-verify.service"]
# The exposure each unit must stay at or below: what they scored before the
# boot test (issue 15) made them work under systemd; every relaxation since
# then is paid for elsewhere, and its reason written in the unit.
TARGETS = {"village-edge-seal.service": 0.4, "village-edge-sync.service": 1.1,
           "village-edge-kiosk.service": 0.4}
EXECUTABLES = ["/opt/village-edge/current/bin/village-edge", "/opt/village-edge/current/bin/python",
               "/opt/village-edge/previous/bin/village-edge", "/bin/chown"]
SYSTEM_UNITS = Path("/usr/lib/systemd/system")

analyze = shutil.which("systemd-analyze")
pytestmark = pytest.mark.skipif(analyze is None, reason="systemd-analyze is not installed")


def directives(unit: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) for every assignment, repeated keys included."""
    found, section = [], ""
    for line in unit.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        found.append((section, key.strip(), value.strip()))
    return found


def values(unit: str, key: str) -> list[str]:
    return [v for _, k, v in directives(SYSTEMD / unit) if k == key]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file system root where every unit's executables and dependencies exist."""
    root = tmp_path_factory.mktemp("root")
    shutil.copytree(SYSTEM_UNITS, root / "usr/lib/systemd/system", symlinks=True)
    (root / "usr/bin").mkdir(parents=True, exist_ok=True)
    (root / "bin").symlink_to("usr/bin")
    for executable in EXECUTABLES:
        path = root / executable.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    units = root / "etc/systemd/system"
    units.mkdir(parents=True)
    for unit in UNITS:
        shutil.copy(SYSTEMD / unit, units / unit)
    return root


def test_every_unit_passes_systemd_analyze_verify(root: Path) -> None:
    result = subprocess.run([analyze, "verify", f"--root={root}", *UNITS],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr  # warnings (unknown keys...) count


def test_verify_catches_a_misspelt_key(root: Path, tmp_path: Path) -> None:
    broken = tmp_path / "root"
    shutil.copytree(root, broken, symlinks=True)
    unit = broken / "etc/systemd/system/village-edge-seal.service"
    unit.write_text(unit.read_text().replace("WatchdogSec=", "WatchdogSecs="))
    result = subprocess.run([analyze, "verify", f"--root={broken}", unit.name],
                            capture_output=True, text=True, timeout=60)
    assert "Unknown key 'WatchdogSecs'" in result.stderr


def exposure(unit: str) -> float:
    result = subprocess.run([analyze, "security", "--offline=yes", str(SYSTEMD / unit)],
                            capture_output=True, text=True, timeout=60)
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d)", result.stdout)
    assert match, result.stdout + result.stderr
    return float(match.group(1))


@pytest.mark.parametrize("unit", sorted(TARGETS))
def test_exposure_is_within_the_target(unit: str) -> None:
    assert exposure(unit) <= TARGETS[unit]


def test_the_kiosk_unit_says_why_its_exposure_is_higher() -> None:
    text = (SYSTEMD / "village-edge-kiosk.service").read_text()
    assert "Exposure is higher" in text and "PrivateDevices= cannot be used" in text


@pytest.mark.parametrize("unit", ["village-edge-seal.service", "village-edge-sync.service"])
def test_daemons_are_notify_with_a_watchdog(unit: str) -> None:
    assert values(unit, "Type") == ["notify"]
    assert values(unit, "WatchdogSec")
    assert values(unit, "Restart") == ["always"]
    assert values(unit, "StartLimitBurst") and values(unit, "StartLimitIntervalSec")


def test_the_seal_never_waits_for_the_network_and_the_sync_agent_does() -> None:
    seal = " ".join(values("village-edge-seal.service", "After")
                    + values("village-edge-seal.service", "Wants"))
    assert "network" not in seal
    assert "network-online.target" in values("village-edge-sync.service", "Wants")
    assert "network-online.target" in " ".join(values("village-edge-sync.service", "After"))
    assert values("village-edge-seal.service", "PrivateNetwork") == ["yes"]


@pytest.mark.parametrize("unit", ["village-edge-seal.service", "village-edge-sync.service",
                                  "village-edge-kiosk.service"])
def test_services_run_confined_as_the_service_user(unit: str) -> None:
    assert values(unit, "User") == ["village-edge"]
    assert values(unit, "ProtectSystem") == ["strict"]
    assert values(unit, "StateDirectory") == ["village-edge"]
    assert values(unit, "NoNewPrivileges") == ["yes"]
    assert values(unit, "PrivateTmp") == ["yes"]
    assert values(unit, "CapabilityBoundingSet") == [""]
    assert values(unit, "MemoryMax") and values(unit, "TasksMax")
    assert values(unit, "StandardOutput") == ["journal"]
    assert "ReadWritePaths" not in {k for _, k, _ in directives(SYSTEMD / unit)}


def test_each_service_reaches_only_its_devices() -> None:
    seal = values("village-edge-seal.service", "DeviceAllow")
    kiosk = values("village-edge-kiosk.service", "DeviceAllow")
    assert "char-gpiochip rw" in seal and "char-video4linux rw" in seal
    assert not any("drm" in d or "input" in d for d in seal)
    assert "char-drm rw" in kiosk and "char-input r" in kiosk and "/dev/tty1 rw" in kiosk
    assert not any("gpiochip" in d or "video4linux" in d for d in kiosk)
    assert values("village-edge-sync.service", "PrivateDevices") == ["yes"]


def test_the_kiosk_is_back_within_seconds_and_owns_tty1() -> None:
    unit = "village-edge-kiosk.service"
    assert values(unit, "Restart") == ["always"] and values(unit, "RestartSec") == ["1s"]
    assert values(unit, "TTYPath") == ["/dev/tty1"]
    assert "getty@tty1.service" in values(unit, "Conflicts")
    assert "KCFG_KIVY_EXIT_ON_ESCAPE=0" in values(unit, "Environment")
    assert values(unit, "EnvironmentFile") == ["-/etc/village-edge/kiosk.env"]


def test_first_boot_runs_only_with_the_boot_file_and_retries_only_what_helps() -> None:
    unit = "village-edge-firstboot.service"
    assert values(unit, "Type") == ["oneshot"]
    assert values(unit, "ConditionPathExists") == ["/boot/firmware/village-edge.toml"]
    assert values(unit, "RestartPreventExitStatus") == ["64 66 78"]  # usage, unreadable, config
    assert "provision --boot-config /boot/firmware/village-edge.toml" in values(
        unit, "ExecStart")[0]


def test_the_hardware_watchdog_and_the_kiosk_lockdown_are_configured() -> None:
    watchdog = directives(SYSTEMD / "system.conf.d/village-edge-watchdog.conf")
    assert ("Manager", "RuntimeWatchdogSec", "15s") in watchdog
    logind = directives(SYSTEMD / "kiosk/logind.conf.d/village-edge-kiosk.conf")
    assert ("Login", "NAutoVTs", "0") in logind and ("Login", "ReserveVT", "0") in logind
    manager = directives(SYSTEMD / "kiosk/system.conf.d/village-edge-kiosk.conf")
    assert ("Manager", "CtrlAltDelBurstAction", "none") in manager
    assert "kernel.sysrq = 0" in (SYSTEMD / "kiosk/sysctl.d/90-village-edge-kiosk.conf").read_text()
    assert '"DontZap" "true"' in (
        SYSTEMD / "kiosk/xorg.conf.d/90-village-edge-nozap.conf").read_text()


def test_an_interrupted_update_is_finished_at_boot_by_the_release_that_worked() -> None:
    unit = "village-edge-update-verify.service"
    assert values(unit, "Type") == ["oneshot"]
    assert values(unit, "ConditionPathExists") == ["/opt/village-edge/trial.json"]
    assert values(unit, "ExecStart") == [
        "/opt/village-edge/previous/bin/village-edge update verify"]

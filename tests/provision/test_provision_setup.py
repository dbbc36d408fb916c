"""``setup.sh`` for the device roles: the plan printed by ``--dry-run`` for
every role, and the refusal of an unsupported OS before anything changes.

The dry runs read a fake os-release (VILLAGE_EDGE_OS_RELEASE) and look for
installed files under a fake root (VILLAGE_EDGE_SETUP_ROOT); the commands
that would change the machine are replaced on PATH by stubs that record any
call, so a bug cannot touch this machine."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

SETUP = REPO / "setup.sh"
RASPBIAN = """PRETTY_NAME="Raspbian GNU/Linux 12 (bookworm)"
NAME="Raspbian GNU/Linux"
VERSION_CODENAME=bookworm
ID=raspbian
ID_LIKE=debian
"""
TRIXIE = """PRETTY_NAME="Debian GNU/Linux 13 (trixie)"
VERSION_CODENAME=trixie
ID=debian
"""
UNSUPPORTED = {
    "ubuntu": 'PRETTY_NAME="Ubuntu 24.04 LTS"\nID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=noble\n',
    "bullseye": 'PRETTY_NAME="Raspbian GNU/Linux 11 (bullseye)"\nID=raspbian\nID_LIKE=debian\n'
                "VERSION_CODENAME=bullseye\n",
    "fedora": 'PRETTY_NAME="Fedora Linux 40"\nID=fedora\nVERSION_CODENAME=""\n',
}
CHANGING = ["apt-get", "groupadd", "useradd", "usermod", "systemctl", "udevadm", "install",
            "ln", "mv", "rm", "touch", "chmod", "pip"]


@pytest.fixture
def stubs(tmp_path: Path) -> Path:
    """A directory of stand-ins for every command that changes the machine;
    each appends its command line to calls.log and fails."""
    directory = tmp_path / "stubs"
    directory.mkdir()
    for name in CHANGING:
        stub = directory / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*" >> "{tmp_path}/calls.log"\nexit 1\n')
        stub.chmod(0o755)
    return directory


def setup(role: str, os_release: str, tmp_path: Path, stubs: Path, *options: str,
          root: Path | None = None) -> subprocess.CompletedProcess[str]:
    release = tmp_path / "os-release"
    release.write_text(os_release)
    env = dict(os.environ, VILLAGE_EDGE_OS_RELEASE=str(release),
               PATH=f"{stubs}:{os.environ.get('PATH', '/usr/bin:/bin')}")
    if root is not None:
        env["VILLAGE_EDGE_SETUP_ROOT"] = str(root)
    return subprocess.run([str(SETUP), role, *options], capture_output=True, text=True,
                          env=env, timeout=60, cwd=tmp_path)


def calls(tmp_path: Path) -> str:
    log = tmp_path / "calls.log"
    return log.read_text() if log.exists() else ""


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize("role", ["kiosk", "seal"])
@pytest.mark.parametrize("os_release", [RASPBIAN, TRIXIE], ids=["bookworm", "trixie"])
def test_dry_run_plans_every_action_and_changes_nothing(
    role: str, os_release: str, tmp_path: Path, stubs: Path
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    result = setup(role, os_release, tmp_path, stubs, "--dry-run", root=root)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert f"OS packages for the {role} role:" in out
    for package in ("libzbar0", "fonts-noto-cjk", "espeak-ng", "python3-venv"):
        assert package in out
    assert "useradd --system" in out or "system user village-edge already exists" in out
    assert "--shell /usr/sbin/nologin" in out or "already exists" in out
    assert "python3 -m venv --system-site-packages" in out
    assert f"-m pip install --quiet {REPO}" in out
    assert f"--role {role}" in out and "/etc/village-edge/config.toml" in out
    assert "/var/lib/village-edge" in out
    assert "/etc/udev/rules.d/70-village-edge-printer.rules" in out
    assert "/etc/systemd/system.conf.d/village-edge-watchdog.conf" in out
    for unit in (f"village-edge-{role}.service", "village-edge-sync.service",
                 "village-edge-firstboot.service", "village-edge-update-verify.service"):
        assert f"would run: systemctl enable {unit}" in out
    other = "seal" if role == "kiosk" else "kiosk"
    assert f"village-edge-{other}.service" not in out
    assert "dry run done: nothing was changed" in out
    assert calls(tmp_path) == ""
    assert tree(root) == []


def test_the_kiosk_plan_locks_the_console_down(tmp_path: Path, stubs: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    out = setup("kiosk", RASPBIAN, tmp_path, stubs, "--dry-run", root=root).stdout
    assert "would run: systemctl mask getty@tty1.service" in out
    assert "would run: systemctl mask ctrl-alt-del.target" in out
    for path in ("/etc/systemd/logind.conf.d/village-edge-kiosk.conf",
                 "/etc/systemd/system.conf.d/village-edge-kiosk.conf",
                 "/etc/sysctl.d/90-village-edge-kiosk.conf", "/etc/village-edge/kiosk.env",
                 "/etc/X11/xorg.conf.d/90-village-edge-nozap.conf"):
        assert f"installing {path}" in out
    assert "usermod --append --groups" in out and "video" in out


def test_the_seal_plan_asks_for_the_camera_and_gpio_packages(tmp_path: Path, stubs: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    result = setup("seal", RASPBIAN, tmp_path, stubs, "--dry-run", root=root)
    both = result.stdout + result.stderr
    for package in ("python3-picamera2", "python3-lgpio"):
        assert package in both  # planned, or skipped by name where apt lacks it


def test_the_seal_plan_creates_the_gpio_group_debian_lacks(tmp_path: Path, stubs: Path) -> None:
    # A machine without the group, as plain Debian (Raspberry Pi OS has it).
    getent = stubs / "getent"
    getent.write_text('#!/bin/sh\n[ "$1 $2" = "group gpio" ] && exit 2\n'
                      f'exec {shutil.which("getent")} "$@"\n')
    getent.chmod(0o755)
    root = tmp_path / "root"
    root.mkdir()
    seal = setup("seal", TRIXIE, tmp_path, stubs, "--dry-run", root=root).stdout
    assert "would run: groupadd --system gpio" in seal
    assert "installing /etc/udev/rules.d/60-village-edge-gpio.rules" in seal
    kiosk = setup("kiosk", TRIXIE, tmp_path, stubs, "--dry-run", root=root).stdout
    assert "groupadd --system gpio" not in kiosk
    assert "60-village-edge-gpio.rules" not in kiosk


def installed_root(tmp_path: Path, role: str) -> Path:
    """A root where a previous run installed everything."""
    root = tmp_path / "root"
    copies = {
        "etc/udev/rules.d/70-village-edge-printer.rules": "udev/70-village-edge-printer.rules",
        "etc/systemd/system.conf.d/village-edge-watchdog.conf":
            "system.conf.d/village-edge-watchdog.conf",
    }
    if role == "seal":
        copies["etc/udev/rules.d/60-village-edge-gpio.rules"] = "udev/60-village-edge-gpio.rules"
    for unit in (f"village-edge-{role}.service", "village-edge-sync.service",
                 "village-edge-firstboot.service", "village-edge-update-verify.service"):
        copies[f"etc/systemd/system/{unit}"] = unit
    for target, source in copies.items():
        path = root / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes((REPO / "systemd" / source).read_bytes())
    for directory in ("etc/village-edge", "var/lib/village-edge", "opt/village-edge/releases"):
        (root / directory).mkdir(parents=True, exist_ok=True)
    (root / "etc/village-edge/config.toml").write_text("# the technician's own\n")
    return root


def test_a_second_run_keeps_the_config_and_reinstalls_nothing(tmp_path: Path, stubs: Path) -> None:
    root = installed_root(tmp_path, "seal")
    result = setup("seal", RASPBIAN, tmp_path, stubs, "--dry-run", root=root)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "/etc/village-edge/config.toml exists: kept as it is (never overwritten)" in out
    assert "provision.role_config" not in out
    assert "/etc/systemd/system/village-edge-seal.service is up to date" in out
    assert "would run: install -D" not in out.split("switching")[-1]
    assert "would run: systemctl daemon-reload" not in out
    assert "directory /var/lib/village-edge already exists" in out
    assert (root / "etc/village-edge/config.toml").read_text() == "# the technician's own\n"


def test_a_changed_unit_is_replaced_and_systemd_reloaded(tmp_path: Path, stubs: Path) -> None:
    root = installed_root(tmp_path, "seal")
    (root / "etc/systemd/system/village-edge-sync.service").write_text("[Unit]\n")
    out = setup("seal", RASPBIAN, tmp_path, stubs, "--dry-run", root=root).stdout
    assert "installing /etc/systemd/system/village-edge-sync.service" in out
    assert "would run: systemctl daemon-reload" in out


@pytest.mark.parametrize("name", sorted(UNSUPPORTED))
@pytest.mark.parametrize("role", ["kiosk", "seal"])
def test_an_unsupported_os_is_refused_before_anything_changes(
    name: str, role: str, tmp_path: Path, stubs: Path
) -> None:
    result = setup(role, UNSUPPORTED[name], tmp_path, stubs)  # a real run, not a dry run
    assert result.returncode != 0
    assert "bookworm or trixie" in result.stderr
    assert "Nothing was changed" in result.stderr
    assert result.stdout == ""
    assert calls(tmp_path) == ""


def test_a_fake_root_is_for_dry_runs_only(tmp_path: Path, stubs: Path) -> None:
    result = setup("seal", RASPBIAN, tmp_path, stubs, root=tmp_path)
    assert result.returncode != 0
    assert "--dry-run only" in result.stderr
    assert calls(tmp_path) == ""


def test_an_unknown_role_names_the_roles(tmp_path: Path, stubs: Path) -> None:
    result = setup("printer", RASPBIAN, tmp_path, stubs, "--dry-run")
    assert result.returncode != 0
    assert "use dev, kiosk or seal" in result.stderr


def test_the_dev_role_still_plans_as_before(tmp_path: Path, stubs: Path) -> None:
    result = setup("dev", RASPBIAN, tmp_path, stubs, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "done. Try: .venv/bin/village-edge demo" in result.stdout
    assert calls(tmp_path) == ""

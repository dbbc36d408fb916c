"""``setup.sh seal`` for real, in a fresh Debian bookworm root made with
debootstrap: the dry run, the install, and a second run that changes nothing.

The root is made with ``debootstrap --variant=minbase --include=systemd``
(Raspberry Pi OS always has systemd; setup.sh refuses a system without it)
from the mirror apt uses here, and cached as a tarball under
``~/.cache/village-edge/`` for the day, so reruns start in seconds. Every
command in the root runs in a private mount namespace (``unshare --mount``):
/proc, /sys and /dev are bind-mounted there and vanish with it, so nothing
is left mounted on this machine whatever happens. OS packages come from
Debian's archive, Python packages from PyPI; python3-picamera2 and
python3-lgpio (Raspberry Pi OS only) are skipped with a warning.

Needs root, debootstrap and the network: CI has all three (setup.sh dev
installs debootstrap). Takes about 2 to 3 minutes (see docs/provisioning.md).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.debian_root import SUITE, Root, allow_downloads, dated_tarball, debootstrap, unpack

pytestmark = pytest.mark.slow

COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info",
                                     ".pytest_cache", ".ruff_cache", "*.pyc")
SNAPSHOT_DIRS = ("etc", "opt/village-edge", "var/lib/village-edge", "usr/lib/systemd/system")


def base_tarball() -> Path:
    """Today's minimal bookworm root as a tarball, made once a day."""
    return dated_tarball(f"debootstrap-{SUITE}-minbase-systemd",
                         lambda root: debootstrap(root, ["systemd"]))


class DebianRoot(Root):
    """A fresh root from the tarball, with the repository copied to /src."""

    def snapshot(self) -> dict[str, str]:
        """Every file's checksum (links: their target) under the directories
        setup.sh writes to, and the installed packages with their versions."""
        found: dict[str, str] = {}
        for top in SNAPSHOT_DIRS:
            for path in sorted((self.path / top).rglob("*")):
                if "__pycache__" in path.parts or path.suffix == ".pyc":
                    continue
                name = str(path.relative_to(self.path))
                if path.is_symlink():
                    found[name] = "-> " + os.readlink(path)
                elif path.is_file():
                    found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        packages = self.run("dpkg-query -W -f='${Package} ${Version} ${Status}\\n'")
        assert packages.returncode == 0, packages.stderr
        found["(packages)"] = packages.stdout
        return found


@pytest.fixture(scope="module")
def fresh_root() -> Iterator[DebianRoot]:
    if os.geteuid() != 0:
        pytest.skip("debootstrap and chroot need root (CI runs as root)")
    for tool in ("debootstrap", "unshare", "chroot"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed: run ./setup.sh dev (it installs it)")
    tarball = base_tarball()
    with tempfile.TemporaryDirectory(prefix="village-edge-root-") as scratch:
        path = Path(scratch) / "root"
        unpack(tarball, path)
        allow_downloads(path)
        shutil.copytree(REPO, path / "src", ignore=COPY_IGNORE, symlinks=True)
        yield DebianRoot(path)
        assert str(path) not in Path("/proc/mounts").read_text(), "a mount was left behind"


def test_setup_sh_seal_installs_for_real_in_a_fresh_bookworm(fresh_root: DebianRoot) -> None:
    root = fresh_root

    dry = root.run("/src/setup.sh seal --dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "dry run done: nothing was changed" in dry.stdout
    assert "python3 is not installed yet" in dry.stdout  # minbase has no python3
    assert not (root.path / "opt/village-edge").exists()
    assert not (root.path / "etc/village-edge").exists()

    first = root.run("/src/setup.sh seal")
    output = first.stdout + first.stderr
    assert first.returncode == 0, output[-5000:]
    for package in ("python3-picamera2", "python3-lgpio"):
        assert f"warning: {package} is not in this OS's archive" in first.stderr

    passwd = (root.path / "etc/passwd").read_text()
    assert re.search(r"^village-edge:x:\d+:\d+:.*:/var/lib/village-edge:/usr/sbin/nologin$",
                     passwd, re.MULTILINE), passwd
    assert (root.path / "etc/village-edge/config.toml").is_file()
    assert 'role = "seal"' in (root.path / "etc/village-edge/config.toml").read_text()
    assert (root.path / "var/lib/village-edge").is_dir()
    # Every group the seal unit names exists (plain Debian has no gpio group:
    # systemd would refuse the unit with 216/GROUP), and the GPIO chips are
    # given to it as on Raspberry Pi OS.
    groups = root.run("id -nG village-edge")
    assert groups.returncode == 0, groups.stderr
    unit_text = (root.path / "etc/systemd/system/village-edge-seal.service").read_text()
    (wanted,) = re.findall(r"^SupplementaryGroups=(.*)$", unit_text, re.MULTILINE)
    assert set(wanted.split()) <= set(groups.stdout.split()), groups.stdout
    rule = (root.path / "etc/udev/rules.d/60-village-edge-gpio.rules").read_text()
    assert 'KERNEL=="gpiochip*", GROUP="gpio"' in rule
    for unit in ("village-edge-seal.service", "village-edge-sync.service",
                 "village-edge-firstboot.service"):
        assert (root.path / "etc/systemd/system/multi-user.target.wants" / unit).is_symlink()

    before = root.snapshot()
    second = root.run("/src/setup.sh seal")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "OS packages already installed" in second.stdout
    assert "already installed in /opt/village-edge/releases/" in second.stdout
    after = root.snapshot()
    changed = sorted(name for name in before.keys() | after.keys()
                     if before.get(name) != after.get(name))
    assert changed == [], f"the second run changed: {changed}"

    version = root.run("/opt/village-edge/current/bin/village-edge --version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("village-edge ")

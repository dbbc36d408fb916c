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

import datetime
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

CACHE = Path.home() / ".cache" / "village-edge"
SUITE = "bookworm"
FALLBACK_MIRROR = "http://deb.debian.org/debian"
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info",
                                     ".pytest_cache", ".ruff_cache", "*.pyc")
SNAPSHOT_DIRS = ("etc", "opt/village-edge", "var/lib/village-edge", "usr/lib/systemd/system")
CHROOT_PIP_CERT = "/root/pip-ca.crt"


def apt_mirror() -> str:
    """The Debian mirror apt uses on this machine (deb822 .sources files or
    sources.list): the first URI whose suites include bookworm."""
    candidates: list[tuple[str, str]] = []
    sources = Path("/etc/apt/sources.list.d")
    for path in sorted(sources.glob("*.sources")) if sources.is_dir() else []:
        for stanza in path.read_text(errors="replace").split("\n\n"):
            fields = dict(re.findall(r"^([A-Za-z-]+):\s*(.*)$", stanza, re.MULTILINE))
            for uri in fields.get("URIs", "").split():
                candidates.append((uri, fields.get("Suites", "")))
    for path in [Path("/etc/apt/sources.list"), *sorted(sources.glob("*.list"))]:
        if path.is_file():
            for line in path.read_text(errors="replace").splitlines():
                words = re.sub(r"\[[^]]*\]", "", line).split()
                if len(words) >= 3 and words[0] == "deb":
                    candidates.append((words[1], words[2]))
    for uri, suites in candidates:
        if SUITE in suites.split() and "security" not in uri:
            return uri.rstrip("/")
    return FALLBACK_MIRROR


def base_tarball() -> Path:
    """Today's minimal bookworm root as a tarball, made once a day."""
    CACHE.mkdir(parents=True, exist_ok=True)
    today = datetime.date.today().isoformat()
    tarball = CACHE / f"debootstrap-{SUITE}-minbase-systemd-{today}.tar"
    if tarball.exists():
        return tarball
    for old in CACHE.glob(f"debootstrap-{SUITE}-*.tar"):
        old.unlink()  # yesterday's: the archive has moved on
    with tempfile.TemporaryDirectory(prefix="debootstrap-", dir=CACHE) as scratch:
        root = Path(scratch) / "root"
        result = subprocess.run(
            ["debootstrap", "--variant=minbase", "--include=systemd", SUITE, str(root),
             apt_mirror()], capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, f"debootstrap failed:\n{result.stdout[-3000:]}" \
                                       f"{result.stderr[-3000:]}"
        partial = tarball.with_suffix(".partial")
        subprocess.run(["tar", "-C", str(root), "--numeric-owner", "-cf", str(partial), "."],
                       check=True, timeout=300)
        partial.rename(tarball)
    return tarball


class Root:
    """A fresh root from the tarball, with the repository copied to /src."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def run(self, command: str, timeout: float = 1200) -> subprocess.CompletedProcess[str]:
        """Run *command* (a shell line) inside the root, as root, with a clean
        environment, in a mount namespace of its own."""
        r = shlex.quote(str(self.path))
        mounts = " && ".join(f"mount --bind /{d} {r}/{d}" for d in ("proc", "sys", "dev",
                                                                    "dev/pts"))
        env = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8",
               "DEBIAN_FRONTEND=noninteractive"]
        if (self.path / CHROOT_PIP_CERT.lstrip("/")).exists():
            env.append(f"PIP_CERT={CHROOT_PIP_CERT}")
        inner = (f"{mounts} && exec chroot {r} /usr/bin/env -i {' '.join(env)} "
                 f"/bin/bash -c {shlex.quote(command)}")
        return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                               inner], capture_output=True, text=True, timeout=timeout)

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
def fresh_root() -> Iterator[Root]:
    if os.geteuid() != 0:
        pytest.skip("debootstrap and chroot need root (CI runs as root)")
    for tool in ("debootstrap", "unshare", "chroot"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed: run ./setup.sh dev (it installs it)")
    tarball = base_tarball()
    with tempfile.TemporaryDirectory(prefix="village-edge-root-") as scratch:
        path = Path(scratch) / "root"
        path.mkdir()
        subprocess.run(["tar", "-C", str(path), "--numeric-owner", "-xf", str(tarball)],
                       check=True, timeout=300)
        shutil.copy("/etc/resolv.conf", path / "etc/resolv.conf")
        pip_cert = os.environ.get("PIP_CERT")
        if pip_cert and Path(pip_cert).is_file():  # this machine's trust for PyPI
            shutil.copy(pip_cert, path / CHROOT_PIP_CERT.lstrip("/"))
        shutil.copytree(REPO, path / "src", ignore=COPY_IGNORE, symlinks=True)
        yield Root(path)
        assert str(path) not in Path("/proc/mounts").read_text(), "a mount was left behind"


def test_setup_sh_seal_installs_for_real_in_a_fresh_bookworm(fresh_root: Root) -> None:
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

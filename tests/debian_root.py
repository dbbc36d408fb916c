"""Fresh Debian roots for the tests that install the suite as a technician
would: the mirror apt uses on this machine, roots made with debootstrap and
cached as a tarball for the day, and commands run inside a root.

Used by ``tests/provision/test_provision_debootstrap.py`` (``setup.sh seal``
in a chroot) and ``tests/boot/`` (the same root booted under QEMU). Every
command in a root runs in a private mount namespace (``unshare --mount``):
/proc, /sys and /dev are bind-mounted there and vanish with it, so nothing
is left mounted on this machine whatever happens.
"""

from __future__ import annotations

import datetime
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

CACHE = Path.home() / ".cache" / "village-edge"
SUITE = "bookworm"
FALLBACK_MIRROR = "http://deb.debian.org/debian"
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


def debootstrap(root: Path, include: Sequence[str]) -> None:
    """A minimal bookworm in *root* with the packages *include* too."""
    result = subprocess.run(
        ["debootstrap", "--variant=minbase", f"--include={','.join(include)}", SUITE,
         str(root), apt_mirror()], capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, f"debootstrap failed:\n{result.stdout[-3000:]}" \
                                   f"{result.stderr[-3000:]}"


def dated_tarball(name: str, build: Callable[[Path], None]) -> Path:
    """``CACHE/<name>-<today>.tar``: the root *build* makes in an empty
    directory, made once a day (yesterday's is removed: the archive has moved
    on). A build cut short leaves no tarball behind."""
    CACHE.mkdir(parents=True, exist_ok=True)
    tarball = CACHE / f"{name}-{datetime.date.today().isoformat()}.tar"
    if tarball.exists():
        return tarball
    for old in CACHE.glob(f"{name}-*.tar"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix=f"{name}-", dir=CACHE) as scratch:
        root = Path(scratch) / "root"
        build(root)
        partial = tarball.with_suffix(".partial")
        subprocess.run(["tar", "-C", str(root), "--numeric-owner", "-cf", str(partial), "."],
                       check=True, timeout=600)
        partial.rename(tarball)
    return tarball


def unpack(tarball: Path, root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-C", str(root), "--numeric-owner", "-xf", str(tarball)],
                   check=True, timeout=900)


def allow_downloads(root: Path) -> None:
    """This machine's name resolution and its trust for PyPI, in *root*."""
    resolv = root / "etc/resolv.conf"
    if resolv.is_symlink() or resolv.exists():
        resolv.unlink()
    shutil.copy("/etc/resolv.conf", resolv)
    pip_cert = os.environ.get("PIP_CERT")
    if pip_cert and Path(pip_cert).is_file():
        shutil.copy(pip_cert, root / CHROOT_PIP_CERT.lstrip("/"))


class Root:
    """A root file system to run commands in."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def run(self, command: str, timeout: float = 1200,
            binds: Sequence[tuple[Path, str]] = ()) -> subprocess.CompletedProcess[str]:
        """Run *command* (a shell line) inside the root, as root, with a clean
        environment, in a mount namespace of its own; *binds* are (directory
        on this machine, where in the root) mounted for this command only."""
        r = shlex.quote(str(self.path))
        mounts = [f"mount --bind /{d} {r}/{d}" for d in ("proc", "sys", "dev", "dev/pts")]
        for source, target in binds:
            inside = shlex.quote(f"{self.path}/{target.lstrip('/')}")
            mounts.append(f"mkdir -p {inside} && mount --bind {shlex.quote(str(source))} "
                          f"{inside}")
        env = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8",
               "DEBIAN_FRONTEND=noninteractive"]
        if (self.path / CHROOT_PIP_CERT.lstrip("/")).exists():
            env.append(f"PIP_CERT={CHROOT_PIP_CERT}")
        inner = (f"{' && '.join(mounts)} && exec chroot {r} /usr/bin/env -i {' '.join(env)} "
                 f"/bin/bash -c {shlex.quote(command)}")
        return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                               inner], capture_output=True, text=True, timeout=timeout)

    def check(self, command: str, timeout: float = 1200,
              binds: Sequence[tuple[Path, str]] = ()) -> str:
        """:meth:`run`, asserting it succeeded; its output."""
        result = self.run(command, timeout, binds)
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"{command} failed ({result.returncode}):\n" \
                                       f"{output[-5000:]}"
        return output

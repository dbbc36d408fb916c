"""The guest's root file system: Debian bookworm with a kernel, then the
suite installed by ``setup.sh seal`` or ``setup.sh kiosk`` exactly as a
technician runs it on a Pi, then the test's own fixtures (the simulated
hardware, a county on loopback), then a raw ext4 image of it.

What is cached in ``~/.cache/village-edge/``, so that a second run on the
same machine skips the slow parts, and rebuilt when it is stale:

- ``boot-bookworm-amd64-<date>.tar``: debootstrap (minbase) with systemd,
  udev, dbus, the kernel and the QEMU guest agent, made once a day (the
  archive moves on). The initramfs holds only what mounts the root
  (``MODULES=list``): a full one takes a minute to build;
- ``boot/gpio-sim-<kernel>-*.ko``: :mod:`tests.boot.gpio_sim`;
- ``boot/<role>-root/``: that root after ``setup.sh <role>``, kept while
  the day's base and the source setup.sh installs from (the repository
  without its tests) are unchanged; ``boot/<role>-setup.log`` is its output.
  A seal root also gets lgpio in the system's Python, as Raspberry Pi OS's
  python3-lgpio package would give it (Debian's archive has no lgpio).

Each run then adds the fixtures to the cached root (their own paths only:
``/usr/local/lib/boot-test``, ``boot-test-*`` units and drop-ins) and makes
the image from it with ``mkfs.ext4 -d``: no loop device, no mount.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from tests.boot.gpio_sim import cached_module, kernel_version
from tests.debian_root import (
    CACHE,
    CHROOT_PIP_CERT,
    Root,
    allow_downloads,
    dated_tarball,
    debootstrap,
    unpack,
)

BOOT_CACHE = CACHE / "boot"
BASE_NAME = "boot-bookworm-amd64"
# Raspberry Pi OS Lite has all of these; qemu-guest-agent lets the test run
# commands in the guest (through a virtio port, not the network).
BASE_PACKAGES = ["systemd", "systemd-sysv", "udev", "kmod", "dbus", "initramfs-tools",
                 "qemu-guest-agent"]
INITRAMFS_MODULES = ["virtio_pci", "virtio_blk", "ext4"]
SOURCE = Path(__file__).resolve().parents[2]
SOURCE_SKIP = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache",
               ".hypothesis", "node_modules", "tests", "bench", "image", "state", "build", "dist"}
SRC_IN_ROOT = "usr/src/village-edge"
ROLE_RECIPE = "3"  # make-updates.sh in the seal root
MAKE_UPDATES = Path(__file__).resolve().parent / "guest" / "make-updates.sh"


def base_tarball() -> Path:
    return dated_tarball(BASE_NAME, _build_base)


def _build_base(path: Path) -> None:
    debootstrap(path, BASE_PACKAGES)
    (path / "etc/initramfs-tools/conf.d/boot-test.conf").write_text("MODULES=list\n")
    with (path / "etc/initramfs-tools/modules").open("a") as modules:
        modules.write("\n".join(INITRAMFS_MODULES) + "\n")
    allow_downloads(path)
    Root(path).check("apt-get install -y -q --no-install-recommends linux-image-amd64 && "
                     "apt-get clean", timeout=1800)
    _forget_downloads(path)


def _forget_downloads(path: Path) -> None:
    (path / CHROOT_PIP_CERT.lstrip("/")).unlink(missing_ok=True)
    (path / "etc/resolv.conf").unlink(missing_ok=True)
    shutil.rmtree(path / "root/.cache", ignore_errors=True)


def source_files() -> list[Path]:
    """What setup.sh installs from: the repository without its tests, bench,
    image recipe, caches and build outputs (as the pi-gen stage copies it)."""
    found = []
    for directory, subdirs, files in os.walk(SOURCE):
        subdirs[:] = sorted(d for d in subdirs if d not in SOURCE_SKIP
                            and not d.endswith(".egg-info")
                            and not (Path(directory) == SOURCE and d.startswith(".")))
        for name in sorted(files):
            if not name.endswith(".pyc"):
                found.append((Path(directory) / name).relative_to(SOURCE))
    return found


def source_digest() -> str:
    digest = hashlib.sha256()
    for relative in source_files():
        digest.update(str(relative).encode() + b"\0" + (SOURCE / relative).read_bytes())
    return digest.hexdigest()[:16]


def role_root(role: str, base: Path) -> Path:
    """The cached root with ``setup.sh <role>`` run in it, made again when the
    base or the source changed."""
    path = BOOT_CACHE / f"{role}-root"
    stamp = BOOT_CACHE / f"{role}-root.key"
    recipe = hashlib.sha256(MAKE_UPDATES.read_bytes()).hexdigest()[:12]
    key = f"{base.name} {source_digest()} {ROLE_RECIPE} {recipe}"
    if path.is_dir() and stamp.is_file() and stamp.read_text() == key:
        return path
    stamp.unlink(missing_ok=True)
    if path.exists():
        shutil.rmtree(path)
    unpack(base, path)
    allow_downloads(path)
    target = path / SRC_IN_ROOT
    for relative in source_files():
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(SOURCE / relative, target / relative)
    # Downloads are kept between runs (pip's cache, apt's archives): only
    # what changed is fetched again; the root keeps neither.
    pip_cache = BOOT_CACHE / "pip-cache"
    pip_cache.mkdir(parents=True, exist_ok=True)
    apt_archives = BOOT_CACHE / "apt-archives"
    (apt_archives / "partial").mkdir(parents=True, exist_ok=True)
    log = BOOT_CACHE / f"{role}-setup.log"
    result = Root(path).run(f"/{SRC_IN_ROOT}/setup.sh {role}", timeout=2400,
                            binds=[(pip_cache, "/root/.cache/pip"),
                                   (apt_archives, "/var/cache/apt/archives")])
    log.write_text(result.stdout + result.stderr)
    assert result.returncode == 0, f"setup.sh {role} failed (see {log}):\n" \
                                   f"{(result.stdout + result.stderr)[-5000:]}"
    if role == "seal":
        # What Raspberry Pi OS's python3-lgpio gives and Debian's archive has
        # not (setup.sh warns and skips it): lgpio in the system's Python,
        # which the release's virtual environment sees.
        Root(path).check("python3 -m pip install --quiet --break-system-packages --no-deps "
                         "'lgpio>=0.2'", timeout=900,
                         binds=[(pip_cache, "/root/.cache/pip")])
        # the two releases the update tests apply (see the script)
        shutil.copy(MAKE_UPDATES, path / "tmp" / "make-updates.sh")
        Root(path).check("bash /tmp/make-updates.sh && rm /tmp/make-updates.sh", timeout=1800,
                         binds=[(pip_cache, "/root/.cache/pip")])
    _forget_downloads(path)
    stamp.write_text(key)
    return path


def gpio_sim_module(root: Path) -> Path:
    """gpio-sim.ko for the kernel of *root* (downloads in *root* if not cached)."""
    allow_downloads(root)
    try:
        return cached_module(Root(root))
    finally:
        _forget_downloads(root)


def kernel_files(root: Path) -> tuple[Path, Path]:
    kver = kernel_version(root)
    return root / "boot" / f"vmlinuz-{kver}", root / "boot" / f"initrd.img-{kver}"


def make_image(root: Path, image: Path, size: str = "6G") -> None:
    """A raw ext4 image of *root* (sparse: only what is used takes space)."""
    image.unlink(missing_ok=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "rootfs", "-d", str(root), str(image), size],
                   check=True, timeout=900)

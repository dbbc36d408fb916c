"""From nothing (or the cache) to a booted guest of one role, each stage
timed (:mod:`tests.boot.stages`)."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.boot.guest_files import (
    VILLAGE_CODE,
    Commissioning,
    boot_file,
    install,
    make_boot_partition,
    prepare_county,
)
from tests.boot.guest_root import (
    BOOT_CACHE,
    base_tarball,
    gpio_sim_module,
    kernel_files,
    make_image,
    role_root,
)
from tests.boot.machine import Machine
from tests.boot.stages import STAGES

BOOT_TIMEOUT = 900.0  # a bound for a guest that never comes up, not an expected time


@dataclass
class Guest:
    role: str
    machine: Machine
    commissioning: Commissioning
    workdir: Path

    @property
    def boot_image(self) -> Path:
        return self.workdir / "boot.img"


@contextmanager
def cache_lock() -> Iterator[None]:
    """One build at a time in the cache (another run on this machine waits)."""
    BOOT_CACHE.mkdir(parents=True, exist_ok=True)
    with (BOOT_CACHE / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def prepare(role: str, workdir: Path) -> Guest:
    """Build (or reuse) the root of *role*, add the fixtures, make the disks."""
    workdir.mkdir(parents=True, exist_ok=True)
    with cache_lock():
        with STAGES.stage("base root: debootstrap, kernel (cached daily)"):
            base = base_tarball()
        with STAGES.stage(f"setup.sh {role} in a copy (cached by source)"):
            root = role_root(role, base)
        module = None
        if role == "seal":  # the kiosk has no GPIO lines
            with STAGES.stage("gpio-sim module (cached by kernel)"):
                module = gpio_sim_module(root)
        device_id = f"ve-{VILLAGE_CODE}-{role}1"
        with STAGES.stage(f"{role}: county data, fixtures, root and boot images"):
            commissioning = prepare_county(workdir / "county", device_id, role)
            install(root, role, module, workdir / "county")
            make_image(root, workdir / "root.img")
            make_boot_partition(workdir / "boot.img", boot_file(role, commissioning))
            kernel, initrd = kernel_files(root)
    machine = Machine(role, workdir, kernel, initrd, workdir / "root.img", workdir / "boot.img")
    return Guest(role, machine, commissioning, workdir)


def boot(guest: Guest) -> None:
    guest.machine.start()
    with STAGES.stage(f"{guest.role}: boot until the guest agent answers"):
        guest.machine.wait_for_agent(BOOT_TIMEOUT)

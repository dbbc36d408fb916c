"""The booted guests, one per role, shared by the tests of a module; and the
time of each stage, reported at the end of the run (never asserted)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.boot.guest_root import BOOT_CACHE
from tests.boot.guests import Guest, boot, prepare
from tests.boot.stages import STAGES

NEEDED = ("qemu-system-x86_64", "debootstrap", "mkfs.ext4", "mkfs.vfat", "mcopy", "make",
          "unshare", "chroot")


def booted(role: str) -> Iterator[Guest]:
    """A guest of *role*, booted; its console and the emulator's log stay in
    ``~/.cache/village-edge/boot/run-<role>/`` for a failure to be read."""
    assert os.geteuid() == 0, "the boot test builds a root with chroot: run it as root " \
                              "(CI does)"
    missing = [tool for tool in NEEDED if shutil.which(tool) is None]
    assert not missing, f"not installed: {', '.join(missing)}: run ./setup.sh dev"
    guest = prepare(role, BOOT_CACHE / f"run-{role}")
    try:
        boot(guest)
        yield guest
    finally:
        guest.machine.stop()


@pytest.fixture(scope="module")
def seal() -> Iterator[Guest]:
    yield from booted("seal")


@pytest.fixture(scope="module")
def kiosk() -> Iterator[Guest]:
    yield from booted("kiosk")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if STAGES.lines:
        terminalreporter.section("boot test: time of each stage (measured, not asserted)")
        for line in STAGES.lines:
            terminalreporter.write_line(line)

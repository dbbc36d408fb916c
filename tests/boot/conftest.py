"""The booted guests, one per role, shared by the tests of a module; and the
time of each stage, reported at the end of the run (never asserted).

The seal station's tests run first, and the kiosk's guest is built and
booted in the background while they do (:class:`Fleet`): its first boot,
its first frame and its three idle minutes before the attract screen then
cost the run nothing. Once it shows the attract screen it is paused until
its tests begin: drawn by a software renderer on an emulated CPU, even
the attract screen's few redraws a second would take a core from the seal
station's guest. Root builds still go one at a time (the cache lock).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from tests.boot.guest_root import BOOT_CACHE
from tests.boot.guests import Guest, boot, prepare
from tests.boot.machine import MachineError
from tests.boot.screen import Look
from tests.boot.stages import STAGES

NEEDED = ("qemu-system-x86_64", "debootstrap", "mkfs.ext4", "mkfs.vfat", "mcopy", "make",
          "unshare", "chroot")
ROLES = ("seal", "kiosk")  # the order their tests run in: the longest first
AT_REST = 900.0  # a bound for a kiosk that never reaches its attract screen


def bring_up(role: str, after: threading.Event | None, built: threading.Event | None) -> Guest:
    """A guest of *role*, booted; its console and the emulator's log stay in
    ``~/.cache/village-edge/boot/run-<role>/`` for a failure to be read. Its
    build waits for *after*, and sets *built* when done (or failed)."""
    if after is not None:
        after.wait()
    try:
        guest = prepare(role, BOOT_CACHE / f"run-{role}")
    finally:
        if built is not None:
            built.set()  # a failed build must not hold the others back
    try:
        boot(guest)
    except BaseException:
        guest.machine.stop()
        raise
    return guest


def in_background(role: str, after: threading.Event) -> Guest:
    """A guest brought up while another role's tests run: once it is at
    rest (the kiosk on its attract screen), paused until its own tests."""
    guest = bring_up(role, after, None)
    with STAGES.stage(f"{role}: to rest in the background, then paused"):
        if role == "kiosk":
            deadline = time.monotonic() + AT_REST
            while time.monotonic() < deadline:
                if Look.of(guest.machine.screendump(guest.workdir / "at-rest.png")).attract:
                    break
                time.sleep(5)
        guest.machine.pause()
    return guest


class Fleet:
    """The guests of this run. The first one asked for is brought up at
    once; every other role this run tests follows in the background as soon
    as the first one's root is built."""

    def __init__(self) -> None:
        self.pool: ThreadPoolExecutor | None = None
        self.guests: dict[str, Future[Guest]] = {}

    def guest(self, role: str, wanted: set[str | None]) -> Guest:
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=len(ROLES), thread_name_prefix="guest")
        if role not in self.guests:
            built = threading.Event()
            self.guests[role] = self.pool.submit(bring_up, role, None, built)
            for other in (r for r in ROLES if r in wanted and r not in self.guests):
                self.guests[other] = self.pool.submit(in_background, other, built)
        guest = self.guests[role].result()
        if not guest.machine.running:
            raise MachineError(f"the {role} guest is no longer running: see {guest.workdir}")
        guest.machine.resume()  # a no-op for a guest that was never paused
        return guest

    def stop(self) -> None:
        """Power off every guest, including one whose tests never ran."""
        for future in self.guests.values():
            # a guest that failed to come up was reported by its own tests
            if future.exception() is None:
                future.result().machine.stop()
        if self.pool is not None:
            self.pool.shutdown(wait=True)


FLEET = Fleet()


def booted(role: str, request: pytest.FixtureRequest) -> Iterator[Guest]:
    assert os.geteuid() == 0, "the boot test builds a root with chroot: run it as root " \
                              "(CI does)"
    missing = [tool for tool in NEEDED if shutil.which(tool) is None]
    assert not missing, f"not installed: {', '.join(missing)}: run ./setup.sh dev"
    wanted = {_role(item) for item in request.session.items} - {None}
    guest = FLEET.guest(role, wanted)
    with STAGES.stage(f"{role}: its tests"):
        try:
            yield guest
        finally:
            guest.machine.stop()


@pytest.fixture(scope="module")
def seal(request: pytest.FixtureRequest) -> Iterator[Guest]:
    yield from booted("seal", request)


@pytest.fixture(scope="module")
def kiosk(request: pytest.FixtureRequest) -> Iterator[Guest]:
    yield from booted("kiosk", request)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The boot tests' modules in the order of :data:`ROLES`, where they
    stood among the rest of the run."""
    places = [i for i, item in enumerate(items) if _role(item) is not None]
    ordered = sorted((items[i] for i in places), key=lambda item: ROLES.index(_role(item) or ""))
    for place, item in zip(places, ordered, strict=True):
        items[place] = item


def _role(item: pytest.Item) -> str | None:
    names = getattr(item, "fixturenames", ())
    return next((role for role in ROLES if role in names), None)


def pytest_sessionfinish() -> None:
    FLEET.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if STAGES.lines:
        terminalreporter.section("boot test: time of each stage (measured, not asserted)")
        for line in STAGES.lines:
            terminalreporter.write_line(line)

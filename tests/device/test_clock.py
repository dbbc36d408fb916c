"""Whether the clock was synchronised this boot, as a sandboxed seal service
can tell: systemd-timesyncd's flag file in /run (a temporary directory here),
else the kernel's adjtimex, which the seal unit's syscall filter denies with
EPERM (injected here at the one call)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from device.clock import STA_UNSYNC, TIME_ERROR, read_clock_state

NOW = 1_800_000_000.0
UPTIME = 3600.0  # this boot began an hour ago


def denied() -> tuple[int, int, int]:
    raise OSError(errno.EPERM, os.strerror(errno.EPERM))


def flag(tmp_path: Path, touched: float | None) -> Path:
    path = tmp_path / "run" / "systemd" / "timesync" / "synchronized"
    if touched is not None:
        path.parent.mkdir(parents=True)
        path.touch()
        os.utime(path, (touched, touched))
    return path


def state(path: Path, adjtimex=denied):  # type: ignore[no-untyped-def]
    return read_clock_state(timesync_flag=path, adjtimex=adjtimex, wall=lambda: NOW,
                            boottime=lambda: UPTIME)


def test_a_timesyncd_synchronisation_this_boot_is_trusted_without_adjtimex(
        tmp_path: Path) -> None:
    result = state(flag(tmp_path, NOW - 600))
    assert result.synchronised is True and "timesyncd" in result.detail


def test_a_flag_older_than_this_boot_is_not_a_synchronisation(tmp_path: Path) -> None:
    result = state(flag(tmp_path, NOW - UPTIME - 300))
    assert result.synchronised is None  # and adjtimex may not be asked: cannot tell
    assert "not permitted" in result.detail


def test_without_timesyncd_adjtimex_denied_is_cannot_tell_never_a_guess(tmp_path: Path) -> None:
    result = state(flag(tmp_path, None))
    assert result.synchronised is None and "not permitted" in result.detail


def test_without_timesyncd_the_kernel_is_asked_where_permitted(tmp_path: Path) -> None:
    path = flag(tmp_path, None)
    assert state(path, lambda: (0, 0, 40_000)).synchronised is True
    assert state(path, lambda: (0, STA_UNSYNC, 16_000_000)).synchronised is False
    assert state(path, lambda: (TIME_ERROR, 0, 0)).synchronised is False


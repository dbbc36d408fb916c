"""Is the system clock synchronised during this boot?

First systemd-timesyncd's flag file, which a sandboxed service can read:
timesyncd touches ``/run/systemd/timesync/synchronized`` on each successful
synchronisation, and /run is emptied at every boot, so a touch after this
boot began means synchronised this boot. Then the kernel, which chrony,
timesyncd and ntpd all keep informed, through adjtimex(2) in read-only mode,
where permitted: systemd's ``ProtectClock=yes`` and ``@clock``/``@privileged``
syscall filters deny even a read-only adjtimex (EPERM), and then this says it
cannot tell rather than guess."""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sync.boot import read_boottime

TIMESYNC_FLAG = Path("/run/systemd/timesync/synchronized")

TIME_ERROR = 5  # adjtimex's answer when the clock is not synchronised
STA_UNSYNC = 0x0040


class _Timeval(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long)]


class _Timex(ctypes.Structure):
    # struct timex from <sys/timex.h>; the same layout on 32- and 64-bit Linux
    # because every wide field is a C long.
    _fields_ = [
        ("modes", ctypes.c_uint),
        ("offset", ctypes.c_long),
        ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long),
        ("esterror", ctypes.c_long),
        ("status", ctypes.c_int),
        ("constant", ctypes.c_long),
        ("precision", ctypes.c_long),
        ("tolerance", ctypes.c_long),
        ("time", _Timeval),
        ("tick", ctypes.c_long),
        ("ppsfreq", ctypes.c_long),
        ("jitter", ctypes.c_long),
        ("shift", ctypes.c_int),
        ("stabil", ctypes.c_long),
        ("jitcnt", ctypes.c_long),
        ("calcnt", ctypes.c_long),
        ("errcnt", ctypes.c_long),
        ("stbcnt", ctypes.c_long),
        ("tai", ctypes.c_int),
        ("_reserved", ctypes.c_int * 11),
    ]


@dataclass(frozen=True)
class ClockState:
    synchronised: bool | None  # None: cannot tell
    detail: str


#: adjtimex(2) read-only: (its return value, status, maxerror), or an OSError.
Adjtimex = Callable[[], tuple[int, int, int]]


def kernel_adjtimex() -> tuple[int, int, int]:
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        raise OSError(errno.ENOSYS, "C library not found; cannot ask the kernel")
    libc = ctypes.CDLL(libc_name, use_errno=True)
    timex = _Timex()  # modes = 0: read only
    state = libc.adjtimex(ctypes.byref(timex))
    if state < 0:
        number = ctypes.get_errno()
        raise OSError(number, os.strerror(number))
    return state, timex.status, timex.maxerror


def read_clock_state(
    *,
    timesync_flag: Path = TIMESYNC_FLAG,
    adjtimex: Adjtimex = kernel_adjtimex,
    wall: Callable[[], float] = time.time,
    boottime: Callable[[], float] = read_boottime,
) -> ClockState:
    timesync = _timesync_state(timesync_flag, wall() - boottime())
    if timesync is not None:
        return timesync
    try:
        state, status, maxerror = adjtimex()
    except OSError as error:
        if error.errno == errno.EPERM:
            return ClockState(None, "adjtimex is not permitted here (a sandbox: ProtectClock or "
                                    "a syscall filter) and systemd-timesyncd has not reported "
                                    "a synchronisation this boot")
        return ClockState(None, f"adjtimex failed: {error}")
    if state == TIME_ERROR or status & STA_UNSYNC:
        return ClockState(False, "the kernel reports the clock as not synchronised")
    return ClockState(True, f"synchronised (maximum error {maxerror / 1000:.0f} ms)")


def _timesync_state(flag: Path, boot_began: float) -> ClockState | None:
    """Synchronised if timesyncd touched *flag* after this boot began; None
    (ask the kernel) otherwise."""
    try:
        touched = flag.stat().st_mtime
    except OSError:
        return None
    if touched < boot_began - 1.0:  # the file's time has whole-second slack on some filesystems
        return None
    return ClockState(True, f"systemd-timesyncd synchronised this boot ({flag})")

"""Is the system clock synchronised? Asked of the kernel, which chrony,
systemd-timesyncd and ntpd all keep informed, through adjtimex(2) in
read-only mode."""

from __future__ import annotations

import ctypes
import ctypes.util
from dataclasses import dataclass

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


def read_clock_state() -> ClockState:
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return ClockState(None, "C library not found; cannot ask the kernel")
    libc = ctypes.CDLL(libc_name, use_errno=True)
    timex = _Timex()  # modes = 0: read only
    state = libc.adjtimex(ctypes.byref(timex))
    if state < 0:
        return ClockState(None, f"adjtimex failed (errno {ctypes.get_errno()})")
    if state == TIME_ERROR or timex.status & STA_UNSYNC:
        return ClockState(False, "the kernel reports the clock as not synchronised")
    error_ms = timex.maxerror / 1000
    return ClockState(True, f"synchronised (maximum error {error_ms:.0f} ms)")

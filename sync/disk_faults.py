"""When the device's own disk fails the agent: full, read-only (a card with
errors is remounted read-only), or failing to read and write.

Nothing is lost to such a fault: an event is acknowledged only once the
acknowledgement is stored, and a document the county published is taken
(and its place in the feed moved on) only once it is stored, so whatever
could not be stored is sent or fetched again. A round that meets one ends in
a :class:`DiskFault` that says so in one sentence; the daemon waits and tries
again, ``sync run --once`` exits with status 74.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from durable.atomic import atomic_write
from sync.errors import SyncError

DISK_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO)
LOW_SPACE_BYTES = 64 * 1024  # less free than this: full, as far as the device can tell

_WHAT = {
    errno.ENOSPC: ("is full", "free some space on it"),
    errno.EDQUOT: ("is full (its quota is used up)", "free some space on it"),
    errno.EROFS: ("is read-only (an SD card with errors is remounted read-only)",
                  "check or replace the card"),
    errno.EIO: ("cannot be read or written", "the SD card may be failing: check or replace it"),
}


class DiskFault(SyncError, OSError):
    """The device's disk failed a round; the message says what to do."""


def disk_fault(error: OSError, state: Path) -> DiskFault | None:
    """*error* as a :class:`DiskFault` about the disk holding *state*, or
    None if it is not a fault of the disk."""
    code = error.errno
    if code not in _WHAT:
        return None
    what, fix = _WHAT[code]
    detail = error.strerror or str(error)
    if error.filename is not None and str(error.filename) not in detail:
        detail = f"{detail}: {error.filename}"
    return DiskFault(code, f"the disk holding {state} {what}; nothing is lost: what could not "
                           f"be stored is sent or fetched again; {fix} ({detail})")


def save_even_when_full(path: Path, data: bytes) -> None:
    """Replace *path* with the small *data* atomically; on a full disk, where
    a new file cannot be made, overwrite it in place, which needs no new
    block (a power cut then may leave it torn: readers of such a file must
    take that as "nothing known")."""
    try:
        atomic_write(path, data)
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        descriptor = os.open(path, os.O_WRONLY)  # no file yet: nothing to overwrite
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view):]
            os.ftruncate(descriptor, len(data))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def disk_problem(directory: Path) -> str | None:
    """What is wrong now with the disk holding *directory* (read-only, full),
    or None."""
    try:
        stat = os.statvfs(directory)
    except OSError:
        return None  # not there yet: nothing to say about its disk
    if stat.f_flag & os.ST_RDONLY:
        return f"the disk holding {directory} {_WHAT[errno.EROFS][0]}: nothing new can be stored"
    free = stat.f_bavail * stat.f_frsize
    if free < LOW_SPACE_BYTES:
        return f"the disk holding {directory} is full ({free // 1024} KiB free)"
    return None

"""From an exception that ended a command to its exit status and the lines
on stderr (the table is :mod:`village_edge.exits`).

Every package's errors say what is wrong and what to do; this module only
decides the status: first by the error's own class, then by the built-in
it also inherits (an :class:`OSError` by its errno), then by its package's
root. Anything else is a bug: status 70, one line, and the traceback only
with ``VILLAGE_EDGE_DEBUG=1``. Imported only when a command failed.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from camera.errors import CameraError
from county.errors import CannotListen, CountyError
from device.config import ConfigError
from device.errors import DeviceError
from durable.errors import DurableError
from hardware.errors import DeviceClosedError, HardwareError, PinConflictError
from kiosk.errors import KioskError
from powerlist.errors import CatalogError, PowerlistError
from protocol.errors import ProtocolError
from provision.errors import ProvisionError
from provision.system import CommandError
from provision.update import BuildFailed, DeviceNotSetUp, NoPreviousRelease, UpdateBusy
from seal_controller.errors import SealError, StationBusy
from sync.client import CountyRefused, CountyUnreachable
from sync.enrollment import EnrollmentError
from sync.errors import SyncError
from village_edge.errors import CliError
from village_edge.exits import (
    CANT_CREATE,
    CONFIG,
    DATA_ERROR,
    IO_ERROR,
    NO_INPUT,
    SOFTWARE,
    TRY_AGAIN,
    UNAVAILABLE,
)

#: An error's own class decides first, in this order.
BY_CLASS: tuple[tuple[type[BaseException], int], ...] = (
    (PinConflictError, CONFIG),
    (DeviceClosedError, SOFTWARE),
    (HardwareError, UNAVAILABLE),
    (CameraError, UNAVAILABLE),
    (CountyRefused, DATA_ERROR),
    (EnrollmentError, CONFIG),
    (CannotListen, UNAVAILABLE),
    (StationBusy, TRY_AGAIN),
    (DeviceNotSetUp, CONFIG),
    (UpdateBusy, TRY_AGAIN),
    (BuildFailed, UNAVAILABLE),
    (NoPreviousRelease, NO_INPUT),
    (CommandError, UNAVAILABLE),
)

#: Then the package's root, for an error that is not an OSError or a ValueError.
BY_PACKAGE: tuple[tuple[type[BaseException], int], ...] = (
    (DeviceError, CONFIG),
    (CountyError, DATA_ERROR),
    (SyncError, UNAVAILABLE),
    (SealError, DATA_ERROR),
    (KioskError, UNAVAILABLE),
    (PowerlistError, DATA_ERROR),
    (ProtocolError, DATA_ERROR),
    (DurableError, IO_ERROR),
    (ProvisionError, SOFTWARE),
)

#: What to do about an OSError the error's message does not already say.
OS_HINTS = {
    errno.ENOSPC: "the disk is full: free some space",
    errno.EDQUOT: "the disk quota is used up: free some space",
    errno.EROFS: "the file system is read-only (an SD card with errors is remounted "
                 "read-only): check the card",
    errno.EIO: "the disk could not be read or written: the SD card may be failing",
    errno.EACCES: "check the owner and mode, or run as the user who owns it",
    errno.EPERM: "check the owner and mode, or run as the user who owns it",
    errno.EADDRINUSE: "choose another port or stop what is using it",
}


@dataclass
class Failure:
    """The status and the words for one failed command."""

    status: int
    message: str
    problems: list[str] = field(default_factory=list)
    bug: bool = False

    def lines(self, prog: str) -> list[str]:
        """One line, ``PROG: message``; for several problems, a first line
        that counts them and one indented line each."""
        message = _one_line(self.message)
        problems = [_one_line(p) for p in self.problems]
        if not problems:
            return [f"{prog}: {message}"]
        if len(problems) == 1:
            return [f"{prog}: {message}: {problems[0]}"]
        return [f"{prog}: {message} ({len(problems)} problems):", *(f"  {p}" for p in problems)]


def failure_of(error: BaseException) -> Failure:
    """How the command line reports *error*."""
    if isinstance(error, CliError):
        return Failure(error.status, error.message, error.problems)
    if isinstance(error, ConfigError):
        return Failure(CONFIG, "the configuration cannot be used; nothing was started",
                       error.problems)
    if isinstance(error, CatalogError):
        return Failure(DATA_ERROR, "the catalog cannot be used", error.problems)
    if isinstance(error, CountyUnreachable):
        return Failure(TRY_AGAIN, f"the county cannot be reached ({error}); everything "
                                  "recorded waits on the device: check the network")
    for kind, status in BY_CLASS:
        if isinstance(error, kind):
            return Failure(status, str(error))
    if isinstance(error, sqlite3.Error):
        return Failure(IO_ERROR, f"a database cannot be used ({error}): check that it is a "
                                 "file this user may write, and the disk")
    if isinstance(error, OSError):
        return _os_failure(error)
    ours = isinstance(error, tuple(kind for kind, _ in BY_PACKAGE))
    if ours and isinstance(error, ValueError):
        return Failure(DATA_ERROR, str(error))
    for kind, status in BY_PACKAGE:
        if isinstance(error, kind):
            return Failure(status, str(error))
    return Failure(SOFTWARE, f"internal error (a bug): {type(error).__name__}: {error}; run "
                             "again with VILLAGE_EDGE_DEBUG=1 to see the traceback, and "
                             "report it", bug=True)


#: The errno an OSError subclass made with only a message stands for.
ERRNO_OF_CLASS: tuple[tuple[type[OSError], int], ...] = (
    (FileNotFoundError, errno.ENOENT),
    (NotADirectoryError, errno.ENOTDIR),
    (IsADirectoryError, errno.EISDIR),
    (PermissionError, errno.EACCES),
)


def _os_failure(error: OSError) -> Failure:
    code = error.errno or next((n for kind, n in ERRNO_OF_CLASS if isinstance(error, kind)), 0)
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO):
        status = IO_ERROR
    elif code in (errno.ENOENT, errno.ENOTDIR, errno.EISDIR):
        status = NO_INPUT
    elif code in (errno.EACCES, errno.EPERM):
        status = NO_INPUT if _unreadable(error.filename) else CANT_CREATE
    elif code in (errno.EADDRINUSE, errno.EADDRNOTAVAIL):
        status = UNAVAILABLE
    elif isinstance(error, TimeoutError | ConnectionError):
        status = TRY_AGAIN
    else:
        status = IO_ERROR
    if error.filename is not None:
        message = f"{error.filename}: {error.strerror or error}"
    else:
        message = error.strerror or str(error)
    hint = OS_HINTS.get(code, "")
    if hint and type(error).__module__ == "builtins":
        message += f"; {hint}"
    return Failure(status, message)


def _unreadable(filename: object) -> bool:
    """The file an EACCES names is there but cannot be read: an input."""
    if not isinstance(filename, str | bytes | os.PathLike):
        return False
    path = Path(os.fsdecode(filename))
    return path.exists() and not os.access(path, os.R_OK)


def _one_line(text: str) -> str:
    return "; ".join(part.strip() for part in str(text).splitlines() if part.strip())

"""From an exception that ended a command to its exit status and the lines
on stderr (the table is :mod:`village_edge.exits`).

Every package's errors say what is wrong and what to do; this module only
decides the status: first by the error's own class, then by the built-in
it also inherits (an :class:`OSError` by its errno, a :class:`ValueError`
is bad input), then by its package's root. Anything else is a bug: status
70, one line, and the traceback only with ``VILLAGE_EDGE_DEBUG=1``.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path

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

# Classes are named, not imported: an error that was raised is already
# imported, and naming them keeps a failed command from importing every
# package to say so. A test checks that every name is a class.

#: An error's own class decides first: the first of these in its MRO.
BY_CLASS: dict[str, int] = {
    "hardware.errors.PinConflictError": CONFIG,
    "hardware.errors.DeviceClosedError": SOFTWARE,
    "hardware.errors.HardwareError": UNAVAILABLE,
    "camera.errors.CameraError": UNAVAILABLE,
    "sync.client.CountyRefused": DATA_ERROR,
    "sync.enrollment.EnrollmentError": CONFIG,
    "county.errors.CannotListen": UNAVAILABLE,
    "county.errors.DatabaseUnavailable": UNAVAILABLE,
    "seal_controller.errors.StationBusy": TRY_AGAIN,
    "provision.update.DeviceNotSetUp": CONFIG,
    "provision.update.UpdateBusy": TRY_AGAIN,
    "provision.update.BuildFailed": UNAVAILABLE,
    "provision.update.NoPreviousRelease": NO_INPUT,
    "provision.system.CommandError": UNAVAILABLE,
    "sqlite3.Error": IO_ERROR,
}

#: Then, for an error that is neither an OSError nor a ValueError (65), its
#: package's root.
BY_PACKAGE: dict[str, int] = {
    "device.errors.DeviceError": CONFIG,
    "county.errors.CountyError": DATA_ERROR,
    "sync.errors.SyncError": UNAVAILABLE,
    "seal_controller.errors.SealError": DATA_ERROR,
    "kiosk.errors.KioskError": UNAVAILABLE,
    "powerlist.errors.PowerlistError": DATA_ERROR,
    "protocol.errors.ProtocolError": DATA_ERROR,
    "durable.errors.DurableError": IO_ERROR,
    "camera.errors.CameraError": UNAVAILABLE,
    "hardware.errors.HardwareError": UNAVAILABLE,
    "provision.errors.ProvisionError": SOFTWARE,
}

#: The errors that list every problem found in one file.
WITH_PROBLEMS = {
    "device.config.ConfigError": "the configuration cannot be used; nothing was started",
    "powerlist.errors.CatalogError": "the catalog cannot be used",
}

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


def class_names(error: BaseException) -> list[str]:
    """``module.Name`` of every class *error* is an instance of, its own first."""
    return [f"{kind.__module__}.{kind.__qualname__}" for kind in type(error).__mro__]


def _first(names: list[str], table: dict[str, int]) -> int | None:
    return next((table[name] for name in names if name in table), None)


@dataclass
class Failure:
    """The status and the words for one failed command."""

    status: int
    message: str
    problems: list[str] = field(default_factory=list)

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
    names = class_names(error)
    for name, summary in WITH_PROBLEMS.items():
        if name in names:
            return Failure(CONFIG if name.startswith("device.") else DATA_ERROR, summary,
                           list(getattr(error, "problems", [str(error)])))
    if "sync.client.CountyUnreachable" in names:
        return Failure(TRY_AGAIN, f"the county cannot be reached ({error}); everything "
                                  "recorded waits on the device: check the network")
    by_class = _first(names, BY_CLASS)
    if by_class is not None:
        message = str(error)
        if "sqlite3.Error" in names:
            message = f"a database cannot be used ({error}): check its owner and the disk"
        return Failure(by_class, message)
    if isinstance(error, OSError):
        return _os_failure(error)
    ours = _first(names, BY_PACKAGE)
    if ours is not None:
        return Failure(DATA_ERROR if isinstance(error, ValueError) else ours, str(error))
    return Failure(SOFTWARE, f"internal error (a bug): {type(error).__name__}: {error}; run "
                             "again with VILLAGE_EDGE_DEBUG=1 to see the traceback, and "
                             "report it")


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

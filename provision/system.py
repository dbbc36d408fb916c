"""The seam between the update logic and the system: every command an update
runs (``systemctl``, ``python3 -m venv``, ``pip``, the new release's
``village-edge doctor``) goes through a :class:`Runner`.

The real runner starts processes found on ``PATH``; the tests put stand-ins
for ``systemctl`` and ``python3`` first on ``PATH`` and run the same logic
against a fake root directory.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from provision.errors import ProvisionError

log = logging.getLogger(__name__)


class CommandError(ProvisionError, RuntimeError):
    """A command the update needs could not be run, or failed."""


@dataclass(frozen=True)
class Completed:
    """What a finished command left: its exit status and output."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def describe(self) -> str:
        """One line for an error message: the command and what it said."""
        said = (self.stderr.strip() or self.stdout.strip()).splitlines()
        tail = f": {said[-1]}" if said else ""
        return f"'{' '.join(self.argv)}' exited {self.returncode}{tail}"


class Runner:
    """Runs commands as processes; *env* is added to this process's environment."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env = dict(env or {})

    def run(self, argv: Sequence[str], *, timeout: float = 600) -> Completed:
        """Run *argv*; never raises for a non-zero exit, only when the command
        cannot be started or runs past *timeout* seconds."""
        command = tuple(str(part) for part in argv)
        log.info("running %s", " ".join(command))
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, check=False,
                env={**os.environ, **self.env},
            )
        except FileNotFoundError as error:
            raise CommandError(f"cannot run '{command[0]}': not found ({error.strerror}); "
                               "is this a device installed by setup.sh?") from error
        except subprocess.TimeoutExpired as error:
            raise CommandError(f"'{' '.join(command)}' did not finish within {timeout:.0f} s"
                               ) from error
        return Completed(command, result.returncode, result.stdout, result.stderr)

    def check(self, argv: Sequence[str], *, timeout: float = 600) -> Completed:
        """Like :meth:`run`, but a non-zero exit raises :class:`CommandError`."""
        result = self.run(argv, timeout=timeout)
        if not result.ok:
            raise CommandError(result.describe())
        return result

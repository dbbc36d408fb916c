"""The role's systemd services as an update sees them: which units a role
runs, restarting them, and their state from ``systemctl show``."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

from provision.system import CommandError, Runner

SYNC_UNIT = "village-edge-sync.service"
SEAL_UNIT = "village-edge-seal.service"
ROLE_UNITS = {
    "seal": (SEAL_UNIT, SYNC_UNIT),
    "kiosk": ("village-edge-kiosk.service", SYNC_UNIT),
    "all": (SEAL_UNIT, "village-edge-kiosk.service", SYNC_UNIT),
}
PROPERTIES = ("ActiveState", "SubState", "NRestarts", "UnitFileState", "WatchdogUSec",
              "WatchdogTimestampMonotonic", "MainPID")
NO_WATCHDOG = {"", "0", "infinity"}


@dataclass(frozen=True)
class UnitState:
    """One unit's state at one moment."""

    unit: str
    active: str           # ActiveState: active, activating, failed, inactive...
    sub: str
    restarts: int         # NRestarts: automatic restarts since the last explicit start
    enabled: str          # UnitFileState
    watchdog: bool        # WatchdogSec= is set: the service must ping
    last_ping: int        # WatchdogTimestampMonotonic (µs), 0 before any

    def describe(self) -> str:
        return f"{self.unit} is {self.active} ({self.sub}), {self.restarts} restarts"


def role_units(role: str) -> tuple[str, ...]:
    try:
        return ROLE_UNITS[role]
    except KeyError:
        raise CommandError(f"unknown role {role!r} in the device configuration: expected one "
                           f"of {', '.join(sorted(ROLE_UNITS))}") from None


def _int(value: str) -> int:
    return int(value) if value.strip().isdigit() else 0


class Systemctl:
    """``systemctl`` through a :class:`Runner`."""

    def __init__(self, runner: Runner, command: str = "systemctl") -> None:
        self.runner = runner
        self.command = command

    def state(self, unit: str) -> UnitState:
        result = self.runner.check(
            [self.command, "show", f"--property={','.join(PROPERTIES)}", unit], timeout=30)
        values: dict[str, str] = {}
        for line in result.stdout.splitlines():
            key, sep, value = line.partition("=")
            if sep:
                values[key.strip()] = value.strip()
        return UnitState(
            unit=unit, active=values.get("ActiveState", "unknown"),
            sub=values.get("SubState", "unknown"), restarts=_int(values.get("NRestarts", "0")),
            enabled=values.get("UnitFileState", ""),
            watchdog=values.get("WatchdogUSec", "") not in NO_WATCHDOG,
            last_ping=_int(values.get("WatchdogTimestampMonotonic", "0")),
        )

    def enabled_units(self, units: Sequence[str]) -> list[str]:
        """Those of *units* that are enabled (meant to run on this device)."""
        return [unit for unit in units if self.state(unit).enabled in ("enabled", "static")]

    def restart(self, units: Sequence[str]) -> str | None:
        """Ask systemd to restart *units* without waiting for them to be ready
        (the health check waits, with its deadline); a problem, or None.

        Their failed state and start rate limit are cleared first: a release
        that crash-looped until systemd gave up ("start request repeated too
        quickly") must not keep the release put back in its place from
        starting for the rest of the limit's interval."""
        if not units:
            return None
        with contextlib.suppress(CommandError):  # the restart is asked for all the same
            self.runner.run([self.command, "reset-failed", *units], timeout=60)
        result = self.runner.run([self.command, "restart", "--no-block", *units], timeout=60)
        return None if result.ok else result.describe()

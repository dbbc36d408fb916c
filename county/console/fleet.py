"""What the technicians' pages know of the fleet: every enrolled device an
account sees, with its latest health (:mod:`county.device_health`), how
long it has been silent, and the latest screenshot asked of a kiosk.

``county.toml`` says when a device counts as missing::

    [fleet]
    missing_hours = 24     # silent longer than this: on the missing list
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from county.console.accounts import Account
from county.device_health import DeviceHealth, all_health, device_health
from county.errors import CountyError
from county.settings import CONFIG_FILE
from county.store import Device, Store
from protocol.commands import CommandRejected
from protocol.screenshot_command import SCREENSHOT_STREAM, read_screenshot_taken

DEFAULT_MISSING_HOURS = 24.0
KIOSK_ROLES = ("kiosk", "all")


@dataclass(frozen=True)
class FleetSettings:
    missing_seconds: float = DEFAULT_MISSING_HOURS * 3600


def read_fleet_settings(root: Path) -> FleetSettings:
    """The ``[fleet]`` table of the county in *root*; :class:`CountyError`
    saying what to fix."""
    path = root / CONFIG_FILE
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return FleetSettings()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CountyError(f"{path} cannot be read: {error}") from None
    table = document.get("fleet", {})
    if not isinstance(table, dict):
        raise CountyError(f"{path}: [fleet] must be a table")
    unknown = sorted(set(table) - {"missing_hours"})
    if unknown:
        raise CountyError(f"{path}: [fleet] has no {', '.join(unknown)} (it has missing_hours)")
    hours = table.get("missing_hours", DEFAULT_MISSING_HOURS)
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours <= 24 * 365:
        raise CountyError(f"{path}: [fleet] missing_hours must be a number of hours above 0 "
                          "and at most 8760")
    return FleetSettings(float(hours) * 3600)


@dataclass(frozen=True)
class FleetDevice:
    device: Device
    health: DeviceHealth | None
    silent: float | None  # seconds since it was last seen; None: never
    missing: bool

    @property
    def is_kiosk(self) -> bool:
        return self.device.role in KIOSK_ROLES


def _fleet_device(device: Device, health: DeviceHealth | None, now: float,
                  settings: FleetSettings) -> FleetDevice:
    silent = None if device.last_seen is None else max(0.0, now - device.last_seen)
    missing = silent is None or silent > settings.missing_seconds
    return FleetDevice(device, health, silent, missing)


def visible_fleet(store: Store, account: Account, now: float,
                  settings: FleetSettings) -> list[FleetDevice]:
    """Every device of the villages *account* sees, by village and id."""
    health = all_health(store)
    devices = [d for d in store.devices() if account.sees_village(d.village_code)]
    devices.sort(key=lambda d: (d.village_code, d.device_id))
    return [_fleet_device(d, health.get(d.device_id), now, settings) for d in devices]


def missing_devices(fleet: list[FleetDevice]) -> list[FleetDevice]:
    """The devices silent longer than the limit, most silent first (never seen at the top)."""
    missing = [entry for entry in fleet if entry.missing]
    return sorted(missing, key=lambda e: (e.silent is not None, -(e.silent or 0.0)))


def find_device(store: Store, account: Account, device_id: str, now: float,
                settings: FleetSettings) -> FleetDevice | None:
    """The device *device_id*, if *account* sees its village."""
    device = store.device(device_id)
    if device is None or not account.sees_village(device.village_code):
        return None
    return _fleet_device(device, device_health(store, device_id), now, settings)


@dataclass(frozen=True)
class ScreenshotState:
    """The latest screenshot asked of a kiosk, and the latest that came."""

    asked_version: int | None
    asked_at: float | None
    asked_by: str | None
    sha256: str | None  # the latest picture that came, whole at the county
    taken: float | None
    received: float | None
    picture_version: int | None

    @property
    def waiting(self) -> bool:
        """Asked, and the answer to that request not here yet."""
        return self.asked_version is not None and (
            self.picture_version is None or self.picture_version < self.asked_version)


def screenshot_state(store: Store, device_id: str) -> ScreenshotState:
    asked = store.execute("SELECT version, requested, requested_by FROM device_screenshots "
                          "WHERE device_id = ?", (device_id,))
    version = int(asked[0]["version"]) if asked else None
    best: tuple[Any, ...] | None = None
    rows = store.execute("SELECT payload, received FROM events WHERE device_id = ? "
                         "AND stream = ?", (device_id, SCREENSHOT_STREAM))
    for row in rows:
        try:
            taken = read_screenshot_taken(json.loads(row["payload"]))
        except (CommandRejected, ValueError):
            continue
        progress = store.blob(taken.sha256)
        if progress is None or not progress.complete:
            continue  # the picture is still on its way
        if best is None or taken.version >= best[0].version:
            best = (taken, row["received"])
    return ScreenshotState(
        version, float(asked[0]["requested"]) if asked else None,
        str(asked[0]["requested_by"]) if asked else None,
        best[0].sha256 if best else None, best[0].taken if best else None,
        float(best[1]) if best else None, best[0].version if best else None)


def note_screenshot_asked(store: Store, device_id: str, version: int, account: str,
                          now: float) -> None:
    """Record that version *version* of the command was published (in the caller's transaction)."""
    store.execute(
        "INSERT INTO device_screenshots (device_id, version, requested, requested_by) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET version = excluded.version, "
        "requested = excluded.requested, requested_by = excluded.requested_by",
        (device_id, version, now, account))

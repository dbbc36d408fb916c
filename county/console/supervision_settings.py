"""The supervisors' settings, the ``[supervision]`` table of the county's
``county.toml`` (every key optional)::

    [supervision]
    silent_hours = 24         # a device not heard from this long is an alert

    [supervision.silent_hours_by_role]
    seal = 6                  # a seal station: sooner (it guards the seals)
    kiosk = 48
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from county.errors import CountyError
from county.settings import CONFIG_FILE
from protocol.api import DEVICE_ROLES

DEFAULT_SILENT_HOURS = 24.0
KEYS = ("silent_hours", "silent_hours_by_role")


@dataclass(frozen=True)
class SupervisionSettings:
    silent_hours: float = DEFAULT_SILENT_HOURS
    silent_hours_by_role: dict[str, float] = field(default_factory=dict)

    def silent_seconds(self, role: str) -> float:
        """How long a device of *role* may be silent before it is an alert."""
        return self.silent_hours_by_role.get(role, self.silent_hours) * 3600


def _hours(value: Any, where: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise CountyError(f"{where} must be a number from {low:g} to {high:g}")
    return float(value)


def read_supervision_settings(root: Path) -> SupervisionSettings:
    """The supervision settings of the county in *root*; :class:`CountyError`
    saying what to fix in ``county.toml``."""
    path = root / CONFIG_FILE
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return SupervisionSettings()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CountyError(f"{path} cannot be read: {error}") from None
    table = document.get("supervision", {})
    if not isinstance(table, dict):
        raise CountyError(f"{path}: [supervision] must be a table")
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise CountyError(f"{path}: [supervision] has no {', '.join(unknown)} (it has "
                          f"{', '.join(KEYS)})")
    by_role = table.get("silent_hours_by_role", {})
    if not isinstance(by_role, dict):
        raise CountyError(f"{path}: [supervision.silent_hours_by_role] must be a table")
    strange = sorted(set(by_role) - set(DEVICE_ROLES))
    if strange:
        raise CountyError(f"{path}: [supervision.silent_hours_by_role] has no role "
                          f"{', '.join(strange)} (the roles are {', '.join(DEVICE_ROLES)})")
    return SupervisionSettings(
        silent_hours=_hours(table.get("silent_hours", DEFAULT_SILENT_HOURS),
                            f"{path}: [supervision] silent_hours", 0.1, 24 * 365),
        silent_hours_by_role={
            role: _hours(hours, f"{path}: [supervision.silent_hours_by_role] {role}",
                         0.1, 24 * 365) for role, hours in by_role.items()},
    )

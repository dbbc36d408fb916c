"""The console's settings, the ``[console]`` table of the county's
``county.toml`` (every key optional)::

    [console]
    enabled = true            # false: the county serves only the device API
    idle_minutes = 30         # a session unused this long ends
    session_hours = 12        # and every session ends this long after login

    # A matter that needs more than one level of approval: the levels in
    # order; with amount_at_least, only when the amount (read from the
    # document photo by the first level's approver) is at least that.
    [[console.levels]]
    matter = "资产处置"
    amount_at_least = 10000
    levels = ["village", "township"]
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from county.console.accounts import LEVELS
from county.errors import CountyError
from county.settings import CONFIG_FILE


@dataclass(frozen=True)
class LevelRule:
    matter: str
    levels: tuple[str, ...]
    amount_at_least: int | None = None


@dataclass(frozen=True)
class ConsoleSettings:
    enabled: bool = True
    idle_seconds: float = 30 * 60.0
    session_seconds: float = 12 * 3600.0
    rules: tuple[LevelRule, ...] = field(default_factory=tuple)

    def rule_for(self, matter: str) -> LevelRule | None:
        return next((rule for rule in self.rules if rule.matter == matter), None)


def _number(table: dict[str, Any], key: str, default: float, low: float, high: float,
            path: Path) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise CountyError(f"{path}: [console] {key} must be a number from {low:g} to {high:g}")
    return float(value)


def _rule(entry: Any, path: Path) -> LevelRule:
    where = f"{path}: [[console.levels]]"
    if not isinstance(entry, dict):
        raise CountyError(f"{where} must be tables")
    unknown = sorted(set(entry) - {"matter", "levels", "amount_at_least"})
    if unknown:
        raise CountyError(f"{where} has no {', '.join(unknown)} (it has matter, levels and "
                          "amount_at_least)")
    matter, levels, amount = entry.get("matter"), entry.get("levels"), entry.get("amount_at_least")
    if not isinstance(matter, str) or not matter.strip():
        raise CountyError(f"{where} matter must be the matter's name, as the station shows it")
    if (not isinstance(levels, list) or len(levels) < 2
            or any(level not in LEVELS for level in levels) or len(set(levels)) != len(levels)):
        raise CountyError(f"{where} {matter}: levels must list two or more of "
                          f"{', '.join(LEVELS)}, in order, each once")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int)
                               or amount < 0):
        raise CountyError(f"{where} {matter}: amount_at_least must be a whole number of yuan")
    return LevelRule(matter.strip(), tuple(levels), amount)


def read_console_settings(root: Path) -> ConsoleSettings:
    """The console's settings of the county in *root*; :class:`CountyError`
    saying what to fix in ``county.toml``."""
    path = root / CONFIG_FILE
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ConsoleSettings()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CountyError(f"{path} cannot be read: {error}") from None
    table = document.get("console", {})
    if not isinstance(table, dict):
        raise CountyError(f"{path}: [console] must be a table")
    unknown = sorted(set(table) - {"enabled", "idle_minutes", "session_hours", "levels"})
    if unknown:
        raise CountyError(f"{path}: [console] has no {', '.join(unknown)} (it has enabled, "
                          "idle_minutes, session_hours and [[console.levels]])")
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise CountyError(f"{path}: [console] enabled must be true or false")
    levels = table.get("levels", [])
    if not isinstance(levels, list):
        raise CountyError(f"{path}: [[console.levels]] must be tables")
    return ConsoleSettings(
        enabled=enabled,
        idle_seconds=_number(table, "idle_minutes", 30, 1, 24 * 60, path) * 60,
        session_seconds=_number(table, "session_hours", 12, 1, 7 * 24, path) * 3600,
        rules=tuple(_rule(entry, path) for entry in levels),
    )

"""The console's settings, the ``[console]`` table of the county's
``county.toml`` (every key optional)::

    [console]
    enabled = true            # false: the county serves only the device API
    idle_minutes = 30         # a session unused this long ends
    session_hours = 12        # and every session ends this long after login
    trusted_proxies = []      # the reverse proxy's address: its X-Forwarded-For is
                              # believed (no one's, by default)

    # A matter that needs more than one level of approval: the levels in
    # order; with amount_at_least, only when the amount (read from the
    # document photo by the first level's approver) is at least that.
    [[console.levels]]
    matter = "资产处置"
    amount_at_least = 10000
    levels = ["village", "township"]

The matter is text the station sends, so a rule is not matched by equal
text (a station could send "资产处置 ", "资产\u3164处置", "資產處置" or
"资产处置（大额）"): both are first reduced to the letters a reader tells
apart (:func:`~county.console.matter_text.matter_key`: an allow-list of
simplified Chinese characters and ASCII letters and digits, traditional and
Japanese forms folded), and a rule holds for every matter that contains its
name. Failing safe: a matter matching several rules gets the strictest of
them, and a matter with no letters at all, or with any character outside
the allow-list other than spaces and punctuation (one that shows nothing,
a combining mark, another script, a traditional form; see
:func:`~county.console.matter_text.is_unusual`), gets the strictest rule
configured.
"""

from __future__ import annotations

import ipaddress
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from county.console.accounts import LEVELS
from county.console.matter_text import is_unusual, matter_key
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
    trusted_proxies: tuple[str, ...] = ()  # addresses or networks

    def rule_for(self, matter: str) -> LevelRule | None:
        """The levels a request of *matter* needs (None: one approval)."""
        key = matter_key(matter)
        if not key or is_unusual(matter):
            return strictest(list(self.rules))
        return strictest([rule for rule in self.rules if matter_key(rule.matter) in key])


def strictest(rules: list[LevelRule]) -> LevelRule | None:
    """One rule as strict as all of *rules*: the most levels, and the
    lowest amount at which they are needed (none: always)."""
    if not rules:
        return None
    if len(rules) == 1:
        return rules[0]
    most = max(rules, key=lambda rule: len(rule.levels))
    amounts = [rule.amount_at_least for rule in rules]
    lowest = None if None in amounts else min(a for a in amounts if a is not None)
    return LevelRule("、".join(rule.matter for rule in rules), most.levels, lowest)


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
    if not isinstance(matter, str) or not matter_key(matter):
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
    unknown = sorted(set(table) - {"enabled", "idle_minutes", "session_hours", "levels",
                                   "trusted_proxies"})
    if unknown:
        raise CountyError(f"{path}: [console] has no {', '.join(unknown)} (it has enabled, "
                          "idle_minutes, session_hours, trusted_proxies and "
                          "[[console.levels]])")
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
        trusted_proxies=_proxies(table.get("trusted_proxies", []), path),
    )


def _proxies(value: Any, path: Path) -> tuple[str, ...]:
    problem = (f"{path}: [console] trusted_proxies must list the reverse proxy's addresses, "
               'such as ["127.0.0.1"] or ["10.0.0.0/24"]')
    if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
        raise CountyError(problem)
    try:
        return tuple(str(ipaddress.ip_network(entry.strip())) for entry in value)
    except ValueError:
        raise CountyError(problem) from None

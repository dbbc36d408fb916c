"""The station's state rebuilt from its ledger: which request is open, which
approved session no ending followed, which approvals were ever used, and
whether a damage found earlier still waits for the county.

One function, :func:`replay`, that the controller's recovery and the update
guard (``provision.seal_guard``) both call, with the record kinds that open
and close requests, sessions and damage read off the procedure table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from seal_controller.procedure import (
    DAMAGE_CLEARED,
    DAMAGE_FOUND,
    REQUEST_CLOSED,
    REQUEST_OPENED,
    SESSION_ENDINGS,
    SESSION_OPENED,
)


@dataclass(frozen=True)
class Replayed:
    """Where the ledger left the station."""

    open_request: Mapping[str, Any] | None  # the request record no approval or cancel followed
    open_session: Mapping[str, Any] | None  # the approved record no ending followed
    used_aids: frozenset[str]  # every approval id that unlocked a seal in these records
    damage: Mapping[str, Any] | None = None  # the alarm_ledger_damaged record not yet cleared
    cleared_at: float = 0.0  # the county's time of the last clearing: older approvals refused


def replay(records: Iterable[Mapping[str, Any]]) -> Replayed:
    """Run *records* (in ledger order) through the opening and closing kinds."""
    open_request: Mapping[str, Any] | None = None
    open_session: Mapping[str, Any] | None = None
    damage: Mapping[str, Any] | None = None
    cleared_at = 0.0
    used: set[str] = set()
    for record in records:
        kind = record.get("kind")
        if kind in DAMAGE_FOUND:  # a new segment: nothing before it is open
            open_request = open_session = None
            damage = record
        if kind in DAMAGE_CLEARED:
            damage = None
            issued = record.get("issued")
            if isinstance(issued, int | float) and not isinstance(issued, bool):
                cleared_at = max(cleared_at, float(issued))
        if kind in REQUEST_OPENED:
            open_request = record
        if kind in REQUEST_CLOSED:
            open_request = None
        if kind in SESSION_OPENED:
            used.add(str(record.get("aid")))
            open_session, open_request = record, None
        if kind in SESSION_ENDINGS:
            open_session = None
    return Replayed(open_request, open_session, frozenset(used), damage, cleared_at)

"""The station's state rebuilt from its ledger: which request is open, which
approved session no ending followed, and which approvals were ever used.

One function, :func:`replay`, that the controller's recovery and the update
guard (``provision.seal_guard``) both call, with the record kinds that open
and close requests and sessions read off the procedure table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from seal_controller.procedure import (
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
    used_aids: frozenset[str]  # every approval id that ever unlocked a seal


def replay(records: Iterable[Mapping[str, Any]]) -> Replayed:
    """Run *records* (in ledger order) through the opening and closing kinds."""
    open_request: Mapping[str, Any] | None = None
    open_session: Mapping[str, Any] | None = None
    used: set[str] = set()
    for record in records:
        kind = record.get("kind")
        if kind in REQUEST_OPENED:
            open_request = record
        elif kind in REQUEST_CLOSED:
            open_request = None
        elif kind in SESSION_OPENED:
            used.add(str(record.get("aid")))
            open_session, open_request = record, None
        elif kind in SESSION_ENDINGS:
            open_session = None
    return Replayed(open_request, open_session, frozenset(used))

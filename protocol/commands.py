"""Commands the county gives one device through its feed: a signed feed
document (:mod:`protocol.documents`) of kind ``command``, addressed to that
device only, whose body says what to do.

One command so far, ``clear_ledger_damage``: a seal station whose ledger was
found damaged refuses every approval until the county has looked at the
damage and clears it::

    {"action": "clear_ledger_damage", "device": "ve-seal-1",
     "damage_seq": 42, "issued": 1767000000.0, "operator": "county.operator"}

``damage_seq`` is the ``seq`` of the station's ``alarm_ledger_damaged`` record the
county saw (named in the station's alarm); the command clears that damage and
any found before it, never a later one. ``issued`` is the county's time when
it cleared: the station then refuses every approval issued before it
(:data:`~protocol.approval_token.NBF_BACKDATE_SECONDS` says how an approval's
issue time is read from its ``nbf``), because any of them could have been
used in the records that were lost.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from protocol.api import DEVICE_ID
from protocol.errors import ProtocolError

COMMAND_KIND = "command"
CLEAR_LEDGER_DAMAGE = "clear_ledger_damage"
ACTIONS = (CLEAR_LEDGER_DAMAGE,)


class CommandRejected(ProtocolError, ValueError):
    """A command body that is not a command this device understands."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")


@dataclass(frozen=True)
class ClearLedgerDamage:
    device: str
    damage_seq: int
    issued: float
    operator: str
    action: str = CLEAR_LEDGER_DAMAGE

    def body(self) -> dict[str, Any]:
        return asdict(self)


def command_name(action: str, device: str) -> str:
    """The feed document name of *action* for *device* (one per pair, each
    new command a new version of it)."""
    return f"{action.replace('_', '-')}.{device}"


def read_command(body: Mapping[str, Any]) -> ClearLedgerDamage:
    """The command in a feed document's *body*; raises CommandRejected."""
    action = body.get("action")
    if action not in ACTIONS:
        raise CommandRejected("action", f"unknown action {action!r}")
    expected = {"action", "device", "damage_seq", "issued", "operator"}
    if set(body) != expected:
        raise CommandRejected("fields", f"expected {sorted(expected)}, found {sorted(body)}")
    device, seq, issued, operator = (body["device"], body["damage_seq"], body["issued"],
                                     body["operator"])
    if not isinstance(device, str) or not DEVICE_ID.fullmatch(device):
        raise CommandRejected("fields", f"device is not a device id: {device!r}")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise CommandRejected("fields", "damage_seq must be a whole number of 1 or more")
    if (isinstance(issued, bool) or not isinstance(issued, int | float)
            or not math.isfinite(issued) or issued <= 0):
        raise CommandRejected("fields", "issued must be a time (seconds since 1970)")
    if not isinstance(operator, str) or not 1 <= len(operator) <= 64:
        raise CommandRejected("fields", "operator must be 1 to 64 characters")
    return ClearLedgerDamage(device, seq, float(issued), operator)

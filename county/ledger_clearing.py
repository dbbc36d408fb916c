"""Clearing a seal station's ledger damage (督): the county's side.

A station whose ledger was found damaged locks every seal and reports it with
an alarm naming its ``alarm_ledger_damaged`` record. Once a supervisor has
looked (the damaged file is kept on the station; the records forwarded
before are here), the county clears it with a signed command in the
station's feed (:mod:`protocol.commands`). The station then takes approvals
again, but none issued before the clearing.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

from county.datadir import existing_county
from county.errors import CountyError
from county.operator import publish
from county.store import Store
from protocol.commands import CLEAR_LEDGER_DAMAGE, ClearLedgerDamage, command_name

ALARM_STREAM = "alarm"
SEAL_ROLES = ("seal", "all")
COMMAND_DAYS = 30  # a station offline for weeks still receives it


@dataclass(frozen=True)
class ReportedDamage:
    device_id: str
    damage_seq: int
    problem: str
    reported: float  # the station's time of the alarm


def reported_damage(data_dir: Path | str, device_id: str) -> ReportedDamage | None:
    """The latest ledger damage *device_id* reported, if any: the one at the
    highest record (a station's records only go up; its clock may not)."""
    county = existing_county(data_dir)
    with Store.open(county.database) as store:
        events = store.stream_events(ALARM_STREAM)
    found: list[ReportedDamage] = []
    for device, payload, created in events:
        if device != device_id or not isinstance(payload, dict):
            continue
        seq = payload.get("damage_seq")
        if (payload.get("code") == "ledger_damaged" and isinstance(seq, int)
                and not isinstance(seq, bool) and seq >= 1):
            found.append(ReportedDamage(device, seq, str(payload.get("problem", "")),
                                        float(created)))
    return max(found, key=lambda damage: damage.damage_seq, default=None)


def clear_ledger_damage(
    data_dir: Path | str, device_id: str, *, operator: str, now: float | None = None
) -> tuple[ClearLedgerDamage, ReportedDamage]:
    """Publish the command clearing the latest damage *device_id* reported."""
    county = existing_county(data_dir)
    with Store.open(county.database) as store:
        device = store.device(device_id)
    if device is None:
        raise CountyError(f"no device {device_id!r} has enrolled with this county: check the id "
                          "('village-edge county stats' lists them)")
    if device.role not in SEAL_ROLES:
        raise CountyError(f"{device_id} is a {device.role}, not a seal station: it has no ledger "
                          "to clear")
    damage = reported_damage(data_dir, device_id)
    if damage is None:
        raise CountyError(f"{device_id} has reported no ledger damage: there is nothing to clear "
                          "(wait for the station to sync its alarm, then try again)")
    if not 1 <= len(operator) <= 64:
        raise CountyError("the operator's id must be 1 to 64 characters")
    issued = time.time() if now is None else now
    if not math.isfinite(issued) or issued <= 0:
        raise CountyError(f"not a time: {issued}")
    command = ClearLedgerDamage(device_id, damage.damage_seq, issued, operator)
    publish(data_dir, "command", command_name(CLEAR_LEDGER_DAMAGE, device_id), command.body(),
            audience=device_id, days_valid=COMMAND_DAYS, now=issued)
    return command, damage

"""The county's commands to one device: exactly the documented body, and
every malformed body refused with a reason."""

from __future__ import annotations

from typing import Any

import pytest

from protocol.commands import (
    CLEAR_LEDGER_DAMAGE,
    ClearLedgerDamage,
    CommandRejected,
    command_name,
    read_command,
)
from protocol.documents import NAME_PATTERN

BODY = {"action": "clear_ledger_damage", "device": "ve-seal-1", "damage_seq": 42,
        "issued": 1_767_000_000.5, "operator": "county.operator"}


def test_the_body_is_exactly_as_documented() -> None:
    command = read_command(BODY)
    assert command == ClearLedgerDamage("ve-seal-1", 42, 1_767_000_000.5, "county.operator")
    assert command.body() == BODY
    name = command_name(CLEAR_LEDGER_DAMAGE, "ve-seal-1")
    assert NAME_PATTERN.fullmatch(name) and "ve-seal-1" in name


@pytest.mark.parametrize(("changes", "reason"), [
    ({"action": "open_every_seal"}, "action"),
    ({"device": "VE SEAL"}, "fields"),
    ({"damage_seq": 0}, "fields"),
    ({"damage_seq": True}, "fields"),
    ({"damage_seq": "42"}, "fields"),
    ({"issued": float("nan")}, "fields"),
    ({"issued": -5}, "fields"),
    ({"operator": ""}, "fields"),
    ({"extra": 1}, "fields"),
])
def test_a_malformed_command_is_refused(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(CommandRejected) as caught:
        read_command({**BODY, **changes})
    assert caught.value.reason == reason


def test_a_command_missing_a_field_is_refused() -> None:
    body = dict(BODY)
    del body["damage_seq"]
    with pytest.raises(CommandRejected, match="expected"):
        read_command(body)

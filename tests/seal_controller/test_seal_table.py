"""Every (phase, trigger) pair of the procedure table, including the pairs
that must be refused: the phase that follows, the ledger record written first,
and the lock pin high only while a session is open."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from protocol.commands import ClearLedgerDamage
from protocol.seal_refusal import Refusal
from seal_controller.controller import SealRequest
from seal_controller.ledger import LedgerDamage
from seal_controller.procedure import END_SESSION, RESUME, TABLE, TRIGGERS, Phase, rule_for
from tests.seal_controller.rig import DEVICE, Rig, make_rig

PARTY_LOCK = 17


def to_phase(rig: Rig, phase: Phase) -> None:
    controller = rig.controller
    if phase is Phase.IDLE:
        return
    controller.request("party", "出具证明", 2)
    if phase is Phase.REQUESTED:
        return
    controller.offer_token(rig.token(), "feed")
    # past the pull-in: from here on only the controller moves the lock
    assert rig.wait_for_hold("party")
    if phase is Phase.UNLOCKED:
        return
    if phase is Phase.HALTED:
        controller.handle("storage_failed", error="a test halts the station")
        assert controller.phase is Phase.HALTED
        return
    rig.world.take_seal("party")
    controller.end()
    assert controller.phase is Phase.RETURNING


def data_for(rig: Rig, trigger: str) -> dict[str, object]:
    if trigger == "request":
        return {"request": SealRequest("R1-test", "party", "出具证明", 2, None), "slot": "party"}
    if trigger == "approval_ok":
        return {"approval": rig.approval(), "source": "feed"}
    if trigger == "approval_refused":
        return {"reason": "signature", "source": "qr", "detail": "test"}
    if trigger == "ledger_damaged":
        return {"damage": LedgerDamage("bad_record", 2, "a test says so")}
    if trigger == "damage_cleared":
        return {"command": ClearLedgerDamage(DEVICE, 1, time.time(), "test"), "name": "c v1"}
    if trigger == "command_refused":
        return {"reason": "device", "detail": "test", "command": "c v1"}
    if trigger == "storage_failed":
        return {"error": "a test says so"}
    if trigger == "county_refused":
        return {"refusal": Refusal("F-0123456789ab", DEVICE, "R1-test", "party", "材料不全",
                                   "town.approver", int(time.time())), "slot": "party"}
    return {"slot": "party"}


CASES = [(phase, trigger) for phase in Phase for trigger in TRIGGERS]


@pytest.mark.parametrize(("phase", "trigger"), CASES,
                         ids=[f"{p.value}-{t}" for p, t in CASES])
def test_every_pair(tmp_path: Path, phase: Phase, trigger: str) -> None:
    rig = make_rig(tmp_path)
    try:
        to_phase(rig, phase)
        before = rig.ledger.head_seq
        levels_before = rig.lock_levels(PARTY_LOCK)
        rule = rule_for(phase, trigger)
        handled = rig.controller.handle(trigger, **data_for(rig, trigger))
        if rule is None:
            assert not handled
            assert rig.controller.phase is phase
            assert rig.ledger.head_seq == before  # nothing written, nothing moved
            assert rig.lock_levels(PARTY_LOCK) == levels_before
            return
        assert handled
        ledger_kinds = [a.split(":")[1] for a in rule.actions if a.startswith("ledger:")]
        written = [r["kind"] for r in rig.ledger.records if r["seq"] > before]
        assert written[: len(ledger_kinds)] == ledger_kinds
        after_session = {Phase.IDLE, Phase.RETURNING}
        expected: set[Phase] = (
            after_session if rule.next == END_SESSION
            else after_session | {Phase.HALTED} if rule.next == RESUME
            else {rule.next}  # type: ignore[arg-type]
        )
        assert rig.controller.phase in expected
        # energised only while a session is open, and not after its last press
        unlocked = rig.controller.phase is Phase.UNLOCKED and "lock" not in rule.actions
        assert (rig.factory.pin(PARTY_LOCK).state > 0) == unlocked
    finally:
        rig.close()


def test_only_one_row_unlocks() -> None:
    unlocking = [r for r in TABLE.values() if "unlock" in r.actions]
    assert [(r.phase, r.trigger) for r in unlocking] == [(Phase.REQUESTED, "approval_ok")]


def test_the_ledger_comes_before_every_actuator() -> None:
    for rule in TABLE.values():
        moves = [i for i, a in enumerate(rule.actions) if a in ("unlock", "lock")]
        ledger = [i for i, a in enumerate(rule.actions) if a.startswith("ledger:")]
        if moves:
            assert ledger and ledger[0] < moves[0], rule


def test_every_alarm_is_recorded_and_signalled() -> None:
    for rule in TABLE.values():
        if any(a.startswith("alarm:") for a in rule.actions):
            assert any(a.startswith("ledger:alarm_") for a in rule.actions), rule


def test_unknown_triggers_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown trigger"):
        rule_for(Phase.IDLE, "open_sesame")


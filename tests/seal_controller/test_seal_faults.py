"""The station under faults: a damaged ledger halts it until the county's
signed command clears it (and no approval issued before then is taken); a
card that cannot take the ledger halts it until it can; an alarm sounds and
is reported whatever the card does; a request the county could never see is
withdrawn; a seal missing at start is an alarm."""

from __future__ import annotations

import errno
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from protocol.commands import CLEAR_LEDGER_DAMAGE, ClearLedgerDamage, command_name
from seal_controller.alarms import KEPT_PER_CODE
from seal_controller.harness import FaultySyscalls
from seal_controller.ledger_damage import damage_ledger
from seal_controller.procedure import Phase
from tests.seal_controller.rig import DEVICE, Boot, Rig, make_rig

PARTY_LOCK, COMMITTEE_LOCK = 17, 27


def alarms(rig: Rig) -> list[dict[str, Any]]:
    return [e.payload for e in rig.outbox.pending(10_000) if e.stream == "alarm"]


def locked(rig: Rig) -> bool:
    return all(rig.factory.pin(pin).state == 0 for pin in (PARTY_LOCK, COMMITTEE_LOCK))


def press(rig: Rig, slot: str = "party") -> None:
    rig.world.press(slot)
    rig.world.release(slot)


def used_session(directory: Path) -> str:
    """A session that used its one approval; the token, for replaying."""
    rig = make_rig(directory)
    rig.controller.request("party", "出具证明", 1)
    token = rig.token()
    assert rig.controller.offer_token(token, "qr") is not None
    press(rig)
    rig.close()
    return token


@pytest.fixture
def halted(tmp_path: Path) -> Iterator[tuple[Rig, str]]:
    token = used_session(tmp_path)
    damage_ledger(tmp_path / "ledger", "flip")  # the approval's record spoilt
    rig = make_rig(tmp_path)
    yield rig, token
    rig.close()


def clear(rig: Rig, **changes: Any) -> None:
    fields: dict[str, Any] = {"device": DEVICE, "damage_seq": rig.controller.damage_seq,
                              "issued": time.time(), "operator": "county.operator"}
    fields.update(changes)
    rig.publish("command", command_name(CLEAR_LEDGER_DAMAGE, DEVICE),
                ClearLedgerDamage(**fields).body(), version=time.time_ns() // 1000)
    rig.watcher.deliver(rig.controller)


def test_a_damaged_ledger_halts_the_station_with_an_alarm(halted: tuple[Rig, str]) -> None:
    rig, token = halted
    assert rig.controller.phase is Phase.HALTED and locked(rig)
    assert rig.station.lamp is not None and rig.station.lamp.signal.value == "alarm"
    [alarm] = [a for a in alarms(rig) if a["code"] == "ledger_damaged"]
    first = rig.ledger.records[0]
    assert first["kind"] == "alarm_ledger_damaged" and alarm["damage_seq"] == first["seq"]
    assert alarm["first_bad_seq"] == 3 and "record 3" in alarm["problem"]
    assert "用印记录损坏" in rig.controller.view().message
    with pytest.raises(RuntimeError, match="halted"):
        rig.controller.request("party", "出具证明", 1)
    assert rig.controller.offer_token(token, "qr") is None
    assert rig.controller.last_refusal == "halted" and locked(rig)
    press(rig, "committee")
    assert rig.kinds()[-1] == "alarm_forced_press"


def test_a_halted_station_stays_halted_across_a_restart(halted: tuple[Rig, str],
                                                       tmp_path: Path) -> None:
    rig, _ = halted
    rig.close()
    again = make_rig(tmp_path)
    try:
        assert again.controller.phase is Phase.HALTED and locked(again)
        assert again.station.lamp is not None and again.station.lamp.signal.value == "alarm"
        assert len([a for a in alarms(again) if a["code"] == "ledger_damaged"]) == 1
    finally:
        again.close()


@pytest.mark.parametrize(("changes", "reason"), [
    ({"device": "ve-other-seal"}, "device"),
    ({"damage_seq": 1}, "damage"),
])
def test_a_clear_command_that_does_not_fit_is_refused(
    halted: tuple[Rig, str], changes: dict[str, Any], reason: str
) -> None:
    rig, _ = halted
    clear(rig, **changes)
    assert rig.controller.phase is Phase.HALTED
    assert rig.ledger.records[-1]["kind"] == "command_refused"
    assert rig.ledger.records[-1]["reason"] == reason


def test_after_the_clearing_no_approval_issued_before_it_unlocks(
    halted: tuple[Rig, str], tmp_path: Path
) -> None:
    rig, _ = halted
    now = int(time.time())
    clear(rig, issued=now + 300)  # the county cleared five minutes from now (its clock)
    assert rig.controller.phase is Phase.IDLE
    assert rig.kinds()[-1] == "damage_cleared"
    rig.controller.request("party", "出具证明", 1)
    before = rig.token(nbf=now - 60, exp=now + 600)  # issued before the clearing
    assert rig.controller.offer_token(before, "feed") is None
    assert rig.controller.last_refusal == "cleared" and locked(rig)
    rig.close()
    again = make_rig(tmp_path)  # the rule survives a restart: it is in the ledger
    try:
        assert again.controller.phase is Phase.REQUESTED
        assert again.controller.offer_token(again.token(nbf=now - 60, exp=now + 600),
                                            "qr") is None
        assert again.controller.last_refusal == "cleared"
        assert again.controller.offer_token(
            again.token(nbf=now + 240, exp=now + 900), "qr") is None  # not yet valid
        assert again.controller.last_refusal == "not_yet"
    finally:
        again.close()


def test_a_clear_for_a_station_not_halted_is_ignored(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    try:
        before = len(rig.ledger.records)
        assert not rig.controller.offer_command(
            ClearLedgerDamage(DEVICE, 1, time.time(), "x").body(), "c", 1)
        assert len(rig.ledger.records) == before and rig.controller.phase is Phase.IDLE
    finally:
        rig.close()


def test_a_card_that_cannot_take_the_ledger_halts_the_station(tmp_path: Path) -> None:
    boot = Boot()
    card = FaultySyscalls()
    rig = make_rig(tmp_path, boot=boot, syscalls=card)
    try:
        rig.controller.request("party", "出具证明", 2)
        rig.controller.offer_token(rig.token(), "feed")
        assert rig.factory.pin(PARTY_LOCK).state > 0
        card.failure = errno.EROFS
        press(rig)  # this stamp's record cannot be written: the seal locks at once
        assert rig.controller.phase is Phase.HALTED and locked(rig)
        assert rig.station.lamp is not None and rig.station.lamp.signal.value == "alarm"
        storage = [a for a in alarms(rig) if a["code"] == "storage"]
        assert storage and "Read-only" in storage[-1]["error"]
        assert "存储卡" in rig.controller.view().message
        rig.controller.request_open = None
        assert rig.controller.offer_token(rig.token(), "feed") is None
        assert rig.controller.last_refusal == "halted"
        press(rig, "committee")  # still guarded: the alarm goes out though nothing is written
        assert alarms(rig)[-1]["code"] == "forced_press"
        card.failure = None
        boot.seconds += 3600  # the station tries the card again
        rig.controller.tick()
        assert rig.controller.phase is Phase.IDLE
        assert rig.kinds()[-1] == "storage_restored"
        stamps = [r for r in rig.ledger.records if r["kind"] == "stamp"]
        assert stamps == []  # the press whose record failed was never counted
    finally:
        rig.close()


def test_a_ledger_that_cannot_be_opened_halts_the_station_not_the_daemon(
    tmp_path: Path,
) -> None:
    (tmp_path / "ledger").mkdir()
    (tmp_path / "ledger" / "ledger.log").mkdir()  # nothing can open it as a file
    rig = make_rig(tmp_path)
    try:
        assert rig.controller.phase is Phase.HALTED and locked(rig)
        assert alarms(rig)[-1]["code"] in ("storage", "ledger_damaged")
    finally:
        rig.close()


def camera_rig(directory: Path, **options: Any) -> Rig:
    from camera.simulated import SimulatedCamera
    from seal_controller.camera_link import CameraLink

    sim = SimulatedCamera(scene="document", document_seed=7)
    sim.start()
    rig = make_rig(directory, camera=lambda outbox: CameraLink(sim, outbox, DEVICE), **options)
    rig.camera_sim = sim  # type: ignore[attr-defined]
    return rig


def test_an_alarm_goes_out_without_the_photo_a_full_card_cannot_hold(tmp_path: Path) -> None:
    rig = camera_rig(tmp_path)
    try:
        rig.outbox.quota_bytes = rig.outbox.used_bytes() + 8 * 1024  # room for events only
        rig.world.press("committee")
        assert rig.station.lamp is not None and rig.station.lamp.signal.value == "alarm"
        [alarm] = alarms(rig)
        assert alarm["code"] == "forced_press" and alarm["blobs"] == []
        assert "photo not stored" in alarm["photo_missing"]
        assert "没能拍照" in rig.controller.view().message
    finally:
        rig.close()
        rig.camera_sim.stop()  # type: ignore[attr-defined]


def test_an_alarm_sounds_even_when_nothing_can_be_stored(tmp_path: Path) -> None:
    card = FaultySyscalls()
    rig = camera_rig(tmp_path, outbox_syscalls=card)
    try:
        card.failure = errno.EIO
        rig.outbox.quota_bytes = rig.outbox.used_bytes()
        rig.world.take_seal("committee")  # must not raise out of the pin's callback
        assert rig.station.lamp is not None and rig.station.lamp.signal.value == "alarm"
        assert rig.kinds()[-1] == "alarm_seal_removed"  # the ledger still could
        assert rig.controller.view().message == "警报：印章锁着的时候被从原位拿走。"
    finally:
        rig.close()
        rig.camera_sim.stop()  # type: ignore[attr-defined]


def test_a_request_the_county_could_never_see_is_withdrawn(tmp_path: Path) -> None:
    card = FaultySyscalls()
    rig = make_rig(tmp_path, outbox_syscalls=card)
    try:
        card.failure = errno.ENOSPC
        rig.outbox.quota_bytes = rig.outbox.used_bytes()
        rig.controller.request("party", "出具证明", 1)
        assert rig.controller.phase is Phase.IDLE
        assert rig.kinds()[-2:] == ["requested", "request_unsent"]
        assert "没能保存" in rig.controller.view().message
    finally:
        rig.close()


def test_a_seal_missing_or_the_lid_open_at_start_is_an_alarm(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    rig.close()
    from hardware.failsafe import FailSafe
    from hardware.pins import mock_pin_factory
    from hardware.simulation import SimulatedWorld
    from hardware.station import Station
    from seal_controller.controller import SealController
    from seal_controller.ledger import Ledger
    from seal_controller.trusted_clock import TrustedClock
    from sync.outbox import Outbox
    from tests.seal_controller.rig import COUNTY, MATTERS, SPEC

    factory = mock_pin_factory()
    station = Station.build(SPEC, pin_factory=factory, failsafe=FailSafe(signals=()))
    world = SimulatedWorld(factory, SPEC, station)
    world.settle_normal(station)
    world.take_seal("committee")  # taken while the station was off
    world.open_lid()  # and the enclosure left open
    with Ledger(tmp_path / "ledger", time.time) as ledger, Outbox(tmp_path / "outbox") as outbox:
        controller = SealController(
            device_id=DEVICE, station=station, ledger=ledger, outbox=outbox,
            county_key=COUNTY.public_key(), clock=TrustedClock(tmp_path / "trusted-time"),
            matters=MATTERS, return_seconds=60)
        controller.recover()
        assert [r["kind"] for r in ledger.records][-2:] == ["alarm_seal_removed", "alarm_lid"]
        station.close()


def test_the_session_seal_kept_out_across_a_power_cut_is_an_alarm(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    rig.controller.request("party", "出具证明", 1)
    rig.controller.offer_token(rig.token(), "feed")
    rig.world.take_seal("party")  # allowed while unlocked
    assert alarms(rig) == []
    rig.close()  # the plug pulled; the seal stays in the custodian's bag
    rig = make_rig(tmp_path, seals_out=("party",))
    try:
        removed = [a for a in alarms(rig) if a["code"] == "seal_removed"]
        assert len(removed) == 1 and removed[0]["slot"] == "party"
        assert removed[0]["at_start"] is True and removed[0]["interrupted_aid"]
        assert rig.kinds()[-3:] == ["interrupted", "started", "alarm_seal_removed"]
        assert locked(rig)
    finally:
        rig.close()


def test_a_seal_missing_at_start_is_an_alarm_even_when_the_ledger_is_stuck(
        tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    rig.close()
    card = FaultySyscalls()
    card.failure = errno.EROFS
    rig = make_rig(tmp_path, syscalls=card, seals_out=("committee",))
    try:
        assert rig.controller.phase is Phase.HALTED
        assert "seal_removed" in [a["code"] for a in alarms(rig)]
        assert locked(rig)
    finally:
        rig.close()


def test_alarms_the_outbox_cannot_take_reach_it_once_it_can(tmp_path: Path) -> None:
    """A card that takes the ledger's small records but no event (full past
    the alarm reserve, or the outbox's files failing): each forced press
    still sounds, is kept in memory (a bounded number per kind, the rest
    counted), and goes to the outbox as soon as it takes events again."""
    card = FaultySyscalls()
    rig = make_rig(tmp_path, outbox_syscalls=card)
    try:
        card.failure = errno.ENOSPC
        for _ in range(KEPT_PER_CODE + 3):
            press(rig)
        assert rig.kinds().count("alarm_forced_press") == KEPT_PER_CODE + 3
        assert alarms(rig) == []
        assert rig.station.lamp is not None and rig.station.lamp.signal.value == "alarm"
        rig.controller.tick()  # still full: nothing lost, nothing sent
        assert alarms(rig) == []
        card.failure = None
        rig.controller.tick()
        sent = alarms(rig)
        assert [a["code"] for a in sent] == ["forced_press"] * KEPT_PER_CODE + ["alarms_not_kept"]
        assert all(a["delayed"] is True and a["raised_at"] for a in sent[:-1])
        assert sent[-1]["counts"] == {"forced_press": 3}
        assert rig.controller.alarm_path.waiting == 0
    finally:
        rig.close()

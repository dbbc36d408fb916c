"""The seal controller on mock pins: a whole approved session, every refused
approval leaving the lock pin low, hostile handling raising alarms."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from protocol.ledger_chain import check_chain
from protocol.seal_refusal import Refusal
from protocol.signing import new_private_key
from seal_controller.procedure import Phase
from tests.seal_controller.rig import DEVICE, Rig, make_rig

PARTY_LOCK, COMMITTEE_LOCK = 17, 27


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    made = make_rig(tmp_path)
    yield made
    made.close()


def press(rig: Rig, slot: str = "party") -> None:
    rig.world.press(slot)
    rig.world.release(slot)


def test_a_whole_approved_session(rig: Rig) -> None:
    controller = rig.controller
    request = controller.request("party", "出具证明", 2)
    assert controller.phase is Phase.REQUESTED
    assert "等待审批" in controller.view().message
    assert controller.offer_token(rig.token(), "feed") is not None
    assert controller.phase is Phase.UNLOCKED
    assert rig.lock_levels(PARTY_LOCK)[:2] == [0.0, 1.0]  # pulled in at full power first
    assert rig.lock_levels(COMMITTEE_LOCK) == [0.0]  # the other seal stays locked
    assert "还可以盖 2 次" in controller.view().message
    assert rig.wait_for_hold("party")
    press(rig)
    assert controller.session is not None and controller.session.remaining == 1
    press(rig)
    assert controller.phase is Phase.IDLE
    assert rig.factory.pin(PARTY_LOCK).state == 0  # locked at once after the last stamp
    # pulled in, held through both stamps, released once
    assert rig.lock_levels(PARTY_LOCK) == [0.0, 1.0, 0.4, 0.0]
    assert rig.lock_levels(COMMITTEE_LOCK) == [0.0]  # the other seal stayed locked
    assert rig.kinds()[-6:] == ["requested", "approved", "stamp", "last_press", "stamp",
                               "used_up"]
    assert check_chain(rig.ledger.records).ok
    streams = [e.stream for e in rig.outbox.pending(1000)]
    assert streams.count("seal.ledger") == len(rig.ledger.records)
    assert "seal.request" in streams
    request_event = next(e for e in rig.outbox.pending(1000) if e.stream == "seal.request")
    assert request_event.payload["req"] == request.req


def approval_variants(rig: Rig) -> dict[str, str]:
    used = rig.token()
    return {
        "signature": rig.token(key=new_private_key()),
        "device": rig.token(dev="ve-other-seal"),
        "slot": rig.token(slot="committee"),
        "request": rig.token(req="R99-ffff"),
        "expired": rig.token(nbf=1_000, exp=2_000),
        "not_yet": rig.token(nbf=4_000_000_000, exp=4_000_000_600),
        "too_many": rig.token(uses=5),
        "format": "hello, this is not a token",
        "used": used,
    }


@pytest.mark.parametrize("variant", ["signature", "device", "slot", "request", "expired",
                                     "not_yet", "too_many", "format"])
def test_refused_approvals_never_move_the_lock(rig: Rig, variant: str) -> None:
    rig.controller.request("party", "合同签订", 2)
    token = approval_variants(rig)[variant]
    assert rig.controller.offer_token(token, "feed") is None
    assert rig.controller.phase is Phase.REQUESTED
    assert rig.lock_levels(PARTY_LOCK) == [0.0] and rig.lock_levels(COMMITTEE_LOCK) == [0.0]
    assert rig.kinds()[-1] == "approval_refused"
    assert rig.ledger.records[-1]["reason"] == variant
    assert "印章没有解锁" in rig.controller.view().message


def test_an_approval_cannot_be_used_twice(rig: Rig) -> None:
    rig.controller.request("party", "出具证明", 1)
    token = rig.token()
    assert rig.controller.offer_token(token, "feed") is not None
    press(rig)
    assert rig.controller.phase is Phase.IDLE
    rig.controller.request("party", "出具证明", 1)
    assert rig.controller.offer_token(token, "qr") is None
    assert rig.ledger.records[-1]["reason"] in ("replayed", "request")


def test_approvals_need_a_trusted_clock(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, trusted=False)
    try:
        rig.controller.request("party", "出具证明", 1)
        assert rig.controller.offer_token(rig.token(), "qr") is None
        assert rig.ledger.records[-1]["reason"] == "clock"
        assert "时间还没有校准" in rig.controller.view().message
        assert rig.controller.offer_token(rig.token(), "feed") is None  # a bare token neither
        assert rig.ledger.records[-1]["reason"] == "clock"
        # The feed brings the county's signed clock with every approval: taken.
        rig.publish("approval", "A-feed", {"token": rig.token()})
        rig.county_clock()
        rig.watcher.deliver(rig.controller)
        assert rig.controller.phase is Phase.UNLOCKED
    finally:
        rig.close()


def test_pressing_a_locked_seal_raises_the_alarm(rig: Rig) -> None:
    rig.world.press("committee")
    assert rig.kinds()[-1] == "alarm_forced_press"
    assert rig.station.lamp is not None and rig.station.lamp.signal.value == "alarm"
    alarms = [e for e in rig.outbox.pending(100) if e.stream == "alarm"]
    assert alarms and alarms[0].payload["code"] == "forced_press"
    assert "强行按压" in rig.controller.view().message


def test_presses_beyond_the_count_alarm_and_the_lock_stays_shut(rig: Rig) -> None:
    rig.controller.request("party", "出具证明", 1)
    rig.controller.offer_token(rig.token(), "feed")
    rig.world.press("party")  # the one allowed stamp, held down
    rig.world.release("party")
    assert rig.factory.pin(PARTY_LOCK).state == 0
    rig.world.press("party")  # and again: the lock is shut, this is forced
    assert rig.kinds()[-1] == "alarm_forced_press"


def test_taking_a_locked_seal_out_raises_the_alarm(rig: Rig) -> None:
    rig.world.take_seal("committee")
    assert rig.kinds()[-1] == "alarm_seal_removed"


def test_opening_the_lid_while_unlocked_locks_at_once(rig: Rig) -> None:
    rig.controller.request("party", "出具证明", 3)
    rig.controller.offer_token(rig.token(), "feed")
    rig.world.open_lid()
    assert rig.factory.pin(PARTY_LOCK).state == 0
    assert rig.kinds()[-1] == "alarm_lid"
    assert rig.controller.phase is Phase.IDLE


def test_a_seal_not_put_back_raises_the_alarm(rig: Rig) -> None:
    rig.controller.request("party", "出具证明", 2)
    rig.controller.offer_token(rig.token(), "feed")
    rig.world.take_seal("party")
    rig.controller.end()
    assert rig.controller.phase is Phase.RETURNING
    rig.controller.tick()
    assert "alarm_not_returned" not in rig.kinds()  # not overdue yet
    rig.time.advance(rig.controller.return_seconds + 1)
    rig.controller.tick()
    assert rig.kinds()[-1] == "alarm_not_returned"
    rig.world.return_seal("party")
    assert rig.controller.phase is Phase.IDLE


def test_the_approval_running_out_locks_the_seal(rig: Rig) -> None:
    rig.controller.request("party", "出具证明", 2)
    expires = int(rig.time.wall()) + 60
    assert rig.controller.offer_token(rig.token(exp=expires), "feed") is not None
    assert rig.factory.pin(PARTY_LOCK).state > 0
    rig.controller.tick()
    assert rig.controller.phase is Phase.UNLOCKED  # not yet
    rig.time.advance(61)
    rig.controller.tick()
    assert rig.controller.phase is Phase.IDLE
    assert rig.kinds()[-1] == "expired"
    assert rig.factory.pin(PARTY_LOCK).state == 0


def test_a_restart_mid_session_never_gives_uses_back(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    rig.controller.request("party", "出具证明", 3)
    token = rig.token()
    rig.controller.offer_token(token, "feed")
    press(rig)
    rig.close()  # power cut: the station is rebuilt from what is on disk
    again = make_rig(tmp_path)
    try:
        assert again.factory.pin(PARTY_LOCK).state == 0
        assert again.kinds()[-2:] == ["interrupted", "started"]
        assert again.controller.phase is Phase.IDLE
        again.controller.request("party", "出具证明", 3)
        assert again.controller.offer_token(token, "qr") is None  # that approval is spent
        assert check_chain(again.ledger.records).ok
    finally:
        again.close()


def test_a_restart_keeps_an_open_request(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    request = rig.controller.request("committee", "合同签订", 1)
    rig.close()
    again = make_rig(tmp_path)
    try:
        assert again.controller.phase is Phase.REQUESTED
        assert again.controller.request_open == request
        assert again.controller.offer_token(again.token(), "feed") is not None
        assert again.factory.pin(COMMITTEE_LOCK).state > 0
    finally:
        again.close()


def test_bad_requests_are_refused_plainly(rig: Rig) -> None:
    with pytest.raises(ValueError, match="no seal slot"):
        rig.controller.request("treasury", "出具证明", 1)
    with pytest.raises(ValueError, match="1 to 50"):
        rig.controller.request("party", "出具证明", 0)
    with pytest.raises(ValueError, match="matter must be one of"):
        rig.controller.request("party", "随便盖", 1)
    assert rig.controller.phase is Phase.IDLE


def simulated_camera_link(camera):  # type: ignore[no-untyped-def]
    from seal_controller.camera_link import CameraLink

    def make(outbox):  # type: ignore[no-untyped-def]
        return CameraLink(camera, outbox, "ve-test-seal1")

    return make


@pytest.fixture
def camera():  # type: ignore[no-untyped-def]
    from camera.simulated import SimulatedCamera

    sim = SimulatedCamera(scene="document", document_seed=7)
    sim.start()
    yield sim
    sim.stop()


def test_every_stamp_is_photographed_into_the_outbox(tmp_path: Path, camera) -> None:  # type: ignore[no-untyped-def]
    rig = make_rig(tmp_path, camera=simulated_camera_link(camera))
    try:
        rig.controller.request("party", "出具证明", 2)
        requested = next(r for r in rig.ledger.records if r["kind"] == "requested")
        assert requested["photo"] and requested["doc"]  # the document, photographed
        rig.controller.offer_token(rig.token(doc=requested["doc"]), "feed")
        camera.show("document_and_hand")
        press(rig)
        press(rig)
        stamps = [r for r in rig.ledger.records if r["kind"] == "stamp"]
        assert len(stamps) == 2 and all(rig.outbox.blob_path(s["photo"]).exists() for s in stamps)
        assert "likely_swap" not in str([e.payload for e in rig.outbox.pending(500)])
    finally:
        rig.close()


def test_a_swapped_document_is_flagged_but_not_blocked(tmp_path: Path, camera) -> None:  # type: ignore[no-untyped-def]
    rig = make_rig(tmp_path, camera=simulated_camera_link(camera))
    try:
        rig.controller.request("party", "出具证明", 1)
        doc = rig.controller.request_open.doc  # type: ignore[union-attr]
        camera.show("document", document_seed=99)  # another paper slid under the camera
        assert rig.controller.offer_token(rig.token(doc=doc), "feed") is not None
        assert rig.controller.phase is Phase.UNLOCKED  # flagged, not blocked
        codes = [e.payload["code"] for e in rig.outbox.pending(500) if e.stream == "alarm"]
        assert "likely_swap" in codes
    finally:
        rig.close()


def test_a_covered_camera_locks_the_seal(tmp_path: Path, camera) -> None:  # type: ignore[no-untyped-def]
    rig = make_rig(tmp_path, camera=simulated_camera_link(camera))
    try:
        rig.controller.request("party", "出具证明", 3)
        rig.controller.offer_token(rig.token(), "feed")
        camera.show("covered")
        rig.world.press("party")
        assert rig.factory.pin(PARTY_LOCK).state == 0  # no stamping without photos
        assert "alarm_camera" in rig.kinds()
        assert "摄像头" in rig.controller.view().message
    finally:
        rig.close()


def test_an_approval_qr_shown_to_the_camera_unlocks(tmp_path: Path, camera) -> None:  # type: ignore[no-untyped-def]
    rig = make_rig(tmp_path, camera=simulated_camera_link(camera))
    try:
        rig.controller.request("committee", "合同签订", 1)
        camera.show("qr", qr_payload=rig.token())
        rig.controller.tick()
        assert rig.controller.phase is Phase.UNLOCKED
        assert rig.factory.pin(COMMITTEE_LOCK).state > 0
        assert any(r["kind"] == "approved" and r["source"] == "qr" for r in rig.ledger.records)
    finally:
        rig.close()


@pytest.mark.parametrize("seed", [0, 3])
def test_an_approval_on_a_phone_at_arms_length_tilted_and_dim_unlocks(  # type: ignore[no-untyped-def]
        tmp_path: Path, camera, seed: int) -> None:
    from camera.qr import BASELINE_PLAN, scan_qr
    from camera.showings import ARMS_LENGTH

    rig = make_rig(tmp_path, camera=simulated_camera_link(camera))
    try:
        rig.controller.request("committee", "合同签订", 1)
        token = rig.token()
        camera.show("qr", qr_payload=token, showing=ARMS_LENGTH, showing_seed=seed)
        # zbar alone, the station's reader before, reads none of these frames
        assert [scan_qr(camera.scan_frame(), BASELINE_PLAN) for _ in range(3)] == [[]] * 3
        for _ in range(3):  # the station looks at a few frames, as in well under a second
            rig.controller.tick()
        assert rig.controller.phase is Phase.UNLOCKED
        assert rig.factory.pin(COMMITTEE_LOCK).state > 0
        assert any(r["kind"] == "approved" and r["source"] == "qr" for r in rig.ledger.records)
    finally:
        rig.close()


def refusal_of(rig: Rig, **changes: object) -> Refusal:
    request = rig.controller.request_open
    fields: dict[str, object] = {
        "rid": "F-0123456789ab", "dev": DEVICE, "req": request.req if request else "R0-x",
        "slot": request.slot if request else "party", "reason": "材料不全，请补齐后重新申请",
        "by": "town.approver", "at": int(rig.wall())}
    fields.update(changes)
    return Refusal(**fields)  # type: ignore[arg-type]


def test_the_countys_refusal_closes_the_request_and_says_why(rig: Rig) -> None:
    rig.controller.request("party", "出具证明", 1)
    rig.publish("approval", "refusal-0123456789ab", refusal_of(rig).body())
    rig.watcher.deliver(rig.controller)
    assert rig.controller.phase is Phase.IDLE
    assert rig.kinds()[-1] == "refused_by_county"
    assert rig.ledger.records[-1]["reason"] == "材料不全，请补齐后重新申请"
    assert "材料不全，请补齐后重新申请" in rig.controller.view().message
    assert rig.lock_levels(PARTY_LOCK) == [0.0]  # the seal never moved


@pytest.mark.parametrize("change", [{"dev": "ve-another-seal"}, {"req": "R9-other"},
                                    {"slot": "committee"}])
def test_a_refusal_of_anything_else_changes_nothing(rig: Rig, change: dict[str, str]) -> None:
    rig.controller.request("party", "出具证明", 1)
    before = rig.ledger.head_seq
    assert not rig.controller.offer_refusal(refusal_of(rig, **change))
    assert rig.controller.phase is Phase.REQUESTED and rig.ledger.head_seq == before


def test_a_malformed_refusal_is_dropped(rig: Rig) -> None:
    rig.controller.request("party", "出具证明", 1)
    rig.publish("approval", "refusal-0123456789ab", {"refusal": {"reason": "no fields"}})
    rig.watcher.deliver(rig.controller)
    assert rig.controller.phase is Phase.REQUESTED

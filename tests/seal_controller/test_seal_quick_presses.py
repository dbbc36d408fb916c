"""Quick presses: the plunger's edges settle in timer threads of their own,
so the next edge can arrive while the last one is still being handled (a
stamp's photo takes a few hundred milliseconds on a Pi). Each edge here is
driven from its own thread while the camera is held in the middle of the
first stamp's photo, as the settling timers would deliver them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from seal_controller.camera_link import CameraLink
from tests.seal_controller.rig import DEVICE, SPEC, STUCK, Hands, HeldCamera, Rig, make_rig

LOCK = {slot.name: slot.lock for slot in SPEC.slots}


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[Rig, HeldCamera]]:
    camera = HeldCamera()
    camera.start()
    rig = make_rig(tmp_path, camera=lambda outbox: CameraLink(camera, outbox, DEVICE))
    yield rig, camera
    camera.go.set()
    rig.close()
    camera.stop()


def unlocked_for(rig: Rig, uses: int) -> None:
    rig.controller.request("party", "出具证明", uses)
    assert rig.controller.offer_token(rig.token(uses=uses), "feed") is not None
    assert rig.wait_for_hold("party")


def stamps(rig: Rig) -> list[dict[str, Any]]:
    return [r for r in rig.ledger.records if r["kind"] == "stamp"]


def alarm_codes(rig: Rig) -> list[str]:
    return [e.payload["code"] for e in rig.outbox.pending(10_000) if e.stream == "alarm"]


def taps_during_the_first_photo(rig: Rig, camera: HeldCamera, taps: int) -> float:
    """*taps* presses, every edge after the first arriving while the first
    stamp's photo is still being taken; the lock's level while it is."""
    hands = Hands(rig, "party")
    camera.go.clear()
    camera.capturing.clear()
    hands.edge(True)
    assert camera.capturing.wait(STUCK)
    level = float(rig.factory.pin(LOCK["party"]).state)
    hands.edge(False)
    for _ in range(taps - 1):
        hands.edge(True)
        hands.edge(False)
    camera.go.set()
    hands.done()
    return level


@pytest.mark.parametrize("taps", [2, 5])
def test_quick_taps_stamp_once_lock_at_once_and_raise_the_alarm(
        held: tuple[Rig, HeldCamera], taps: int) -> None:
    rig, camera = held
    unlocked_for(rig, 1)
    level = taps_during_the_first_photo(rig, camera, taps)
    assert level == 0, "the last allowed press left the lock energised during its photo"
    assert len(stamps(rig)) == 1, "more stamps than approved"
    assert rig.factory.pin(LOCK["party"]).state == 0, "the lock stayed energised"
    kinds = rig.kinds()
    assert kinds.index("used_up") == kinds.index("stamp") + 1, kinds
    assert alarm_codes(rig).count("forced_press") == taps - 1, alarm_codes(rig)


def test_one_quick_press_locks_after_its_release(held: tuple[Rig, HeldCamera]) -> None:
    rig, camera = held
    unlocked_for(rig, 1)
    assert taps_during_the_first_photo(rig, camera, 1) == 0
    assert len(stamps(rig)) == 1
    assert rig.factory.pin(LOCK["party"]).state == 0, "the lock stayed energised"
    assert "used_up" in rig.kinds()
    assert alarm_codes(rig) == []


def test_quick_taps_within_the_approved_count_are_each_counted(
        held: tuple[Rig, HeldCamera]) -> None:
    rig, camera = held
    unlocked_for(rig, 3)
    assert taps_during_the_first_photo(rig, camera, 3) > 0  # two stamps still allowed
    assert [r["remaining"] for r in stamps(rig)] == [2, 1, 0]
    assert rig.factory.pin(LOCK["party"]).state == 0
    assert alarm_codes(rig) == []

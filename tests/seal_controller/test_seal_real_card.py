"""The station on a real, small filesystem (tmpfs, mounted for the test: the
suite runs as root): a card with room for records but not for a photo still
sounds and reports every alarm, and a card with no room at all halts the
station, every seal locked, without ending the daemon, until room is made.
(A card gone read-only is rehearsed through the ledger's write seam, in
test_seal_faults: Linux will not remount a filesystem read-only while files
are open for writing, as the kernel itself does after an I/O error.)"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from camera.simulated import SimulatedCamera
from seal_controller.camera_link import CameraLink
from seal_controller.procedure import Phase
from tests.seal_controller.rig import DEVICE, Boot, Rig, make_rig

PARTY_LOCK = 17
ROOM_FOR_RECORDS = 96 * 1024  # a photo is hundreds of KB


def mount(*args: str) -> None:
    result = subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, f"this test mounts a tmpfs as root: {result.stderr}"


@pytest.fixture
def card(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "card"
    path.mkdir()
    mount("-t", "tmpfs", "-o", "size=4m", "tmpfs", str(path))
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30)


@pytest.fixture
def camera() -> Iterator[SimulatedCamera]:
    sim = SimulatedCamera(scene="document", document_seed=7)
    sim.start()
    yield sim
    sim.stop()


def fill(card: Path, leave: int) -> None:
    stat = os.statvfs(card)
    free = stat.f_bavail * stat.f_frsize
    (card / "filler").write_bytes(bytes(max(0, free - leave)))


def alarms(rig: Rig) -> list[dict[str, Any]]:
    return [e.payload for e in rig.outbox.pending(10_000) if e.stream == "alarm"]


def station_on(card: Path, camera: SimulatedCamera, boot: Boot) -> Rig:
    return make_rig(card, boot=boot,
                    camera=lambda outbox: CameraLink(camera, outbox, DEVICE))


def test_a_nearly_full_card_still_sounds_and_reports_the_alarm(
    card: Path, camera: SimulatedCamera
) -> None:
    rig = station_on(card, camera, Boot())
    try:
        fill(card, ROOM_FOR_RECORDS)
        rig.world.press("committee")
        assert rig.station.lamp is not None and rig.station.lamp.signal.value == "alarm"
        assert rig.kinds()[-1] == "alarm_forced_press"
        [alarm] = alarms(rig)
        assert alarm["code"] == "forced_press" and alarm["blobs"] == []
        assert "photo not stored" in alarm["photo_missing"]
    finally:
        rig.close()


def test_a_card_with_no_room_halts_the_station_until_room_is_made(
    card: Path, camera: SimulatedCamera
) -> None:
    boot = Boot()
    rig = station_on(card, camera, boot)
    try:
        rig.controller.request("party", "出具证明", 2)
        assert rig.controller.offer_token(rig.token(), "feed") is not None
        assert rig.factory.pin(PARTY_LOCK).state > 0
        fill(card, 0)
        rig.world.press("party")  # no photo, no record: the seal locks at once
        assert rig.controller.phase is Phase.HALTED
        assert rig.factory.pin(PARTY_LOCK).state == 0
        assert rig.station.lamp is not None and rig.station.lamp.signal.value == "alarm"
        assert "存储卡" in rig.controller.view().message
        rig.world.take_seal("committee")  # guarded still; nothing raised out of the callback
        assert rig.controller.phase is Phase.HALTED
        rig.world.return_seal("committee")
        (card / "filler").unlink()
        boot.seconds += 3600
        rig.controller.tick()
        assert rig.controller.phase is Phase.IDLE
        assert rig.kinds()[-1] == "storage_restored"
        stamps = [r for r in rig.ledger.records if r["kind"] == "stamp"]
        assert all("photo_missing" in r for r in stamps)  # a stamp recorded says why no photo
    finally:
        rig.close()

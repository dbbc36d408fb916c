"""The station's time: trusted only if seen during this boot (NTP, or the
county's signed clock received during this boot), carried on by the boot
clock; a saved time is a floor, never "now"; an approval never lasts longer
than it says."""

from __future__ import annotations

import time
from pathlib import Path

from protocol.api import TIME_DOCUMENT_NAME
from seal_controller.procedure import Phase
from seal_controller.trusted_clock import TrustedClock
from tests.seal_controller.rig import Boot, make_rig

PARTY_LOCK = 17


def test_a_trusted_time_is_carried_on_by_the_boot_clock(tmp_path: Path) -> None:
    boot = Boot()
    wall = [5_000.0]
    clock = TrustedClock(tmp_path / "trusted-time", wall=lambda: wall[0], boot=boot.clock())
    assert clock.now() is None
    clock.trust(1_800_000_000.0, "ntp")
    boot.seconds += 90
    wall[0] = 1.0  # someone sets the system clock back to 1970: it changes nothing
    assert clock.now() == 1_800_000_090.0


def test_the_saved_time_is_a_floor_never_now(tmp_path: Path) -> None:
    boot = Boot()
    first = TrustedClock(tmp_path / "trusted-time", wall=lambda: 1_700_000_000.0,
                         boot=boot.clock())
    first.trust(1_800_000_000.0, "county")
    boot.reboot()
    again = TrustedClock(tmp_path / "trusted-time", wall=lambda: 1_700_000_000.0,
                         boot=boot.clock())
    assert again.floor == 1_800_000_000.0
    assert again.now() is None  # not trusted until a source is seen again
    assert again.best_guess() == 1_800_000_000.0  # for display: never earlier than the floor
    assert again.system_clock_wound_back()
    assert not again.trust(1_799_990_000.0, "county")  # a source far behind the floor: ignored
    assert again.now() is None


def test_the_county_clock_is_trusted_only_if_received_during_this_boot(tmp_path: Path) -> None:
    boot = Boot()
    rig = make_rig(tmp_path, trusted=False, boot=boot)
    try:
        county_now = time.time()
        rig.county_clock(county_now)
        boot.seconds += 30
        rig.watcher.poll()
        assert rig.clock.now() == county_now + 30  # as long ago as it was received
    finally:
        rig.close()
    boot.seconds += 60  # the daemon restarts in the same boot: the time carries on
    same_boot = make_rig(tmp_path, trusted=False, boot=boot)
    try:
        same_boot.watcher.poll()
        assert same_boot.clock.now() == county_now + 90
    finally:
        same_boot.close()
    boot.reboot()  # a power cut: the clock document kept on the card is old news
    rebooted = make_rig(tmp_path, trusted=False, boot=boot)
    try:
        assert rebooted.feed.get("time", TIME_DOCUMENT_NAME) is not None
        rebooted.watcher.poll()
        assert rebooted.clock.now() is None
    finally:
        rebooted.close()


def test_an_offline_restart_never_revives_an_expired_approval(tmp_path: Path) -> None:
    """The issue's case: the QR approval had expired fifty minutes earlier."""
    boot = Boot()
    rig = make_rig(tmp_path, trusted=False, boot=boot)
    rig.county_clock()
    rig.watcher.poll()
    rig.controller.request("party", "合同签订", 1)
    now = int(time.time())
    expired = rig.token(nbf=now - 3600, exp=now - 3000)  # expired fifty minutes ago
    rig.close()
    boot.reboot()
    again = make_rig(tmp_path, trusted=False, boot=boot)  # offline: no clock arrives
    try:
        again.watcher.poll()
        assert again.controller.phase is Phase.REQUESTED
        assert again.controller.offer_token(expired, "qr") is None
        assert again.ledger.records[-1]["reason"] == "clock"
        again.county_clock()  # the network comes back
        again.watcher.poll()
        assert again.controller.offer_token(expired, "qr") is None
        assert again.ledger.records[-1]["reason"] == "expired"
        assert again.lock_levels(PARTY_LOCK) == [0.0]
    finally:
        again.close()


def test_an_unlock_lasts_what_the_approval_has_left_never_more(tmp_path: Path) -> None:
    boot = Boot()
    county_now = time.time()
    rig = make_rig(tmp_path, trusted=False, boot=boot)
    try:
        rig.clock.trust(county_now, "county")
        rig.controller.request("party", "出具证明", 2)
        token = rig.token(nbf=int(county_now) - 60, exp=int(county_now) + 100)
        assert rig.controller.offer_token(token, "qr") is not None
        lock = rig.station.slots["party"].lock
        assert 0 < lock.seconds_left <= 100  # exp - trusted now, not the lock's 600 s
        boot.seconds += 100  # the approval's time is up on the boot clock
        rig.controller.tick()
        assert rig.controller.phase is Phase.IDLE
        assert rig.kinds()[-1] == "expired"
        assert rig.factory.pin(PARTY_LOCK).state == 0
    finally:
        rig.close()


def test_losing_the_trusted_time_ends_a_session(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    try:
        rig.controller.request("party", "出具证明", 2)
        rig.controller.offer_token(rig.token(), "feed")
        rig.clock.lose_trust("a test")
        rig.controller.tick()
        assert rig.controller.phase is Phase.IDLE
        assert rig.factory.pin(PARTY_LOCK).state == 0
    finally:
        rig.close()


def test_a_feed_approval_refused_for_want_of_time_is_taken_once_time_comes(
    tmp_path: Path,
) -> None:
    rig = make_rig(tmp_path, trusted=False)
    try:
        rig.controller.request("party", "出具证明", 1)
        rig.publish("approval", "A-early", {"token": rig.token()})
        rig.watcher.deliver(rig.controller)
        assert rig.ledger.records[-1]["reason"] == "clock"
        refusals = len([k for k in rig.kinds() if k == "approval_refused"])
        rig.watcher.deliver(rig.controller)  # nothing changed: not offered again
        assert len([k for k in rig.kinds() if k == "approval_refused"]) == refusals
        rig.county_clock()
        rig.watcher.deliver(rig.controller)
        assert rig.controller.phase is Phase.UNLOCKED
    finally:
        rig.close()


def test_within_a_boot_the_trusted_time_never_moves_back(tmp_path: Path) -> None:
    boot = Boot()
    clock = TrustedClock(tmp_path / "trusted-time", wall=time.time, boot=boot.clock())
    clock.trust(1_800_000_000.0, "county")
    boot.seconds += 100
    assert clock.trust(1_800_000_040.0, "county", at=boot.seconds - 50)  # behind: kept out
    assert clock.now() == 1_800_000_100.0
    clock.trust(1_800_000_130.0, "ntp")  # ahead: taken
    assert clock.now() == 1_800_000_130.0
    boot.reboot()  # a new boot starts from nothing trusted
    fresh = TrustedClock(tmp_path / "trusted-time", wall=time.time, boot=boot.clock())
    assert fresh.now() is None

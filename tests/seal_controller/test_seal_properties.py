"""The station's promise as properties, checked after every step of random
sequences of presses, removals, returns, the lid, approvals (valid, stale,
not yet valid, reused, foreign, too many), time passing, the county's clock,
restarts and reboots, power cuts at any record of the last step (the mark
lagging, a torn write), ledger damage of every kind, the county clearing it,
and a card nearly full or refusing the ledger:

- no lock is energised without a current, unused approval the county issued
  for that seal, whose record is on disk, and not issued before a clearing;
- no seal is stamped more often than approved;
- every forced press, removal of a locked seal and opening of the lid
  produces an alarm event;
- after every start the station is locked; a damaged ledger keeps it halted
  until the county clears it.

Bounded by a settings profile so that it runs in CI in well under a minute.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import Phase as Phase_
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from durable.records import HEADER_SIZE
from protocol.approval_token import Approval, issue_token
from protocol.commands import CLEAR_LEDGER_DAMAGE, ClearLedgerDamage, command_name
from protocol.signing import new_private_key
from seal_controller.camera_link import CameraLink
from seal_controller.harness import FaultySyscalls
from seal_controller.ledger_check import LEDGER_FILE, scan_strictly
from seal_controller.ledger_damage import DAMAGE_KINDS, damage_ledger
from seal_controller.procedure import Phase
from tests.conftest import wait_until
from tests.seal_controller.rig import (
    COUNTY,
    DEVICE,
    SPEC,
    STUCK,
    Boot,
    Hands,
    HeldCamera,
    Rig,
    make_rig,
)

#: CI's bound. Shrinking a failure can take minutes, longer than the test's
#: timeout, so it is left out: a failing sequence is printed as found. For a
#: deeper search, SEAL_PROPERTY_EXAMPLES=500 (and add Phase.shrink to debug).
settings.register_profile(
    "seal-station", max_examples=int(os.environ.get("SEAL_PROPERTY_EXAMPLES", "20")),
    stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    phases=[Phase_.explicit, Phase_.reuse, Phase_.generate])

SLOTS = tuple(slot.name for slot in SPEC.slots)
LOCK_PINS = {slot.name: slot.lock for slot in SPEC.slots}
APPROVALS = ("valid",) * 6 + ("stale", "not_yet", "reused", "reused", "other-device",
                              "other-key", "other-slot", "other-request", "too-many")
ALARMED = ("forced_press", "seal_removed", "lid")
NEARLY_FULL_BYTES = 16 * 1024


class SealStationMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="seal-property-"))
        self.t = float(int(time.time()))  # the county's (true) time
        self.behind = 0.0  # how far the station's system clock is behind it
        self.boot = Boot()
        self.card = FaultySyscalls()  # the ledger's writes
        self.nearly_full = False
        self.camera = HeldCamera()
        self.camera.start()
        self.issued: dict[str, Approval] = {}  # valid approvals the county issued
        self.issued_at: dict[str, float] = {}
        self.tokens: list[str] = []
        self.ever_unlocked: set[str] = set()
        self.unlocked_now: str | None = None
        self.unlocked_this_step: set[str] = set()
        self.stamps: Counter[str] = Counter()  # presses while the lock was energised
        self.stamps_this_step: Counter[str] = Counter()
        self.cleared_at = 0.0
        self.halted_by_damage = False
        self.head_before_step = 0
        self.serial = 0
        self.seals_out: set[str] = set()
        self.missing_at_starts = 0
        self.rig = self._start()
        self.rig.county_clock(self.t)  # the station starts online
        self.rig.watcher.deliver(self.rig.controller)

    # -- the station -------------------------------------------------------------

    def _start(self) -> Rig:
        out = tuple(sorted(self.seals_out))  # they stay out across the restart
        rig = make_rig(self.directory, trusted=False, boot=self.boot,
                       wall=lambda: self.t - self.behind,
                       syscalls=self.card,
                       camera=lambda outbox: CameraLink(self.camera, outbox, DEVICE),
                       seals_out=out)
        for slot, pin in LOCK_PINS.items():  # after every start: locked
            assert rig.factory.pin(pin).state == 0, slot
        at_start = [e for e in rig.outbox.pending(100_000) if e.stream == "alarm"
                    and e.payload.get("code") == "seal_removed" and e.payload.get("at_start")]
        assert len(at_start) >= self.missing_at_starts + len(out), "a seal out at start, quiet"
        self.missing_at_starts += len(out)
        self.unlocked_now = None
        self._apply_disk(rig)
        return rig

    def _apply_disk(self, rig: Rig) -> None:
        rig.outbox.quota_bytes = (rig.outbox.used_bytes() + NEARLY_FULL_BYTES
                                  if self.nearly_full else None)

    def _stop(self) -> None:
        self.seals_out = {slot for slot in SLOTS
                          if not self.rig.station.slots[slot].sleeve.is_present}
        self.rig.close()

    def _alarm_count(self, code: str) -> int:
        return sum(1 for e in self.rig.outbox.pending(100_000)
                   if e.stream == "alarm" and e.payload.get("code") == code)

    def _session_slot(self) -> str | None:
        session = self.rig.controller.session
        if self.rig.controller.phase is Phase.UNLOCKED and session is not None:
            return session.request.slot
        return None

    def _energised(self, slot: str) -> bool:
        return self.rig.factory.pin(LOCK_PINS[slot]).state > 0

    def _begin(self) -> None:
        self.head_before_step = self.rig.ledger.head_seq
        self.unlocked_this_step = set()
        self.stamps_this_step = Counter()

    def _end(self) -> None:
        self.rig.controller.tick()
        self._apply_disk(self.rig)

    # -- hands -------------------------------------------------------------------

    @rule(slot=st.sampled_from(SLOTS), uses=st.integers(1, 3))
    def request(self, slot: str, uses: int) -> None:
        self._begin()
        if self.rig.controller.phase is Phase.IDLE:
            self.rig.controller.request(slot, "出具证明", uses)
        self._end()

    @rule(slot=st.sampled_from(SLOTS))
    def press(self, slot: str) -> None:
        self._begin()
        session = self.rig.controller.session
        expected = "forced_press" if self._session_slot() != slot else None
        if self._energised(slot) and session is not None:
            self.stamps_this_step[session.approval.aid] += 1
            self.stamps[session.approval.aid] += 1
        before = self._alarm_count(expected) if expected else 0
        self.rig.world.press(slot)
        self.rig.world.release(slot)
        if expected:
            assert self._alarm_count(expected) == before + 1, f"no alarm for a press on {slot}"
        self._end()

    @rule(slot=st.sampled_from(SLOTS), taps=st.integers(1, 4))
    def quick_taps(self, slot: str, taps: int) -> None:
        """Presses faster than a stamp's photo: every edge after the first is
        delivered, each from its own thread as the settling timers do, while
        the first press is still being handled (its photo held)."""
        self._begin()
        controller = self.rig.controller
        session = controller.session
        allowed = session.remaining if session and self._session_slot() == slot else 0
        alarms_before = self._alarm_count("forced_press") + self._alarm_count("press_over")
        hands = Hands(self.rig, slot)
        self.camera.go.clear()
        self.camera.capturing.clear()
        hands.edge(True)
        first = hands.threads[0]
        assert wait_until(lambda: self.camera.capturing.is_set() or not first.is_alive(), STUCK)
        hands.edge(False)
        for _ in range(taps - 1):
            hands.edge(True)
            hands.edge(False)
        self.camera.go.set()
        hands.done()
        if session is not None and allowed:
            counted = min(taps, allowed)
            self.stamps[session.approval.aid] += counted
            self.stamps_this_step[session.approval.aid] += counted
        alarms = self._alarm_count("forced_press") + self._alarm_count("press_over")
        assert alarms - alarms_before >= taps - allowed, "a press beyond the count was quiet"
        if session is not None and allowed and session.remaining == 0:
            assert not self._energised(slot), "the lock stayed energised after the last stamp"
        self._end()

    @rule(slot=st.sampled_from(SLOTS))
    def take_seal(self, slot: str) -> None:
        self._begin()
        if self.rig.station.slots[slot].sleeve.is_present:
            expected = self._session_slot() != slot
            before = self._alarm_count("seal_removed")
            self.rig.world.take_seal(slot)
            if expected:
                assert self._alarm_count("seal_removed") == before + 1, f"{slot} taken quietly"
        self._end()

    @rule(slot=st.sampled_from(SLOTS))
    def return_seal(self, slot: str) -> None:
        self._begin()
        if not self.rig.station.slots[slot].sleeve.is_present:
            self.rig.world.return_seal(slot)
        self._end()

    @rule()
    def open_and_shut_the_lid(self) -> None:
        self._begin()
        before = self._alarm_count("lid")
        self.rig.world.open_lid()
        assert self._alarm_count("lid") == before + 1, "the lid opened quietly"
        assert not any(self._energised(slot) for slot in SLOTS)
        self.rig.world.shut_lid()
        self._end()

    @rule()
    def end(self) -> None:
        self._begin()
        self.rig.controller.end()
        self._end()

    @rule()
    def cancel(self) -> None:
        self._begin()
        self.rig.controller.cancel()
        self._end()

    # -- the county --------------------------------------------------------------

    @rule(kind=st.sampled_from(APPROVALS), via=st.sampled_from(("qr", "feed", "kept")),
          minutes=st.integers(1, 15), pick=st.integers(0, 10_000))
    def approve(self, kind: str, via: str, minutes: int, pick: int) -> None:
        """An approval shown as a QR code, sent through the feed, or kept on
        the approver's phone to be shown later (``reused``)."""
        self._begin()
        token = self._token(kind, minutes, pick)
        if token is not None and via != "kept":
            if via == "qr":
                self.rig.controller.offer_token(token, "qr")
            else:  # the feed brings the county's clock with it
                self.serial += 1
                self.rig.publish("approval", f"A-feed-{self.serial}", {"token": token})
                self.rig.county_clock(self.t)
                self.rig.watcher.deliver(self.rig.controller)
        self._end()

    def _token(self, kind: str, minutes: int, pick: int) -> str | None:
        if kind == "reused":  # most often one of the last few
            recent = self.tokens[-3:] if pick % 2 else self.tokens
            return recent[pick % len(recent)] if recent else None
        request = self.rig.controller.request_open
        self.serial += 1
        now = int(self.t)
        fields: dict[str, Any] = {
            "aid": f"A-{self.serial}", "req": request.req if request else "R0-none",
            "dev": DEVICE, "slot": request.slot if request else "party",
            "uses": request.uses if request else 1, "nbf": now - 60,
            "exp": now + minutes * 60, "apr": "county.approver"}
        fields.update({
            "stale": {"nbf": now - 7200, "exp": now - 3600},
            "not_yet": {"nbf": now + 3600, "exp": now + 7200},
            "other-device": {"dev": "ve-another-seal"},
            "other-slot": {"slot": next(s for s in SLOTS if s != fields["slot"])},
            "other-request": {"req": "R999-forged"},
            "too-many": {"uses": fields["uses"] + 1},
        }.get(kind, {}))
        approval = Approval(**fields)
        token = issue_token(new_private_key() if kind == "other-key" else COUNTY, approval)
        if kind == "valid":
            self.issued[approval.aid] = approval
            self.issued_at[approval.aid] = self.t
        self.tokens.append(token)
        return token

    @rule(slot=st.sampled_from(SLOTS), uses=st.integers(1, 3),
          via=st.sampled_from(("qr", "feed")))
    def custodian_asks_and_the_county_approves(self, slot: str, uses: int, via: str) -> None:
        """The common case, as one move, so that sessions are frequent."""
        self.request(slot, uses)
        self.approve("valid", via, 10, 0)

    @rule(minutes=st.integers(1, 15), behind=st.sampled_from((0, 3000, 86_400)),
          via=st.sampled_from(("qr", "feed")))
    def expired_approval_after_an_offline_reboot(self, minutes: int, behind: int,
                                                 via: str) -> None:
        """The attack that once worked, as one move: an approval kept until it
        expired, the power cut, the station back with no network and its
        clock behind, the approval shown."""
        self._begin()
        if self.rig.controller.phase is Phase.IDLE:
            self.rig.controller.request("party", "出具证明", 1)
        self.rig.county_clock(self.t)  # online when the approval was made
        self.rig.watcher.deliver(self.rig.controller)
        token = self._token("valid", minutes, 0)
        self.t += minutes * 60 + 1
        self.boot.seconds += minutes * 60 + 1
        self._stop()
        self.boot.reboot()
        self.behind = behind
        self.rig = self._start()
        if token is not None and via == "qr":
            self.rig.controller.offer_token(token, "qr")
        elif token is not None:  # an approval the feed held from before the reboot
            self.serial += 1
            self.rig.publish("approval", f"A-feed-{self.serial}", {"token": token})
            self.rig.watcher.deliver(self.rig.controller)
        self._end()

    @rule()
    def county_clock_arrives(self) -> None:
        self._begin()
        self.rig.county_clock(self.t)
        self.rig.watcher.deliver(self.rig.controller)
        self._end()

    @rule()
    def ntp_synchronised(self) -> None:
        self._begin()
        self.rig.clock.trust(self.t, "ntp")
        self._end()

    @precondition(lambda self: self.rig.controller.damage_seq is not None)
    @rule()
    def county_clears_the_damage(self) -> None:
        self._begin()
        self.serial += 1
        command = ClearLedgerDamage(DEVICE, int(self.rig.controller.damage_seq or 0), self.t,
                                    "county.operator")
        self.rig.publish("command", command_name(CLEAR_LEDGER_DAMAGE, DEVICE), command.body(),
                         version=self.serial)
        self.rig.county_clock(self.t)
        self.rig.watcher.deliver(self.rig.controller)
        if "damage" not in self.rig.controller.holds:
            self.cleared_at = self.t
            self.halted_by_damage = False
        self._end()

    # -- time, power and the card ---------------------------------------------------

    @rule(seconds=st.sampled_from((1, 20, 45, 90, 300, 700)))
    def time_passes(self, seconds: int) -> None:
        self._begin()
        self.t += seconds
        self.boot.seconds += seconds
        self._end()

    @rule(reboot=st.booleans(), behind=st.sampled_from((0, 3000, 86_400)))
    def restart(self, reboot: bool, behind: int) -> None:
        """A daemon restart, or a reboot after which the system clock is as
        far behind as a Pi without a battery clock may be."""
        self._begin()
        self._stop()
        if reboot:
            self.boot.reboot()
            self.behind = behind
        self.rig = self._start()
        self._end()

    @rule(back=st.integers(0, 3), mark_lags=st.booleans(), torn=st.booleans(),
          reboot=st.booleans())
    def power_cut_in_the_last_step(self, back: int, mark_lags: bool, torn: bool,
                                   reboot: bool) -> None:
        """The power went at some record of the last step: what came after it
        never reached the card (and neither did whatever it did)."""
        ledger = self.rig.ledger
        keep_seq = max(ledger.head_seq - back, self.head_before_step)
        lost = {str(r.get("aid")) for r in ledger.records
                if r["seq"] > keep_seq and r["kind"] == "approved"}
        self._stop()
        self._cut_back(keep_seq, mark_lags and keep_seq > self.head_before_step, torn)
        self.ever_unlocked -= lost & self.unlocked_this_step  # it never happened
        for aid in lost & self.unlocked_this_step:
            self.stamps[aid] -= self.stamps_this_step[aid]
        if reboot:
            self.boot.reboot()
            self.behind = 3000.0
        self._begin()
        self.rig = self._start()
        self._end()

    def _cut_back(self, keep_seq: int, mark_lags: bool, torn: bool) -> None:
        path = self.directory / "ledger" / LEDGER_FILE
        data = path.read_bytes()
        payloads, _, _ = scan_strictly(data)
        end, position = 0, 0
        kept: list[dict[str, Any]] = []
        for payload in payloads:
            length = int.from_bytes(data[position + 4:position + 8], "little")
            position += HEADER_SIZE + length
            if payload["seq"] <= keep_seq:
                end = position
                kept.append(payload)
        cut = data[end:position]
        path.write_bytes(data[:end] + (cut[: HEADER_SIZE + 3] if torn and cut else b""))
        marked = kept[-2] if mark_lags and len(kept) >= 2 else (kept[-1] if kept else None)
        mark = self.directory / "ledger-mark"
        if marked is not None and mark.exists():
            mark.write_text(json.dumps({"seq": marked["seq"], "hash": marked["hash"]}))
        forwarded = self.directory / "ledger" / "forwarded"
        if forwarded.exists() and kept:
            forwarded.write_text(f"{min(int(forwarded.read_text()), kept[-1]['seq'])}\n")

    def _records_on_card(self) -> int:
        path = self.directory / "ledger" / LEDGER_FILE
        return len(scan_strictly(path.read_bytes())[0]) if path.exists() else 0

    @precondition(lambda self: self._records_on_card() >= 1)
    @rule(kind=st.sampled_from([k for k in DAMAGE_KINDS if k != "torn"]))
    def ledger_damaged_while_off(self, kind: str) -> None:
        self._begin()
        self._stop()
        damage_ledger(self.directory / "ledger", kind)
        self.rig = self._start()
        assert self.rig.controller.phase is Phase.HALTED
        self.halted_by_damage = True
        self._end()

    @rule(state=st.sampled_from(("ok", "nearly-full", "refuses-the-ledger")))
    def card(self, state: str) -> None:
        self._begin()
        self.nearly_full = state == "nearly-full"
        self.card.failure = errno.EIO if state == "refuses-the-ledger" else None
        self._end()

    # -- the promise -------------------------------------------------------------

    @invariant()
    def no_lock_without_a_current_unused_approval(self) -> None:
        energised = [slot for slot in SLOTS if self._energised(slot)]
        if not energised:
            self.unlocked_now = None
            return
        assert len(energised) == 1, energised
        controller = self.rig.controller
        session = controller.session
        assert controller.phase is Phase.UNLOCKED and session is not None
        assert session.request.slot == energised[0]
        approval = session.approval
        assert approval.aid in self.issued, "a lock moved for an approval the county never gave"
        assert approval.nbf <= self.t < approval.exp, "a lock moved outside the approval's time"
        assert self.issued_at[approval.aid] >= self.cleared_at, "issued before the clearing"
        on_disk = self.directory / "ledger" / LEDGER_FILE
        written, _, _ = scan_strictly(on_disk.read_bytes())
        assert any(r.get("kind") == "approved" and r.get("aid") == approval.aid
                   for r in written), "a lock moved before its record was on the card"
        if self.unlocked_now != approval.aid:
            assert approval.aid not in self.ever_unlocked, "an approval unlocked twice"
            self.ever_unlocked.add(approval.aid)
            self.unlocked_this_step.add(approval.aid)
        self.unlocked_now = approval.aid

    @invariant()
    def no_more_stamps_than_approved(self) -> None:
        for aid, count in self.stamps.items():
            assert count <= self.issued[aid].uses, (aid, count)
        for record in self.rig.ledger.records:
            if record["kind"] == "stamp":
                assert record["remaining"] >= 0

    @invariant()
    def damage_halts_until_cleared(self) -> None:
        if self.halted_by_damage:
            assert self.rig.controller.phase is Phase.HALTED

    def teardown(self) -> None:
        self.rig.close()
        self.camera.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


SealStationMachine.TestCase.settings = settings.get_profile("seal-station")
TestSealStation = SealStationMachine.TestCase

"""The seal controller: the procedure table (:mod:`seal_controller.procedure`)
run against the station's hardware, its camera, its ledger and its outbox.

Everything that happens — the custodian's buttons, approvals from the feed or
a QR code, commands from the county, the plunger, the sleeve, the lid, the
camera, the clock, the ledger failing — becomes a trigger handled one at a
time under one lock. :meth:`SealController.handle` looks up the row, writes
the ledger first, then runs the row's actions. The lock only ever unlocks
through the row ``(requested, approval_ok)``, and only with a time trusted
during this boot (:mod:`seal_controller.trusted_clock`).
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hardware.lock import LockReason
from hardware.patterns import Signal
from hardware.station import SealSlot, Station
from protocol.approval_token import (
    MAX_USES,
    NBF_BACKDATE_SECONDS,
    Approval,
    TokenRejected,
    read_token,
)
from protocol.commands import ClearLedgerDamage, CommandRejected, read_command
from protocol.seal_refusal import Refusal
from seal_controller.alarms import AlarmPath
from seal_controller.errors import RequestError, StationBusy
from seal_controller.ledger import Ledger, LedgerError, LedgerForwarder
from seal_controller.messages import PANEL, alarm_text, refusal_text
from seal_controller.procedure import (
    END_SESSION,
    INTERRUPTED,
    RESUME,
    SAFE_ACTIONS,
    Phase,
    Rule,
    rule_for,
)
from seal_controller.replay import replay
from seal_controller.trusted_clock import TrustedClock
from sync.outbox import Outbox, OutboxError

if TYPE_CHECKING:
    from seal_controller.camera_link import CameraLink

log = logging.getLogger(__name__)

ALARM_SHOW_SECONDS = 30.0
STORAGE_RETRY_SECONDS = (30.0, 3600.0)  # first retry of an unwritable ledger, and the longest


@dataclass(frozen=True)
class SealRequest:
    req: str
    slot: str
    matter: str
    uses: int
    doc: str | None  # fingerprint of the document photographed with the request


@dataclass
class Session:
    approval: Approval
    request: SealRequest
    remaining: int
    source: str


@dataclass
class PanelView:
    """What the custodian's panel shows; rebuilt after every transition."""

    phase: str
    message: str
    slot: str | None = None
    remaining: int | None = None
    seconds_left: int | None = None
    photos: list[str] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)


class SealController:
    """*matters* (what the custodian may choose) and *return_seconds* (how long
    a seal may stay out after a session before the alarm) are the county's
    choice, from the device's configuration: the controller has no defaults
    of its own for them."""

    def __init__(
        self,
        *,
        device_id: str,
        station: Station,
        ledger: Ledger,
        outbox: Outbox,
        county_key: Ed25519PublicKey,
        clock: TrustedClock,
        matters: tuple[str, ...],
        return_seconds: float,
        camera: CameraLink | None = None,
    ) -> None:
        self.device_id = device_id
        self.station = station
        self.ledger = ledger
        self.outbox = outbox
        self.forwarder = LedgerForwarder(ledger, outbox.append)
        self.county_key = county_key
        self.clock = clock
        self.camera = camera
        self.alarm_path = AlarmPath(station, outbox, camera, clock.best_guess)
        self.matters = matters
        self.return_seconds = return_seconds
        self.phase = Phase.IDLE
        self.request_open: SealRequest | None = None
        self.session: Session | None = None
        self.used_aids: set[str] = set()
        #: Why the station is halted, by hold ("damage", "storage"): what the panel says.
        self.holds: dict[str, str] = {}
        self.damage_seq: int | None = None  # the alarm_ledger_damaged record to be cleared
        self.cleared_at = 0.0  # approvals issued before the county's last clearing are refused
        self.alarms: list[str] = []
        self.photos: list[str] = []
        self.last_refusal: str | None = None
        self.returning_since: float | None = None
        self.return_alarm_raised = False
        self.alarm_until = 0.0
        self.storage_retry_at = 0.0
        self.storage_error: str | None = None
        self.storage_retry_wait = STORAGE_RETRY_SECONDS[0]
        self.message = PANEL["idle"]
        self.on_change: Callable[[PanelView], None] | None = None
        self._mutex = threading.RLock()
        self._context: dict[str, Any] = {}
        for slot in station.slots.values():
            self._watch(slot)
        if station.lid is not None:
            station.lid.when_opened = lambda: self.handle("lid_open")
            station.lid.when_closed = lambda: self.handle("lid_shut")

    # -- start-up ------------------------------------------------------------

    def recover(self) -> None:
        """Rebuild from the ledger after a start: the locks are already driven
        locked (the station did that first); an open session is recorded as
        interrupted and never resumed, so an approval never gains uses; a
        damaged ledger halts the station until the county clears it; a ledger
        that cannot be written halts it until it can."""
        with self._mutex:
            interrupted = self._start()
            # whatever the ledger could do: alarms never depend on storage
            self._alarm_missing_seals(interrupted)

    def _start(self) -> str | None:
        interrupted = None
        if self.ledger.damage is not None:
            self.handle("ledger_damaged", damage=self.ledger.damage)
        else:
            try:
                interrupted = self._recover()
            except LedgerError as error:
                self.handle("storage_failed", error=str(error))
                return None
        if "storage" in self.holds:
            return interrupted
        try:
            self._write("started", phase=self.phase.value)
        except LedgerError as error:
            self.handle("storage_failed", error=str(error))
            return interrupted
        self._signal_phase()
        self._forward()
        self._changed()
        return interrupted

    def _recover(self) -> str | None:
        """Where the ledger left the station; the approval id of an interrupted
        session."""
        if self.ledger.unwritable is not None:
            raise LedgerError(self.ledger.unwritable)
        replayed = replay(self.ledger.records)
        self.used_aids |= replayed.used_aids
        self.cleared_at = replayed.cleared_at
        open_session, open_request = replayed.open_session, replayed.open_request
        if replayed.damage is not None:
            self.phase = Phase.HALTED
            self.damage_seq = int(replayed.damage["seq"])
            self.holds["damage"] = alarm_text("ledger_damaged")
            self.message = PANEL["halted"].format(reason=self.holds["damage"])
        elif open_session is not None:
            self._write(INTERRUPTED, slot=open_session.get("slot"),
                        aid=open_session.get("aid"),
                        note="power cut or crash during an unlocked session; the approval "
                             "is used up")
            self._enter_after_session()
            return str(open_session.get("aid"))
        elif open_request is not None:
            self.request_open = SealRequest(
                str(open_request["req"]), str(open_request["slot"]),
                str(open_request.get("matter", "")), int(open_request["uses"]),
                open_request.get("doc"))
            self.phase = Phase.REQUESTED
            self.message = PANEL["waiting"]
        return None

    def _alarm_missing_seals(self, interrupted: str | None) -> None:
        """A seal out of its holder at start was out while the station was not
        watching: an alarm, whatever the ledger says. Even the seal of an
        interrupted session should be home (its session ended with the power),
        and the county must hear that it was out across a power cut, for how
        long nobody can tell. A lid open at start was opened then."""
        for name, slot in self.station.slots.items():
            if not slot.sleeve.is_present:
                self.handle("seal_removed", slot=name,
                            note="out of its holder at start: out while the station was off",
                            alarm_details={"at_start": True, "interrupted_aid": interrupted})
        if self.station.lid is not None and self.station.lid.is_open:
            self.handle("lid_open")

    # -- the camera ------------------------------------------------------------

    def camera_missing(self, reason: str) -> None:
        """The camera could not be opened: every seal locked, every approval
        refused (no stamp without its photo) until :meth:`camera_found`."""
        with self._mutex:
            if "camera" not in self.holds:
                self.handle("camera_missing", photo_failure=reason)

    def camera_found(self, link: CameraLink) -> None:
        """The camera opened again: stamping may resume."""
        with self._mutex:
            self.camera = link
            self.alarm_path.camera = link
            if "camera" in self.holds:
                self.handle("camera_restored")

    # -- the custodian's buttons ----------------------------------------------

    def request(self, slot: str, matter: str, uses: int) -> SealRequest:
        if slot not in self.station.slots:
            raise RequestError(f"no seal slot {slot!r}; the slots are {sorted(self.station.slots)}")
        if not 1 <= uses <= MAX_USES:
            raise RequestError(f"the number of stamps must be 1 to {MAX_USES}, not {uses}")
        if matter not in self.matters:
            raise RequestError(f"the matter must be one of {', '.join(self.matters)}; "
                             f"not {matter!r}")
        with self._mutex:
            if self.phase is not Phase.IDLE:
                raise StationBusy(f"a request can be made only when idle, not {self.phase.value}")
            req = f"R{self.ledger.head_seq + 1}-{secrets.token_hex(5)}"
            request = SealRequest(req, slot, matter.strip(), uses, None)
            self.handle("request", request=request, slot=slot)
            return request

    def cancel(self) -> None:
        self.handle("cancel")

    def end(self) -> None:
        self.handle("end")

    # -- approvals -------------------------------------------------------------

    def offer_token(self, text: str, source: str) -> Approval | None:
        """An approval from the feed or a QR code; returns it if the seal was
        unlocked, None if refused (the reason is on the panel, in the ledger
        and in :attr:`last_refusal`)."""
        with self._mutex:
            try:
                approval = read_token(text, self.county_key)
                now = self._check_fits(approval)
            except TokenRejected as rejection:
                self.last_refusal = rejection.reason
                self.handle("approval_refused", reason=rejection.reason, source=source,
                            detail=rejection.detail)
                return None
            self.last_refusal = None
            self.handle("approval_ok", approval=approval, source=source, now=now)
            return approval if self.phase is Phase.UNLOCKED else None

    def _check_fits(self, approval: Approval) -> float:
        """The trusted time at which *approval* fits; raises TokenRejected."""
        if self.phase is Phase.HALTED:
            raise TokenRejected("halted", "; ".join(self.holds.values()))
        if self.phase is Phase.UNLOCKED:
            raise TokenRejected("busy", "a session is already open")
        request = self.request_open
        if request is None or self.phase is not Phase.REQUESTED:
            raise TokenRejected("no_request", "no request is waiting for approval")
        if approval.dev != self.device_id:
            raise TokenRejected("device", f"for device {approval.dev}")
        if approval.slot != request.slot:
            raise TokenRejected("slot", f"for slot {approval.slot}, the request is for "
                                        f"{request.slot}")
        if approval.req != request.req:
            raise TokenRejected("request", f"for request {approval.req}, not {request.req}")
        now = self.clock.now()
        if now is None:
            raise TokenRejected("clock", "no trusted time has been seen since this boot (NTP "
                                         "or the county's clock); approvals wait until then")
        if now < approval.nbf:
            raise TokenRejected("not_yet", f"valid from {approval.nbf}")
        if now >= approval.exp:
            raise TokenRejected("expired", f"expired at {approval.exp}")
        if approval.aid in self.used_aids:
            raise TokenRejected("replayed", f"approval {approval.aid} was already used")
        if approval.nbf + NBF_BACKDATE_SECONDS < math.floor(self.cleared_at):  # whole seconds
            raise TokenRejected("cleared", f"issued before the county cleared the ledger "
                                           f"damage at {self.cleared_at:.0f}")
        if approval.uses > request.uses:
            raise TokenRejected("too_many", f"{approval.uses} stamps approved, {request.uses} "
                                            "asked for")
        return now

    def read_approval(self, text: str) -> Approval | None:
        """The approval in *text* if it is one the county signed, else None."""
        try:
            return read_token(text, self.county_key)
        except TokenRejected:
            return None

    def spent(self, approval: Approval) -> bool:
        """Whether *approval* can never fit again: it unlocked a seal already,
        or it expired (by the trusted time, or before the newest time ever
        trusted: the floor is a bound on "now" from below)."""
        now = self.clock.now()
        return approval.aid in self.used_aids or approval.exp <= (
            now if now is not None else self.clock.floor)

    def awaits(self, approval: Approval) -> bool:
        """Whether the request *approval* names is the one open now."""
        request = self.request_open
        return self.phase is Phase.REQUESTED and request is not None and \
            request.req == approval.req

    def situation(self) -> tuple[object, ...]:
        """What an approval refused for a reason that may change depends on
        (:data:`seal_controller.feed_watch.RETRY_LATER`): when this changes,
        it is worth offering again."""
        request = self.request_open
        return (self.phase, request.req if request else None, self.clock.trusted,
                tuple(sorted(self.holds)))

    def offer_refusal(self, refusal: Refusal) -> bool:
        """The county's refusal of a request (the feed store verified its
        signature). True if it closed this station's open request; a refusal
        of any other request changes nothing."""
        with self._mutex:
            request = self.request_open
            if (self.phase is not Phase.REQUESTED or request is None
                    or refusal.dev != self.device_id or refusal.req != request.req
                    or refusal.slot != request.slot):
                log.info("refusal %s of %s: not this station's open request, ignored",
                         refusal.rid, refusal.req)
                return False
            return self.handle("county_refused", refusal=refusal, slot=request.slot)

    # -- commands from the county ----------------------------------------------

    def offer_command(self, body: Mapping[str, Any], name: str, version: int) -> bool:
        """A signed command from the feed (the feed store verified it). True if
        it cleared the ledger damage; a command that does not fit a halted
        station is recorded as refused, one for a station not halted ignored."""
        with self._mutex:
            if "damage" not in self.holds:
                log.info("command %s v%d: no ledger damage to clear here, ignored", name, version)
                return False
            try:
                command = read_command(body)
                self._check_command(command)
            except CommandRejected as rejection:
                self.handle("command_refused", reason=rejection.reason, detail=rejection.detail,
                            command=f"{name} v{version}")
                return False
            self.handle("damage_cleared", command=command, name=f"{name} v{version}")
            return "damage" not in self.holds

    def _check_command(self, command: ClearLedgerDamage) -> None:
        if command.device != self.device_id:
            raise CommandRejected("device", f"for device {command.device}")
        if self.damage_seq is not None and command.damage_seq < self.damage_seq:
            raise CommandRejected("damage", f"clears the damage at record {command.damage_seq}; "
                                            f"this station's is at record {self.damage_seq}")

    # -- hardware events -----------------------------------------------------

    def _watch(self, slot: SealSlot) -> None:
        name = slot.name
        slot.plunger.when_closed = lambda: self._edge(self._classify_press, name)
        slot.plunger.when_opened = lambda: self._edge(self._classify_release, name)
        slot.sleeve.when_opened = lambda: self._edge(self._classify_out, name)
        slot.sleeve.when_closed = lambda: self._edge(self._classify_in, name)

        def locked(reason: LockReason) -> None:
            if reason is LockReason.MAX_ON_TIME:
                self.handle("lock_limit", slot=name)
            elif reason is LockReason.TIME_UP:
                self.handle("expired", slot=name)

        slot.lock.when_locked = locked

    def _edge(self, classify: Callable[[str], str], slot: str) -> None:
        """A switch's settled change (the switch reports them one at a time,
        in the order they settled), classified under the mutex: against the
        state every earlier edge left, never a stale one. A release that
        settles while the last allowed press is still being photographed is
        classified after that press, as the last release, and locks."""
        with self._mutex:
            self.handle(classify(slot), slot=slot)

    def _is_session_slot(self, slot: str) -> bool:
        session = self.session
        return self.phase is Phase.UNLOCKED and session is not None and \
            session.request.slot == slot

    def _classify_press(self, slot: str) -> str:
        session = self.session
        if self._is_session_slot(slot) and session is not None:
            if session.remaining > 1:
                return "press_counted"
            return "press_last" if session.remaining == 1 else "press_over"
        return "press_locked"

    def _classify_release(self, slot: str) -> str:
        session = self.session
        if self._is_session_slot(slot) and session is not None:
            return "release_last" if session.remaining == 0 else "release"
        return "release"

    def _classify_out(self, slot: str) -> str:
        return "sleeve_out" if self._is_session_slot(slot) else "seal_removed"

    def _classify_in(self, _: str) -> str:
        home = all(s.sleeve.is_present for s in self.station.slots.values())
        return "all_home" if home else "sleeve_in"

    # -- the engine ------------------------------------------------------------

    def handle(self, trigger: str, **data: Any) -> bool:
        """Run one trigger through the table; False if the table has no row
        for it in this phase (nothing moves)."""
        with self._mutex:
            rule = rule_for(self.phase, trigger)
            if rule is None:
                log.debug("%s in %s: no row, nothing moves", trigger, self.phase.value)
                return False
            follow_ups: list[tuple[str, dict[str, Any]]] = []
            self._context = {"trigger": trigger, **data, "follow_ups": follow_ups}
            log.info("%s + %s", self.phase.value, trigger)
            failed: LedgerError | None = None
            for action in rule.actions:
                if failed is not None and action.partition(":")[0] not in SAFE_ACTIONS:
                    continue
                try:
                    self._run(action)
                except LedgerError as error:
                    failed = error
            if failed is None or rule.next is Phase.HALTED:
                self._advance(rule)
            if failed is not None:
                log.error("ledger: %s", failed)
                # Halted for this already, the row's own alarm is all that is new.
                if trigger != "storage_failed" and "storage" not in self.holds:
                    follow_ups.insert(0, ("storage_failed", {"error": str(failed)}))
            self._forward()
            self._changed()
        for follow_up, follow_data in follow_ups:
            self.handle(follow_up, **follow_data)
        return True

    def _advance(self, rule: Rule) -> None:
        if rule.next == END_SESSION or (rule.next == RESUME and not self.holds):
            self._enter_after_session()
        elif rule.next in (RESUME, Phase.HALTED):
            self.session = None
            self.request_open = None
            self.returning_since = None
            self.phase = Phase.HALTED
        else:
            assert isinstance(rule.next, Phase)
            if rule.next is Phase.IDLE:
                self.request_open = None
                self.returning_since = None
            self.phase = rule.next

    def _enter_after_session(self) -> None:
        self.session = None
        self.request_open = None
        if all(slot.sleeve.is_present for slot in self.station.slots.values()):
            self.phase = Phase.IDLE
            self.returning_since = None
        else:
            self.phase = Phase.RETURNING
            self.returning_since = self.clock.elapsed()
            self.return_alarm_raised = False

    def _run(self, action: str) -> None:
        name, _, argument = action.partition(":")
        getattr(self, f"_do_{name}")(argument)

    # -- actions ---------------------------------------------------------------

    def _do_ledger(self, kind: str) -> None:
        context = self._context
        request, session = self.request_open, self.session
        if kind == "requested":
            request = context["request"]
            self._write(kind, req=request.req, slot=request.slot, matter=request.matter,
                        uses=request.uses, doc=context.get("doc"), photo=context.get("photo"),
                        photo_missing=context.get("photo_failure"))
            self.request_open = SealRequest(request.req, request.slot, request.matter,
                                            request.uses, context.get("doc"))
        elif kind == "approved":
            approval: Approval = context["approval"]
            self.used_aids.add(approval.aid)  # spent from here, even if the write fails
            self._write(kind, aid=approval.aid, req=approval.req, slot=approval.slot,
                        uses=approval.uses, exp=approval.exp, apr=approval.apr,
                        source=context.get("source"))
            self.session = Session(approval, request, approval.uses,  # type: ignore[arg-type]
                                   str(context.get("source")))
        elif kind == "stamp" and session is not None:
            self._write(kind, aid=session.approval.aid, slot=session.request.slot,
                        n=session.approval.uses - session.remaining + 1,
                        remaining=session.remaining - 1, photo=context.get("photo"),
                        photo_missing=context.get("photo_failure"))
            session.remaining -= 1
        elif kind == "refused_by_county":
            refusal: Refusal = context["refusal"]
            self._write(kind, req=refusal.req, slot=refusal.slot, rid=refusal.rid,
                        reason=refusal.reason, by=refusal.by, at=refusal.at)
        elif kind == "approval_refused":
            self._write(kind, reason=context.get("reason"), detail=context.get("detail"),
                        source=context.get("source"))
        elif kind == "alarm_ledger_damaged":
            record = self.ledger.start_segment(kind)
            self.damage_seq = int(record["seq"])
            context["alarm_details"] = {"damage_seq": record["seq"],
                                        "first_bad_seq": record.get("first_bad_seq"),
                                        "problem": record.get("problem")}
        elif kind == "damage_cleared":
            command: ClearLedgerDamage = context["command"]
            self._write(kind, damage_seq=command.damage_seq, issued=command.issued,
                        operator=command.operator, command=context.get("name"))
            self.cleared_at = max(self.cleared_at, command.issued)
            self.damage_seq = None
        elif kind == "command_refused":
            self._write(kind, reason=context.get("reason"), detail=context.get("detail"),
                        command=context.get("command"))
        elif kind == "alarm_storage":
            context["alarm_details"] = {"error": context.get("error")}
            self.storage_error = context.get("error")
            self._write(kind, error=context.get("error"), phase=self.phase.value)
        elif kind == "storage_restored":
            self._write(kind, error=self.storage_error)
        else:
            fields: dict[str, Any] = {k: context[k] for k in ("slot", "note") if k in context}
            if session is not None:
                fields.update(aid=session.approval.aid, remaining=session.remaining)
            if kind in ("alarm_camera", "alarm_camera_missing"):
                fields.update(reason=context.get("photo_failure"))
            self._write(kind, **fields)

    def _write(self, kind: str, **fields: Any) -> dict[str, Any]:
        return self.ledger.append(kind, **{k: v for k, v in fields.items() if v is not None})

    def _forward(self) -> None:
        try:
            self.forwarder.forward()
        except (OutboxError, OSError) as error:  # the ledger has it; it goes later
            log.error("ledger not forwarded yet: %s", error)

    def _do_photo_document(self, _: str) -> None:
        self._photo("document")

    def _do_photo_stamp(self, _: str) -> None:
        self._photo("stamp")

    def _photo(self, purpose: str) -> None:
        if self.camera is None:
            return
        shot = self.camera.photograph(str(self._context.get("slot", "-")), purpose)
        if shot.failure is not None:
            log.error("camera: %s", shot.failure)
            self._context["photo_failure"] = shot.failure
            self._context["follow_ups"].append(("camera_failed",
                                                {"photo_failure": shot.failure}))
            return
        self._context["photo"] = shot.sha256
        self._context["doc"] = shot.fingerprint
        if shot.sha256 is not None:
            self.photos = [shot.sha256, *self.photos][:6]
        expected = self.session.approval.doc if self.session else None
        if purpose == "stamp" and expected and not shot.same_document(expected):
            self._raise("likely_swap", photo=shot.sha256)

    def _do_send_request(self, _: str) -> None:
        request = self.request_open
        assert request is not None
        try:
            self.outbox.append("seal.request", {
                "req": request.req, "slot": request.slot, "matter": request.matter,
                "uses": request.uses, "doc": self._context.get("doc"),
                "blobs": [self._context["photo"]] if self._context.get("photo") else [],
            })
        except (OutboxError, OSError) as error:  # the county would never see it: withdraw
            log.error("request %s not stored for the county: %s", request.req, error)
            self._context["follow_ups"].append(("request_unsent", {"error": str(error)}))

    def _do_unlock(self, _: str) -> None:
        approval: Approval = self._context["approval"]
        now = self._context.get("now")
        now = self.clock.now() if now is None else now
        if now is None or now >= approval.exp:  # no trusted time: never guess one
            self._context["follow_ups"].append(("expired", {"slot": approval.slot}))
            return
        # Never longer than the approval has left; the lock caps it at its own maximum.
        self.station.slots[approval.slot].lock.unlock(approval.exp - now)

    def _do_lock(self, _: str) -> None:
        self.station.lock_all()

    def _do_check_document(self, _: str) -> None:
        approval: Approval = self._context["approval"]
        if self.camera is None or approval.doc is None:
            return
        if self._context.get("source") == "qr":
            return  # the camera sees the approver's phone now; each stamp's photo is checked
        shot = self.camera.photograph(approval.slot, "document")
        if shot.failure is None and not shot.same_document(approval.doc):
            self._raise("likely_swap", photo=shot.sha256)

    def _do_hold(self, what: str) -> None:
        code = {"damage": "ledger_damaged", "camera": "camera_missing"}.get(what, what)
        if what == "storage" and what not in self.holds:  # the first try comes soon
            self.storage_retry_wait = STORAGE_RETRY_SECONDS[0]
            self.storage_retry_at = self.clock.elapsed() + self.storage_retry_wait
        self.holds[what] = alarm_text(code)

    def _do_release(self, what: str) -> None:
        self.holds.pop(what, None)

    def _do_alarm(self, code: str) -> None:
        slot = self._context.get("slot")
        self._sound(code)
        photo, missing = self.alarm_path.photograph(code, str(slot or "-"))
        if missing is None and photo is None:
            missing = "no photo"
        details = dict(self._context.get("alarm_details", {}))
        if code == "camera":
            missing = self._context.get("photo_failure") or "the camera failed"
        reported = self.alarm_path.report(code, phase=self.phase.value, slot=slot, photo=photo,
                                          missing=missing, details=details)
        if photo is not None:
            self.photos = [photo, *self.photos][:6]
        told = "alarm" if photo and reported else "alarm_no_photo" if reported else "alarm_local"
        self.message = PANEL[told].format(reason=alarm_text(code))

    def _raise(self, code: str, photo: str | None = None) -> None:
        self._sound(code)
        self.alarm_path.report(code, phase=self.phase.value, slot=self._context.get("slot"),
                               photo=photo, missing=None if photo else "no photo", details={})

    def _sound(self, code: str) -> None:
        """Lamp and buzzer first, then the panel: nothing here touches storage."""
        self.alarm_path.sound()
        text = alarm_text(code)
        self.alarms = [text, *self.alarms][:5]
        self.alarm_until = self.clock.elapsed() + ALARM_SHOW_SECONDS
        self.message = PANEL["alarm"].format(reason=text)
        log.warning("ALARM %s: %s", code, text)

    def _do_signal(self, name: str) -> None:
        if self.clock.elapsed() < self.alarm_until:
            return  # an alarm is showing: it stays until it has been seen
        self.station.signal(Signal(name))

    def _do_show(self, name: str) -> None:
        if name == "alarm":
            return  # _sound wrote it
        if name == "refused":
            reason = refusal_text(str(self._context.get("reason")))
            self.message = PANEL["refused"].format(reason=reason)
        elif name == "county_refused":
            refusal: Refusal = self._context["refusal"]
            self.message = PANEL["county_refused"].format(reason=refusal.reason.rstrip("。."))
        elif name == "unlocked":
            self.message = self._unlocked_message()
        elif name == "resumed":
            self.message = self._halted_message() if self.holds else PANEL["resumed"]
        else:
            self.message = PANEL[name]

    def _halted_message(self) -> str:
        return PANEL["halted"].format(reason="；".join(self.holds.values()))

    def _unlocked_message(self) -> str:
        session = self.session
        if session is None:
            return PANEL["idle"]
        label = self.station.slots[session.request.slot].label
        return PANEL["unlocked"].format(label=label, remaining=session.remaining,
                                        seconds=self._seconds_left(session))

    def _seconds_left(self, session: Session) -> int:
        now = self.clock.now()
        return 0 if now is None else max(0, int(session.approval.exp - now))

    def _signal_phase(self) -> None:
        signal = {Phase.IDLE: Signal.IDLE, Phase.REQUESTED: Signal.WAITING,
                  Phase.UNLOCKED: Signal.UNLOCKED, Phase.RETURNING: Signal.IDLE,
                  Phase.HALTED: Signal.ALARM}[self.phase]
        self.station.signal(signal)

    # -- time ------------------------------------------------------------------

    def tick(self) -> None:
        """Called often by the daemon: expiry, the seal's return, alarms fading,
        a ledger that may be writable again, QR codes in front of the camera."""
        now = self.clock.now()
        elapsed = self.clock.elapsed()
        session = self.session
        if self.phase is Phase.UNLOCKED and session and (now is None
                                                          or now >= session.approval.exp):
            self.handle("expired", slot=session.request.slot)
        if (self.phase is Phase.RETURNING and self.returning_since is not None
                and not self.return_alarm_raised
                and elapsed - self.returning_since > self.return_seconds):
            self.return_alarm_raised = True
            self.handle("return_overdue")
        if (self.phase is Phase.HALTED and "storage" in self.holds
                and elapsed >= self.storage_retry_at):
            self.storage_retry_wait = min(self.storage_retry_wait * 2, STORAGE_RETRY_SECONDS[1])
            self.storage_retry_at = elapsed + self.storage_retry_wait
            self.handle("storage_restored")
        if self.alarm_path.waiting:  # alarms the card would not take: try again
            with self._mutex:
                self.alarm_path.flush()
        if self.alarm_until and elapsed >= self.alarm_until:
            self.alarm_until = 0.0
            self._signal_phase()
            if self.phase is Phase.HALTED:
                self.message = self._halted_message()
            self._changed()
        if self.phase is Phase.UNLOCKED:
            self.message = self._unlocked_message()
        if self.phase is Phase.REQUESTED and self.camera is not None:
            for code in self.camera.scan_codes():
                if code.startswith("VE1.") or len(code) > 40:
                    self.offer_token(code, "qr")

    # -- the panel ---------------------------------------------------------------

    def view(self) -> PanelView:
        session = self.session
        return PanelView(
            phase=self.phase.value,
            message=self.message,
            slot=session.request.slot if session else (
                self.request_open.slot if self.request_open else None),
            remaining=session.remaining if session else None,
            seconds_left=self._seconds_left(session) if session else None,
            photos=list(self.photos),
            alarms=list(self.alarms),
        )

    def _changed(self) -> None:
        if self.on_change is not None:
            try:
                self.on_change(self.view())
            except Exception:
                log.exception("panel update failed")

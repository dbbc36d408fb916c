"""The seal controller: the procedure table (:mod:`seal_controller.procedure`)
run against the station's hardware, its camera, its ledger and its outbox.

Everything that happens — the custodian's buttons, approvals from the feed or
a QR code, the plunger, the sleeve, the lid, the camera, the clock — becomes a
trigger handled one at a time under one lock. :meth:`SealController.handle`
looks up the row, writes the ledger first, then runs the row's actions. The
lock only ever unlocks through the row ``(requested, approval_ok)``.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hardware.lock import LockReason
from hardware.patterns import Signal
from hardware.station import SealSlot, Station
from protocol.approval_token import MAX_USES, Approval, TokenRejected, read_token
from seal_controller.errors import RequestError, StationBusy
from seal_controller.ledger import Ledger, LedgerForwarder
from seal_controller.messages import PANEL, alarm_text, refusal_text
from seal_controller.procedure import END_SESSION, INTERRUPTED, Phase, Rule, rule_for
from seal_controller.replay import replay
from seal_controller.trusted_clock import TrustedClock
from sync.outbox import Outbox

if TYPE_CHECKING:
    from seal_controller.camera_link import CameraLink

log = logging.getLogger(__name__)

ALARM_SHOW_SECONDS = 30.0


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
        self.matters = matters
        self.return_seconds = return_seconds
        self.phase = Phase.IDLE
        self.request_open: SealRequest | None = None
        self.session: Session | None = None
        self.used_aids: set[str] = set()
        self.alarms: list[str] = []
        self.photos: list[str] = []
        self.last_refusal: str | None = None
        self.returning_since: float | None = None
        self.return_alarm_raised = False
        self.alarm_until = 0.0
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
        interrupted and never resumed, so an approval never gains uses."""
        with self._mutex:
            replayed = replay(self.ledger.records)
            self.used_aids |= replayed.used_aids
            open_session, open_request = replayed.open_session, replayed.open_request
            if open_session is not None:
                self._write(INTERRUPTED, slot=open_session.get("slot"),
                            aid=open_session.get("aid"),
                            note="power cut or crash during an unlocked session; the approval "
                                 "is used up")
                self._enter_after_session()
            elif open_request is not None:
                self.request_open = SealRequest(
                    str(open_request["req"]), str(open_request["slot"]),
                    str(open_request.get("matter", "")), int(open_request["uses"]),
                    open_request.get("doc"))
                self.phase = Phase.REQUESTED
                self.message = PANEL["waiting"]
            self._write("started", phase=self.phase.value)
            self._signal_phase()
            self._forward()
            self._changed()

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
        unlocked, None if refused (the reason is on the panel and in the ledger)."""
        with self._mutex:
            try:
                approval = read_token(text, self.county_key)
                self._check_fits(approval, source)
            except TokenRejected as rejection:
                self.last_refusal = rejection.reason
                self.handle("approval_refused", reason=rejection.reason, source=source,
                            detail=rejection.detail)
                return None
            self.handle("approval_ok", approval=approval, source=source)
            return approval

    def _check_fits(self, approval: Approval, source: str) -> None:
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
            if source == "qr":
                raise TokenRejected("clock", "the clock is not trusted; offline approvals wait "
                                             "until it is")
            now = self.clock.best_guess()
        if now < approval.nbf:
            raise TokenRejected("not_yet", f"valid from {approval.nbf}")
        if now >= approval.exp:
            raise TokenRejected("expired", f"expired at {approval.exp}")
        if approval.aid in self.used_aids:
            raise TokenRejected("replayed", f"approval {approval.aid} was already used")
        if approval.uses > request.uses:
            raise TokenRejected("too_many", f"{approval.uses} stamps approved, {request.uses} "
                                            "asked for")

    # -- hardware events -----------------------------------------------------

    def _watch(self, slot: SealSlot) -> None:
        name = slot.name
        slot.plunger.when_closed = lambda: self.handle(self._classify_press(name), slot=name)
        slot.plunger.when_opened = lambda: self.handle(self._classify_release(name), slot=name)
        slot.sleeve.when_opened = lambda: self.handle("sleeve_out", slot=name)
        slot.sleeve.when_closed = lambda: self.handle("sleeve_in", slot=name)

        def locked(reason: LockReason) -> None:
            if reason is LockReason.MAX_ON_TIME:
                self.handle("lock_limit", slot=name)

        slot.lock.when_locked = locked

    def _classify_press(self, slot: str) -> str:
        session = self.session
        if self.phase is Phase.UNLOCKED and session and session.request.slot == slot:
            return "press_counted" if session.remaining > 0 else "press_over"
        return "press_locked"

    def _classify_release(self, slot: str) -> str:
        session = self.session
        if self.phase is Phase.UNLOCKED and session and session.request.slot == slot:
            return "release_last" if session.remaining == 0 else "release"
        return "release"

    # -- the engine ------------------------------------------------------------

    def handle(self, trigger: str, **data: Any) -> bool:
        """Run one trigger through the table; False if the table has no row
        for it in this phase (nothing moves)."""
        with self._mutex:
            rule = rule_for(self.phase, trigger)
            if rule is None:
                log.debug("%s in %s: no row, nothing moves", trigger, self.phase.value)
                return False
            follow_ups: list[str] = []
            self._context = {"trigger": trigger, **data, "follow_ups": follow_ups}
            log.info("%s + %s", self.phase.value, trigger)
            for action in rule.actions:
                self._run(action)
            self._advance(rule)
            self._forward()
            self._changed()
        for follow_up in follow_ups:
            self.handle(follow_up)
        return True

    def _advance(self, rule: Rule) -> None:
        if rule.next == END_SESSION:
            self.session = None
            self._enter_after_session()
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
            self.returning_since = self.clock.best_guess()
            self.return_alarm_raised = False

    def _run(self, action: str) -> None:
        name, _, argument = action.partition(":")
        getattr(self, f"_do_{name}")(argument)

    # -- actions ---------------------------------------------------------------

    def _do_ledger(self, kind: str) -> None:
        context = self._context
        fields: dict[str, Any] = {}
        request, session = self.request_open, self.session
        if kind == "requested":
            request = context["request"]
            self.request_open = SealRequest(request.req, request.slot, request.matter,
                                            request.uses, context.get("doc"))
            fields = {"req": request.req, "slot": request.slot, "matter": request.matter,
                      "uses": request.uses, "doc": context.get("doc"),
                      "photo": context.get("photo")}
        elif kind == "approved":
            approval: Approval = context["approval"]
            fields = {"aid": approval.aid, "req": approval.req, "slot": approval.slot,
                      "uses": approval.uses, "exp": approval.exp, "apr": approval.apr,
                      "source": context.get("source")}
            self.used_aids.add(approval.aid)
            self.session = Session(approval, request, approval.uses,  # type: ignore[arg-type]
                                   str(context.get("source")))
        elif kind == "stamp" and session is not None:
            session.remaining -= 1
            fields = {"aid": session.approval.aid, "slot": session.request.slot,
                      "n": session.approval.uses - session.remaining,
                      "remaining": session.remaining, "photo": context.get("photo")}
        elif kind == "approval_refused":
            fields = {"reason": context.get("reason"), "detail": context.get("detail"),
                      "source": context.get("source")}
        else:
            fields = {k: context[k] for k in ("slot",) if k in context}
            if session is not None:
                fields.update(aid=session.approval.aid, remaining=session.remaining)
        self._write(kind, **fields)

    def _write(self, kind: str, **fields: Any) -> None:
        self.ledger.append(kind, **{k: v for k, v in fields.items() if v is not None})

    def _forward(self) -> None:
        try:
            self.forwarder.forward()
        except OSError as error:  # the ledger has it; it goes with the next transition
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
            self._context["follow_ups"].append("camera_failed")
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
        self.outbox.append("seal.request", {
            "req": request.req, "slot": request.slot, "matter": request.matter,
            "uses": request.uses, "doc": self._context.get("doc"),
            "blobs": [self._context["photo"]] if self._context.get("photo") else [],
        })

    def _do_unlock(self, _: str) -> None:
        approval: Approval = self._context["approval"]
        seconds = max(1.0, approval.exp - self.clock.best_guess())
        self.station.slots[approval.slot].lock.unlock(seconds)

    def _do_lock(self, _: str) -> None:
        self.station.lock_all()

    def _do_check_document(self, _: str) -> None:
        approval: Approval = self._context["approval"]
        if self.camera is None or approval.doc is None:
            return
        shot = self.camera.photograph(approval.slot, "document")
        if shot.failure is None and not shot.same_document(approval.doc):
            self._raise("likely_swap", photo=shot.sha256)

    def _do_alarm(self, code: str) -> None:
        photo = None
        if self.camera is not None and code != "camera":
            shot = self.camera.photograph(str(self._context.get("slot", "-")), "alarm")
            photo = shot.sha256 if shot.failure is None else None
        self._raise(code, photo=photo)

    def _raise(self, code: str, photo: str | None = None) -> None:
        text = alarm_text(code)
        self.alarms = [text, *self.alarms][:5]
        self.alarm_until = self.clock.best_guess() + ALARM_SHOW_SECONDS
        self.message = PANEL["alarm"].format(reason=text)
        self.station.signal(Signal.ALARM)
        self.outbox.append("alarm", {"code": code, "text": text, "phase": self.phase.value,
                                     "blobs": [photo] if photo else []})
        log.warning("ALARM %s: %s", code, text)

    def _do_signal(self, name: str) -> None:
        if self.clock.best_guess() < self.alarm_until:
            return  # an alarm is showing: it stays until it has been seen
        self.station.signal(Signal(name))

    def _do_show(self, name: str) -> None:
        if name == "alarm":
            return  # _raise wrote it
        if name == "refused":
            reason = refusal_text(str(self._context.get("reason")))
            self.message = PANEL["refused"].format(reason=reason)
        elif name == "unlocked":
            self.message = self._unlocked_message()
        else:
            self.message = PANEL[name]

    def _unlocked_message(self) -> str:
        session = self.session
        if session is None:
            return PANEL["idle"]
        label = self.station.slots[session.request.slot].label
        seconds = max(0, int(session.approval.exp - self.clock.best_guess()))
        return PANEL["unlocked"].format(label=label, remaining=session.remaining,
                                        seconds=seconds)

    def _signal_phase(self) -> None:
        signal = {Phase.IDLE: Signal.IDLE, Phase.REQUESTED: Signal.WAITING,
                  Phase.UNLOCKED: Signal.UNLOCKED, Phase.RETURNING: Signal.IDLE}[self.phase]
        self.station.signal(signal)

    # -- time ------------------------------------------------------------------

    def tick(self) -> None:
        """Called often by the daemon: expiry, the seal's return, alarms fading,
        QR codes in front of the camera."""
        now = self.clock.best_guess()
        session = self.session
        if self.phase is Phase.UNLOCKED and session and now >= session.approval.exp:
            self.handle("expired", slot=session.request.slot)
        if (self.phase is Phase.RETURNING and self.returning_since is not None
                and not self.return_alarm_raised
                and now - self.returning_since > self.return_seconds):
            self.return_alarm_raised = True
            self.handle("return_overdue")
        if self.alarm_until and now >= self.alarm_until:
            self.alarm_until = 0.0
            self._signal_phase()
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
            seconds_left=(max(0, int(session.approval.exp - self.clock.best_guess()))
                          if session else None),
            photos=list(self.photos),
            alarms=list(self.alarms),
        )

    def _changed(self) -> None:
        if self.on_change is not None:
            try:
                self.on_change(self.view())
            except Exception:
                log.exception("panel update failed")

"""Where each seal request stands, derived from what the county holds: the
request, the county's answer to it (:class:`~county.store.SealAnswer`) and
the station's own ledger records as far as they have arrived.

=========  ===============================================================
open       no answer yet, and the station has not withdrawn it
approved   approved, not yet taken by the station, and still valid
in use     the station took the approval: its seal is unlocked (``approved``
           record) and no record has ended that session yet
used       the station's session with that approval ended (used up, ended
           by the custodian, expired, cut by the lock's limit, an alarm, or
           interrupted by a power cut)
expired    approved, never taken, and past its end
refused    the county refused it
cancelled  the custodian withdrew it at the station before taking an approval
=========  ===============================================================

The station's ledger is read with the kinds of record it writes (the
procedure table of ``seal_controller.procedure``; a test keeps the two
equal): a request opens with ``requested``, closes with ``cancelled`` or
with an ``approved`` session, which ends with one of
:data:`SESSION_ENDINGS`. Only the county's answers decide ``approved``,
``expired`` and ``refused``; the ledger decides the rest, so a request the
station used shows as used even if its approval's end has passed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from county.seal_requests import FiledRequests, StationRequest, filed_requests
from county.store import SealAnswer, Store
from protocol.api import LEDGER_STREAM

REQUEST_OPENED = frozenset({"requested"})
REQUEST_CLOSED = frozenset({"cancelled", "refused_by_county", "request_unsent", "alarm_storage",
                            "alarm_camera_missing"})
SESSION_OPENED = frozenset({"approved"})
SESSION_ENDINGS = frozenset({"used_up", "ended", "expired", "lock_limit", "alarm_camera",
                             "alarm_lid", "alarm_storage", "interrupted"})
STAMP = "stamp"


class RequestState(Enum):
    OPEN = "open"
    APPROVED = "approved"
    IN_USE = "in use"
    USED = "used"
    EXPIRED = "expired"
    REFUSED = "refused"
    CANCELLED = "cancelled"


@dataclass
class Session:
    """One approval the station took, as its ledger tells it."""

    aid: str
    req: str
    uses: int | None
    stamps: int = 0
    ended: str | None = None  # the kind of the record that ended it


@dataclass
class StationLedger:
    """What one station's ledger says about its requests."""

    cancelled: set[str] = field(default_factory=set)
    sessions: dict[str, Session] = field(default_factory=dict)  # by approval id

    def session(self, request: StationRequest, answer: SealAnswer | None) -> Session | None:
        """The session that took *request*'s approval: the county's approval
        by its id, else a session the station opened for that request."""
        if answer is not None and answer.answer_id in self.sessions:
            return self.sessions[answer.answer_id]
        return next((s for s in self.sessions.values() if s.req == request.req), None)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_station_ledger(records: Iterable[Any]) -> StationLedger:
    """Replay a station's ledger *records* (any order; each seq once)."""
    by_seq: dict[int, Mapping[str, Any]] = {}
    for record in records:
        if isinstance(record, Mapping) and (seq := _int(record.get("seq"))) is not None:
            by_seq.setdefault(seq, record)
    ledger = StationLedger()
    open_request: str | None = None
    for seq in sorted(by_seq):
        record = by_seq[seq]
        kind, req, aid = record.get("kind"), record.get("req"), record.get("aid")
        if kind in REQUEST_OPENED and isinstance(req, str):
            open_request = req
        elif kind in REQUEST_CLOSED:
            if open_request is not None:
                ledger.cancelled.add(open_request)
            open_request = None
        elif kind in SESSION_OPENED and isinstance(aid, str):
            ledger.sessions[aid] = Session(aid, str(req if req is not None else open_request),
                                           _int(record.get("uses")))
            open_request = None
        elif isinstance(aid, str) and aid in ledger.sessions:
            if kind == STAMP:
                ledger.sessions[aid].stamps += 1
            elif kind in SESSION_ENDINGS:
                ledger.sessions[aid].ended = str(kind)
    return ledger


@dataclass(frozen=True)
class RequestStatus:
    request: StationRequest
    state: RequestState
    answer: SealAnswer | None
    session: Session | None


def request_state(
    request: StationRequest, answer: SealAnswer | None, ledger: StationLedger, now: float
) -> RequestStatus:
    session = ledger.session(request, answer)
    if session is not None:
        state = RequestState.USED if session.ended else RequestState.IN_USE
    elif answer is not None and answer.answer == "refused":
        state = RequestState.REFUSED
    elif request.req in ledger.cancelled:
        state = RequestState.CANCELLED
    elif answer is not None:
        expired = answer.expires is not None and now >= answer.expires
        state = RequestState.EXPIRED if expired else RequestState.APPROVED
    else:
        state = RequestState.OPEN
    return RequestStatus(request, state, answer, session)


@dataclass(frozen=True)
class RequestReport:
    statuses: list[RequestStatus]  # newest received first
    filed: FiledRequests

    def find(self, req: str, device_id: str | None = None) -> list[RequestStatus]:
        return [s for s in self.statuses if s.request.req == req
                and (device_id is None or s.request.device_id == device_id)]


def request_report(store: Store, now: float, request_id: str | None = None) -> RequestReport:
    """Every request seal stations filed (or those with the id *request_id*),
    each with its state at *now*; only their stations' ledgers are read."""
    filed = filed_requests(store)
    chosen = [r for r in filed.requests if request_id is None or r.req == request_id]
    answers = store.seal_answers()
    ledgers = {device_id: read_station_ledger(store.payloads(device_id, LEDGER_STREAM))
               for device_id in {r.device_id for r in chosen}}
    statuses = [request_state(r, answers.get(r.key), ledgers[r.device_id], now)
                for r in reversed(chosen)]
    return RequestReport(statuses, filed)

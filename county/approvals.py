"""The county approver's side of the smart seal (审): answering the requests
stations filed (:mod:`county.seal_requests`), once each.

An approval is a signed token (:mod:`protocol.approval_token`) bound to the
station, its seal and its request; a refusal is a signed feed document with
the reason in plain words (:mod:`protocol.seal_refusal`). Both go to the one
station through its feed. Only an open request (:mod:`county.request_states`)
can be answered, and the database keeps one answer per (station, request):
a second approval of a request is impossible, even from two approvers at
once.

An approval is written in full before it is published, or not at all: it
is recorded in the database first (with its token, so the county knows of
every token it signed), then its QR code file is written (atomically), and
only then is it published to the station. If the QR code cannot be written
or publishing fails, the record and the file are taken back and nothing was
issued. If the approver's process is killed in between, the approval stays
recorded, not yet published: approving the same request again finishes it,
with the same token.

A caller that keeps its own record of decisions (the console's audit
trail) passes ``record``: it is called with the store inside the very
transaction that publishes the approval (or records and publishes the
refusal), so a decision is never taken without its record, nor recorded
without being taken.
"""

from __future__ import annotations

import errno
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from county.datadir import CountyDir, existing_county
from county.errors import CountyError
from county.feed import add_document
from county.keyfile import load_key
from county.request_states import RequestReport, RequestState, RequestStatus, request_report
from county.store import SealAnswer, Store
from durable.atomic import atomic_write
from protocol.approval_token import (
    MAX_USES,
    NBF_BACKDATE_SECONDS,
    Approval,
    TokenRejected,
    issue_token,
    read_token,
)
from protocol.documents import DocumentRejected
from protocol.seal_refusal import DOCUMENT_KIND, Refusal, reason_problem

MAX_MINUTES = 24 * 60
REFUSAL_DAYS = 30  # how long a refusal stays in the feed for a station that is offline


class ApprovalNotWritten(CountyError, OSError):
    """The approval's QR code could not be written: nothing was issued."""


@dataclass(frozen=True)
class IssuedApproval:
    approval: Approval
    token: str
    qr_path: Path | None
    resumed: bool = False  # an approval recorded earlier, now published


def requests_now(data_dir: Path | str, now: float | None = None) -> RequestReport:
    """Every seal request and where it stands."""
    county = existing_county(data_dir)
    with Store.open(county.database) as store:
        return request_report(store, time.time() if now is None else now)


def _describe(status: RequestStatus) -> str:
    request, answer = status.request, status.answer
    name = f"request {request.req} of {request.device_id}"
    state = status.state
    if state is RequestState.REFUSED and answer is not None:
        return f"{name} was refused by {answer.approver} ({answer.reason})"
    if state is RequestState.CANCELLED:
        return f"{name} was cancelled at the station"
    if answer is not None and state in (RequestState.APPROVED, RequestState.EXPIRED):
        until = time.strftime("%Y-%m-%d %H:%M", time.localtime(answer.expires or 0))
        verb = "expired at" if state is RequestState.EXPIRED else "is valid until"
        return f"{name} was approved ({answer.answer_id}, {answer.uses} stamps) and {verb} {until}"
    return f"{name} is {state.value}"


def _request(report: RequestReport, request_id: str, device_id: str | None) -> RequestStatus:
    """The one request (*device_id*, *request_id*) names, whatever its state."""
    found = report.find(request_id, device_id)
    if not found:
        foreign = report.filed.foreign_from(request_id)
        if foreign and device_id in (None, *foreign):
            raise CountyError(
                f"request {request_id} came from {', '.join(foreign)}, which is not enrolled "
                "as a seal station: only a seal station's request can be answered")
        where = f" from {device_id}" if device_id else ""
        raise CountyError(
            f"no seal request {request_id!r}{where} has reached the county: check the id on the "
            "station's panel, or wait for the station to sync ('village-edge county requests')")
    if len(found) > 1:
        stations = ", ".join(sorted(s.request.device_id for s in found))
        raise CountyError(f"request id {request_id} was filed by {len(found)} stations "
                          f"({stations}): say which with --device")
    return found[0]


def _find(county: CountyDir, request_id: str, device_id: str | None,
          now: float) -> RequestStatus:
    with Store.open(county.database) as store:
        return _request(request_report(store, now, request_id), request_id, device_id)


def _must_be_open(status: RequestStatus) -> None:
    if status.state is not RequestState.OPEN:
        raise CountyError(f"{_describe(status)}: a request is answered once; the station asks "
                          "again for another")


def _unpublished(status: RequestStatus) -> SealAnswer | None:
    """An approval recorded but never published (the approver was cut off)."""
    answer = status.answer
    if (status.state is RequestState.APPROVED and answer is not None
            and answer.published is None and answer.token is not None):
        return answer
    return None


def qr_file(qr: Path | None, aid: str) -> Path | None:
    """Where the QR code goes: *qr* itself, or ``approval-AID.png`` in *qr*
    if it is a directory."""
    if qr is not None and qr.is_dir():
        return qr / f"approval-{aid}.png"
    return qr


def approve(
    data_dir: Path | str,
    request_id: str,
    *,
    uses: int,
    minutes: float,
    approver: str,
    device_id: str | None = None,
    qr: Path | None = None,
    now: float | None = None,
    record: Callable[[Store, Approval], None] | None = None,
) -> IssuedApproval:
    """Approve the request *request_id* (of *device_id*, needed only if two
    stations sent that id) for *uses* stamps during *minutes*; its QR code
    to *qr* (a file, or a directory for ``approval-AID.png``) if given."""
    county = existing_county(data_dir)
    now = time.time() if now is None else now
    status = _find(county, request_id, device_id, now)
    pending = _unpublished(status)
    if pending is not None:
        return _finish(county, pending, qr, now, resumed=True, record=record)
    _must_be_open(status)
    request = status.request
    most = min(MAX_USES, request.uses)
    if not 1 <= uses <= most:
        raise CountyError(f"the station asked for {request.uses} stamps: approve 1 to {most}")
    if not 0 < minutes <= MAX_MINUTES:
        raise CountyError(f"minutes must be above 0 and at most a day, not {minutes}")
    approval = Approval(
        aid=f"A-{secrets.token_hex(6)}", req=request.req, dev=request.device_id,
        slot=request.slot, uses=uses, nbf=int(now) - NBF_BACKDATE_SECONDS,
        exp=int(now + minutes * 60), apr=approver, doc=request.doc,
    )
    try:
        token = issue_token(load_key(county.key), approval)
    except TokenRejected as error:
        raise CountyError(f"cannot approve: {error.detail}") from None
    answer = SealAnswer(request.device_id, request.req, "approved", approval.aid, request.slot,
                        uses, float(approval.exp), approver, None, token, now, None)
    with Store.open(county.database) as store, store.transaction():
        if not store.add_seal_answer(answer):
            raise CountyError(f"request {request.req} of {request.device_id} was answered "
                              "a moment ago by someone else: see 'village-edge county requests'")
    return _finish(county, answer, qr, now, resumed=False, record=record)


def _finish(
    county: CountyDir, answer: SealAnswer, qr: Path | None, now: float, *, resumed: bool,
    record: Callable[[Store, Approval], None] | None = None,
) -> IssuedApproval:
    """Write the QR code, then publish; take both back if either fails."""
    assert answer.token is not None
    key = load_key(county.key)
    approval = read_token(answer.token, key.public_key())
    path = qr_file(qr, approval.aid)
    try:
        if path is not None:
            write_qr(answer.token, path)
        with Store.open(county.database) as store, store.transaction():
            add_document(store, key, "approval", approval.aid, {"token": answer.token},
                         audience=approval.dev, now=now,
                         days_valid=max((approval.exp - now) / 86400, 1 / 24))
            if not store.mark_answer_published(answer.device_id, answer.req, now):
                raise CountyError(f"request {answer.req} of {answer.device_id} was answered a "
                                  "moment ago by someone else: see 'village-edge county "
                                  "requests'")
            if record is not None:
                record(store, approval)
    except BaseException as error:
        if path is not None:
            path.unlink(missing_ok=True)
        if not resumed:  # a resumed one may have left the county as a QR code before
            with Store.open(county.database) as store, store.transaction():
                store.forget_unpublished_answer(answer.device_id, answer.req)
        if isinstance(error, OSError) and not isinstance(error, CountyError):
            raise ApprovalNotWritten(
                error.errno or errno.EIO,
                f"the QR code {path} cannot be written ({error.strerror or error}): the "
                "approval was not issued; choose another --qr, or free space, and approve "
                "again") from None
        if isinstance(error, DocumentRejected):
            raise CountyError(f"the approval cannot be published ({error}); it was not "
                              "issued") from None
        raise
    return IssuedApproval(approval, answer.token, path, resumed)


def refuse(
    data_dir: Path | str,
    request_id: str,
    *,
    reason: str,
    approver: str,
    device_id: str | None = None,
    now: float | None = None,
    record: Callable[[Store, Refusal], None] | None = None,
) -> Refusal:
    """Refuse the request, telling the station *reason* in plain words."""
    problem = reason_problem(reason)
    if problem is not None:
        raise CountyError(problem)
    county = existing_county(data_dir)
    now = time.time() if now is None else now
    status = _find(county, request_id, device_id, now)
    _must_be_open(status)
    request = status.request
    refusal = Refusal(rid=f"F-{secrets.token_hex(6)}", dev=request.device_id, req=request.req,
                      slot=request.slot, reason=reason.strip(), by=approver, at=int(now))
    answer = SealAnswer(request.device_id, request.req, "refused", refusal.rid, request.slot,
                        None, None, approver, refusal.reason, None, now, now)
    key = load_key(county.key)
    try:
        with Store.open(county.database) as store, store.transaction():
            if not store.add_seal_answer(answer):
                raise CountyError(f"request {request.req} of {request.device_id} was answered "
                                  "a moment ago by someone else: see "
                                  "'village-edge county requests'")
            add_document(store, key, DOCUMENT_KIND, refusal.document_name, refusal.body(),
                         audience=refusal.dev, days_valid=REFUSAL_DAYS, now=now)
            if record is not None:
                record(store, refusal)
    except DocumentRejected as error:
        raise CountyError(f"the refusal cannot be published ({error}); nothing was sent") from None
    return refusal


def write_qr(text: str, path: Path) -> Path:
    """The QR code of *text* as a PNG at *path*, replaced atomically: a
    reader sees the whole image or none."""
    import io

    import qrcode

    image = qrcode.make(text, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6,
                        border=4)
    png = io.BytesIO()
    image.save(png)
    atomic_write(path, png.getvalue())
    return path


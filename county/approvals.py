"""The county approver's side of the smart seal (审): the requests stations
sent, and approvals issued for them as signed tokens
(:mod:`protocol.approval_token`), published to the station through its feed and
returned as text and as a QR code for a station that is offline."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from county.datadir import existing_county
from county.errors import CountyError
from county.keyfile import load_key
from county.operator import publish
from county.store import Store
from protocol.approval_token import MAX_USES, Approval, TokenRejected, issue_token

REQUEST_STREAM = "seal.request"
CLOCK_SLACK_SECONDS = 60  # a station's clock a little behind still takes the approval


@dataclass(frozen=True)
class StationRequest:
    device_id: str
    req: str
    slot: str
    matter: str
    uses: int
    doc: str | None
    created: float


def seal_requests(data_dir: Path | str) -> list[StationRequest]:
    """Every seal request received, newest first."""
    county = existing_county(data_dir)
    with Store.open(county.database) as store:
        events = store.stream_events(REQUEST_STREAM)
    found = []
    for device_id, payload, created in events:
        try:
            found.append(StationRequest(
                device_id, str(payload["req"]), str(payload["slot"]),
                str(payload.get("matter", "")), int(payload["uses"]), payload.get("doc"),
                float(created)))
        except (KeyError, TypeError, ValueError):
            continue  # a malformed request cannot be approved; it stays in the events
    return found


@dataclass(frozen=True)
class IssuedApproval:
    approval: Approval
    token: str
    qr_path: Path | None


def approve(
    data_dir: Path | str,
    request_id: str,
    *,
    uses: int,
    minutes: float,
    approver: str,
    qr_path: Path | None = None,
    now: float | None = None,
) -> IssuedApproval:
    """Approve *request_id* for *uses* stamps during *minutes*."""
    matches = [r for r in seal_requests(data_dir) if r.req == request_id]
    if not matches:
        raise CountyError(
            f"no seal request {request_id!r} has reached the county: check the id on the "
            "station's panel, or wait for the station to sync ('village-edge county requests')"
        )
    request = matches[0]
    most = min(MAX_USES, request.uses)
    if not 1 <= uses <= most:
        raise CountyError(f"the station asked for {request.uses} stamps: approve 1 to {most}")
    if not 0 < minutes <= 24 * 60:
        raise CountyError(f"minutes must be above 0 and at most a day, not {minutes}")
    now = time.time() if now is None else now
    approval = Approval(
        aid=f"A-{secrets.token_hex(6)}", req=request.req, dev=request.device_id,
        slot=request.slot, uses=uses, nbf=int(now) - CLOCK_SLACK_SECONDS,
        exp=int(now + minutes * 60), apr=approver, doc=request.doc,
    )
    county = existing_county(data_dir)
    try:
        token = issue_token(load_key(county.key), approval)
    except TokenRejected as error:
        raise CountyError(f"cannot approve: {error.detail}") from None
    publish(data_dir, "approval", approval.aid, {"token": token}, audience=request.device_id,
            days_valid=max(minutes / (24 * 60), 1 / 24))
    if qr_path is not None:
        write_qr(token, qr_path)
    return IssuedApproval(approval, token, qr_path)


def write_qr(text: str, path: Path) -> Path:
    import qrcode

    path.parent.mkdir(parents=True, exist_ok=True)
    image = qrcode.make(text, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6,
                        border=4)
    with path.open("wb") as file:
        image.save(file)
    return path

"""The approver's pages: the open requests of the villages and seals the
account approves, newest first; a request with its document photo, this
seal's recent uses and the decision (approve: stamps and minutes; refuse:
a reason the custodian reads on the station); after an approval, its QR
code for a station that is offline. The rules are in
:mod:`county.console.approval_flow`; the token and the refusal are
:mod:`county.approvals`'."""

from __future__ import annotations

import io

from starlette.responses import Response

from county.console.approval_flow import (
    MAX_AMOUNT,
    DecisionRefused,
    Seen,
    approve,
    find_request,
    own_request,
    refuse,
    visible_requests,
)
from county.console.matter_text import UNUSUAL_WARNING, is_unusual
from county.console.paging import one_page
from county.console.photos import photo_url, shown_photos
from county.console.registry import MenuEntry
from county.console.web import Call, NotFound, Refused, page
from county.inputs import whole_or_none
from county.request_states import RequestState
from county.stamps import station_stamps
from protocol.approval_token import MAX_USES

ROLE = "approver"
MINUTES = (10, 30, 60, 120, 240)  # the choices of how long an approval lasts
RECENT = 5  # the seal's recent uses shown
STATE_NAMES = {
    RequestState.OPEN: "待审批", RequestState.APPROVED: "已同意，待使用",
    RequestState.IN_USE: "正在使用", RequestState.USED: "已用完",
    RequestState.EXPIRED: "已过期（未使用）", RequestState.REFUSED: "不同意",
    RequestState.CANCELLED: "保管人已撤回",
}


def open_requests(call: Call) -> Response:
    seen = visible_requests(call.store, call.account, call.console.settings, call.now)
    pager = one_page(call, seen, "/approver")
    return call.render("approver/list.html", title="待审批的用印申请", requests=pager.items,
                       own=[own_request(call.account, s) for s in pager.items], pager=pager)


def _seen(call: Call) -> Seen:
    seen = find_request(call.store, call.account, call.console.settings, call.now,
                        call.params["device"], call.params["req"])
    if seen is None:
        raise NotFound
    return seen


def _recent_uses(call: Call, seen: Seen) -> tuple[list[Seen], list[str]]:
    """This seal's other requests, newest first, and its latest stamps' photos."""
    request = seen.status.request
    others = [s for s in visible_requests(call.store, call.account, call.console.settings,
                                          call.now, only_open=False)
              if s.status.request.device_id == request.device_id
              and s.status.request.slot == request.slot
              and s.status.request.req != request.req][:RECENT]
    photos = [stamp.photo for station in station_stamps(call.console.county.root,
                                                        request.device_id)
              for stamp in reversed(station.stamps)
              if stamp.slot == request.slot and stamp.photo is not None and stamp.photo_held]
    return others, photos[:4]


def request_page(call: Call, *, problem: str | None = None, status: int = 200) -> Response:
    seen = _seen(call)
    others, stamp_photos = _recent_uses(call, seen)
    answer = seen.status.answer
    return call.render(
        "approver/request.html", status=status, title="用印申请", seen=seen,
        request=seen.status.request, state=STATE_NAMES[seen.status.state],
        is_open=seen.status.state is RequestState.OPEN, own=own_request(call.account, seen),
        others=others, state_names=STATE_NAMES, stamp_photos=stamp_photos,
        photo_url=photo_url, document_photos=shown_photos(call, seen.status.request.photos),
        minutes=MINUTES, problem=problem, answer=answer,
        show_qr=(answer is not None and answer.token is not None
                 and seen.status.state is RequestState.APPROVED),
        base=f"/approver/requests/{seen.status.request.device_id}/{seen.status.request.req}",
        unusual_matter=UNUSUAL_WARNING if is_unusual(seen.status.request.matter) else None)


def _whole(call: Call, name: str, low: int, high: int) -> int | None:
    """The form's field *name* as a whole number from *low* to *high* (ASCII
    digits; the thousands separators a person types are allowed), or None."""
    text = call.form.get(name, "").strip().replace(",", "").replace("，", "")
    return whole_or_none(text, low=low, high=high)


def approve_request(call: Call) -> Response:
    seen = _seen(call)
    uses = _whole(call, "uses", 1, MAX_USES)
    minutes = _whole(call, "minutes", 1, 24 * 60)
    if uses is None or minutes is None:
        return request_page(call, problem="请选择盖章次数和有效时间。", status=400)
    amount = _whole(call, "amount", 0, MAX_AMOUNT) if seen.needs_amount else None
    try:
        approve(call.console.county, call.store, call.account, seen, uses=uses,
                minutes=float(minutes), amount=amount, address=call.address, now=call.now)
    except DecisionRefused as refused:
        if own_request(call.account, seen):
            raise Refused(403, str(refused)) from None
        return request_page(call, problem=str(refused), status=409)
    return call.redirect(_base(seen))


def refuse_request(call: Call) -> Response:
    seen = _seen(call)
    try:
        refuse(call.console.county, call.store, call.account, seen,
               reason=call.form.get("reason", ""), address=call.address, now=call.now)
    except DecisionRefused as refused:
        if own_request(call.account, seen):
            raise Refused(403, str(refused)) from None
        return request_page(call, problem=str(refused), status=409)
    return call.redirect(_base(seen))


def _base(seen: Seen) -> str:
    return f"/approver/requests/{seen.status.request.device_id}/{seen.status.request.req}"


def approval_qr(call: Call) -> Response:
    """The approval's token as a QR code, for the station's camera."""
    import qrcode

    seen = _seen(call)
    answer = seen.status.answer
    if answer is None or answer.token is None or seen.status.state is not RequestState.APPROVED:
        raise NotFound
    image = qrcode.make(answer.token, error_correction=qrcode.constants.ERROR_CORRECT_M,
                        box_size=8, border=4)
    png = io.BytesIO()
    image.save(png)
    return Response(png.getvalue(), media_type="image/png",
                    headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


_REQUEST = "/approver/requests/{device}/{req}"
ROUTES = [
    page("/approver", open_requests, role=ROLE, name="approver"),
    page(_REQUEST, request_page, role=ROLE, name="approver_request"),
    page(_REQUEST + "/approve", approve_request, role=ROLE, methods=("POST",)),
    page(_REQUEST + "/refuse", refuse_request, role=ROLE, methods=("POST",)),
    page(_REQUEST + "/qr.png", approval_qr, role=ROLE, name="approval_qr"),
]
MENU = (MenuEntry(ROLE, "用印审批", "/approver"),)

"""The complaint handlers' pages: the complaints and whistle-blower reports
of the villages the account sees, each with its reply deadline in working
days and what is overdue; a complaint opened (decrypted on the server with
the county's key, in memory only, every opening audited); its status
changed with a reply the villager reads at the kiosk's progress lookup.

Nothing opened is written anywhere: the list shows only what the county
holds unopened (code, kind, kiosk, when); a complaint's page is answered
with ``Cache-Control: no-store`` like every console page. The history's
rule (never back to an earlier status or time) is the database's
(:mod:`county.complaint_history`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from starlette.responses import Response

from county.complaint_history import (
    RANKS,
    STATUS_NAMES,
    StatusGoesBack,
    Step,
    latest_steps,
    steps_of,
)
from county.complaints import Filed, open_report, received_reports, record_status
from county.console import audit
from county.console.complaints_calendar import WorkCalendar
from county.console.complaints_deadlines import Deadline, deadline, read_reply_periods
from county.console.format import BEIJING
from county.console.paging import one_page
from county.console.phone_numbers import has_mobile_number
from county.console.registry import MenuEntry
from county.console.web import Call, NotFound, Refused, page
from county.errors import CountyError
from protocol import tracking
from protocol.complaint_status import MAX_REPLY, STATUSES

ROLE = "complaints"
KIND_NAMES = {"complaint": "投诉", "whistle": "举报"}
NEW = "new"  # no status yet: nobody has handled it
CODE = re.compile(r"[0-9]{10}")
CONFIG_PROBLEM = "县里的设置有误，算不出答复期限。请管理员改正："
DUPLICATE = ("查询机 {device} 送来的 {count} 件投诉或举报，查询码和更早收到的另一件相同，"
             "没有列出，也不能打开。请技术员检查这台查询机。")
REPLY_WARNING = ("答复会显示在村里的查询机上，任何拿到查询码的人都能看到。请只写办理结果，"
                 "不要重复反映的内容，不要写反映人的姓名、电话。")


@dataclass(frozen=True)
class Listed:
    """One complaint as the list shows it."""

    filed: Filed
    village: str
    day: date  # filed, Beijing time
    latest: Step | None
    deadline: Deadline

    @property
    def status(self) -> str:
        return self.latest.status if self.latest else NEW

    @property
    def status_name(self) -> str:
        return self.latest.status_name if self.latest else "待处理"

    @property
    def replied(self) -> bool:
        return self.status == "replied"

    @property
    def display_code(self) -> str:
        return tracking.display(self.filed.code)

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.filed.kind, self.filed.kind)


def beijing_day(timestamp: float) -> date:
    return datetime.fromtimestamp(timestamp, BEIJING).date()


@dataclass(frozen=True)
class Visible:
    """What the account sees: its villages' complaints, and how many reports
    of its villages' kiosks came with a code another report had taken first
    (by kiosk: not listed, never opened)."""

    listed: list[Listed]
    duplicates: dict[str, int]


def _visible(call: Call) -> Visible:
    """The complaints of the villages the account sees, with their deadlines.
    A tracking code is the first report that arrived with it
    (:func:`county.complaints.received_reports`): the village checked is
    that report's, the very one opened and answered."""
    root = call.console.county.root
    calendar = WorkCalendar.of_county(root)
    periods = read_reply_periods(root)
    devices = call.store.devices()
    villages = {device.device_id: device.village_code for device in devices}
    since = beijing_day(min(device.enrolled for device in devices)) if devices else None

    def seen(filed: Filed) -> str | None:
        village = villages.get(filed.device_id)
        return village if village is not None and call.account.sees_village(village) else None

    latest = latest_steps(call.store)
    today = beijing_day(call.now)
    received = received_reports(call.store)
    listed = []
    for filed, _ in received.reports.values():
        if (village := seen(filed)) is None:
            continue
        day = beijing_day(filed.created)
        listed.append(Listed(filed, village, day, latest.get(filed.code),
                             deadline(calendar, periods, filed.kind, day, today, since)))
    listed.sort(key=lambda row: row.filed.created, reverse=True)
    duplicates: dict[str, int] = {}
    for filed in received.duplicates:
        if seen(filed) is not None:
            duplicates[filed.device_id] = duplicates.get(filed.device_id, 0) + 1
    return Visible(listed, duplicates)


def _order(listed: list[Listed]) -> list[Listed]:
    """Unanswered first, the soonest due first; then the answered, newest first."""
    waiting = sorted((row for row in listed if not row.replied),
                     key=lambda row: (row.deadline.due, -row.filed.created))
    answered = [row for row in listed if row.replied]
    return waiting + answered


def complaint_list(call: Call) -> Response:
    """Every complaint, a page at a time: the unanswered first, the soonest
    due first, then the answered, the newest first."""
    try:
        visible = _visible(call)
    except CountyError as error:
        raise Refused(500, CONFIG_PROBLEM + str(error)) from None
    listed = _order(visible.listed)
    waiting = [row for row in listed if not row.replied]
    problems = sorted({row.deadline.problem for row in waiting if row.deadline.problem})
    problems += [DUPLICATE.format(device=device, count=count)
                 for device, count in sorted(visible.duplicates.items())]
    pager = one_page(call, listed, "/complaints")
    return call.render(
        "complaints/list.html", title="投诉和举报", rows=pager.items, pager=pager,
        problem=None, problems=problems,
        overdue=sum(1 for row in waiting if row.deadline.overdue), waiting=len(waiting))


def _listed(call: Call) -> Listed:
    code = call.params["code"]
    if not CODE.fullmatch(code):
        raise NotFound
    try:
        found = next((row for row in _visible(call).listed if row.filed.code == code), None)
    except CountyError as error:
        raise Refused(500, CONFIG_PROBLEM + str(error)) from None
    if found is None:
        raise NotFound
    return found


def complaint_page(call: Call, *, problem: str | None = None, status: int = 200,
                   reply: str = "") -> Response:
    listed = _listed(call)
    code = listed.filed.code
    report = open_report(call.console.county.root, call.store, code)
    if report is None or report.device_id != listed.filed.device_id:
        raise NotFound  # the report opened is the one whose village was checked
    with call.store.transaction():
        audit.record(call.store, at=call.now, actor=call.account.name, action="complaint_opened",
                     address=call.address, object=f"complaint:{code}",
                     village=listed.village, opened=report.error is None)
    history = steps_of(call.store, code)
    rank = RANKS.get(listed.status, 0)
    choices = [(s, STATUS_NAMES[s]) for s in STATUSES if RANKS[s] >= rank]
    return call.render(
        "complaints/complaint.html", status=status,
        title=f"{listed.kind_name} {listed.display_code}", row=listed, report=report,
        history=history, choices=choices, problem=problem,
        reply=reply or (listed.latest.reply or "" if listed.latest else ""),
        warning=REPLY_WARNING, max_reply=MAX_REPLY, done=call.query("done") is not None)


def change_status(call: Call) -> Response:
    listed = _listed(call)
    status = call.form.get("status", "")
    reply = call.form.get("reply", "").strip()
    problem = None
    if status not in STATUSES:
        problem = "请选择新的办理状态。"
    elif status == "replied" and not reply:
        problem = "改为“已答复”时，请写上答复：村民在查询机上会看到它。"
    elif len(reply) > MAX_REPLY:
        problem = f"答复最多 {MAX_REPLY} 个字，现在是 {len(reply)} 个字，请写短一些。"
    elif has_mobile_number(reply):
        problem = "答复里不能写手机号码：任何拿到查询码的人都能看到答复。"
    if problem is not None:
        return complaint_page(call, problem=problem, status=400, reply=reply)
    code = listed.filed.code
    try:
        with call.store.transaction():
            record_status(call.console.county.root, call.store, code, status,
                          reply=reply or None, handler=call.account.name,
                          day=beijing_day(call.now), now=call.now)
            audit.record(call.store, at=call.now, actor=call.account.name,
                         action="complaint_status", address=call.address,
                         object=f"complaint:{code}", status=status,
                         before=listed.status, reply=reply)
    except StatusGoesBack as refused:
        return complaint_page(call, problem=refused.message, status=409, reply=reply)
    return call.redirect(f"/complaints/{code}?done=1")


ROUTES = [
    page("/complaints", complaint_list, role=ROLE, name="complaints"),
    page("/complaints/{code}", complaint_page, role=ROLE, name="complaint"),
    page("/complaints/{code}/status", change_status, role=ROLE, methods=("POST",)),
]
MENU = (MenuEntry(ROLE, "投诉和举报", "/complaints"),)

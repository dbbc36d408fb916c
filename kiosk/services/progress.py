"""Progress lookup: what the county says about one tracking code, as the
kiosk shows it (the document's format is :mod:`protocol.complaint_status`).

The disclosures screen should show the status document as counts (received,
in handling, replied), not as a list of codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from protocol import tracking
from protocol.complaint_status import MAX_REPLY, STATUS_DOCUMENT, STATUSES

if TYPE_CHECKING:
    from sync.feed_store import FeedStore

State = Literal["bad_code", "not_found", "received", "handling", "replied"]

BAD_CODE_MESSAGE = "号码好像输错了，请再核对一下。回执上的查询号码是10位数字。"
NOT_FOUND_MESSAGE = ("还查不到这个号码的办理情况。您反映的问题送到县里需要一些时间，"
                     "请过几天再来查。")
STATUS_MESSAGES: dict[str, str] = {
    "received": "县里已经收到您反映的问题，正在安排办理。",
    "handling": "您反映的问题正在办理中，请耐心等待。",
    "replied": ("您反映的问题已经办理完毕，县里已经作出答复。"
                "如果您留了电话，工作人员会打电话告诉您结果。"),
}
STATUS_LABELS: dict[str, str] = {"received": "已收到", "handling": "办理中", "replied": "已答复"}


def chinese_date(day: date) -> str:
    """``2024年6月20日``: no leading zeros, as people write dates."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class ProgressView:
    """What the progress screen shows for one code.

    *message* is the sentence for the villager (read aloud as it is);
    *label* a two- or three-character status for a badge, None when there is
    no status; *date* the day the status was reached (the reply date for
    ``replied``); *updated* when the county published what is shown.
    """

    code: str
    state: State
    message: str
    label: str | None = None
    date: date | None = None
    updated: datetime | None = None
    reply: str | None = None

    @property
    def date_text(self) -> str | None:
        if self.date is None:
            return None
        prefix = "答复日期" if self.state == "replied" else "更新日期"
        return f"{prefix}：{chinese_date(self.date)}"

    @property
    def reply_text(self) -> str | None:
        """``县里的答复：...`` (``县里的说明：`` before the reply is final)."""
        if not self.reply:
            return None
        prefix = "县里的答复" if self.state == "replied" else "县里的说明"
        return f"{prefix}：{self.reply}"


def lookup(feed: FeedStore, code: str) -> ProgressView:
    """The progress of *code* (spaces allowed) as the kiosk's feed holds it.

    The check digit is validated first, so a mistyped code is caught here
    rather than reported as unknown.
    """
    code = tracking.normalise(code)
    if not tracking.is_valid(code):
        return ProgressView(code, "bad_code", BAD_CODE_MESSAGE)
    signed = feed.get(*STATUS_DOCUMENT)
    if signed is None:
        return ProgressView(code, "not_found", NOT_FOUND_MESSAGE)
    updated = datetime.fromtimestamp(signed.document.issued)
    statuses = signed.document.body.get("statuses")
    entry = statuses.get(code) if isinstance(statuses, dict) else None
    status = entry.get("status") if isinstance(entry, dict) else None
    if status not in STATUSES:
        return ProgressView(code, "not_found", NOT_FOUND_MESSAGE, updated=updated)
    assert isinstance(entry, dict)
    try:
        when = date.fromisoformat(entry["date"])
    except (KeyError, TypeError, ValueError):
        when = None
    reply = entry.get("reply")
    reply = reply.strip()[:MAX_REPLY] if isinstance(reply, str) and reply.strip() else None
    return ProgressView(code, status, STATUS_MESSAGES[status], STATUS_LABELS[status],
                        when, updated, reply)

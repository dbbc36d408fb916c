"""Complaint and whistle-blowing, by taps only: choose the item (or none),
choose the kind of problem, optionally leave a phone number on the number pad
(anonymous by default), submit. Sealing and filing are the complaint
service's job; this screen only collects the choices."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk.viewmodels.freshness import date_label
from kiosk.viewmodels.numpad import NumberPad
from kiosk.viewmodels.services import ComplaintDraft, ComplaintFiler, FiledComplaint
from powerlist import Catalog

log = logging.getLogger(__name__)

NOT_ONE_ITEM = "不涉及具体事项"

COMPLAINT_PROBLEMS: tuple[str, ...] = (
    "办事拖延，没有按时答复",
    "乱收费，或者索要钱物",
    "优亲厚友，办事不公平",
    "该公开的没有公开",
    "少数人说了算，没有按程序办",
    "其他问题",
)


@dataclass(frozen=True)
class ComplaintResult:
    ok: bool
    lines: tuple[str, ...]
    filed: FiledComplaint | None = None


class ComplaintViewModel:
    def __init__(self, filer: ComplaintFiler | None) -> None:
        self._filer = filer
        self.reset()

    def reset(self) -> None:
        self.item_id: str | None = None
        self.item_name: str | None = None
        self.problem: str | None = None
        self.leave_phone = False
        self.phone = NumberPad(max_length=12)
        self.result: ComplaintResult | None = None

    def item_choices(self, catalog: Catalog) -> list[tuple[str | None, str]]:
        return [(None, NOT_ONE_ITEM)] + [(item.id, item.name) for item in catalog.items]

    def choose_item(self, item_id: str | None, name: str | None) -> None:
        self.item_id, self.item_name = item_id, name

    def choose_problem(self, problem: str) -> None:
        if problem in COMPLAINT_PROBLEMS:
            self.problem = problem

    def set_leave_phone(self, leave: bool) -> None:
        self.leave_phone = leave
        if not leave:
            self.phone.press("清空")

    @property
    def anonymity_text(self) -> str:
        if self.leave_phone:
            return "留电话：县里会打这个电话回复您。"
        return "匿名：不留姓名，不留电话。凭回执上的查询码查看办理结果。"

    @property
    def phone_problem(self) -> str | None:
        digits = self.phone.value
        if not self.leave_phone:
            return None
        if not digits:
            return "请输入电话号码，或者选择“匿名”。"
        if digits.startswith("1") and len(digits) != 11:
            return "手机号码是11位，请再看一下。"
        if not 7 <= len(digits) <= 12:
            return "电话号码位数不对，请再看一下。"
        return None

    @property
    def can_submit(self) -> bool:
        return self.problem is not None and self.phone_problem is None

    @property
    def summary(self) -> tuple[str, ...]:
        return (
            f"事项：{self.item_name or NOT_ONE_ITEM}",
            f"问题：{self.problem or '还没有选'}",
            f"联系方式：{self.phone.shown if self.leave_phone and self.phone.value else '匿名'}",
        )

    def submit(self) -> ComplaintResult:
        if not self.can_submit:
            missing = self.phone_problem or "请先选择是什么问题。"
            self.result = ComplaintResult(False, (missing,))
        elif self._filer is None:
            self.result = ComplaintResult(False, (
                "这台机器暂时不能提交投诉。",
                "可以拨打乡镇纪委的监督电话，或者把情况写下来投进意见箱。",
            ))
        else:
            draft = ComplaintDraft(self.item_id, self.item_name, self.problem or "",
                                   self.phone.value if self.leave_phone else None)
            try:
                filed = self._filer.file(draft)
            except Exception as error:  # the villager is told; the technician reads the log
                log.exception("filing a complaint failed")
                said = getattr(error, "message", None)  # a service's own words, if it has them
                self.result = ComplaintResult(False, (
                    said or "提交没有成功，请稍后再试。", "也可以拨打乡镇纪委的监督电话。"))
            else:
                self.result = ComplaintResult(True, (
                    "已经提交。只有县纪委能看到您反映的内容。",
                    f"查询码：{filed.tracking_code}",
                    f"答复期限：{date_label(filed.reply_due)}前",
                    "请收好回执，凭查询码可以查看办理进度。",
                ), filed)
        return self.result

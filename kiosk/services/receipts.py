"""The two slips the kiosk prints: the service guide for one power-list item
and the receipt of a complaint or whistle-blower report.

Both are :class:`hardware.printer.Receipt` values, independent of the paper:
the printer wraps them to 58 mm or 80 mm. Checklist boxes are "□" (U+25A1),
not "☐" (U+2610): "□" is in GB2312, so a Chinese printer's own font has it
in text mode, while "☐" is outside GBK and would print as a wrong glyph.

The complaint receipt shows no item, problem or phone number: a slip left
on the counter must not tell anyone what was reported.

A slip carries a QR code (:mod:`kiosk.qr_codes`) only where the kiosk has a
camera to read it (*scanning*): a code and its caption are a promise that
holding the slip up to the kiosk opens the item or the progress. Elsewhere
the slip mentions no scanning at all, and the villager types the code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from hardware.printer import Receipt
from kiosk.qr_codes import GUIDE_QR_CAPTION, RECEIPT_QR_CAPTION, item_content
from kiosk.services.complaints import ComplaintReceipt
from kiosk.services.progress import chinese_date
from powerlist import Flowchart, Node, PowerItem

if TYPE_CHECKING:
    from sync.feed_store import FeedStore

ROSTER_DOCUMENT = ("roster", "officials")  # (kind, name) in the feed
CHECKBOX = "□"
STEP_INDENT = "   "  # under the step's number


@dataclass(frozen=True)
class Official:
    """Whom to see for an item: the role as villagers know it, and from the
    roster (when the county published one) a name and a phone number."""

    role: str
    name: str | None = None
    phone: str | None = None

    @property
    def text(self) -> str:
        return f"{self.role} {self.name}" if self.name else self.role


def roster_from_feed(feed: FeedStore) -> dict[str, Any]:
    """The roster body (roster_role -> {"name", "phone"}), or {} if none was published."""
    signed = feed.get(*ROSTER_DOCUMENT)
    return dict(signed.document.body) if signed is not None else {}


def _roster_entry(roster: Mapping[str, Any], role: str) -> Any:
    """*role*'s entry in either form of the roster: ``{role: {...}}`` or
    ``{"members": [{"role": role, ...}, ...]}``."""
    members = roster.get("members")
    if isinstance(members, list):
        for member in members:
            if isinstance(member, Mapping) and member.get("role") == role:
                return member
    return roster.get(role)


def whom_to_see(item: PowerItem, roster: Mapping[str, Any]) -> Official:
    """The official for *item*: its roster role looked up in *roster*; without
    an entry, the item's handler (a role name in Chinese, such as 村务工作者)."""
    entry = _roster_entry(roster, item.contact.roster_role)
    if isinstance(entry, str):  # a roster that gives names only
        entry = {"name": entry}
    if not isinstance(entry, Mapping):
        return Official(item.handler)
    name = entry.get("name") if isinstance(entry.get("name"), str) else None
    phone = entry.get("phone") if isinstance(entry.get("phone"), str) else None
    return Official(item.handler, name or None, phone or None)


def steps_in_order(flowchart: Flowchart) -> list[Node]:
    """The step nodes of *flowchart* in the order the procedure reaches them
    (breadth first from the start, following edges in the order written)."""
    seen = {flowchart.start.id}
    queue = [flowchart.start.id]
    steps: list[Node] = []
    while queue:
        node = flowchart.node(queue.pop(0))
        if node.kind == "step":
            steps.append(node)
        for edge in flowchart.outgoing(node.id):
            if edge.target not in seen:
                seen.add(edge.target)
                queue.append(edge.target)
    return steps


def condition_of(flowchart: Flowchart, node_id: str) -> str | None:
    """The answer that leads to *node_id* when it is reached through a decision
    ("不足1万元"), so that alternatives are not read as consecutive steps."""
    for edge in flowchart.edges:
        if edge.target == node_id and edge.condition:
            return edge.condition
    return None


def service_guide(
    item: PowerItem, roster: Mapping[str, Any], *, printed: datetime | None = None,
    scanning: bool = False,
) -> Receipt:
    """The service-guide slip (办事指南) for *item*: whom to see, what to bring,
    the steps with their time limits, the overall time limit and, where the
    kiosk reads QR codes (*scanning*), a QR code that opens the item."""
    official = whom_to_see(item, roster)
    build = Receipt.build().title("办事指南")
    build.text(item.name, align="center", bold=True).text(f"类别：{item.category_name}").rule()
    build.text(f"找谁办：{official.text}", bold=True)
    if official.phone:
        build.text(f"联系电话：{official.phone}")
    build.rule().text("要带的材料：", bold=True)
    if item.materials:
        for material in item.materials:
            build.text(f"{CHECKBOX} {material}")
    else:
        build.text("不用带材料。")
    if item.flowcharts:
        build.rule().text("办理步骤：", bold=True)
        flowchart = item.flowcharts[0]
        for number, step in enumerate(steps_in_order(flowchart), start=1):
            build.text(f"{number}. {step.actor}：{step.action}")
            if condition := condition_of(flowchart, step.id):
                build.text(f"{STEP_INDENT}条件：{condition}")
            if step.time_limit:
                build.text(f"{STEP_INDENT}时限：{step.time_limit}")
    build.rule().text(f"办结时限：{item.time_limit}", bold=True)
    if scanning:
        build.qr(item_content(item.id), caption=GUIDE_QR_CAPTION)
    if printed is not None:
        build.text(f"打印时间：{printed:%Y-%m-%d %H:%M}", align="center")
    return build.done()


def complaint_receipt(receipt: ComplaintReceipt, *, scanning: bool = False) -> Receipt:
    """The receipt of a filed report: the tracking code large, the reply due
    date, a reminder to keep it, and where the kiosk reads QR codes
    (*scanning*) the QR code that opens the progress."""
    title = "举报回执" if receipt.kind == "whistle" else "投诉回执"
    what = "举报" if receipt.kind == "whistle" else "投诉"
    build = (
        Receipt.build()
        .title(title)
        .text("查询号码", align="center")
        .text(receipt.display_code, align="center", bold=True, large=True)
        .rule()
        .text(f"提交日期：{chinese_date(receipt.filed)}")
        .text(f"答复期限：{chinese_date(receipt.reply_due)}前", bold=True)
        .text(f"您的{what}已经加密保存，只有县里能看到。")
        .text("凭查询号码，可以在村里的触摸屏上查办理进度。")
        .rule()
        .text("请保管好这张回执", align="center", bold=True)
    )
    if scanning:
        build.qr(receipt.qr, caption=RECEIPT_QR_CAPTION)
    return build.done()

"""Stand-ins for the kiosk services (:mod:`kiosk.services`) for simulation
and screenshots: they build real receipts but file nothing and print to
nowhere. The composition root uses the real services where they exist."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from kiosk.qr_codes import GUIDE_QR_CAPTION, item_content
from kiosk.viewmodels.detail import steps
from kiosk.viewmodels.roster import Person
from kiosk.viewmodels.services import (
    ComplaintDraft,
    FiledComplaint,
    PrintOutcome,
    ProgressReport,
)
from powerlist import PowerItem

if TYPE_CHECKING:
    from hardware.printer import Receipt


class GuideSlips:
    """A plain service-guide slip: item, whom to see, materials, steps; and
    where the kiosk reads QR codes (*scanning*) the code that opens the item."""

    def __init__(self, *, scanning: bool = False) -> None:
        self.scanning = scanning

    def service_guide(self, item: PowerItem, people: Sequence[Person], paper_mm: int) -> Receipt:
        from hardware.printer import Receipt

        build = Receipt.build().title("办事指南").text(item.name, bold=True, align="center")
        build.rule().text("找谁办：", bold=True)
        for person in people:
            build.text(person.line)
        if item.materials:
            build.text("请带上：", bold=True)
            for material in item.materials:
                build.text(f"□ {material}")
        build.text("办理步骤：", bold=True)
        for number, node in enumerate(steps(item.flowcharts[0]), start=1):
            limit = f"（{node.time_limit}）" if node.time_limit else ""
            build.text(f"{number}. {node.action}{limit}")
        build.text(f"办理时限：{item.time_limit}").rule()
        if self.scanning:
            build.qr(item_content(item.id), caption=GUIDE_QR_CAPTION)
        return build.done()


class NoPrinter:
    def submit(self, receipt: Receipt) -> PrintOutcome:
        return PrintOutcome(False, "演示模式：没有真的打印。")

    def retry(self) -> PrintOutcome | None:
        return None  # nothing is ever kept for later


class PretendComplaints:
    """Files nothing: returns a made-up tracking code for rehearsals."""

    def __init__(self, today: date | None = None) -> None:
        self._today = today
        self._count = 0

    def file(self, draft: ComplaintDraft) -> FiledComplaint:
        self._count += 1
        today = self._today or date.today()
        return FiledComplaint(f"{today:%y%m%d}{self._count:06d}", today + timedelta(days=15))


class PretendProgress:
    def lookup(self, tracking_code: str) -> ProgressReport | None:
        return ProgressReport(tracking_code, ("演示模式：没有真实的办理记录。",))

"""The receipt preview: the service-guide slip of an item, as it will print,
and what happened when the villager pressed 打印."""

from __future__ import annotations

import logging

from hardware.printer import Receipt
from kiosk.viewmodels.roster import Roster
from kiosk.viewmodels.services import KioskServices
from powerlist import PowerItem

log = logging.getLogger(__name__)


class ReceiptViewModel:
    def __init__(self, services: KioskServices) -> None:
        self._services = services
        self.item: PowerItem | None = None
        self.receipt: Receipt | None = None
        self.message = ""

    def prepare(self, item: PowerItem, roster: Roster) -> Receipt | None:
        self.item = item
        self.message = ""
        receipts = self._services.receipts
        if receipts is None:
            self.receipt = None
            self.message = "这台机器没有接打印机，请用手机拍下这一页。"
            return None
        people = roster.people(item.contact.roster_role)
        self.receipt = receipts.service_guide(item, people, self._services.paper_mm)
        return self.receipt

    def show_receipt(self, receipt: Receipt) -> None:
        """Preview a receipt made elsewhere (e.g. the complaint receipt)."""
        self.item, self.receipt, self.message = None, receipt, ""

    def print(self) -> str:
        if self.receipt is None or self._services.printer is None:
            self.message = "这台机器没有接打印机，请用手机拍下这一页。"
            return self.message
        try:
            self.message = self._services.printer.submit(self.receipt).message
        except Exception:
            log.exception("printing failed")
            self.message = "打印没有成功，请告诉村里的工作人员。"
        return self.message

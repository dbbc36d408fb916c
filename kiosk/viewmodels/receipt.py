"""The receipt preview: the service-guide slip of an item, as it will print,
and what happened when the villager pressed 打印."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from kiosk.viewmodels.roster import Roster
from kiosk.viewmodels.services import KioskServices
from powerlist import PowerItem

if TYPE_CHECKING:  # the printer's package is imported when a receipt is made
    from hardware.printer import Receipt

log = logging.getLogger(__name__)

#: What a villager is told where the kiosk has no printer to print on.
NO_PRINTER = "这台机器没有接打印机，请用手机拍下这一页。"


class ReceiptViewModel:
    def __init__(self, services: KioskServices) -> None:
        self._services = services
        self.item: PowerItem | None = None
        self.receipt: Receipt | None = None
        self.message = ""
        self._waiting = False  # this screen's receipt was kept for later

    def prepare(self, item: PowerItem, roster: Roster) -> Receipt | None:
        self.item = item
        self.message = ""
        self._waiting = False
        receipts = self._services.receipts
        if receipts is None:
            self.receipt = None
            self.message = NO_PRINTER
            return None
        people = roster.people(item.contact.roster_role)
        self.receipt = receipts.service_guide(item, people, self._services.paper_mm)
        return self.receipt

    def show_receipt(self, receipt: Receipt) -> None:
        """Preview a receipt made elsewhere (e.g. the complaint receipt)."""
        self.item, self.receipt, self.message = None, receipt, ""
        self._waiting = False

    def print(self) -> str:
        if self.receipt is None or self._services.printer is None:
            self.message = NO_PRINTER
            return self.message
        try:
            outcome = self._services.printer.submit(self.receipt)
            self.message = outcome.message
            self._waiting = not outcome.printed
        except Exception:
            log.exception("printing failed")
            self.message = "打印没有成功，请告诉村里的工作人员。"
        return self.message

    def retry(self) -> bool:
        """Print the receipts kept for later, if any; True when the message
        on screen changed (this screen's kept receipt is now on paper)."""
        printer = self._services.printer
        if printer is None:
            return False
        try:
            outcome = printer.retry()
        except Exception:
            log.exception("printing the kept receipts failed")
            return False
        if outcome is None or not outcome.printed or not self._waiting:
            return False
        self.message = outcome.message
        self._waiting = False
        return True

"""The kiosk's real services (:mod:`kiosk.services`) in the shapes the
screens call (:mod:`kiosk.viewmodels.services`). Built by the composition
root; the screenshots and demonstrations use :mod:`kiosk.standins` instead."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.errors import KioskError
from kiosk.services.speech import Speaker
from kiosk.viewmodels.receipt import NO_PRINTER
from kiosk.viewmodels.services import (
    ComplaintDraft,
    FiledComplaint,
    PrintOutcome,
    ProgressReport,
)

if TYPE_CHECKING:  # each service's module is imported when it is first used
    from hardware.printer import Receipt, ReceiptPrinter
    from kiosk.services.print_queue import PrintQueue
    from kiosk.viewmodels.roster import Person
    from powerlist import PowerItem
    from sync.feed_store import FeedStore  # the feed's and outbox's module with their
    from sync.outbox import Outbox  # makers: cryptography need not load for the frame

log = logging.getLogger(__name__)

#: The complaint screen's choices, as the kinds of problem the county reads.
PROBLEM_KEYS = {
    "办事拖延，没有按时答复": "delay",
    "乱收费，或者索要钱物": "fees",
    "优亲厚友，办事不公平": "favouritism",
    "该公开的没有公开": "secrecy",
    "少数人说了算，没有按程序办": "procedure",
    "其他问题": "other",
}

#: What the villager is told once the receipt is on paper.
PRINTED = "已经打印好了，请取走。"


class ComplaintsUnavailable(KioskError, RuntimeError):
    """The kiosk cannot take written reports now; *message* says so kindly."""

    def __init__(self, message: str, detail: str) -> None:
        super().__init__(detail)
        self.message = message


class SealedComplaints:
    """Complaints sealed with the county's key and kept in the outbox; the
    receipt has a QR code where the kiosk reads them (*scanning*)."""

    def __init__(self, outbox: Outbox, feed: FeedStore, device_id: str, *,
                 scanning: bool = False) -> None:
        self.outbox = outbox
        self.feed = feed
        self.device_id = device_id
        self.scanning = scanning

    def file(self, draft: ComplaintDraft) -> FiledComplaint:
        from kiosk.services import complaints as filing
        from kiosk.services import receipts

        form = filing.ComplaintForm(PROBLEM_KEYS.get(draft.problem, "other"), draft.item_id,
                                    draft.item_name, phone=draft.phone)
        result = filing.file_complaint(self.outbox, self.feed, self.device_id, form,
                                       now=datetime.now())
        if isinstance(result, filing.Unavailable):
            raise ComplaintsUnavailable(result.message, result.detail)
        return FiledComplaint(result.display_code, result.reply_due,
                              receipts.complaint_receipt(result, scanning=self.scanning))


class FeedProgress:
    """Progress of a report, from the county's signed status document."""

    def __init__(self, feed: FeedStore) -> None:
        self.feed = feed

    def lookup(self, tracking_code: str) -> ProgressReport | None:
        from kiosk.services import progress

        view = progress.lookup(self.feed, tracking_code)
        if view.state == "not_found":
            return None
        lines = (view.message, view.reply_text)
        return ProgressReport(tracking_code, tuple(line for line in lines if line))


class GuideSlips:
    """Service-guide slips naming the people from the county's roster, with
    a QR code where the kiosk reads them (*scanning*)."""

    def __init__(self, feed: FeedStore | None, *, scanning: bool = False) -> None:
        self.feed = feed
        self.scanning = scanning

    def service_guide(self, item: PowerItem, people: Sequence[Person], paper_mm: int) -> Receipt:
        from kiosk.services import receipts

        roster = receipts.roster_from_feed(self.feed) if self.feed is not None else {}
        return receipts.service_guide(item, roster, scanning=self.scanning)


class QueuedPrinting:
    """Printing through the durable queue: nothing is lost when paper runs out."""

    def __init__(self, queue: PrintQueue) -> None:
        self.queue = queue

    def submit(self, receipt: Receipt) -> PrintOutcome:
        outcome = self.queue.submit(receipt)
        return PrintOutcome(outcome.done, outcome.message or PRINTED)

    def retry(self) -> PrintOutcome | None:
        """Print what was kept for later; None when nothing was waiting."""
        if self.queue.pending() == 0:
            return None
        outcome = self.queue.retry_pending()
        if outcome.done and outcome.printed == 0:
            return None  # the waiting files could not be read: nothing reached the paper
        return PrintOutcome(outcome.done, outcome.message or PRINTED)


class PrinterOpenedLater:
    """Printing through the durable queue (as :class:`QueuedPrinting`) on a
    printer opened on a thread of its own once the window shows
    (:meth:`open_in_background`): opening a printer imports python-escpos,
    which the first frame need not wait for. A use before the opening has
    finished waits for it (and starts it, if nothing has), so a villager and
    a technician see what they would had it been opened first: a print, the
    printer's state, or, where it could not be opened (*open_printer* said
    why in the log, or raised), the kiosk's "no printer" message."""

    def __init__(self, open_printer: Callable[[], ReceiptPrinter | None],
                 queue_dir: Path) -> None:
        self._open_printer = open_printer
        self._queue_dir = queue_dir
        self._opened = threading.Event()
        self._started = False
        self._starting = threading.Lock()
        self._printing: QueuedPrinting | None = None

    def open_in_background(self) -> None:
        """Open the printer on a thread, once; later calls do nothing."""
        with self._starting:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._open, daemon=True, name="kiosk-printer-open").start()

    def _open(self) -> None:
        from kiosk.services.print_queue import PrintQueue

        try:
            printer = self._open_printer()
            if printer is not None:
                self._printing = QueuedPrinting(PrintQueue(self._queue_dir, printer))
        except Exception as error:  # a kiosk without receipts still shows the list
            log.error("no receipts: %s", error)
        finally:
            self._opened.set()

    def _ready(self) -> QueuedPrinting | None:
        self.open_in_background()
        self._opened.wait()
        return self._printing

    @property
    def queue(self) -> PrintQueue | None:
        """The print queue, once the printer is open; None without a printer."""
        printing = self._ready()
        return printing.queue if printing is not None else None

    def submit(self, receipt: Receipt) -> PrintOutcome:
        printing = self._ready()
        if printing is None:
            return PrintOutcome(False, NO_PRINTER)
        return printing.submit(receipt)

    def retry(self) -> PrintOutcome | None:
        printing = self._ready()
        return printing.retry() if printing is not None else None


class Voice:
    """Read-aloud in Mandarin, where espeak-ng is installed."""

    def __init__(self, speaker: Speaker | None = None) -> None:
        self.speaker = speaker or Speaker()

    @property
    def available(self) -> bool:
        return self.speaker.available()

    def say(self, text: str) -> None:
        self.speaker.speak(text)

"""The kiosk's real services (:mod:`kiosk.services`) in the shapes the
screens call (:mod:`kiosk.viewmodels.services`). Built by the composition
root; the screenshots and demonstrations use :mod:`kiosk.standins` instead."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hardware.printer import Receipt
from kiosk.errors import KioskError
from kiosk.services import complaints as filing
from kiosk.services import progress, receipts
from kiosk.services.print_queue import PrintQueue
from kiosk.services.speech import Speaker
from kiosk.viewmodels.roster import Person
from kiosk.viewmodels.services import (
    ComplaintDraft,
    FiledComplaint,
    PrintOutcome,
    ProgressReport,
)
from powerlist import PowerItem
from sync.feed_store import FeedStore
from sync.outbox import Outbox

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


class Voice:
    """Read-aloud in Mandarin, where espeak-ng is installed."""

    def __init__(self, speaker: Speaker | None = None) -> None:
        self.speaker = speaker or Speaker()

    @property
    def available(self) -> bool:
        return self.speaker.available()

    def say(self, text: str) -> None:
        self.speaker.speak(text)

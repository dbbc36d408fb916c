"""The kiosk services the screens call, as the small protocols the screens
need. They are built in :mod:`kiosk.services` and handed to the view-models
by the composition root; :mod:`kiosk.standins` has stand-ins for
demonstrations and screenshots."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol

from kiosk.viewmodels.roster import Person
from powerlist import PowerItem

if TYPE_CHECKING:  # the printer's package is imported when a receipt is made
    from hardware.printer import Receipt


@dataclass(frozen=True)
class PrintOutcome:
    """What happened to a print job, in words for the villager."""

    printed: bool
    message: str  # e.g. "打印机没有纸了。已经记下，放好纸后会自动打印。"


class ServiceGuideReceipts(Protocol):
    def service_guide(self, item: PowerItem, people: Sequence[Person], paper_mm: int) -> Receipt:
        """The service-guide slip of *item*: whom to see, materials, steps, QR."""
        ...


class PrintQueue(Protocol):
    def submit(self, receipt: Receipt) -> PrintOutcome:
        """Queue *receipt* durably and try to print it now."""
        ...

    def retry(self) -> PrintOutcome | None:
        """Print the receipts kept for later (paper out, printer offline);
        None when none were waiting. Called now and then by the app."""
        ...


@dataclass(frozen=True)
class ComplaintDraft:
    """What the villager chose on the complaint screen."""

    item_id: str | None  # None: not about one item of the list
    item_name: str | None
    problem: str  # one of COMPLAINT_PROBLEMS
    phone: str | None  # None: anonymous


@dataclass(frozen=True)
class FiledComplaint:
    tracking_code: str
    reply_due: date
    receipt: Receipt | None = None


class ComplaintFiler(Protocol):
    def file(self, draft: ComplaintDraft) -> FiledComplaint:
        """Seal the complaint for the county, store it in the outbox, and say how
        the villager follows it up."""
        ...


@dataclass(frozen=True)
class ProgressReport:
    tracking_code: str
    lines: tuple[str, ...]  # e.g. ("已转县纪委处理", "答复期限 2024年7月1日")


class ProgressLookup(Protocol):
    def lookup(self, tracking_code: str) -> ProgressReport | None:
        """What is known of a complaint or application; None for an unknown code."""
        ...


class Speaker(Protocol):
    @property
    def available(self) -> bool:
        """False where no Mandarin voice is installed."""
        ...

    def say(self, text: str) -> None:
        """Read *text* aloud in Mandarin, without waiting for the end."""
        ...


class CodeSource(Protocol):
    def take(self) -> str | None:
        """The text of a QR code that came into the camera's view since the
        last call, once per showing; None when there is none."""
        ...


class HealthFinding(Protocol):
    """A line of ``village-edge doctor`` (:class:`village_edge.report.Finding`)."""

    check: str
    detail: str
    hint: str

    @property
    def status(self) -> object: ...


@dataclass(frozen=True)
class KioskServices:
    """Everything the screens may call; None where a service is not fitted."""

    receipts: ServiceGuideReceipts | None = None
    printer: PrintQueue | None = None
    complaints: ComplaintFiler | None = None
    progress: ProgressLookup | None = None
    speaker: Speaker | None = None
    paper_mm: int = 58
    scanner: CodeSource | None = None  # None: no camera, slips promise no scanning

"""Receipts that wait for the printer: when it is out of paper or does not
answer, the villager is told in plain words and the receipt is kept on disk
and printed once the printer is back.

Each job is one JSON file ``NNNNNNNNNN.json`` in the queue's directory,
written atomically (a power cut leaves the whole job or none), numbered in
the order submitted and printed in that order: a job never overtakes an
older one. A job is deleted once
:meth:`hardware.printer.ReceiptPrinter.print` has returned, so it prints
once; a power cut between printing and deleting would print it
a second time, which is better than losing a complaint receipt. A file that
cannot be read as a receipt is moved to ``bad/`` so it cannot block the queue.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from durable.atomic import atomic_write, fsync_directory
from hardware.errors import PaperOutError, PrinterError, PrinterOfflineError
from kiosk.services.receipt_codec import ReceiptCodecError, receipt_from_dict, receipt_to_dict

if TYPE_CHECKING:
    from hardware.printer import Receipt, ReceiptPrinter

log = logging.getLogger(__name__)

JOB_NAME = re.compile(r"(\d{10})\.json")
BAD_FOLDER = "bad"

Problem = Literal["paper_out", "offline", "broken"]

MESSAGES: dict[str, str] = {
    "paper_out": "打印机没纸了，请找工作人员加纸。您的回执已保存，加纸后会自动打印。",
    "offline": "打印机暂时连不上，请找工作人员看看。您的回执已保存，修好后会自动打印。",
    "broken": "打印机出了点问题，请找工作人员看看。您的回执已保存，修好后会自动打印。",
}


@dataclass(frozen=True)
class PrintOutcome:
    """What happened. *done*: the job submitted (or, for a retry, every job)
    is on paper. Otherwise *message* is the sentence for the villager and
    *detail* the printer's own words for the technician."""

    done: bool
    printed: int
    pending: int
    problem: Problem | None = None
    message: str | None = None
    detail: str | None = None


class PrintQueue:
    """Print jobs kept in *directory* and sent to *printer* in order."""

    def __init__(self, directory: Path | str, printer: ReceiptPrinter) -> None:
        self.directory = Path(directory)
        self.printer = printer
        self._lock = threading.Lock()

    def _jobs(self) -> list[Path]:
        if not self.directory.exists():
            return []
        return sorted(p for p in self.directory.iterdir() if JOB_NAME.fullmatch(p.name))

    def pending(self) -> int:
        """Jobs waiting for the printer."""
        return len(self._jobs())

    def submit(self, receipt: Receipt) -> PrintOutcome:
        """Keep *receipt* on disk, then print every waiting job up to and including it."""
        with self._lock:
            jobs = self._jobs()
            number = _number(jobs[-1]) + 1 if jobs else 1
            path = self.directory / f"{number:010d}.json"
            data = json.dumps(receipt_to_dict(receipt), ensure_ascii=False).encode()
            atomic_write(path, data)
            outcome = self._print_pending()
        return PrintOutcome(not path.exists(), outcome.printed, outcome.pending,
                            outcome.problem, outcome.message, outcome.detail)

    def retry_pending(self) -> PrintOutcome:
        """Print the waiting jobs in order, stopping at the first that fails.
        Call it now and then (every minute, and when the technician screen
        says the printer was fixed)."""
        with self._lock:
            return self._print_pending()

    def _print_pending(self) -> PrintOutcome:
        printed = 0
        jobs = self._jobs()
        for index, path in enumerate(jobs):
            receipt = self._load(path)
            if receipt is None:
                continue
            try:
                self.printer.print(receipt)
            except PrinterError as error:
                problem = _problem(error)
                log.warning("receipt %s kept for later (%s): %s", path.name, problem, error)
                return PrintOutcome(False, printed, len(jobs) - index, problem, MESSAGES[problem],
                                    str(error))
            path.unlink()
            fsync_directory(self.directory)
            printed += 1
        return PrintOutcome(True, printed, 0)

    def _load(self, path: Path) -> Receipt | None:
        try:
            return receipt_from_dict(json.loads(path.read_bytes()))
        except (OSError, ValueError, ReceiptCodecError) as error:
            bad = self.directory / BAD_FOLDER
            bad.mkdir(exist_ok=True)
            path.replace(bad / path.name)
            log.error("print job %s cannot be read (%s): moved to %s", path.name, error, bad)
            return None


def _number(path: Path) -> int:
    match = JOB_NAME.fullmatch(path.name)
    assert match is not None
    return int(match[1])


def _problem(error: PrinterError) -> Problem:
    if isinstance(error, PaperOutError):
        return "paper_out"
    if isinstance(error, PrinterOfflineError):
        return "offline"
    return "broken"

"""The print queue: a receipt the printer cannot take is kept on disk, the
villager is told in plain words, and it prints once — in order — when the
printer is back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hardware.printer import Receipt, ReceiptPrinter
from hardware.printer.testing import InMemoryPrinter
from kiosk.services.print_queue import MESSAGES, PrintQueue
from kiosk.services.receipt_codec import receipt_from_dict, receipt_to_dict

PAPER_OUT = "打印机没纸了，请找工作人员加纸。您的回执已保存，加纸后会自动打印。"


def slip(number: int) -> Receipt:
    return (Receipt.build().title("投诉回执").text(f"第{number}张", bold=True)
            .rule().qr(f"VE-REPORT:{number}", caption="扫码").feed(2).done())


def printed(printer: InMemoryPrinter) -> list[str]:
    """Which slips reached the paper, in order."""
    output = bytes(printer.output)
    found = []
    for number in range(1, 10):
        at = output.find(f"第{number}张".encode("gb18030"))
        if at != -1:
            assert output.count(f"第{number}张".encode("gb18030")) == 1, f"slip {number} twice"
            found.append((at, f"第{number}张"))
    return [name for _, name in sorted(found)]


@pytest.fixture
def printer() -> InMemoryPrinter:
    return InMemoryPrinter()


@pytest.fixture
def queue(tmp_path: Path, printer: InMemoryPrinter) -> PrintQueue:
    return PrintQueue(tmp_path / "print-queue", ReceiptPrinter(printer, chinese="gb18030"))


def test_a_receipt_prints_at_once_when_the_printer_is_ready(
    queue: PrintQueue, printer: InMemoryPrinter
) -> None:
    outcome = queue.submit(slip(1))
    assert (outcome.done, outcome.printed, outcome.pending, outcome.message) == (True, 1, 0, None)
    assert printed(printer) == ["第1张"] and queue.pending() == 0


def test_out_of_paper_the_job_is_kept_and_printed_once_when_paper_is_back(
    queue: PrintQueue, printer: InMemoryPrinter
) -> None:
    printer.paper = "out"
    outcome = queue.submit(slip(1))
    assert not outcome.done and outcome.problem == "paper_out"
    assert outcome.message == PAPER_OUT and "load a new roll" in (outcome.detail or "")
    assert queue.pending() == 1 and printed(printer) == []
    assert not queue.retry_pending().done  # still no paper: still kept, nothing printed
    assert queue.pending() == 1 and printed(printer) == []

    printer.paper = "ok"
    retried = queue.retry_pending()
    assert (retried.done, retried.printed, retried.pending) == (True, 1, 0)
    assert printed(printer) == ["第1张"]
    assert queue.retry_pending().printed == 0
    assert printed(printer) == ["第1张"]  # never twice


def test_jobs_print_in_the_order_they_were_submitted(
    queue: PrintQueue, printer: InMemoryPrinter
) -> None:
    printer.paper = "out"
    for number in (1, 2, 3):
        assert not queue.submit(slip(number)).done
    assert queue.pending() == 3
    printer.paper = "ok"
    outcome = queue.submit(slip(4))  # a new job waits for the older ones
    assert (outcome.done, outcome.printed) == (True, 4)
    assert printed(printer) == ["第1张", "第2张", "第3张", "第4张"]


def test_an_offline_printer_is_told_plainly(queue: PrintQueue, printer: InMemoryPrinter) -> None:
    printer.online = False
    outcome = queue.submit(slip(1))
    assert outcome.problem == "offline" and outcome.message == MESSAGES["offline"]
    assert "您的回执已保存" in outcome.message and queue.pending() == 1


def test_jobs_survive_a_restart(tmp_path: Path, printer: InMemoryPrinter) -> None:
    printer.paper = "out"
    PrintQueue(tmp_path / "q", ReceiptPrinter(printer, chinese="gb18030")).submit(slip(1))
    printer.paper = "ok"
    fresh = InMemoryPrinter()
    again = PrintQueue(tmp_path / "q", ReceiptPrinter(fresh, chinese="gb18030"))
    assert again.pending() == 1 and again.retry_pending().printed == 1
    assert printed(fresh) == ["第1张"] and printed(printer) == []


def test_a_job_file_is_written_whole_and_a_broken_one_is_set_aside(
    queue: PrintQueue, printer: InMemoryPrinter
) -> None:
    printer.paper = "out"
    queue.submit(slip(1))
    [job] = list(queue.directory.glob("*.json"))
    assert receipt_from_dict(json.loads(job.read_text())) == slip(1)
    assert [p.name for p in queue.directory.iterdir()] == [job.name]  # no temporary files left
    job.write_text("{half a job")
    queue.submit(slip(2))
    printer.paper = "ok"
    assert queue.retry_pending().printed == 1
    assert printed(printer) == ["第2张"]
    assert (queue.directory / "bad" / job.name).exists()


def test_the_codec_round_trips_every_block() -> None:
    original = slip(7)
    assert receipt_from_dict(json.loads(json.dumps(receipt_to_dict(original)))) == original

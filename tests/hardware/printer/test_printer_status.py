"""Printer status and connection failures, as a technician would see them."""

from __future__ import annotations

import errno
import logging
import socket
from pathlib import Path

import pytest
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Dummy, File, Network

from hardware.errors import (
    DeviceClosedError,
    PaperOutError,
    PrinterError,
    PrinterOfflineError,
)
from hardware.printer import PrinterStatus, Receipt, ReceiptPrinter
from hardware.printer.testing import InMemoryPrinter

CUT = b"\x1dV\x00"


def test_dummy_cannot_report_status() -> None:
    status = ReceiptPrinter(Dummy()).status()

    assert status.online is None
    assert status.paper == "unknown"
    assert "status not reported" in status.detail


def test_file_cannot_report_status_and_nothing_is_written_by_asking(tmp_path: Path) -> None:
    path = tmp_path / "printer.bin"
    printer = ReceiptPrinter(File(str(path)))

    status = printer.status()
    printer.close()

    assert status == PrinterStatus(
        None, "unknown", f"file {path}: status not reported by this connection"
    )
    assert not path.exists() or path.read_bytes() == b""


def test_offline_printer_refuses_to_print_and_nothing_is_sent(
    sample: Receipt,
) -> None:
    connection = InMemoryPrinter(online=False)
    printer = ReceiptPrinter(connection, chinese="gb18030")

    with pytest.raises(PrinterOfflineError, match="does not answer: check power"):
        printer.print(sample)

    assert connection.output == b""
    assert printer.status().online is False


def test_paper_out_refuses_to_print(sample: Receipt) -> None:
    connection = InMemoryPrinter(paper="out")
    printer = ReceiptPrinter(connection, chinese="gb18030")

    with pytest.raises(PaperOutError, match="load a new roll"):
        printer.print(sample)

    assert connection.output == b""
    assert printer.status() == PrinterStatus(
        True, "out", "in-memory printer is out of paper: load a new roll and close the cover"
    )


def test_paper_near_end_warns_but_prints(sample: Receipt, caplog) -> None:
    connection = InMemoryPrinter(paper="near_end")
    printer = ReceiptPrinter(connection, chinese="gb18030")

    with caplog.at_level(logging.WARNING):
        printer.print(sample)

    assert printer.status().paper == "near_end"
    assert connection.output.endswith(CUT)
    assert "replace it soon" in caplog.text


def test_healthy_printer_reports_online_and_paper_ok() -> None:
    status = ReceiptPrinter(InMemoryPrinter()).status()

    assert (status.online, status.paper) == (True, "ok")


class FailingDummy(Dummy):
    """A connection whose cable is pulled after ``good_writes`` writes."""

    def __init__(self, error: Exception, good_writes: int = 0) -> None:
        super().__init__()
        self.error = error
        self.good_writes = good_writes

    def _raw(self, msg: bytes) -> None:
        if self.good_writes <= 0:
            raise self.error
        self.good_writes -= 1
        super()._raw(msg)


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.EIO, "Input/output error"),
        BrokenPipeError(errno.EPIPE, "Broken pipe"),
        DeviceNotFoundError("Could not open socket for 192.168.1.50"),
    ],
)
def test_connection_failure_while_writing_becomes_printer_offline(
    sample: Receipt, error: Exception
) -> None:
    printer = ReceiptPrinter(FailingDummy(error), chinese="gb18030")

    with pytest.raises(PrinterOfflineError, match="may be incomplete") as raised:
        printer.print(sample)

    assert raised.value.__cause__ is error


def test_file_printer_that_cannot_be_written_is_offline(sample: Receipt, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    printer = ReceiptPrinter(File(str(blocked / "printer.bin")), chinese="gb18030")

    with pytest.raises(PrinterOfflineError, match="not-a-dir") as raised:
        printer.print(sample)

    assert isinstance(raised.value.__cause__, DeviceNotFoundError)


def test_network_printer_reports_paper_out_over_tcp(sample: Receipt, status_server) -> None:
    server = status_server(paper="out")
    printer = ReceiptPrinter(Network("127.0.0.1", server.port, timeout=2), chinese="gb18030")

    with pytest.raises(PaperOutError, match=f"printer at 127.0.0.1:{server.port}"):
        printer.print(sample)
    printer.close()

    assert server.received == b""


def test_network_printer_with_paper_prints_over_tcp(sample: Receipt, status_server) -> None:
    server = status_server(paper="near_end")
    printer = ReceiptPrinter(Network("127.0.0.1", server.port, timeout=2), chinese="gb18030")

    printer.print(sample)

    received = server.wait_received(CUT)
    printer.close()
    assert "打印测试".encode("gb18030") in received
    assert received.endswith(CUT)


def test_silent_network_printer_is_offline(sample: Receipt, status_server) -> None:
    server = status_server(answer=False)
    printer = ReceiptPrinter(Network("127.0.0.1", server.port, timeout=0.3))

    status = printer.status()
    with pytest.raises(PrinterOfflineError, match=f"127.0.0.1:{server.port} does not answer"):
        printer.print(sample)
    printer.close()

    assert status.online is False
    assert "check power, network cable" in status.detail


def test_unreachable_network_printer_is_offline(sample: Receipt) -> None:
    with socket.socket() as probe:  # a port on which nobody listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    printer = ReceiptPrinter(Network("127.0.0.1", port, timeout=1))

    with pytest.raises(PrinterOfflineError, match=f"printer at 127.0.0.1:{port} does not answer"):
        printer.print(sample)


def test_printer_errors_are_os_errors_for_callers_that_catch_those() -> None:
    assert issubclass(PrinterOfflineError, PrinterError)
    assert issubclass(PrinterOfflineError, OSError)


def test_close_is_idempotent_and_the_context_manager_closes(
    sample: Receipt, tmp_path: Path
) -> None:
    connection = File(str(tmp_path / "printer.bin"))
    with ReceiptPrinter(connection, chinese="gb18030") as printer:
        printer.print(sample)
        device = connection.device

    assert device is not None and device.closed
    printer.close()
    with pytest.raises(DeviceClosedError):
        printer.print(sample)

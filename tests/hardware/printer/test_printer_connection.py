"""PrinterSettings -> python-escpos connection -> ReceiptPrinter."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from hardware.errors import PrinterError, PrinterFontError, PrinterOfflineError
from hardware.printer import (
    PrinterSettings,
    Receipt,
    ReceiptPrinter,
    open_connection,
    open_printer,
)

INIT = b"\x1b@"


def test_no_printer_configured() -> None:
    settings = PrinterSettings(connection="none")

    assert open_connection(settings) is None
    assert open_printer(settings) is None


def test_file_printer_creates_its_directory_and_appends(sample: Receipt, tmp_path: Path) -> None:
    path = tmp_path / "state" / "printer" / "printer.bin"
    settings = PrinterSettings(connection="file", file_path=str(path), chinese="gb18030")

    for _ in range(2):
        printer = open_printer(settings)
        assert isinstance(printer, ReceiptPrinter)
        with printer:
            printer.print(sample)

    data = path.read_bytes()
    assert data.count(INIT + b"\x1c&") == 2  # two jobs, the first one kept
    assert data.count("打印测试".encode("gb18030")) == 2


def test_file_printer_keeps_what_was_there(sample: Receipt, tmp_path: Path) -> None:
    path = tmp_path / "printer.bin"
    path.write_bytes(b"earlier job\n")

    with open_printer(PrinterSettings(connection="file", file_path=str(path))) as printer:  # type: ignore[union-attr]
        printer.print(Receipt.build().rule().done())

    assert path.read_bytes().startswith(b"earlier job\n" + INIT)


def test_settings_reach_the_printer(tmp_path: Path, cjk_font: Path, decode_qr, sample) -> None:
    settings = PrinterSettings(
        connection="file",
        file_path=str(tmp_path / "p.bin"),
        paper_mm=80,
        chinese="gb18030",
        font_path=str(cjk_font),
    )

    printer = open_printer(settings)

    assert printer is not None
    assert (printer.paper, printer.chinese) == (80, "gb18030")
    assert printer.preview(sample).width == 576
    printer.close()


def test_configured_font_path_is_used(tmp_path: Path, sample: Receipt) -> None:
    missing = tmp_path / "fonts" / "missing.ttc"
    settings = PrinterSettings(
        connection="file", file_path=str(tmp_path / "p.bin"), font_path=str(missing)
    )

    with open_printer(settings) as printer, pytest.raises(PrinterFontError, match=r"missing\.ttc"):  # type: ignore[union-attr]
        printer.preview(sample)


def test_unreachable_network_printer_fails_at_open() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(PrinterOfflineError, match=f"printer at 127.0.0.1:{port}") as raised:
        open_connection(PrinterSettings(connection="network", host="127.0.0.1", port=port))

    assert "check power, network cable" in str(raised.value)
    assert raised.value.__cause__ is not None


def test_network_printer_that_answers(status_server, sample: Receipt) -> None:
    server = status_server()
    settings = PrinterSettings(
        connection="network", host="127.0.0.1", port=server.port, chinese="gb18030"
    )

    with open_printer(settings) as printer:  # type: ignore[union-attr]
        assert printer.status().online is True
        printer.print(sample)
        received = server.wait_received(b"\x1dV\x00")

    assert "打印测试".encode("gb18030") in received


def test_missing_serial_port_is_a_printer_error() -> None:
    settings = PrinterSettings(connection="serial", serial_device="/nonexistent/ttyUSB9")

    # Offline when pyserial is installed, a PrinterError saying what is missing otherwise.
    with pytest.raises(PrinterError, match="/nonexistent/ttyUSB9"):
        open_connection(settings)


def test_missing_usb_printer_is_a_printer_error() -> None:
    settings = PrinterSettings(connection="usb", usb_vendor=0x0416, usb_product=0x5011)

    with pytest.raises(PrinterError, match="0416:5011"):
        open_connection(settings)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (PrinterSettings(connection="network"), "needs a host"),
        (PrinterSettings(connection="usb"), "usb_vendor and usb_product"),
        (PrinterSettings(connection="file"), "needs a file_path"),
    ],
)
def test_incomplete_settings_are_refused(settings: PrinterSettings, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        open_connection(settings)


@pytest.mark.parametrize(
    "fields",
    [
        {"connection": "bluetooth"},
        {"connection": "file", "paper_mm": 76},
        {"connection": "file", "chinese": "big5"},
    ],
)
def test_invalid_settings_are_refused(fields: dict) -> None:
    with pytest.raises(ValueError):
        PrinterSettings(**fields)


def test_importing_the_package_opens_no_files_and_loads_no_escpos() -> None:
    script = (
        "import sys\n"
        "opened = []\n"
        "sys.addaudithook(lambda e, a: opened.append(str(a[0])) if e == 'open' else None)\n"
        "import hardware.printer\n"
        "print([p for p in opened if not p.endswith(('.py', '.pyc', '.pth'))\n"
        "       and '__pycache__' not in p])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'escpos'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )

    assert result.stdout.split("\n")[:2] == ["[]", "[]"]

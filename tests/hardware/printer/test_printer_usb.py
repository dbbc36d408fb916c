"""A USB receipt printer, down to the calls libusb would get.

No USB printer is plugged in here, so pyusb's ``usb.core.find`` is replaced
by a mock that returns a spec'd ``usb.core.Device`` (and
``usb.util.dispose_resources``, which releases it, is watched); python-escpos
runs for real above it. The tests assert what the printer would receive:
the search for the configured vendor and product ids, the kernel driver
detached and the device configured, the status queries and the receipt's
exact ESC/POS bytes written to the OUT endpoint with the timeout, and the
device released on close."""

from __future__ import annotations

from array import array
from typing import Any
from unittest.mock import MagicMock, call

import pytest
import usb.backend.libusb1
import usb.core
from escpos.constants import RT_STATUS_ONLINE, RT_STATUS_PAPER
from escpos.printer import Dummy
from pytest_mock import MockerFixture

from hardware.errors import PaperOutError, PrinterError, PrinterOfflineError
from hardware.printer import PrinterSettings, Receipt, ReceiptPrinter, open_printer
from hardware.printer.connection import USB_TIMEOUT_MS, open_connection

VENDOR, PRODUCT = 0x0416, 0x5011
SETTINGS = PrinterSettings(connection="usb", usb_vendor=VENDOR, usb_product=PRODUCT,
                           chinese="gb18030")
OUT_ENDPOINT, IN_ENDPOINT = 0x01, 0x82  # python-escpos's defaults
ONLINE, OFFLINE = 0x12, 0x1A  # answers to DLE EOT 1: bit 3 set means offline
PAPER_OK, PAPER_OUT = 0x12, 0x72  # answers to DLE EOT 4
INIT, CUT = b"\x1b@", b"\x1dV\x00"
OPENING = [call.is_kernel_driver_active(0), call.detach_kernel_driver(0),
           call.set_configuration(), call.reset()]


@pytest.fixture
def device(mocker: MockerFixture) -> MagicMock:
    """The printer as pyusb would find it: claimed by the kernel's usblp driver."""
    printer = mocker.create_autospec(usb.core.Device, instance=True, spec_set=True)
    # python-escpos detaches the kernel driver only on pyusb's libusb1 backend
    backend = usb.backend.libusb1.get_backend()
    assert backend is not None, "libusb-1.0-0 is not installed (setup.sh dev installs it)"
    printer.backend = backend
    printer.is_kernel_driver_active.return_value = True
    return printer


@pytest.fixture
def find(mocker: MockerFixture, device: MagicMock) -> MagicMock:
    return mocker.patch("usb.core.find", autospec=True, return_value=device)


@pytest.fixture
def dispose(mocker: MockerFixture) -> MagicMock:
    return mocker.patch("usb.util.dispose_resources", autospec=True)


def answers(device: MagicMock, online: int, paper: int) -> None:
    device.read.side_effect = [array("B", [online]), array("B", [paper])]


def job_bytes(receipt: Receipt) -> bytes:
    """The bytes the same receipt makes on python-escpos's in-memory printer."""
    dummy = Dummy()
    ReceiptPrinter(dummy, chinese="gb18030").print(receipt)
    return bytes(dummy.output)


def searched_for_the_configured_printer(find: MagicMock) -> None:
    """Only the configured printer is looked for (once for its endpoints,
    once by python-escpos to open it)."""
    assert find.call_args_list
    assert all(c == call(idVendor=VENDOR, idProduct=PRODUCT) for c in find.call_args_list)


def without_descriptors(calls: list[Any]) -> list[Any]:
    """*calls* less the reading of the device's descriptors (its endpoints)."""
    return [c for c in calls if not c[0].startswith("__getitem__")
            and not str(c[0]).startswith("__getitem__().")]


def status_queries() -> list[object]:
    return [call.write(OUT_ENDPOINT, RT_STATUS_ONLINE, USB_TIMEOUT_MS),
            call.read(IN_ENDPOINT, 16),
            call.write(OUT_ENDPOINT, RT_STATUS_PAPER, USB_TIMEOUT_MS),
            call.read(IN_ENDPOINT, 16)]


def test_a_receipt_reaches_the_out_endpoint_byte_for_byte(
    find: MagicMock, dispose: MagicMock, device: MagicMock, sample: Receipt
) -> None:
    printer = open_printer(SETTINGS)
    assert printer is not None
    searched_for_the_configured_printer(find)
    assert without_descriptors(device.mock_calls) == OPENING
    device.reset_mock()
    answers(device, ONLINE, PAPER_OK)

    printer.print(sample)

    job = job_bytes(sample)
    assert job.startswith(INIT) and CUT in job and "打印测试".encode("gb18030") in job
    assert device.mock_calls == [*status_queries(), call.write(OUT_ENDPOINT, job, USB_TIMEOUT_MS)]
    dispose.assert_not_called()
    printer.close()
    dispose.assert_called_once_with(device)


def test_a_printer_out_of_paper_gets_no_receipt(
    find: MagicMock, dispose: MagicMock, device: MagicMock, sample: Receipt
) -> None:
    with open_printer(SETTINGS) as printer:  # type: ignore[union-attr]
        device.reset_mock()
        answers(device, ONLINE, PAPER_OUT)
        with pytest.raises(PaperOutError, match="load a new roll"):
            printer.print(sample)
    assert device.mock_calls == status_queries()  # asked, and nothing printed
    dispose.assert_called_once_with(device)


def test_an_offline_printer_gets_no_receipt(
    find: MagicMock, dispose: MagicMock, device: MagicMock, sample: Receipt
) -> None:
    with open_printer(SETTINGS) as printer:  # type: ignore[union-attr]
        device.reset_mock()
        device.read.side_effect = [array("B", [OFFLINE])]
        with pytest.raises(PrinterOfflineError, match="lsusb should list the printer"):
            printer.print(sample)
    assert device.mock_calls == status_queries()[:2]


def test_a_printer_unplugged_while_printing_is_reported_and_released(
    find: MagicMock, dispose: MagicMock, device: MagicMock, sample: Receipt
) -> None:
    printer = open_printer(SETTINGS)
    assert printer is not None
    device.reset_mock()
    answers(device, ONLINE, PAPER_OK)
    device.write.side_effect = [None, None, usb.core.USBError("No such device", errno=19)]
    with pytest.raises(PrinterOfflineError, match=r"failed while printing.*USB cable"):
        printer.print(sample)
    dispose.assert_called_once_with(device)  # dropped, to be found afresh next time


def test_an_absent_usb_printer_is_reported_with_what_to_check(
    find: MagicMock, dispose: MagicMock
) -> None:
    find.return_value = None
    with pytest.raises(PrinterOfflineError,
                       match=r"USB printer 0416:5011: check power and USB cable") as raised:
        open_connection(SETTINGS)
    searched_for_the_configured_printer(find)
    assert raised.value.__cause__ is not None


def test_without_libusb_the_error_says_what_to_install(find: MagicMock) -> None:
    find.side_effect = usb.core.NoBackendError("No backend available")
    with pytest.raises(PrinterError, match=r"0416:5011.*install libusb-1\.0-0"):
        open_connection(SETTINGS)


def test_a_printer_with_other_endpoints_gets_the_receipt_on_its_own_out_endpoint(
    find: MagicMock, dispose: MagicMock, device: MagicMock, sample: Receipt
) -> None:
    """Printers differ: this one has its bulk OUT on 0x03 and IN on 0x81 (read
    from its descriptors), not python-escpos's 0x01 and 0x82."""
    endpoints = [MagicMock(bEndpointAddress=0x81, bmAttributes=0x02),
                 MagicMock(bEndpointAddress=0x03, bmAttributes=0x02)]
    device.__getitem__.return_value = {(0, 0): endpoints}
    printer = open_printer(SETTINGS)
    assert printer is not None
    device.reset_mock()
    answers(device, ONLINE, PAPER_OK)
    printer.print(sample)
    assert call.write(0x03, job_bytes(sample), USB_TIMEOUT_MS) in device.mock_calls
    assert call.read(0x81, 16) in device.mock_calls
    printer.close()

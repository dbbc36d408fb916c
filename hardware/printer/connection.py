"""Opening the python-escpos connection described by :class:`PrinterSettings`.

python-escpos is imported only when a connection is made: importing it reads
and caches its printer database, which must not happen at import time.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, BinaryIO

from hardware.errors import PrinterError, PrinterOfflineError
from hardware.printer.device import ReceiptPrinter
from hardware.printer.settings import PrinterSettings as PrinterSettings  # kept apart
from hardware.printer.status import connection_errors, describe, offline_hint

NETWORK_TIMEOUT_S = 10.0  # python-escpos waits 60 s by default
USB_TIMEOUT_MS = 5000  # python-escpos waits forever by default


def open_connection(settings: PrinterSettings) -> Any:
    """Make and open the python-escpos printer object; None for ``connection="none"``.

    Raises PrinterOfflineError when the printer cannot be reached, PrinterError
    when the library this connection needs (pyusb, pyserial) is not installed,
    ValueError for incomplete settings.
    """
    connection = _make(settings)
    if connection is None:
        return None
    try:
        connection.open()
    except connection_errors() as exc:
        raise PrinterOfflineError(
            f"cannot open {describe(connection)}: {offline_hint(connection)} ({exc})"
        ) from exc
    except ValueError as exc:  # pyusb's NoBackendError: the libusb library is missing
        raise PrinterError(
            f"cannot open {describe(connection)}: {exc}; install libusb-1.0-0 (setup.sh does)"
        ) from exc
    return connection


def open_printer(settings: PrinterSettings) -> ReceiptPrinter | None:
    """A :class:`ReceiptPrinter` on the opened connection; None for ``connection="none"``."""
    connection = open_connection(settings)
    if connection is None:
        return None
    return ReceiptPrinter(
        connection,
        paper=settings.paper_mm,
        chinese=settings.chinese,
        font_path=Path(settings.font_path) if settings.font_path else None,
    )


def _make(settings: PrinterSettings) -> Any:
    kind = settings.connection
    if kind == "none":
        return None
    from escpos.printer import Network, Serial, Usb

    if kind == "usb":
        if not (settings.usb_vendor and settings.usb_product):
            raise ValueError("usb printer needs usb_vendor and usb_product (see lsusb)")
        where = f"USB printer {settings.usb_vendor:04x}:{settings.usb_product:04x}"
        _require(Usb, where, "pyusb (apt install python3-usb)")
        endpoints = _usb_endpoints(settings.usb_vendor, settings.usb_product)
        return Usb(settings.usb_vendor, settings.usb_product, timeout=USB_TIMEOUT_MS,
                   **endpoints)
    if kind == "serial":
        _require(Serial, f"serial printer on {settings.serial_device}", "pyserial (python3-serial)")
        return Serial(settings.serial_device, baudrate=settings.baudrate)
    if kind == "network":
        if not settings.host:
            raise ValueError("network printer needs a host")
        return Network(settings.host, settings.port, timeout=NETWORK_TIMEOUT_S)
    if not settings.file_path:
        raise ValueError("file printer needs a file_path")
    return _append_file_class()(settings.file_path)


def _usb_endpoints(vendor: int, product: int) -> dict[str, int]:
    """The bulk IN and OUT endpoints of the printer's first interface, read
    from its descriptors: printers differ (python-escpos assumes OUT 0x01 and
    IN 0x82, and fails with "Invalid endpoint address" on any other). Empty
    (python-escpos's defaults) when the printer is not found or says nothing."""
    import usb.core

    found: dict[str, int] = {}
    try:
        device = usb.core.find(idVendor=vendor, idProduct=product)
        if device is None:
            return found
        for endpoint in device[0][(0, 0)]:
            if endpoint.bmAttributes & 0x03 != 0x02:  # bulk only
                continue
            key = "in_ep" if endpoint.bEndpointAddress & 0x80 else "out_ep"
            found.setdefault(key, int(endpoint.bEndpointAddress))
    except (usb.core.USBError, LookupError, TypeError, ValueError):
        return {}
    return found


def _require(printer_class: Any, where: str, library: str) -> None:
    if not printer_class.is_usable():
        raise PrinterError(f"cannot open {where}: python-escpos needs {library}, install it")


@functools.cache
def _append_file_class() -> type:
    """escpos File that appends instead of truncating and creates parent directories.

    The demo's simulated printer is such a file in the state directory; every
    job is kept. Made on first use so that python-escpos is not imported early.
    """
    from escpos.printer import File

    class AppendFile(File):
        device: BinaryIO | None

        def open(self, raise_not_found: bool = True) -> None:
            if self._device:
                self.close()
            try:
                Path(self.devfile).parent.mkdir(parents=True, exist_ok=True)
                self.device = open(self.devfile, "ab")  # noqa: SIM115 - closed by close()
            except OSError:
                self.device = None
                if raise_not_found:
                    raise

    return AppendFile

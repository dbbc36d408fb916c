"""The receipt printer: one python-escpos connection, one paper width, one way to print Chinese."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from types import TracebackType
from typing import Any, get_args

from PIL import Image

from hardware.errors import DeviceClosedError, PaperOutError, PrinterOfflineError
from hardware.printer.fonts import find_cjk_font
from hardware.printer.jobs import gb18030_job, raster_job
from hardware.printer.paper import PaperWidth
from hardware.printer.raster import render_preview
from hardware.printer.receipt import Receipt
from hardware.printer.settings import ChineseMode as ChineseMode
from hardware.printer.status import (
    PrinterStatus,
    can_report,
    connection_errors,
    describe,
    offline_hint,
    query_status,
)

log = logging.getLogger(__name__)


class ReceiptPrinter:
    """Prints :class:`Receipt` objects on a thermal ESC/POS printer.

    ``connection`` is a python-escpos printer object (Usb, Serial, Network, File,
    Dummy). ``chinese`` chooses how Chinese reaches the paper: "gb18030" uses the
    printer's built-in Chinese font (fast; needs a Chinese-market printer),
    "raster" prints an image rendered with ``font_path`` (works on any printer).
    ``font_path`` None searches the known CJK font paths when first needed.
    """

    def __init__(
        self,
        connection: Any,
        *,
        paper: PaperWidth | int = PaperWidth.MM58,
        chinese: ChineseMode = "raster",
        font_path: Path | None = None,
    ) -> None:
        if chinese not in get_args(ChineseMode):
            raise ValueError(f"chinese must be one of {get_args(ChineseMode)}, got {chinese!r}")
        self._connection = connection
        self._paper = PaperWidth(paper)
        self._chinese: ChineseMode = chinese
        self._font_path = Path(font_path) if font_path is not None else None
        self._closed = False

    @property
    def paper(self) -> PaperWidth:
        return self._paper

    @property
    def chinese(self) -> ChineseMode:
        return self._chinese

    @property
    def connection(self) -> Any:
        return self._connection

    def print(self, receipt: Receipt) -> None:
        """Print ``receipt`` and cut.

        Raises PrinterOfflineError or PaperOutError (nothing is sent) when the
        printer reports so, PrinterOfflineError when the connection fails while
        sending, PrinterFontError in raster mode without a CJK font.
        """
        self._check_open()
        if can_report(self._connection):
            status = self.status()
            if status.online is False:
                raise PrinterOfflineError(status.detail)
            if status.paper == "out":
                raise PaperOutError(status.detail)
            if status.paper == "near_end":
                log.warning("%s", status.detail)
        job = self._job(receipt)
        try:
            self._connection._raw(job)
        except connection_errors() as exc:
            self._reset_connection()
            where = describe(self._connection)
            raise PrinterOfflineError(
                f"{where} failed while printing, the receipt may be incomplete "
                f"({type(exc).__name__}: {exc}): {offline_hint(self._connection)}"
            ) from exc

    def status(self) -> PrinterStatus:
        """Ask the printer whether it is online and has paper."""
        self._check_open()
        status = query_status(self._connection)
        if status.online is False:
            self._reset_connection()
        return status

    def preview(self, receipt: Receipt) -> Image.Image:
        """The receipt as it looks printed in raster mode (mode "1", paper dots wide)."""
        return render_preview(receipt, self._paper, self._font())

    def save_preview(self, receipt: Receipt, path: Path | str) -> Path:
        """Write :meth:`preview` as a PNG file and return its path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.preview(receipt).save(path, format="PNG")
        return path

    def close(self) -> None:
        """Close the connection; calling it again does nothing."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(*connection_errors()):
            self._connection.close()

    def __enter__(self) -> ReceiptPrinter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _job(self, receipt: Receipt) -> bytes:
        profile = self._connection.profile
        if self._chinese == "gb18030":
            return gb18030_job(receipt, self._paper, profile)
        return raster_job(self.preview(receipt), self._paper, profile)

    def _font(self) -> Path:
        if self._font_path is None:
            self._font_path = find_cjk_font()
        return self._font_path

    def _check_open(self) -> None:
        if self._closed:
            raise DeviceClosedError(f"{describe(self._connection)} was closed")

    def _reset_connection(self) -> None:
        """Drop a failed connection so that the next use opens it afresh."""
        with contextlib.suppress(Exception):
            self._connection.close()
        # python-escpos opens the device on first use when it is False.
        self._connection.device = False

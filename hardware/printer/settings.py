"""How the kiosk reaches its printer and how receipts look: the printer's
settings, importable without the printer's libraries (the configuration
builds them; :func:`hardware.printer.open_printer` opens what they name)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

ConnectionKind = Literal["usb", "serial", "network", "file", "none"]
ChineseMode = Literal["gb18030", "raster"]


@dataclass(frozen=True)
class PrinterSettings:
    """How the kiosk reaches its printer; ``connection="none"`` means there is none."""

    connection: ConnectionKind
    usb_vendor: int = 0
    usb_product: int = 0
    serial_device: str = "/dev/ttyUSB0"
    baudrate: int = 9600
    host: str = ""
    port: int = 9100
    file_path: str = ""
    paper_mm: Literal[58, 80] = 58
    chinese: ChineseMode = "raster"
    font_path: str = ""  # empty: search the known CJK font paths

    def __post_init__(self) -> None:
        if self.connection not in get_args(ConnectionKind):
            raise ValueError(
                f"printer connection must be one of {get_args(ConnectionKind)}, "
                f"got {self.connection!r}"
            )
        if self.paper_mm not in (58, 80):
            raise ValueError(f"paper_mm must be 58 or 80, got {self.paper_mm!r}")
        if self.chinese not in get_args(ChineseMode):
            raise ValueError(
                f"chinese must be one of {get_args(ChineseMode)}, got {self.chinese!r}"
            )

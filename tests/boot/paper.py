"""What came out of the guest's receipt printer, read on this machine: the
ESC/POS bytes the USB printer gadget received (relayed to
``printer.bin``), their raster images stacked as the paper would show them,
the QR codes on it and how many lines of ink it has."""

from __future__ import annotations

import time
from dataclasses import dataclass

from PIL import Image

from tests.boot.machine import Machine
from tests.hardware.printer.conftest import RASTER
from tests.hardware.printer.conftest import _decode_qr as decode_qr
from tests.hardware.printer.conftest import _read_raster as read_raster


@dataclass(frozen=True)
class Paper:
    size: int               # bytes received
    qr: list[str]           # what each QR code on the paper reads
    lines_of_ink: int       # bands of inked rows between blank ones (text lines, codes)

    @classmethod
    def of(cls, data: bytes) -> Paper:
        if RASTER not in data:
            return cls(len(data), [], 0)
        image = read_raster(data)
        return cls(len(data), decode_qr(image), _bands(image))


def _bands(image: Image.Image) -> int:
    width, height = image.size
    pixels = image.load()
    assert pixels is not None
    bands, inked_before = 0, False
    for y in range(height):
        inked = any(pixels[x, y] < 128 for x in range(0, width, 2))  # type: ignore[operator]
        if inked and not inked_before:
            bands += 1
        inked_before = inked
    return bands


def slip_printed(machine: Machine, code: str, timeout: float, after: int = 0) -> Paper:
    """The paper printed since byte *after*, once a QR code on it reads *code*
    (or *timeout*, a bound for something stuck, has passed)."""
    deadline = time.monotonic() + timeout
    while True:
        paper = Paper.of(machine.printed()[after:])
        if code in paper.qr or time.monotonic() > deadline:
            return paper
        time.sleep(2)

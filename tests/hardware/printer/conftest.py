"""Fixtures for the receipt printer tests: a sample receipt, a printer on
localhost that answers status queries, and readers that turn ESC/POS byte
streams back into images. The in-memory printer that answers status queries
is :class:`hardware.printer.testing.InMemoryPrinter`."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import ClassVar

import pytest
from PIL import Image
from pyzbar.pyzbar import ZBarSymbol, decode

from hardware.printer import Receipt, find_cjk_font, sample_test_receipt

RASTER = b"\x1dv0"
DEVICE_ID = "VE-0001"
VILLAGE = "张家村"
WHEN = datetime(2024, 5, 1, 9, 30)


@pytest.fixture
def cjk_font() -> Path:
    return find_cjk_font()


@pytest.fixture
def sample() -> Receipt:
    return sample_test_receipt(DEVICE_ID, VILLAGE, WHEN)


def _read_raster(stream: bytes) -> Image.Image:
    """Every GS v 0 image in ``stream``, stacked top to bottom, as mode "L" (black = 0)."""
    fragments: list[Image.Image] = []
    start = stream.find(RASTER)
    while start != -1:
        header = stream[start + len(RASTER) : start + len(RASTER) + 5]
        width_bytes = header[1] | header[2] << 8
        height = header[3] | header[4] << 8
        data_start = start + len(RASTER) + 5
        data = stream[data_start : data_start + width_bytes * height]
        # In ESC/POS a set bit is a black dot; in PIL mode "1" a set bit is white.
        bits = bytes(255 - byte for byte in data)
        fragments.append(Image.frombytes("1", (width_bytes * 8, height), bits).convert("L"))
        start = stream.find(RASTER, data_start + len(data))
    assert fragments, "no GS v 0 raster image in the stream"
    image = Image.new("L", (fragments[0].width, sum(f.height for f in fragments)), 255)
    top = 0
    for fragment in fragments:
        image.paste(fragment, (0, top))
        top += fragment.height
    return image


@pytest.fixture
def read_raster() -> Callable[[bytes], Image.Image]:
    return _read_raster


def _decode_qr(image: Image.Image) -> list[str]:
    return [s.data.decode("utf-8") for s in decode(image.convert("L"), symbols=[ZBarSymbol.QRCODE])]


@pytest.fixture
def decode_qr() -> Callable[[Image.Image], list[str]]:
    return _decode_qr


class StatusServer:
    """A TCP printer on localhost that answers DLE EOT status queries and records jobs."""

    ONLINE: ClassVar[int] = 0x12  # bit 3 clear: online
    PAPER: ClassVar[dict[str, int]] = {"ok": 0x12, "near_end": 0x1E, "out": 0x72}

    def __init__(self, paper: str = "ok", answer: bool = True) -> None:
        self.paper = paper
        self.answer = answer
        self.received = bytearray()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(5)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self._listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(5)
            while True:
                try:
                    chunk = conn.recv(65536)
                except OSError:
                    return
                if not chunk:
                    return
                if chunk == b"\x10\x04\x01":
                    if self.answer:
                        conn.sendall(bytes([self.ONLINE]))
                elif chunk == b"\x10\x04\x04":
                    if self.answer:
                        conn.sendall(bytes([self.PAPER[self.paper]]))
                else:
                    self.received.extend(chunk)

    def wait_received(self, ending: bytes, timeout: float = 5) -> bytes:
        """Wait until the recorded job ends with ``ending`` (or the time is up)."""
        deadline = threading.Event()
        for _ in range(int(timeout / 0.02)):
            if self.received.endswith(ending):
                break
            deadline.wait(0.02)
        return bytes(self.received)

    def close(self) -> None:
        self._listener.close()
        self._thread.join(timeout=5)


@pytest.fixture
def status_server() -> Iterator[Callable[..., StatusServer]]:
    servers: list[StatusServer] = []

    def start(paper: str = "ok", answer: bool = True) -> StatusServer:
        server = StatusServer(paper, answer)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()

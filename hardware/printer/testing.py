"""The receipt printer tests use: an in-memory printer that answers status
queries like a real one. Tests and the kiosk's test driver import this
module; production code never does.

It is python-escpos's own ``Dummy`` (everything sent is kept in ``output``)
that also answers the real DLE EOT status queries, byte for byte as a printer
on a serial line or the network does, so python-escpos's own ``is_online()``
and ``paper_status()`` and our :mod:`hardware.printer.status` run unchanged.
Only the printer's answers are made up, from a state the test sets.

This module imports python-escpos (which reads its printer database when
first imported) at its top.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from escpos.constants import RT_STATUS_ONLINE, RT_STATUS_PAPER
from escpos.printer import Dummy

LoadedPaper = Literal["ok", "near_end", "out"]

#: The ESC/POS cut command (GS V) that ends every receipt.
CUT = b"\x1dV"
#: Answers to DLE EOT 1 (printer status): bit 3 set means offline.
ONLINE, OFFLINE = 0x12, 0x1A
#: Answers to DLE EOT 4 (roll paper sensor status).
PAPER_ANSWERS: dict[LoadedPaper, int] = {"ok": 0x12, "near_end": 0x1E, "out": 0x72}


class InMemoryPrinter(Dummy):
    """Answers status queries with ``online`` and ``paper`` (set them at any
    time). With *paper_flag* another process loads the paper: it is out
    until that file exists, and ok from then on (``paper`` is not used)."""

    def __init__(
        self,
        paper: LoadedPaper = "ok",
        online: bool = True,
        *,
        paper_flag: Path | str | None = None,
    ) -> None:
        super().__init__()
        self.paper: LoadedPaper = paper
        self.online = online
        self.paper_flag = None if paper_flag is None else Path(paper_flag)
        self._replies: list[bytes] = []

    def paper_loaded(self) -> LoadedPaper:
        if self.paper_flag is not None:
            return "ok" if self.paper_flag.exists() else "out"
        return self.paper

    def _raw(self, msg: bytes) -> None:
        if msg == RT_STATUS_ONLINE:
            self._replies.append(bytes([ONLINE if self.online else OFFLINE]))
        elif msg == RT_STATUS_PAPER:
            self._replies.append(bytes([PAPER_ANSWERS[self.paper_loaded()]]))
        else:
            super()._raw(msg)

    def _read(self) -> bytes:
        return self._replies.pop(0) if self._replies else b""

    def jobs_printed(self) -> int:
        """How many receipts reached the paper: each ends with one cut."""
        return bytes(self.output).count(CUT)

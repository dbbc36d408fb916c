"""An in-memory receipt printer for the kiosk's render tests and rehearsals:
a python-escpos ``Dummy`` that reports its paper like a real printer. The
paper is out until a flag file exists (a test "loads the paper" by creating
it from outside the app). Used only by :mod:`kiosk.driver`."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

#: ``paper_status()`` codes as python-escpos reports them.
PAPER_OK, PAPER_OUT = 2, 0
#: The ESC/POS cut command (GS V) that ends every job.
CUT = b"\x1dV"


def flag_paper_dummy(paper_flag: Path | str) -> Any:
    """A printer out of paper until *paper_flag* exists; always online."""
    return _dummy_class()(Path(paper_flag))


@functools.cache
def _dummy_class() -> type:
    # Made on first use: importing python-escpos reads and caches its printer
    # database, which nothing may do at import time.
    from escpos.printer import Dummy

    class FlagPaperDummy(Dummy):
        def __init__(self, paper_flag: Path) -> None:
            super().__init__()
            self.paper_flag = paper_flag

        def is_online(self) -> bool:
            return True

        def paper_status(self) -> int:
            return PAPER_OK if self.paper_flag.exists() else PAPER_OUT

    return FlagPaperDummy


def jobs_printed(output: bytes) -> int:
    """How many receipts reached the paper: each ends with one cut."""
    return output.count(CUT)

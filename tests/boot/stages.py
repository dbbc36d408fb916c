"""How long each stage of the boot test took: measured for the report at the
end of the run (``pytest_terminal_summary`` in ``tests/boot/conftest.py``)
and kept in ``~/.cache/village-edge/boot/stages.txt``; never asserted."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.debian_root import CACHE

REPORT = CACHE / "boot" / "stages.txt"


@dataclass
class Stages:
    started: float = field(default_factory=time.monotonic)
    lines: list[str] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        begun = time.monotonic()
        outcome = "failed"
        try:
            yield
            outcome = ""
        finally:
            self.note(name, time.monotonic() - begun, outcome)

    def note(self, name: str, seconds: float, remark: str = "") -> None:
        at = time.monotonic() - self.started
        line = f"{name:<52} {seconds:7.1f} s  (at {at:6.1f} s){'  ' + remark if remark else ''}"
        self.lines.append(line)
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        with REPORT.open("a", encoding="utf-8") as report:
            report.write(line + "\n")


STAGES = Stages()

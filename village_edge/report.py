"""One line per check, OK / WARN / FAIL with a hint: the technician's view."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import Enum
from typing import TextIO


class Status(Enum):
    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    detail: str
    hint: str = ""


def ok(check: str, detail: str) -> Finding:
    return Finding(check, Status.OK, detail)


def warn(check: str, detail: str, hint: str = "") -> Finding:
    return Finding(check, Status.WARN, detail, hint)


def fail(check: str, detail: str, hint: str = "") -> Finding:
    return Finding(check, Status.FAIL, detail, hint)


def any_failed(findings: Iterable[Finding]) -> bool:
    return any(f.status is Status.FAIL for f in findings)


def print_lines(findings: Iterable[Finding], out: TextIO) -> None:
    rows = list(findings)
    width = max((len(f.check) for f in rows), default=0)
    for f in rows:
        line = f"{f.status.value:<4}  {f.check:<{width}}  {f.detail}"
        if f.hint:
            line += f"  -> {f.hint}"
        out.write(line + "\n")
    out.flush()


def print_json(findings: Iterable[Finding], out: TextIO) -> None:
    rows = list(findings)
    document = {
        "ok": not any_failed(rows),
        "checks": [asdict(f) | {"status": f.status.value} for f in rows],
    }
    json.dump(document, out, ensure_ascii=False, indent=2)
    out.write("\n")

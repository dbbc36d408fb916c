"""A device's health report: what the county's technicians see of each
device that only the device can tell (its software version, free disk,
temperature, undervoltage, printer paper), sent now and then in the
``X-VE-Health`` header of a feed request (:data:`protocol.api.HEADER_HEALTH`).

The header is covered by the request's signature like every ``X-VE-*``
header, so the report is the device's own; it is compact JSON, ASCII only
(``ensure_ascii``), a few hundred bytes::

    {"v":1,"at":1767000000,"version":"0.9.0","disk_free":812345344,
     "disk_total":15523094528,"temp_c":51.5,"undervoltage":"no","paper":"ok"}

``at`` is the device's clock when it measured. A value the device cannot
tell is ``null`` (shown as "unknown"): no thermal sensor, not a Raspberry Pi,
a printer that does not report its paper. The device's clock offset is not
in it: the county measures it from each request's signed timestamp.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass
from typing import Any, Literal

from protocol.errors import ProtocolError

HEALTH_VERSION = 1
MAX_HEADER_CHARS = 1024
#: undervoltage: "now" (the supply is too low at this moment), "earlier" (it
#: was since the device started), "no"; None: the device cannot tell.
Undervoltage = Literal["now", "earlier", "no"]
UNDERVOLTAGE = ("now", "earlier", "no")
#: paper: as hardware.printer.status names it; None: no printer, or it does not say.
Paper = Literal["ok", "near_end", "out"]
PAPER = ("ok", "near_end", "out")
VERSION_TEXT = re.compile(r"[0-9A-Za-z.+_-]{1,40}")
FIELDS = {"v", "at", "version", "disk_free", "disk_total", "temp_c", "undervoltage", "paper"}


class HealthRejected(ProtocolError, ValueError):
    """A health report that cannot be read; the sentence says what is wrong."""


@dataclass(frozen=True)
class HealthReport:
    at: int  # the device's clock when it measured (seconds since 1970)
    version: str
    disk_free: int | None = None  # bytes free on the state directory's file system
    disk_total: int | None = None
    temp_c: float | None = None
    undervoltage: Undervoltage | None = None
    paper: Paper | None = None

    def to_header(self) -> str:
        data = {"v": HEALTH_VERSION, **asdict(self)}
        return json.dumps(data, ensure_ascii=True, separators=(",", ":"), allow_nan=False)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _count(data: dict[str, Any], name: str) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2 ** 53:
        raise HealthRejected(f"{name} must be a whole number of bytes or null")
    return value


def read_health(text: str) -> HealthReport:
    """The report in the header's *text*; :class:`HealthRejected` if it is not one."""
    if len(text) > MAX_HEADER_CHARS:
        raise HealthRejected(f"the report is {len(text)} characters, at most "
                             f"{MAX_HEADER_CHARS} are read")
    try:
        data = json.loads(text)
    except ValueError as error:
        raise HealthRejected(f"not JSON: {error}") from None
    if not isinstance(data, dict):
        raise HealthRejected("not a JSON object")
    if data.get("v") != HEALTH_VERSION:
        raise HealthRejected(f"version {data.get('v')!r}, this county reads {HEALTH_VERSION}")
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise HealthRejected(f"unknown fields {unknown}")
    at = data.get("at")
    if isinstance(at, bool) or not isinstance(at, int) or not 0 < at < 10 ** 12:
        raise HealthRejected("at must be the time of the report, whole seconds since 1970")
    version = data.get("version")
    if not isinstance(version, str) or not VERSION_TEXT.fullmatch(version):
        raise HealthRejected("version must be the software version, up to 40 letters, "
                             "digits and . + _ -")
    temp = data.get("temp_c")
    if temp is not None and (isinstance(temp, bool) or not isinstance(temp, int | float)
                             or not math.isfinite(temp) or not -60 <= temp <= 200):
        raise HealthRejected("temp_c must be degrees Celsius from -60 to 200, or null")
    undervoltage = data.get("undervoltage")
    if undervoltage is not None and undervoltage not in UNDERVOLTAGE:
        raise HealthRejected(f"undervoltage must be one of {list(UNDERVOLTAGE)} or null")
    paper = data.get("paper")
    if paper is not None and paper not in PAPER:
        raise HealthRejected(f"paper must be one of {list(PAPER)} or null")
    free, total = _count(data, "disk_free"), _count(data, "disk_total")
    if free is not None and total is not None and free > total:
        raise HealthRejected("disk_free is more than disk_total")
    return HealthReport(at, version, free, total,
                        None if temp is None else float(temp), undervoltage, paper)


def undervoltage_from_throttled(flags: int) -> Undervoltage:
    """What the Raspberry Pi firmware's throttled flags (``vcgencmd
    get_throttled``; bit 0: under-voltage now, bit 16: under-voltage has
    occurred since boot) say about the supply."""
    if flags & 0x1:
        return "now"
    if flags & 0x10000:
        return "earlier"
    return "no"

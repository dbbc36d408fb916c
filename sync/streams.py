"""Which events may be dropped when the disk is full, and which never.

Events travel in two lanes. The critical lane holds everything whose loss
would matter to a villager or an auditor — the seal ledger, whistle-blower
reports, complaints, alarms, receipts — and is never dropped. The bulk lane
holds telemetry (heartbeats, usage counts), dropped oldest first, and each drop
counted, when space runs out.
"""

from __future__ import annotations

import re
from enum import Enum

STREAM_PATTERN = re.compile(r"[a-z][a-z0-9_.-]{0,39}")
BULK_STREAMS = frozenset({"heartbeat", "usage"})
BULK_PREFIX = "telemetry."


class Lane(Enum):
    CRITICAL = "critical"
    BULK = "bulk"


def check_stream(stream: str) -> None:
    if not isinstance(stream, str) or not STREAM_PATTERN.fullmatch(stream):
        raise ValueError(
            f"stream name {stream!r}: use 1 to 40 lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter"
        )


def lane_of(stream: str) -> Lane:
    if stream in BULK_STREAMS or stream.startswith(BULK_PREFIX):
        return Lane.BULK
    return Lane.CRITICAL

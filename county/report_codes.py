"""The tracking code a complaint or whistle-blowing report arrives with,
checked at the door: a kiosk makes each code itself (:mod:`protocol.tracking`)
and sends it as ten ASCII digits, so a code written any other way (" 8319…",
a zero-width space after it, full-width digits) is not a code one of ours
made. The event is refused with its index, as every bad event is, and
never listed looking like another village's code."""

from __future__ import annotations

from typing import Any

from protocol import tracking

#: The streams that carry a report with its tracking code.
REPORT_STREAMS = ("complaint", "whistle")


def report_problem(stream: str, payload: dict[str, Any]) -> str | None:
    """What is wrong with the tracking code of an event on *stream*, or None."""
    if stream not in REPORT_STREAMS or tracking.is_canonical(payload.get("code")):
        return None
    return (f"payload code must be a tracking code as the kiosk makes it: "
            f"{tracking.CODE_DIGITS} digits 0-9 with a right check digit, nothing around them")

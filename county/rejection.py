"""A request the county refuses: HTTP status, a short tag, a sentence for a
person, and the counters it is tallied under in ``county stats``."""

from __future__ import annotations

from typing import Any

from county.errors import CountyError


class Rejected(CountyError):
    """Raised by a handler; becomes ``{"error": tag, "detail": sentence, **extra}``."""

    def __init__(
        self,
        status: int,
        error: str,
        detail: str,
        *,
        counters: tuple[str, ...] = (),
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {error}: {detail}")
        self.status = status
        self.error = error
        self.detail = detail
        self.counters = counters
        self.extra = extra or {}
        self.headers = headers or {}  # sent with the refusal, such as Allow with a 405

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "detail": self.detail, **self.extra}


def malformed(detail: str, **extra: Any) -> Rejected:
    return Rejected(400, "malformed", detail, extra=extra)

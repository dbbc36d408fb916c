"""The device's side of the county protocol (county/openapi.yaml), over
requests: every request signed, event batches gzip'd, timeouts on everything,
and failures sorted into "try again later" and "this will not work"."""

from __future__ import annotations

import email.utils
import gzip
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.api import (
    HEADER_BACKLOG,
    HEADER_OFFSET,
    HEADER_SIZE,
    PATH_ENROLL,
    PATH_EVENTS,
    PATH_HEALTH,
    blob_path,
    feed_path,
)
from protocol.signing import public_key_text, sign_request
from sync.errors import SyncError

DEFAULT_TIMEOUT = (5.0, 30.0)  # connect, read


class CountyError(SyncError):
    """Root of the errors talking to the county."""


class CountyUnreachable(CountyError):
    """No answer, a timeout, or the county asked to come back later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CountyRefused(CountyError):
    """The county answered no: retrying the same request will not help."""

    def __init__(self, status: int, tag: str, detail: str, body: dict[str, Any]) -> None:
        super().__init__(f"county refused ({status} {tag}): {detail}")
        self.status = status
        self.tag = tag
        self.detail = detail
        self.body = body


@dataclass(frozen=True)
class BatchResult:
    accepted: list[str]
    duplicates: list[str]
    server_time: float


def parse_retry_after(value: str | None, now: float) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


class CountyClient:
    def __init__(
        self,
        base_url: str,
        device_id: str,
        key: Ed25519PrivateKey,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.device_id = device_id
        self.key = key
        self.session = session or requests.Session()
        self.timeout = timeout
        self.clock = clock

    def close(self) -> None:
        self.session.close()

    # -- transport -------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        signed: bool = True,
    ) -> dict[str, Any]:
        all_headers = dict(headers or {})
        if signed:
            all_headers.update(
                sign_request(self.key, self.device_id, method, path, body, self.clock())
            )
        try:
            response = self.session.request(
                method, self.base_url + path, data=body or None, headers=all_headers,
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise CountyUnreachable(f"{method} {path}: {type(error).__name__}: {error}") from None
        status = response.status_code
        try:
            answer = response.json() if response.content else {}
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            if status < 400:
                raise CountyUnreachable(
                    f"{method} {path}: the county's answer ({status}) is not a JSON object; "
                    "a proxy or captive portal in the way?"
                )
            answer = {}
        if status == 429 or status >= 500:
            retry = parse_retry_after(response.headers.get("Retry-After"), self.clock())
            raise CountyUnreachable(
                f"{method} {path}: county answered {status} {answer.get('detail', '')}".strip(),
                retry_after=retry,
            )
        if status >= 400:
            raise CountyRefused(
                status, str(answer.get("error", "refused")),
                str(answer.get("detail", response.reason)), answer,
            )
        return answer

    def _json(self, value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()

    # -- the protocol ----------------------------------------------------------

    def health(self) -> dict[str, Any]:
        return self._send("GET", PATH_HEALTH, signed=False)

    def enroll(self, code: str, role: str, village_code: str) -> dict[str, Any]:
        body = self._json({"device_id": self.device_id, "public_key": public_key_text(self.key),
                           "code": code, "role": role, "village_code": village_code})
        return self._send("POST", PATH_ENROLL, body, {"Content-Type": "application/json"})

    def send_events(self, events: list[dict[str, Any]], backlog: int) -> BatchResult:
        body = gzip.compress(self._json({"events": events}), compresslevel=6, mtime=0)
        answer = self._send("POST", PATH_EVENTS, body, {
            "Content-Type": "application/json", "Content-Encoding": "gzip",
            HEADER_BACKLOG: str(backlog),
        })
        return BatchResult(
            [i for i in answer.get("accepted", []) if isinstance(i, str)],
            [i for i in answer.get("duplicates", []) if isinstance(i, str)],
            float(answer.get("server_time", 0.0)),
        )

    def blob_status(self, digest: str) -> tuple[int, bool]:
        answer = self._send("GET", blob_path(digest))
        return int(answer.get("received", 0)), bool(answer.get("complete", False))

    def put_blob_chunk(self, digest: str, offset: int, size: int, chunk: bytes) -> int:
        """Send bytes from *offset*; returns how much the county now holds."""
        answer = self._send("PUT", blob_path(digest), chunk, {
            "Content-Type": "application/octet-stream",
            HEADER_OFFSET: str(offset), HEADER_SIZE: str(size),
        })
        return int(answer.get("received", offset + len(chunk)))

    def feed(self, after: int) -> dict[str, Any]:
        return self._send("GET", feed_path(after))

"""HTTP/1.1 as uvicorn reads it (h11), with the county's limits and its
JSON refusals for what cannot be read as HTTP (county/openapi.yaml, "HTTP
itself"): a request line over 64 KiB is refused with 414, more than 100
headers or a header line over 64 KiB with 431, an HTTP version other than
1.x with 505, a request line that is not ``METHOD TARGET HTTP/1.x`` with
400, a ``Content-Length`` not given once in the digits 0-9 with 400,
``Transfer-Encoding`` with 411. Each is a JSON answer, unsigned (nothing
of such a request is taken), after which the connection is closed.

:class:`GuardedH11Protocol` looks at the head of each request before h11
parses it and refuses it there; whatever h11 still cannot read is refused
the same way.
"""

from __future__ import annotations

import email.utils
import logging
import re
from http import HTTPStatus
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from county.rejection import Rejected
from protocol.answers import answer_body

log = logging.getLogger("county.server")

MAX_LINE = 65536  # a request line or a header line, as http.server reads them
MAX_HEADERS = 100
#: h11 buffers a head up to this before giving up: past what the guard allows
MAX_HEAD_BYTES = (MAX_HEADERS + 2) * (MAX_LINE + 2)
SERVER = "village-edge-county/1"
CONTENT_LENGTH = re.compile(rb"[0-9]{1,18}")
VERSION = re.compile(r"HTTP/([0-9]+)\.([0-9]+)")
UNREADABLE = "the request cannot be read as HTTP/1.1"


def _refusal(status: HTTPStatus, message: str, error: str = "malformed") -> Rejected:
    return Rejected(status, error, f"{message}: {UNREADABLE}")


def _request_line_problem(line: bytes) -> Rejected | None:
    """What is wrong with a request line, in http.server's words."""
    text = line.decode("iso-8859-1").rstrip("\r")
    words = text.split()
    if len(words) >= 3:
        version = words[-1]
        if not version.startswith("HTTP/"):
            return _refusal(HTTPStatus.BAD_REQUEST, f"Bad request version ({version!r})")
        found = VERSION.fullmatch(version)
        if found is None or len(found[1]) > 10 or len(found[2]) > 10:
            return _refusal(HTTPStatus.BAD_REQUEST, f"Bad request version ({version!r})")
        if int(found[1]) >= 2:
            return _refusal(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED,
                            f"Invalid HTTP version ({found[1]}.{found[2]})")
        if int(found[1]) < 1:
            return _refusal(HTTPStatus.BAD_REQUEST, f"Bad request version ({version!r})")
    if len(words) != 3:
        return _refusal(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({text[:200]!r})")
    return None


def head_problem(head: bytes) -> tuple[Rejected | None, bool]:
    """(what is wrong with the head of a request received so far, whether
    the head is complete). Nothing wrong and not complete: wait for more."""
    end = head.find(b"\r\n\r\n")
    complete = end >= 0
    lines = (head[:end] if complete else head).split(b"\n")
    while lines and not lines[0].strip() and len(lines) > 1:
        lines.pop(0)  # blank lines before a request are skipped
    if len(lines[0]) > MAX_LINE:
        return _refusal(HTTPStatus.REQUEST_URI_TOO_LONG, "Request-URI Too Long", "too_large"), True
    if len(lines) == 1 and not complete:
        return None, False
    problem = _request_line_problem(lines[0])
    if problem is not None:
        return problem, True
    fields = lines[1:] if complete else lines[1:-1]
    if any(len(line) > MAX_LINE for line in lines[1:]):
        return _refusal(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long",
                        "too_large"), True
    if len(fields) > MAX_HEADERS:
        return _refusal(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers",
                        "too_large"), True
    if not complete:
        return None, False
    lengths = []
    for line in fields:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"transfer-encoding":
            return Rejected(411, "length_required",
                            "send the body with a Content-Length, not chunked"), True
        if name == b"content-length":
            lengths.append(value.strip(b" \t\r"))
    if len(lengths) > 1 or (lengths and not CONTENT_LENGTH.fullmatch(lengths[0])):
        shown = [value.decode("iso-8859-1") for value in lengths]
        return Rejected(400, "malformed", "Content-Length must be given once, as the body's "
                        f"size in the digits 0-9; found {ascii(shown)[:80]}"), True
    return None, True


def refusal_bytes(rejection: Rejected) -> bytes:
    """The whole answer refusing a request that cannot be read: JSON, closing."""
    body = answer_body(rejection.body())
    status = HTTPStatus(rejection.status)
    head = (f"HTTP/1.1 {status.value} {status.phrase}\r\n"
            f"Server: {SERVER}\r\n"
            f"Date: {email.utils.formatdate(usegmt=True)}\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n")
    return head.encode("latin-1") + body


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with the county's checks of each request's head."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head = b""

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE and self.conn.our_state is h11.IDLE:
            self._head += data
            problem, complete = head_problem(self._head)
            if problem is not None:
                self._refuse(problem)
                return
            if complete:
                self._head = b""
        super().data_received(data)

    def eof_received(self) -> bool:  # type: ignore[override]  # asyncio reads the bool
        """A client may close its side once its request is sent (a half
        close): the connection stays open for the answer, which closes it."""
        return True

    def send_400_response(self, msg: str) -> None:
        """What h11 itself cannot read (uvicorn sends plain text): JSON like the rest."""
        self._refuse(_refusal(HTTPStatus.BAD_REQUEST, "Bad request"))

    def _refuse(self, rejection: Rejected) -> None:
        log.warning("- - - -> %d refused (%s): %s", rejection.status, rejection.error,
                    rejection.detail)
        self._head = b""
        if not self.transport.is_closing():
            self.transport.write(refusal_bytes(rejection))
            self.transport.close()

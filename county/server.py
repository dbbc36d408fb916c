"""The reference county server over HTTP: the standard library's threading
HTTP server in front of :class:`~county.app.CountyApp`.

Use it in-process (tests, the demo)::

    with CountyServer(data_dir) as county:      # port 0: any free port
        requests.get(county.url + "/v1/health")

or as ``village-edge county serve``. One log line per request: INFO when
answered, WARNING with the reason when refused. Every answer is written as
RFC 8785 JSON and, when the request was signed, signed by the county key in
``X-VE-Answer-Signature`` (:mod:`protocol.answers`).
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from county.app import CountyApp, Reply, Request, Route
from county.auth import answer_headers
from county.datadir import init_county
from county.errors import CannotListen
from county.keyfile import load_key
from county.rejection import Rejected
from protocol.answers import answer_body
from protocol.api import HEADER_DEVICE, HEADER_SIGNATURE
from protocol.signing import key_fingerprint

log = logging.getLogger(__name__)

DRAIN_LIMIT = 64 * 1024 * 1024  # an oversized body up to this is read and dropped, not cut off
IDLE_SECONDS = 60  # a keep-alive connection with no request for this long is closed
CONTENT_LENGTH = re.compile(r"[0-9]{1,18}")

#: The tags of the refusals http.server makes itself, before a request is routed.
HTTP_REFUSALS = {
    HTTPStatus.BAD_REQUEST: "malformed",
    HTTPStatus.REQUEST_URI_TOO_LONG: "too_large",
    HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE: "too_large",
    HTTPStatus.HTTP_VERSION_NOT_SUPPORTED: "malformed",
}


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: CountyApp) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        # Headers and body go out in two writes: without this, Nagle's algorithm
        # holds the body until the client's delayed ACK, 40 ms a request.
        with contextlib.suppress(OSError):
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake every handler thread waiting on an idle keep-alive connection."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "village-edge-county/1"
    sys_version = ""
    timeout = IDLE_SECONDS

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        """http.server's own refusals, in JSON like every other. A method with
        no ``do_`` method above (HEAD, OPTIONS, anything) comes here as 501
        and is routed like any other: 404, or 405 with ``Allow``."""
        if code == HTTPStatus.NOT_IMPLEMENTED and self.command:
            self._serve()
            return
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # a request line too broken to name a version
            self.request_version = "HTTP/1.0"  # still answer with a status line and headers
        rejection = Rejected(code, HTTP_REFUSALS.get(HTTPStatus(code), "malformed"),
                             f"{message or HTTPStatus(code).phrase}: the request cannot be read "
                             "as HTTP/1.1")
        # Nothing of a request that cannot be read is taken (headers left from
        # an earlier request on the connection included): its answer is unsigned.
        request = Request(self.command or "-", self.path if self.command else "-",
                          _no_header, b"")
        self._send(self.server.app.refusal(rejection, request), request)

    def _serve(self) -> None:
        app = self.server.app
        headers = tuple(self.headers.items())
        request = Request(self.command, self.path, self.headers.get, b"", headers)
        try:
            try:
                route, params = app.route(self.command, self.path)
            except Rejected:
                self.close_connection = True  # any body is left unread
                raise
            body = self._read_body(route)
        except Rejected as rejection:
            self._send(app.refusal(rejection, request), request)
            return
        if body is None:  # the client went away mid-body
            self.close_connection = True
            return
        request = Request(self.command, self.path, self.headers.get, body, headers)
        self._send(app.handle(route, params, request), request)

    def _read_body(self, route: Route) -> bytes | None:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise Rejected(411, "length_required",
                           "send the body with a Content-Length, not chunked")
        lengths = self.headers.get_all("Content-Length") or ["0"]
        text = lengths[0].strip(" \t")
        if len(lengths) > 1 or not CONTENT_LENGTH.fullmatch(text):
            self.close_connection = True
            raise Rejected(400, "malformed", "Content-Length must be given once, as the "
                           f"body's size in the digits 0-9; found {ascii(lengths)[:80]}")
        length = int(text)
        if length > route.max_body:
            self._drop_body(length)
            raise Rejected(413, "too_large", route.too_large)
        body = self.rfile.read(length)
        return body if len(body) == length else None

    def _drop_body(self, length: int) -> None:
        if length > DRAIN_LIMIT:
            self.close_connection = True
            return
        while length > 0:
            block = self.rfile.read(min(length, 1024 * 1024))
            if not block:
                self.close_connection = True
                return
            length -= len(block)

    def _send(self, reply: Reply, request: Request) -> None:
        data = answer_body(reply.body)
        signature = answer_headers(self.server.app.key, request.header(HEADER_SIGNATURE),
                                   reply.status, data)
        device = reply.device or request.header(HEADER_DEVICE) or "-"
        if reply.rejection is None:
            log.info("%s %s %s -> %d", device, request.method, request.target, reply.status)
        else:
            log.warning("%s %s %s -> %d refused (%s): %s", device, request.method,
                        request.target, reply.status, reply.rejection.error,
                        reply.rejection.detail)
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in {**reply.headers, **signature}.items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if request.method != "HEAD":  # an answer to HEAD never has a body (RFC 9110)
                self.wfile.write(data)
            self.wfile.flush()
        except ConnectionError:
            self.close_connection = True

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # _send logs each request once, with the device

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s: %s", self.address_string(), format % args)


def _no_header(name: str) -> None:
    return None


class CountyServer:
    """A county serving *data_dir* on *host*:*port* (0: a free port) in a
    background thread. The data directory, key and database are made on the
    first :meth:`start`."""

    def __init__(
        self,
        data_dir: Path | str,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.host = host
        self.port = port
        self.clock = clock
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> CountyServer:
        if self._httpd is not None:
            raise RuntimeError("this county server is already running")
        county = init_county(self.data_dir)
        app = CountyApp(county, load_key(county.key), self.clock)
        try:
            httpd = _HTTPServer((self.host, self.port), app)
        except OSError as error:
            fix = ("check --host: a name or address of this machine" if isinstance(
                error, socket.gaierror) else "choose another --port or stop what is using it")
            raise CannotListen(
                f"cannot listen on {self.host}:{self.port} ({error.strerror or error}); {fix}"
            ) from None
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.1},
            name=f"county-server-{self.port}", daemon=True,
        )
        self._thread.start()
        log.info("county serving %s on %s", self.data_dir, self.url)
        return self

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def public_key(self) -> str:
        if self._httpd is None:
            raise RuntimeError("start the county server first")
        return self._httpd.app.public_key

    @property
    def key_fingerprint(self) -> str:
        return key_fingerprint(self.public_key)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        """Stop serving, close connections, wait for the serving thread; idempotent."""
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=10)
        log.info("county server on port %d stopped", self.port)

    def __enter__(self) -> CountyServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

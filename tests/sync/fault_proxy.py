"""A fault-injecting HTTP proxy between the sync agent and the county, on
loopback. Each request it receives takes the next fault from a script:

- ``pass``: forwarded, the answer relayed;
- ``reset``: the connection is reset after half the request body arrived;
- ``error``: 500 without forwarding;
- ``busy``: 429 with ``Retry-After: 1`` without forwarding;
- ``stall``: nothing is answered until past the client's timeout;
- ``lost``: forwarded (so the county stores it), then the connection is reset
  before the answer goes back;
- ``tamper``: forwarded, and every document version in the answer altered;
- ``hold``: not forwarded and not answered until the proxy is closed (then
  reset): :attr:`FaultProxy.holding` is set once a request is held, so a test
  knows the client is waiting on the wire.

Every forwarded request is recorded (method, path, body size) in ``forwarded``.
"""

from __future__ import annotations

import http.client
import re
import socket
import struct
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FAULTS = ("pass", "reset", "error", "busy", "stall", "lost", "tamper", "hold")


class FaultProxy:
    def __init__(self, upstream: str, script: Iterator[str], stall_seconds: float) -> None:
        self.upstream = urlsplit(upstream)
        self.script = script
        self.stall_seconds = stall_seconds
        self.seen: list[str] = []
        self.forwarded: list[tuple[str, str, int]] = []
        self._mutex = threading.Lock()
        self.holding = threading.Event()
        self._closing = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                proxy.handle(self)

            do_POST = do_PUT = do_GET

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._closing.set()
        self.server.shutdown()
        self.server.server_close()

    def next_fault(self) -> str:
        with self._mutex:
            fault = next(self.script, "pass")
            self.seen.append(fault)
            return fault

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        fault = self.next_fault()
        length = int(request.headers.get("Content-Length") or 0)
        if fault == "reset":
            request.rfile.read(length // 2)
            return self._reset(request)
        body = request.rfile.read(length)
        if fault in ("error", "busy"):
            status = 500 if fault == "error" else 429
            answer = b'{"error":"injected","detail":"fault proxy"}'
            request.send_response(status)
            if fault == "busy":
                request.send_header("Retry-After", "1")
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(answer)))
            request.end_headers()
            request.wfile.write(answer)
            return None
        if fault == "hold":
            request.rfile.read(length)
            self.holding.set()
            self._closing.wait()
            return self._reset(request)
        if fault == "stall":
            time.sleep(self.stall_seconds)
            return self._reset(request)
        status, headers, answer = self._forward(request, body)
        with self._mutex:
            self.forwarded.append((request.command, request.path, len(body)))
        if fault == "lost":
            return self._reset(request)
        if fault == "tamper":
            answer = re.sub(rb'"version": ?(\d)', rb'"version": 9\1', answer)
        request.send_response(status)
        for name, value in headers:
            if name.lower() not in ("connection", "transfer-encoding", "date", "server",
                                    "content-length"):
                request.send_header(name, value)
        request.send_header("Content-Length", str(len(answer)))
        request.end_headers()
        request.wfile.write(answer)
        return None

    def _forward(
        self, request: BaseHTTPRequestHandler, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port,
                                                timeout=30)
        try:
            headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
            connection.request(request.command, request.path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    @staticmethod
    def _reset(request: BaseHTTPRequestHandler) -> None:
        sock = request.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        request.close_connection = True
        sock.close()

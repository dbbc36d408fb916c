"""A fault-injecting HTTP proxy between the sync agent and the county, on
loopback. Each request it receives takes the next fault from a script:

- ``pass``: forwarded, the answer relayed;
- ``reset``: the connection is reset after half the request body arrived;
- ``error``: 500 without forwarding;
- ``busy``: 429 with ``Retry-After: 1`` without forwarding;
- ``decade``: 503 with ``Retry-After`` of ten years, without forwarding;
- ``stall``: nothing is answered until past the client's timeout;
- ``lost``: forwarded (so the county stores it), then the connection is reset
  before the answer goes back;
- ``tamper``: forwarded, and every document version in the answer altered;
- ``forge``: not forwarded; answered 200 as the county would, claiming every
  event of a batch accepted and every blob complete (what anything on a
  plain-http path can do);
- ``replay``: not forwarded; answered with the county's genuine answer to an
  earlier request of the same method and path (forwarded as ``pass`` if there
  was none yet);
- ``mutate``: forwarded with ``X-VE-Size``, ``X-VE-Offset`` and
  ``X-VE-Backlog`` changed (and ``X-VE-Backlog`` added where absent);
- ``strip``: forwarded, and the county's answer relayed without its
  ``X-VE-Answer-Signature``;
- ``reencode``: forwarded with ``Content-Encoding: br`` added (the county refuses
  it with 415 before it looks at the signature);
- ``remethod``: forwarded as ``DELETE`` (405 before authentication);
- ``misroute``: forwarded to ``/v1/nowhere`` (404 before authentication);
- ``redirect``: not forwarded; answered ``307`` to the county's ``/v1/nowhere``
  (what a client following redirects would carry its signed request to);
- ``thief``: an enrollment is first sent to the county by the proxy itself,
  as the same device, with the proxy's own key in place of the device's (and
  signed with it), then the device's request is forwarded unchanged; the
  county's status for the thief's attempt is kept in :attr:`FaultProxy.thefts`;
- ``hold``: not forwarded and not answered until the proxy is closed (then
  reset): :attr:`FaultProxy.holding` is set once a request is held, so a test
  knows the client is waiting on the wire.

Every forwarded request is recorded (method, path, body size) in ``forwarded``;
every answer the proxy made up or replayed in ``faked``.
"""

from __future__ import annotations

import gzip
import http.client
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from protocol.signing import new_private_key, public_key_text, sign_request

FAULTS = ("pass", "reset", "error", "busy", "decade", "stall", "lost", "tamper", "forge", "replay",
          "mutate", "strip", "reencode", "remethod", "misroute", "redirect", "thief", "hold")
ANSWER_SIGNATURE = "X-VE-Answer-Signature"
Answer = tuple[int, list[tuple[str, str]], bytes]


class FaultProxy:
    def __init__(self, upstream: str, script: Iterator[str], stall_seconds: float) -> None:
        self.upstream = urlsplit(upstream)
        self.script = script
        self.stall_seconds = stall_seconds
        self.seen: list[str] = []
        self.forwarded: list[tuple[str, str, int]] = []
        self.faked: list[tuple[str, str, str]] = []  # (fault, method, path)
        self.answers: dict[tuple[str, str], Answer] = {}  # the last genuine one per route
        self._mutex = threading.Lock()
        self.holding = threading.Event()
        self.thefts: list[tuple[int, bytes]] = []  # (status, answer) of each "thief"
        self.bodies: list[bytes] = []  # every request body, as it came
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
        with self._mutex:
            self.bodies.append(body)
        if fault in ("error", "busy", "decade"):
            status = {"error": 500, "busy": 429, "decade": 503}[fault]
            answer = b'{"error":"injected","detail":"fault proxy"}'
            request.send_response(status)
            if fault == "busy":
                request.send_header("Retry-After", "1")
            if fault == "decade":
                request.send_header("Retry-After", str(10 * 365 * 86400))
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
        route = (request.command, urlsplit(request.path).path)
        if fault == "replay" and route in self.answers:
            return self._fake(request, fault, self.answers[route])
        if fault == "forge":
            return self._fake(request, fault, self._forged(request, body))
        if fault == "redirect":
            location = f"{self.upstream.scheme}://{self.upstream.netloc}/v1/nowhere"
            return self._fake(request, fault, (307, [("Location", location)], b""))
        if fault == "thief":
            self._steal(request, body)
        if fault == "mutate":
            self._mutate(request)
        if fault == "reencode":
            request.headers["Content-Encoding"] = "br"
        method = "DELETE" if fault == "remethod" else request.command
        if fault == "misroute":
            request.path = "/v1/nowhere"
        status, headers, answer = self._forward(request, body, method)
        with self._mutex:
            self.forwarded.append((request.command, request.path, len(body)))
            self.answers[route] = (status, headers, answer)
        if fault == "lost":
            return self._reset(request)
        if fault == "tamper":
            answer = re.sub(rb'"version": ?(\d)', rb'"version": 9\1', answer)
        if fault == "strip":
            headers = [(k, v) for k, v in headers if k.lower() != ANSWER_SIGNATURE.lower()]
        self._answer(request, (status, headers, answer))
        return None

    def _fake(self, request: BaseHTTPRequestHandler, fault: str, answer: Answer) -> None:
        with self._mutex:
            self.faked.append((fault, request.command, request.path))
        self._answer(request, answer)

    @staticmethod
    def _answer(request: BaseHTTPRequestHandler, answer: Answer) -> None:
        status, headers, body = answer
        request.send_response(status)
        for name, value in headers:
            if name.lower() not in ("connection", "transfer-encoding", "date", "server",
                                    "content-length"):
                request.send_header(name, value)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    @staticmethod
    def _forged(request: BaseHTTPRequestHandler, body: bytes) -> Answer:
        """What the county would answer if everything had gone well."""
        path = urlsplit(request.path).path
        if path == "/v1/events":
            if request.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            ids = [event["id"] for event in json.loads(body)["events"]]
            answer: dict[str, object] = {"accepted": ids, "duplicates": [],
                                         "server_time": time.time()}
        elif path.startswith("/v1/blobs/"):
            size = int(request.headers.get("X-VE-Size") or 0)
            answer = {"received": size, "complete": True}
        elif path == "/v1/feed":
            answer = {"documents": [], "server_time": time.time(), "time": None}
        else:
            answer = {"ok": True}
        data = json.dumps(answer).encode()
        return 200, [("Content-Type", "application/json")], data

    def _steal(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        """Enroll the proxy's own key with whatever the device's enrollment shows."""
        form = json.loads(body)
        thief = new_private_key()
        form["public_key"] = public_key_text(thief)
        stolen = json.dumps(form).encode()
        headers = {"Content-Type": "application/json", **sign_request(
            thief, form["device_id"], "POST", request.path, stolen, time.time())}
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port,
                                                timeout=30)
        try:
            connection.request("POST", request.path, body=stolen, headers=headers)
            response = connection.getresponse()
            self.thefts.append((response.status, response.read()))
        finally:
            connection.close()

    @staticmethod
    def _mutate(request: BaseHTTPRequestHandler) -> None:
        headers = request.headers
        for name in ("X-VE-Size", "X-VE-Offset", "X-VE-Backlog"):
            value = headers.get(name)
            if value is not None:
                del headers[name]
                headers[name] = str(int(value) + 1)
        if "X-VE-Backlog" not in headers and "X-VE-Size" not in headers:
            headers["X-VE-Backlog"] = "0"

    def _forward(
        self, request: BaseHTTPRequestHandler, body: bytes, method: str
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port,
                                                timeout=30)
        try:
            headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
            connection.request(method, request.path, body=body, headers=headers)
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

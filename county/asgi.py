"""The county as an ASGI application: Starlette at the top, with the
county's web console under ``/console/`` (:mod:`county.console`, unless
``[console] enabled = false``) and the device API beside it as a plain
ASGI app in front of :class:`~county.app.CountyApp`.

The device API reads each request as it was sent (the target with its
query, every header in order, the body bytes: what the device signed),
lets :class:`CountyApp` answer it in a worker thread (the database and the
signatures are blocking work), and writes the answer as RFC 8785 JSON,
signed by the county key in ``X-VE-Answer-Signature`` when the request's
signature verified (:mod:`protocol.answers`; refusals made before that go
unsigned: :mod:`county.auth`). One log line per request: INFO when
answered, WARNING with the reason when refused.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response
from starlette.routing import Mount

from county.app import CountyApp, Reply, Request, Route
from county.auth import answer_headers
from county.console.app import console_routes
from county.http_guard import SERVER
from county.rejection import Rejected
from protocol.answers import answer_body
from protocol.api import HEADER_DEVICE, HEADER_SIGNATURE

log = logging.getLogger("county.server")

DRAIN_LIMIT = 64 * 1024 * 1024  # an oversized body up to this is read and dropped, not cut off

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def _lookup(headers: tuple[tuple[str, str], ...]) -> Callable[[str], str | None]:
    index: dict[str, str] = {}
    for name, value in headers:
        index.setdefault(name.lower(), value)
    return lambda name: index.get(name.lower())


class DeviceAPI:
    """The device API of :class:`CountyApp`, as an ASGI application; its
    handlers run on *executor*."""

    def __init__(self, app: CountyApp, executor: ThreadPoolExecutor) -> None:
        self.app = app
        self.executor = executor

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        method = scope["method"]
        target = scope["raw_path"].decode("latin-1")
        if scope["query_string"]:
            target += "?" + scope["query_string"].decode("latin-1")
        headers = tuple((name.decode("latin-1"), value.decode("latin-1"))
                        for name, value in scope["headers"])
        request = Request(method, target, _lookup(headers), b"", headers)
        app = self.app
        try:
            route, params = app.route(method, target)
        except Rejected as rejection:
            # the body is read and dropped first (up to the drain limit): a connection
            # closed with bytes still coming is reset, and the client may lose the answer
            if int(request.header("Content-Length") or 0) <= DRAIN_LIMIT:
                await self._drain(receive)
            await self._send(send, app.refusal(rejection, request), request, close=True)
            return
        body, close = await self._read_body(route, request, receive)
        if body is None:  # refused for its size (close: past the drain limit)
            too_large = Rejected(413, "too_large", route.too_large)
            await self._send(send, app.refusal(too_large, request), request, close=close)
            return
        request = Request(method, target, request.header, body, headers)  # not yet verified
        loop = asyncio.get_running_loop()
        reply = await loop.run_in_executor(self.executor, app.handle, route, params, request)
        await self._send(send, reply, request, close=False)

    async def _read_body(
        self, route: Route, request: Request, receive: Receive
    ) -> tuple[bytes | None, bool]:
        """(the body, or None if it is over the route's limit; whether to close)."""
        length = int(request.header("Content-Length") or 0)  # checked by the HTTP guard
        if length > route.max_body:
            if length > DRAIN_LIMIT:
                return None, True
            await self._drain(receive)  # read and dropped: the connection can go on
            return None, False
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Gone
            body += message.get("body", b"")
            if not message.get("more_body", False):
                return bytes(body), False

    async def _drain(self, receive: Receive) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect" or not message.get("more_body", False):
                return

    async def _send(self, send: Send, reply: Reply, request: Request, *, close: bool) -> None:
        data = answer_body(reply.body)
        signature = answer_headers(self.app.key, request.header(HEADER_SIGNATURE),
                                   reply.status, data) if reply.verified else {}
        device = reply.device or request.header(HEADER_DEVICE) or "-"
        if reply.rejection is None:
            log.info("%s %s %s -> %d", device, request.method, request.target, reply.status)
        else:
            log.warning("%s %s %s -> %d refused (%s): %s", device, request.method,
                        request.target, reply.status, reply.rejection.error,
                        reply.rejection.detail)
        headers = [(b"Server", SERVER.encode()),  # named as http.server named them
                   (b"Content-Type", b"application/json; charset=utf-8"),
                   (b"Content-Length", str(len(data)).encode())]
        headers += [(name.encode("latin-1"), value.encode("latin-1"))
                    for name, value in {**reply.headers, **signature}.items()]
        if close:
            headers.append((b"Connection", b"close"))
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body",
                    "body": b"" if request.method == "HEAD" else data})


class _Gone(Exception):
    """The client went away in the middle of its body."""


def county_asgi(app: CountyApp, *, threads: int) -> Starlette:
    """The whole county as one ASGI application; *threads* answer requests at once."""
    executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="county")
    api = DeviceAPI(app, executor)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            executor.shutdown(wait=True)
            app.database.close()

    routes = [*console_routes(app), Mount("", app=_guarded(api))]
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: _not_found})


async def _not_found(request: StarletteRequest, exc: Exception) -> Response:
    """A target that is not a path (``*``, ``http://host/...``) never reaches
    the device API: refused in JSON like every other target it does not serve."""
    target = request.scope.get("raw_path", b"").decode("latin-1")
    shown = ascii(target if len(target) <= 80 else f"{target[:80]}...").strip("'")
    log.warning("- %s %s -> 404 refused (not_found)", request.method, shown)
    body = answer_body(Rejected(404, "not_found", f"the county has no {shown}; see "
                                "county/openapi.yaml").body())
    return Response(body, status_code=404, headers={"Server": SERVER},
                    media_type="application/json; charset=utf-8")


def _guarded(api: DeviceAPI) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    async def device_api(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await api(scope, receive, send)
        except _Gone:
            log.info("%s %s: the client went away before its whole body arrived",
                     scope.get("method"), scope.get("path"))
    return device_api

"""Whose address a request is from, behind the reverse proxy named in
``[console] trusted_proxies``: uvicorn's reading of X-Forwarded-For from
a trusted proxy (the rightmost address not itself a trusted proxy), kept
only when it is an IP address (:mod:`ipaddress`); anything else in the
header (``<script>``, 5000 characters) leaves the proxy's own address,
so the audit trail and the login counters never hold text a client chose.
"""

from __future__ import annotations

import ipaddress

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

_PEER = "county.peer"  # the connection's own address, kept in the scope


def is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class ForwardedFor:
    """ASGI middleware: the client's address from a trusted proxy's
    X-Forwarded-For (and scheme from X-Forwarded-Proto), if it is one."""

    def __init__(self, app: ASGIApp, trusted_proxies: tuple[str, ...]) -> None:
        self.app = app
        self.proxy = ProxyHeadersMiddleware(self._checked,  # type: ignore[arg-type]
                                            trusted_hosts=list(trusted_proxies))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        scope[_PEER] = scope.get("client")
        await self.proxy(scope, receive, send)  # type: ignore[arg-type]

    async def _checked(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if client is not None and not is_address(str(client[0])):
            scope["client"] = scope[_PEER]
        await self.app(scope, receive, send)

"""How a console page is served: :func:`page` turns a plain function of a
:class:`Call` into a Starlette route that

- for a POST, checks that the form came from the console itself (Origin,
  or Referer) and reads it (``application/x-www-form-urlencoded``, at most
  :data:`MAX_FORM_BYTES`);
- finds the session from its cookie, sends a visitor without one to the
  login page, refuses an account without the page's role, and for a POST
  checks the session's CSRF token;
- runs the function in a worker thread (the database is blocking work)
  with a database connection, and answers what it returns: a page rendered
  from a template, a redirect, an image.

A page function raises :class:`NotFound` for anything the account may not
see, exactly as for what does not exist: the console never hints that a
request of another village exists.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from county.console.accounts import Account, load_account
from county.console.sessions import COOKIE, Session, csrf_matches, find_session
from county.store import Store

log = logging.getLogger("county.console")

PREFIX = "/console"
ANY_ACCOUNT = "*"  # a page's role: any logged-in account
MAX_FORM_BYTES = 64 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class NotFound(Exception):
    """Nothing to show: it does not exist, or the account may not see it."""


class Refused(Exception):
    """A request refused with a page saying why (*status*, *message*)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Call:
    """One request to a console page, as a page function sees it."""

    console: Any  # county.console.app.Console (not imported: it imports this module)
    request: Request
    store: Store
    address: str
    now: float
    form: Mapping[str, str] = field(default_factory=dict)
    session: Session | None = None
    viewer: Account | None = None

    @property
    def params(self) -> Mapping[str, str]:
        return self.request.path_params

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    @property
    def account(self) -> Account:
        """The logged-in account (pages with a role always have one)."""
        assert self.viewer is not None
        return self.viewer

    def render(self, template: str, *, status: int = 200, title: str = "",
               **context: Any) -> Response:
        return render(self, template, status=status, title=title, **context)

    def redirect(self, path: str) -> Response:
        """To *path* (under the console) with 303: a POST answered by a GET."""
        return RedirectResponse(PREFIX + path, status_code=303, headers=SECURITY_HEADERS)


PageFunction = Callable[[Call], Response]


def url(path: str) -> str:
    return PREFIX + path


def render(call: Call, template: str, *, status: int = 200, title: str = "",
           **context: Any) -> Response:
    from county.console.registry import menu

    console = call.console
    html = console.templates.get_template(template).render(
        title=title, viewer=call.viewer, csrf=call.session.csrf if call.session else "",
        menu=menu(call.viewer), url=url, path=call.request.url.path, now=call.now,
        **context)
    return HTMLResponse(html, status_code=status,
                        headers={**SECURITY_HEADERS, "Cache-Control": "no-store"})


def client_address(request: Request) -> str:
    return request.client.host if request.client else "-"


def same_origin(request: Request) -> bool:
    """Whether a POST came from a page of this console: its Origin (or,
    without one, its Referer) names the host the request was sent to."""
    host = request.headers.get("host")
    if not host:
        return False
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        return urlsplit(origin).netloc == host
    referer = request.headers.get("referer")
    return referer is not None and urlsplit(referer).netloc == host


async def read_form(request: Request) -> dict[str, str] | None:
    """The urlencoded form of a POST; None if it is not one or too large."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False,
                          max_num_fields=200)
    except (UnicodeDecodeError, ValueError):
        return None
    return dict(pairs)


def page(path: str, function: PageFunction, *, role: str | None,
         methods: tuple[str, ...] = ("GET",), name: str | None = None,
         csrf: bool = True) -> Route:
    """The route serving *function* at *path* (under /console) to accounts
    with *role* (:data:`ANY_ACCOUNT`: any account; None: to anyone, logged
    in or not). *csrf* False only for the login form, which comes before
    any session (its Origin is checked all the same)."""

    async def endpoint(request: Request) -> Response:
        console = request.app.state.console
        address = client_address(request)
        form: dict[str, str] = {}
        if request.method == "POST":
            if not same_origin(request):
                log.warning("%s POST %s refused: not sent from the console's own pages",
                            address, request.url.path)
                return _refusal(console, request, 403, "这个请求不是从本系统的页面发出的，已拒绝。"
                                "请回到系统页面重新操作。")
            read = await read_form(request)
            if read is None:
                return _refusal(console, request, 400, "表单内容无法读取，请回到页面重新提交。")
            form = read
        response = await run_in_threadpool(_serve, console, request, function, role, address,
                                           form, csrf)
        # nothing a page answers (a page, a photo, a QR code) stays in the browser's cache:
        # on a shared PC the next person would find it after logout
        response.headers["Cache-Control"] = "no-store"
        return response

    return Route(path, endpoint, methods=list(methods), name=name)


def _serve(console: Any, request: Request, function: PageFunction, role: str | None,
           address: str, form: dict[str, str], csrf: bool) -> Response:
    now = console.clock()
    with console.database.store() as store:
        call = Call(console, request, store, address, now, form)
        token = request.cookies.get(COOKIE)
        if token:
            with store.transaction():
                call.session = find_session(store, token, now, idle=console.settings.idle_seconds,
                                            absolute=console.settings.session_seconds)
            if call.session is not None:
                call.viewer = load_account(store, call.session.account)
                if call.viewer is None or call.viewer.disabled is not None:
                    call.session = call.viewer = None
        try:
            if role is not None:
                if call.viewer is None:
                    return _to_login(request)
                if role != ANY_ACCOUNT and not call.viewer.has(role):
                    raise Refused(403, "你的账号没有使用这个页面的权限。如需要，请找管理员。")
            if request.method == "POST" and csrf and call.session is not None \
                    and not csrf_matches(call.session, form.get("csrf")):
                log.warning("%s POST %s refused: the form's CSRF token does not match",
                            address, request.url.path)
                raise Refused(403, "页面已过期，请返回上一页刷新后再操作。")
            return function(call)
        except NotFound:
            return render(call, "common/message.html", status=404, title="找不到",
                          message="找不到这个页面，或你的账号不能查看它。")
        except Refused as refused:
            return render(call, "common/message.html", status=refused.status, title="不能办理",
                          message=refused.message)
        except Exception:
            log.exception("console failed on %s %s", request.method, request.url.path)
            return render(call, "common/message.html", status=500, title="出错了",
                          message="系统出错，这次操作没有完成。请稍后再试；如果一直这样，请告诉技术员。")


def _to_login(request: Request) -> Response:
    target = request.url.path if request.method == "GET" else url("/")
    if request.method == "GET" and request.url.query:
        target += "?" + request.url.query
    return RedirectResponse(url("/login?next=") + quote(target, safe=""), status_code=303,
                            headers=SECURITY_HEADERS)


def _refusal(console: Any, request: Request, status: int, message: str) -> Response:
    html = console.templates.get_template("common/message.html").render(
        title="不能办理", viewer=None, csrf="", menu=[], url=url, path=request.url.path,
        now=console.clock(), message=message)
    return HTMLResponse(html, status_code=status,
                        headers={**SECURITY_HEADERS, "Cache-Control": "no-store"})

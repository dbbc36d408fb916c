"""Logging in and out, and the first page: what this account can do."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from county.console import audit
from county.console.accounts import load_account, password_matches
from county.console.format import when
from county.console.sessions import (
    COOKIE,
    attempt_succeeded,
    begin_attempt,
    close_session,
    forget_expired,
    open_session,
)
from county.console.web import PREFIX, SECURITY_HEADERS, Call, page, url


def _next(target: str | None) -> str:
    """Where to go after logging in: a console page, never another site."""
    if target and target.startswith(PREFIX + "/") and not target.startswith("//") \
            and "\\" not in target:
        return target
    return url("/")


def login_form(call: Call) -> Response:
    if call.viewer is not None:
        return RedirectResponse(_next(call.query("next")), status_code=303,
                                headers=SECURITY_HEADERS)
    return call.render("common/login.html", title="登录", name="",
                       next=_next(call.query("next")), problem=None)


def login(call: Call) -> Response:
    name = call.form.get("name", "").strip().lower()[:64]
    password = call.form.get("password", "")
    target = _next(call.form.get("next"))
    store, now, address = call.store, call.now, call.address
    with store.transaction():
        attempt = begin_attempt(store, name, address, now)
        until = attempt.refused_until
        if until is not None:
            audit.record(store, at=now, actor=name or "-", action="login_throttled",
                         address=address, object=f"account:{name}")
    if until is not None:
        return call.render("common/login.html", status=429, title="登录", name=name,
                           next=target,
                           problem=f"登录失败次数太多，已暂停。请在 {when(until)} 以后再试。")
    account = load_account(store, name)
    matched = password_matches(account, password)  # slow on purpose: outside the transaction
    settings = call.console.settings
    with store.transaction():
        forget_expired(store, now, idle=settings.idle_seconds, absolute=settings.session_seconds)
        if not matched or account is None:
            audit.record(store, at=now, actor=name or "-", action="login_failed",
                         address=address, object=f"account:{name}")
        else:
            attempt_succeeded(store, attempt)
            token, _ = open_session(store, account.name, address, now)
            audit.record(store, at=now, actor=account.name, action="login", address=address,
                         object=f"account:{account.name}")
    if not matched:
        return call.render("common/login.html", status=401, title="登录", name=name,
                           next=target, problem="账号或密码不对，请再试一次。")
    response = RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)
    response.set_cookie(COOKIE, token, path=PREFIX, secure=True, httponly=True,
                        samesite="strict")
    return response


def logout(call: Call) -> Response:
    if call.session is not None and call.viewer is not None:
        with call.store.transaction():
            close_session(call.store, call.session)
            audit.record(call.store, at=call.now, actor=call.viewer.name, action="logout",
                         address=call.address, object=f"account:{call.viewer.name}")
    response = RedirectResponse(url("/login"), status_code=303, headers=SECURITY_HEADERS)
    response.delete_cookie(COOKIE, path=PREFIX, secure=True, httponly=True, samesite="strict")
    return response


def home(call: Call) -> Response:
    if call.viewer is None:
        return RedirectResponse(url("/login"), status_code=303, headers=SECURITY_HEADERS)
    return call.render("common/home.html", title="首页")


ROUTES = [
    page("/", home, role=None, name="home"),
    page("/login", login_form, role=None, name="login"),
    page("/login", login, role=None, methods=("POST",), csrf=False),
    page("/logout", logout, role=None, methods=("POST",), name="logout"),
]
MENU = ()

"""Logged-in sessions, kept in the database (so every server process knows
them): a random token in the browser's cookie, only its sha256 in the
table; a CSRF token per session; an idle and an absolute expiry.

Login attempts are counted in the database too, per account and per
address, so the limit holds across server processes and restarts. An
attempt is written down, as failed, in the same transaction that checks
the limit (under one lock, :func:`begin_attempt`), before its password is
checked; only a right password then marks it good. Attempts sent in
parallel therefore each see the ones before them: at most the limit are
ever checked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from county.store import Store

COOKIE = "ve_console"

#: Failed logins allowed within :data:`THROTTLE_WINDOW` before more are refused.
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
THROTTLE_WINDOW = 15 * 60.0


@dataclass(frozen=True)
class Session:
    token_sha256: str
    account: str
    csrf: str
    address: str
    created: float
    last_seen: float


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(store: Store, account: str, address: str, now: float) -> tuple[str, Session]:
    """A new session of *account*: (the cookie's token, the session)."""
    token = secrets.token_urlsafe(32)
    session = Session(token_digest(token), account, secrets.token_urlsafe(24), address, now, now)
    store.execute("INSERT INTO console_sessions (token_sha256, account, csrf, address, created, "
                  "last_seen) VALUES (?, ?, ?, ?, ?, ?)",
                  (session.token_sha256, account, session.csrf, address, now, now))
    return token, session


def find_session(store: Store, token: str, now: float, *, idle: float,
                 absolute: float) -> Session | None:
    """The live session of *token*, its last use moved to *now*; None (and
    the row gone) if it has expired."""
    rows = store.execute("SELECT token_sha256, account, csrf, address, created, last_seen "
                         "FROM console_sessions WHERE token_sha256 = ?", (token_digest(token),))
    if not rows:
        return None
    session = Session(**rows[0])
    if now - session.last_seen > idle or now - session.created > absolute:
        store.execute("DELETE FROM console_sessions WHERE token_sha256 = ?",
                      (session.token_sha256,))
        return None
    store.execute("UPDATE console_sessions SET last_seen = ? WHERE token_sha256 = ?",
                  (now, session.token_sha256))
    return Session(session.token_sha256, session.account, session.csrf, session.address,
                   session.created, now)


def forget_expired(store: Store, now: float, *, idle: float, absolute: float) -> None:
    """Remove sessions past their expiry and login attempts past the
    throttling window (run at each login: the tables stay small)."""
    store.execute("DELETE FROM console_sessions WHERE last_seen < ? OR created < ?",
                  (now - idle, now - absolute))
    store.execute("DELETE FROM console_login_attempts WHERE at < ?", (now - THROTTLE_WINDOW,))


def close_session(store: Store, session: Session) -> None:
    store.execute("DELETE FROM console_sessions WHERE token_sha256 = ?", (session.token_sha256,))


def close_sessions_of(store: Store, account: str) -> None:
    """End every session of *account* (its password changed, or it was disabled)."""
    store.execute("DELETE FROM console_sessions WHERE account = ?", (account,))


def csrf_matches(session: Session, offered: str | None) -> bool:
    return offered is not None and hmac.compare_digest(session.csrf.encode(),
                                                       offered.encode())


LOGIN_LOCK = "console-login"


@dataclass(frozen=True)
class Attempt:
    seq: int  # the attempt's row; 0 when refused
    refused_until: float | None  # when logins may be tried again, if refused now


def begin_attempt(store: Store, account: str, address: str, now: float) -> Attempt:
    """Within a transaction: a login attempt of *account* from *address*,
    written down as failed; or, when such logins are refused now for too
    many failures, until when (nothing written)."""
    store.lock(LOGIN_LOCK)
    until = throttled_until(store, account, address, now)
    if until is not None:
        return Attempt(0, until)
    rows = store.execute("INSERT INTO console_login_attempts (account, address, at, ok) "
                         "VALUES (?, ?, ?, 0) RETURNING seq", (account, address, now))
    return Attempt(int(rows[0]["seq"]), None)


def attempt_succeeded(store: Store, attempt: Attempt) -> None:
    store.execute("UPDATE console_login_attempts SET ok = 1 WHERE seq = ?", (attempt.seq,))


def throttled_until(store: Store, account: str, address: str, now: float) -> float | None:
    """When logins of *account* from *address* may be tried again, if they
    are refused now for too many failures; None if they may be tried."""
    since = now - THROTTLE_WINDOW
    until: float | None = None
    # an account's failures count since its last success; an address's all count
    # (one's own account's login must not reset the guessing of others')
    checks = (
        ("SELECT at FROM console_login_attempts WHERE account = ? AND at > ? AND ok = 0 "
         "AND at > coalesce((SELECT max(at) FROM console_login_attempts WHERE account = ? "
         "AND ok = 1), 0) ORDER BY at DESC LIMIT ?",
         (account, since, account, MAX_FAILURES_PER_ACCOUNT), MAX_FAILURES_PER_ACCOUNT),
        ("SELECT at FROM console_login_attempts WHERE address = ? AND at > ? AND ok = 0 "
         "ORDER BY at DESC LIMIT ?", (address, since, MAX_FAILURES_PER_ADDRESS),
         MAX_FAILURES_PER_ADDRESS),
    )
    for sql, params, most in checks:
        rows = store.execute(sql, params)
        if len(rows) >= most:
            free = float(rows[-1]["at"]) + THROTTLE_WINDOW
            until = free if until is None else max(until, free)
    return until

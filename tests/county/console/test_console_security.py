"""What the console refuses, over real HTTP to a real county on loopback:
a request of another village, a forged CSRF token or a form from another
site, an expired session, a brute-forced login, approving one's own
request; and the audit trail, which the database itself keeps from being
changed. On both engines where the database decides."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from county.console import sample_data as sample
from county.console.sessions import MAX_FAILURES_PER_ACCOUNT
from county.store import Store
from tests.county.conftest import county_sql
from tests.county.console.conftest import Console

REQUEST = f"/approver/requests/{sample.STATION}/{sample.OPEN_REQUEST}"
FOREIGN = f"/approver/requests/{sample.OTHER_STATION}/{sample.FOREIGN_REQUEST}"
APPROVE = {"uses": "1", "minutes": "10"}


def answers(console: Console) -> list[dict[str, object]]:
    """The county's answers to the open sample requests."""
    return county_sql(console.sample.root, "SELECT req, answer, approver FROM seal_answers "
                                           "WHERE req IN (?, ?) ORDER BY answered",
                      (sample.OPEN_REQUEST, sample.FOREIGN_REQUEST))


def audit_actions(console: Console) -> list[tuple[str, str, str]]:
    rows = county_sql(console.sample.root, "SELECT actor, action, object FROM console_audit "
                                           "ORDER BY seq")
    return [(r["actor"], r["action"], r["object"]) for r in rows]


def test_a_request_of_another_village_does_not_exist_for_an_approver(console: Console) -> None:
    wang = console.person()
    assert wang.log_in("wang").status_code == 303
    listed = wang.get("/approver").text
    assert sample.OPEN_REQUEST in listed and sample.FOREIGN_REQUEST not in listed
    seen = wang.get(FOREIGN)
    missing = wang.get(f"/approver/requests/{sample.OTHER_STATION}/R99-0000000000")
    assert seen.status_code == missing.status_code == 404
    assert "找不到这个页面" in seen.text and sample.FOREIGN_REQUEST not in seen.text
    before = answers(console)
    assert wang.post(FOREIGN + "/approve", APPROVE).status_code == 404
    assert wang.post(FOREIGN + "/refuse", {"reason": "不行"}).status_code == 404
    assert answers(console) == before  # nothing was decided
    # the township approver of the whole county sees it
    li = console.person()
    li.log_in("li")
    assert li.get(FOREIGN).status_code == 200


def test_a_form_with_a_forged_csrf_token_or_from_another_site_is_refused(
    sqlite_console: Console,
) -> None:
    console = sqlite_console
    wang = console.person()
    wang.log_in("wang")
    forged = wang.post(REQUEST + "/approve", APPROVE, csrf="forged-token")
    missing = wang.post(REQUEST + "/approve", APPROVE, csrf=None)
    elsewhere = wang.post(REQUEST + "/approve", APPROVE, origin="https://evil.example")
    no_origin = wang.post(REQUEST + "/approve", APPROVE, origin=None)
    for refused in (forged, missing, elsewhere, no_origin):
        assert refused.status_code == 403, refused.text
    assert "页面已过期" in forged.text
    assert "不是从本系统的页面发出的" in elsewhere.text
    assert answers(console) == []
    login_elsewhere = console.person().post(
        "/login", {"name": "wang", "password": console.sample.password},
        origin="https://evil.example", csrf=None)
    assert login_elsewhere.status_code == 403 and "ve_console" not in login_elsewhere.cookies
    # the real form goes through
    assert wang.post(REQUEST + "/approve", APPROVE).status_code == 303
    assert [row["req"] for row in answers(console)] == [sample.OPEN_REQUEST]


def test_an_expired_session_is_sent_to_the_login_page(sqlite_console: Console) -> None:
    console = sqlite_console
    wang = console.person()
    wang.log_in("wang")
    assert wang.get("/approver").status_code == 200
    console.clock.offset = 29 * 60  # used within the idle time: still good
    assert wang.get("/approver").status_code == 200
    console.clock.offset += 31 * 60  # then unused for longer than it
    expired = wang.get("/approver")
    assert expired.status_code == 303
    assert expired.headers["location"].startswith("/console/login?next=")
    posted = wang.post(REQUEST + "/approve", APPROVE, csrf="whatever")
    assert posted.status_code == 303 and "/console/login" in posted.headers["location"]
    assert answers(console) == []
    # a session used all the time still ends 12 hours after its login
    wang.log_in("wang")
    for _ in range(28):  # every 25 minutes for 11 hours and 40 minutes
        console.clock.offset += 25 * 60
        assert wang.get("/approver").status_code == 200
    console.clock.offset += 25 * 60
    assert wang.get("/approver").status_code == 303


def test_a_brute_forced_login_is_stopped_and_told_when_to_try_again(console: Console) -> None:
    guesser = console.person()
    for n in range(MAX_FAILURES_PER_ACCOUNT):
        wrong = guesser.log_in("wang", f"guess-{n}-wrong")
        assert wrong.status_code == 401 and "账号或密码不对" in wrong.text
    stopped = guesser.log_in("wang")  # even the right password, now
    assert stopped.status_code == 429
    assert "登录失败次数太多" in stopped.text and "以后再试" in stopped.text
    assert "ve_console" not in stopped.cookies
    # another browser (a new session, the same database) is stopped too
    assert console.person().log_in("wang").status_code == 429
    actions = [action for actor, action, _ in audit_actions(console) if actor == "wang"]
    assert actions == ["login_failed"] * MAX_FAILURES_PER_ACCOUNT + ["login_throttled"] * 2
    console.clock.offset = 16 * 60  # after the window
    assert console.person().log_in("wang").status_code == 303


def test_guesses_sent_in_parallel_are_checked_no_more_than_the_limit(console: Console) -> None:
    """Each attempt is written down before its password is checked, so 40
    guesses at once see one another: only the limit's worth are tried."""
    guesses = 40
    start = threading.Barrier(guesses)

    def guess(n: int) -> int:
        guesser = console.person()
        start.wait()
        return guesser.log_in("wang", f"guess-{n}-wrong").status_code

    with ThreadPoolExecutor(guesses) as pool:
        answers = Counter(pool.map(guess, range(guesses)))
    assert answers == {401: MAX_FAILURES_PER_ACCOUNT, 429: guesses - MAX_FAILURES_PER_ACCOUNT}
    actions = Counter(action for actor, action, _ in audit_actions(console) if actor == "wang")
    assert actions["login_failed"] == MAX_FAILURES_PER_ACCOUNT


def test_an_approver_cannot_approve_a_request_of_the_station_they_keep(
    console: Console,
) -> None:
    zhao = console.person()  # the custodian of the sample station
    zhao.log_in("zhao")
    page = zhao.get(REQUEST)
    assert page.status_code == 200
    assert "你不能自己审批" in page.text and 'id="approve"' not in page.text
    own = zhao.post(REQUEST + "/approve", APPROVE)
    assert own.status_code == 403 and "你不能自己审批" in own.text
    assert zhao.post(REQUEST + "/refuse", {"reason": "自己撤回"}).status_code == 403
    assert answers(console) == []
    wang = console.person()
    wang.log_in("wang")
    assert "赵会计" in wang.get(REQUEST).text  # shown as who asked
    assert wang.post(REQUEST + "/approve", APPROVE).status_code == 303
    assert answers(console) == [{"req": sample.OPEN_REQUEST, "answer": "approved",
                                 "approver": "wang"}]


def test_an_account_without_the_role_is_refused_and_a_visitor_sent_to_log_in(
    sqlite_console: Console,
) -> None:
    console = sqlite_console
    visitor = console.person()
    sent = visitor.get("/approver")
    assert sent.status_code == 303 and sent.headers["location"].startswith("/console/login")
    for path in (REQUEST, REQUEST + "/qr.png"):
        assert visitor.get(path).status_code == 303
    # a photo of a village the account does not see does not exist for it
    with Store.open(console.sample.county.database) as store:
        foreign_photo = store.execute(
            "SELECT sha256 FROM blobs WHERE device_id = ?", (sample.OTHER_STATION,))[0]["sha256"]
    wang = console.person()
    wang.log_in("wang")
    assert wang.get(f"/photo/{foreign_photo}/thumb.jpg").status_code == 404
    li = console.person()
    li.log_in("li")
    shown = li.get(f"/photo/{foreign_photo}/thumb.jpg")
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"


@pytest.mark.parametrize("statement", [
    "UPDATE console_audit SET actor = 'nobody'",
    "DELETE FROM console_audit",
])
def test_the_audit_trail_cannot_be_changed_or_deleted(console: Console, statement: str) -> None:
    wang = console.person()
    wang.log_in("wang")
    wang.log_in("wang", "a-wrong-password")
    before = audit_actions(console)
    assert ("wang", "login", "account:wang") in before
    assert ("wang", "login_failed", "account:wang") in before
    with pytest.raises(Exception, match="append-only"):
        county_sql(console.sample.root, statement)
    if console.sample.county.database.engine == "postgresql":
        with pytest.raises(Exception, match="append-only"):
            county_sql(console.sample.root, "TRUNCATE console_audit")
    assert audit_actions(console) == before


def test_after_logout_the_old_cookie_opens_nothing(sqlite_console: Console) -> None:
    console = sqlite_console
    wang = console.person()
    token = wang.log_in("wang").cookies["ve_console"]
    assert wang.get("/approver").status_code == 200
    out = wang.post("/logout", {})
    assert out.status_code == 303 and out.headers["location"] == "/console/login"
    thief = console.person()  # someone who copied the cookie before the logout
    thief.http.cookies.set("ve_console", token, path="/console")
    assert thief.get("/approver").status_code == 303
    assert county_sql(console.sample.root, "SELECT count(*) AS n FROM console_sessions")[0]["n"] \
        == 0
    assert [a for _, a, _ in audit_actions(console)][-2:] == ["login", "logout"]

"""Multi-level approval at the console, as ``[[console.levels]]`` asks for a
matter (the sample county: 资产处置 at or above 10,000 yuan needs the
village, then the township): the token is issued only when the last level
approves, each level by its own approver, each audited; below the amount
the village's approval is the last."""

from __future__ import annotations

from county.console import sample_data as sample
from tests.county.conftest import county_sql
from tests.county.console.conftest import Console

LEVELS = f"/approver/requests/{sample.STATION}/{sample.LEVELS_REQUEST}"


def answer_of(console: Console, req: str) -> list[dict[str, object]]:
    return county_sql(console.sample.root, "SELECT answer, approver, uses FROM seal_answers "
                                           "WHERE req = ?", (req,))


def audited(console: Console, req: str) -> list[tuple[str, str]]:
    rows = county_sql(console.sample.root, "SELECT actor, action FROM console_audit WHERE "
                                           "object = ? ORDER BY seq",
                      (f"request:{sample.STATION}/{req}",))
    return [(r["actor"], r["action"]) for r in rows]


def test_a_large_asset_disposal_needs_the_township_after_the_village(console: Console) -> None:
    wang, li = console.person(), console.person()
    wang.log_in("wang")
    li.log_in("li")
    early = li.post(LEVELS + "/approve", {"uses": "1", "minutes": "10"})
    assert early.status_code == 409 and "需要村级审批人审批" in early.text

    page = wang.get(LEVELS).text
    assert 'name="amount"' in page and "10,000 元" in page
    no_amount = wang.post(LEVELS + "/approve", {"uses": "1", "minutes": "10"})
    assert no_amount.status_code == 409 and "请填写文件上的金额" in no_amount.text
    first = wang.post(LEVELS + "/approve", {"uses": "1", "minutes": "30", "amount": "25,000"})
    assert first.status_code == 303
    assert answer_of(console, sample.LEVELS_REQUEST) == []  # no token yet
    shown = wang.get(LEVELS).text
    assert "25,000 元" in shown and "需要乡镇级审批人审批" in shown and 'id="approve"' not in shown
    again = wang.post(LEVELS + "/approve", {"uses": "1", "minutes": "10"})
    assert again.status_code == 409
    assert answer_of(console, sample.LEVELS_REQUEST) == []

    assert "等待乡镇级审批" in li.get("/approver").text
    last = li.post(LEVELS + "/approve", {"uses": "1", "minutes": "10"})
    assert last.status_code == 303
    assert answer_of(console, sample.LEVELS_REQUEST) == [
        {"answer": "approved", "approver": "li", "uses": 1}]
    assert audited(console, sample.LEVELS_REQUEST) == [("wang", "approve_level"),
                                                      ("li", "approve_level"),
                                                      ("li", "approve")]


def test_below_the_amount_the_villages_approval_issues_the_token(
    sqlite_console: Console,
) -> None:
    console = sqlite_console
    small = "R14-f6a7b8c9d0"
    console.sample.request(sample.STATION, small, "committee", "资产处置", 1, ago=60,
                           photo_seed=7)
    wang = console.person()
    wang.log_in("wang")
    approved = wang.post(f"/approver/requests/{sample.STATION}/{small}/approve",
                         {"uses": "1", "minutes": "10", "amount": "3800"})
    assert approved.status_code == 303
    assert answer_of(console, small) == [{"answer": "approved", "approver": "wang", "uses": 1}]
    assert audited(console, small) == [("wang", "approve_level"), ("wang", "approve")]


def test_a_refusal_at_the_second_level_refuses_the_request(sqlite_console: Console) -> None:
    console = sqlite_console
    wang, li = console.person(), console.person()
    wang.log_in("wang")
    li.log_in("li")
    wang.post(LEVELS + "/approve", {"uses": "1", "minutes": "10", "amount": "120000"})
    refused = li.post(LEVELS + "/refuse", {"reason": "资产处置方案还没有公示"})
    assert refused.status_code == 303
    assert answer_of(console, sample.LEVELS_REQUEST) == [
        {"answer": "refused", "approver": "li", "uses": None}]
    assert "资产处置方案还没有公示" in li.get(LEVELS).text

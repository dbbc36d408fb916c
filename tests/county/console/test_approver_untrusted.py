"""What a seal station sends cannot break the approver's pages nor skip a
level: the stamps asked are bounded before a page sees them, the numbers a
form sends are read as ASCII digits only, and a matter written a little
differently still needs its levels (atk13 findings 2, 5 and 9)."""

from __future__ import annotations

import pytest

from county.console import sample_data as sample
from county.console.config import ConsoleSettings, LevelRule
from county.seal_requests import filed_requests
from protocol.approval_token import MAX_USES
from tests.county.console.conftest import Console


def request_path(req: str) -> str:
    return f"/approver/requests/{sample.STATION}/{req}"


def test_a_request_for_absurdly_many_stamps_is_never_shown(sqlite_console: Console) -> None:
    console = sqlite_console
    huge, too_many = "R40-a1a1a1a1a1", "R41-b2b2b2b2b2"
    console.sample.request(sample.STATION, huge, "committee", "出具证明", 2 ** 53 - 1, ago=30,
                           photo_seed=8)
    console.sample.request(sample.STATION, too_many, "committee", "出具证明", MAX_USES + 1,
                           ago=20, photo_seed=9)
    wang = console.person()
    wang.log_in("wang")
    listed = wang.get("/approver")
    assert listed.status_code == 200 and huge not in listed.text and too_many not in listed.text
    assert wang.get(request_path(huge)).status_code == 404
    assert wang.get(request_path(too_many)).status_code == 404
    with console.sample.store() as store:
        assert filed_requests(store).malformed[sample.STATION] == 2


def test_the_stamps_offered_are_those_a_token_can_carry(sqlite_console: Console) -> None:
    console = sqlite_console
    most = "R42-c3c3c3c3c3"
    console.sample.request(sample.STATION, most, "committee", "出具证明", MAX_USES, ago=30,
                           photo_seed=8)
    wang = console.person()
    wang.log_in("wang")
    page = wang.get(request_path(most))
    assert page.status_code == 200
    assert page.text.count("<option value=") == MAX_USES + 5  # the stamps, and 5 durations
    assert f'<option value="{MAX_USES}" selected>' in page.text
    over = wang.post(request_path(most) + "/approve",
                     {"uses": str(MAX_USES + 1), "minutes": "10"})
    assert over.status_code == 400
    approved = wang.post(request_path(most) + "/approve", {"uses": str(MAX_USES),
                                                             "minutes": "10"})
    assert approved.status_code == 303


def test_numbers_in_other_digits_are_refused_plainly(sqlite_console: Console) -> None:
    """``²`` and ``１`` pass ``str.isdigit`` but are not numbers: a 400 with
    the form again, never a 500."""
    console = sqlite_console
    wang = console.person()
    wang.log_in("wang")
    for uses in ("²", "１", "1" * 5000):
        refused = wang.post(request_path(sample.OPEN_REQUEST) + "/approve",
                            {"uses": uses, "minutes": "10"})
        assert refused.status_code == 400 and "请选择盖章次数和有效时间" in refused.text
    levels = request_path(sample.LEVELS_REQUEST) + "/approve"
    no_amount = wang.post(levels, {"uses": "1", "minutes": "10", "amount": "²"})
    assert no_amount.status_code == 409 and "请填写文件上的金额" in no_amount.text
    zhou = console.person()
    zhou.log_in("zhou")
    timeline = zhou.get(f"/supervisor/stations/{sample.STATION}?before=²")
    assert timeline.status_code == 200


@pytest.mark.parametrize("matter", [
    "资产处置", "资产处置 ", "资产处置\u200b", " 资产\u200d处置", "资产处置（大额）",
    "大额资产处置", "资产·处置", "资\u0301产处置", "", "\u200b", "。",
    # atk13b finding 1: blank letters, traditional and Japanese forms
    "资产\u3164处置", "资产\u115f处置", "资产\u1160处置", "资产\uffa0处置", "资产\u2800处置",
    "资产\ufe0f处置", "资产\U000e0041处置", "資產處置", "资産処置", "资产處置", "资产处𡑭"])
def test_a_matter_written_a_little_differently_keeps_its_levels(matter: str) -> None:
    settings = ConsoleSettings(rules=(LevelRule("资产处置", ("village", "township"), 10000),))
    assert settings.rule_for(matter) == settings.rules[0]


def test_other_matters_need_one_approval() -> None:
    settings = ConsoleSettings(rules=(LevelRule("资产处置", ("village", "township"), 10000),))
    assert settings.rule_for("出具证明") is None
    assert settings.rule_for(" 出具证明（复印件）") is None
    assert ConsoleSettings().rule_for("") is None
    assert ConsoleSettings().rule_for("资产\u3164处置") is None


def test_an_unusual_matter_needs_the_strictest_rule() -> None:
    """Failing safe: a character that shows nothing, or a Chinese form
    outside the simplified set, makes any matter need every level."""
    settings = ConsoleSettings(rules=(
        LevelRule("资产处置", ("village", "township"), 10000),
        LevelRule("土地流转", ("village", "township", "county"), None),
    ))
    for matter in ("出具证明\u3164", "出具證明", "出具证明\u2800"):
        rule = settings.rule_for(matter)
        assert rule is not None and rule.levels == ("village", "township", "county")
        assert rule.amount_at_least is None


def test_a_matter_under_several_rules_needs_the_strictest() -> None:
    settings = ConsoleSettings(rules=(
        LevelRule("资产处置", ("village", "township"), 10000),
        LevelRule("合同", ("village", "township"), None),
    ))
    both = settings.rule_for("资产处置合同")
    assert both is not None and both.levels == ("village", "township")
    assert both.amount_at_least is None  # the contract rule: always both levels
    unknown = settings.rule_for("\u2060")
    assert unknown is not None and unknown.amount_at_least is None


@pytest.mark.parametrize("matter", ["资产处置\u200b", "资产\u3164处置", "资产\u2800处置",
                                    "資產處置", "资産処置"])
def test_a_disguised_matter_still_needs_the_township(sqlite_console: Console,
                                                     matter: str) -> None:
    console = sqlite_console
    disguised = "R43-d4d4d4d4d4"
    console.sample.request(sample.STATION, disguised, "committee", matter, 1, ago=30,
                           photo_seed=8)
    wang, li = console.person(), console.person()
    wang.log_in("wang")
    li.log_in("li")
    first = wang.post(request_path(disguised) + "/approve",
                      {"uses": "1", "minutes": "10", "amount": "25000"})
    assert first.status_code == 303
    page = wang.get(request_path(disguised)).text
    assert "需要乡镇级审批人审批" in page and 'id="approval-qr"' not in page
    with console.sample.store() as store:
        assert store.execute("SELECT count(*) AS n FROM seal_answers WHERE req = ?",
                             (disguised,)) == [{"n": 0}]
    assert li.post(request_path(disguised) + "/approve",
                   {"uses": "1", "minutes": "10"}).status_code == 303


def test_the_approver_sees_what_shows_nothing(sqlite_console: Console) -> None:
    console = sqlite_console
    hidden, plain = "R44-e5e5e5e5e5", "R45-f6f6f6f6f6"
    console.sample.request(sample.STATION, hidden, "committee", "资产\u3164处置", 1, ago=30,
                           photo_seed=8)
    console.sample.request(sample.STATION, plain, "committee", "出具证明", 1, ago=20,
                           photo_seed=9)
    wang = console.person()
    wang.log_in("wang")
    page = wang.get(request_path(hidden)).text
    assert "资产\N{REPLACEMENT CHARACTER}处置" in page and "\u3164" not in page
    assert "看不见或不常见的字符" in page
    assert "资产\N{REPLACEMENT CHARACTER}处置" in wang.get("/approver").text
    assert "看不见或不常见的字符" not in wang.get(request_path(plain)).text

"""The sample catalog shipped with the package: complete, valid, faithful to
the procedures the source documents spell out, and citing only real laws."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

import powerlist
from powerlist.errors import Problems
from powerlist.graph import check_flowchart
from powerlist.model import Catalog, Flowchart, Node

SAMPLE_PATH = Path(powerlist.__file__).parent / "samples" / "sample-catalog.toml"

#: Real laws and regulations, by full name: docs/domain.md's list plus the few
#: others the sample cites (each an enacted law, State Council regulation or
#: ministerial rule).
REAL_LAWS = {
    # from docs/domain.md
    "中华人民共和国村民委员会组织法",
    "中国共产党农村基层组织工作条例",
    "中华人民共和国农村集体经济组织法",
    "农村集体经济组织财务制度",
    "中华人民共和国土地管理法",
    "中华人民共和国农村土地承包法",
    "中华人民共和国招标投标法",
    "中华人民共和国民法典",
    "社会救助暂行办法",
    "中华人民共和国残疾人保障法",
    "中华人民共和国人口与计划生育法",
    "中华人民共和国户口登记条例",
    # others cited
    "中华人民共和国土地管理法实施条例",
    "最低生活保障审核确认办法",
    "特困人员认定办法",
    "中华人民共和国社会保险法",
    "中华人民共和国会计法",
    "中华人民共和国老年人权益保障法",
    "中华人民共和国人民调解法",
    "中华人民共和国就业促进法",
    "中华人民共和国监察法",
    "保障农民工工资支付条例",
}
ROSTER_ROLES = {"party_secretary", "village_director", "village_accountant", "village_clerk",
                "supervision_chair", "seal_custodian"}


@pytest.fixture(scope="module")
def sample() -> Catalog:
    return powerlist.load_sample()


def _only(catalog: Catalog, *words: str) -> powerlist.PowerItem:
    found = [item for item in catalog.items if all(word in item.name for word in words)]
    assert len(found) == 1, [item.name for item in found]
    return found[0]


def _reachable(chart: Flowchart, start: str) -> set[str]:
    seen, waiting = {start}, [start]
    while waiting:
        for edge in chart.outgoing(waiting.pop()):
            if edge.target not in seen:
                seen.add(edge.target)
                waiting.append(edge.target)
    return seen


def test_the_sample_file_validates_and_is_marked_as_a_sample(sample: Catalog) -> None:
    assert powerlist.validate_file(SAMPLE_PATH) == []
    assert powerlist.load_catalog(SAMPLE_PATH) == sample
    assert sample.sample is True
    assert "示范样本" in sample.title
    assert powerlist.sample_text().startswith("# 村级小微权力清单（示范样本）")


def test_the_sample_has_19_public_power_and_17_service_items(sample: Catalog) -> None:
    public = [item for item in sample.items if item.is_public_power]
    services = sample.in_category("convenience_service")
    assert len(public) == 19
    assert len(services) == 17
    assert sample.in_category("major_decision") and sample.in_category("daily_management")
    assert len(sample.items) == 36


def test_the_sample_has_about_45_flowcharts_some_items_more_than_one(sample: Catalog) -> None:
    assert sample.flowchart_count == 45
    assert sum(1 for item in sample.items if len(item.flowcharts) > 1) >= 5


def test_every_item_has_a_flowchart_and_every_flowchart_validates(sample: Catalog) -> None:
    for item in sample.items:
        assert item.flowcharts, item.id
        for number, chart in enumerate(item.flowcharts, start=1):
            problems = Problems("sample")
            check_flowchart(chart, f"item {item.id} flowchart {number}", problems)
            assert problems.items == []


def test_the_five_step_decision_runs_the_five_steps_in_order(sample: Catalog) -> None:
    item = _only(sample, "五议决策法")
    assert item.category == "major_decision"
    chart = item.flowcharts[0]
    steps = [
        ("提议", "村党组织"),
        ("商议", "村“两委”联席会议"),
        ("审议", "党员大会"),
        ("决议", "村民代表会议"),
        ("评议", "群众"),
    ]
    previous = chart.start.id
    for verb, actor in steps:
        matching = [node for node in chart.nodes if node.action.startswith(verb)]
        assert len(matching) == 1, verb
        node = matching[0]
        assert actor in node.actor, (verb, node.actor)
        assert node.id in _reachable(chart, previous) and node.id != previous, verb
        previous = node.id


def test_asset_disposal_branches_at_10000_yuan(sample: Catalog) -> None:
    item = _only(sample, "资产", "处置")
    chart = item.flowcharts[0]
    decisions = [node for node in chart.nodes
                 if node.kind == "decision" and "1万元" in node.action]
    assert len(decisions) == 1
    decision = decisions[0]
    branches = {edge.condition: chart.node(edge.target) for edge in chart.outgoing(decision.id)}
    assert len(branches) == 2
    above = [target for label, target in branches.items() if label and "1万元以上" in label]
    below = [target for label, target in branches.items()
             if label and "1万元" in label and ("不足" in label or "以下" in label)]
    assert len(above) == 1 and len(below) == 1
    assert "公共资源交易中心" in above[0].actor
    assert "村集体" in below[0].actor and "公开交易" in below[0].action

    before = [node for node in chart.nodes if decision.id in _reachable(chart, node.id)]
    assert any("五议决策法" in node.action for node in before)
    assert any("公告" in node.action for node in before)
    after: list[Node] = [chart.node(node_id) for node_id in _reachable(chart, above[0].id)]
    assert any("合同" in node.action for node in after)
    assert any("备案" in node.action and "三资" in node.actor for node in after)
    assert all(node.id in _reachable(chart, below[0].id) for node in after if node.kind == "end")


@pytest.mark.parametrize(
    ("words", "must_have"),
    [
        (("采购",), "5000元"),
        (("工程",), "摇号"),
        (("用工",), "3万元"),
        (("闲置资金",), "300万元"),
        (("印章",), "拍"),
    ],
)
def test_the_procedures_from_the_documents_are_there(
    sample: Catalog, words: tuple[str, ...], must_have: str
) -> None:
    item = _only(sample, *words)
    assert must_have in json.dumps(asdict(item), ensure_ascii=False)


def test_every_cited_law_is_a_real_one(sample: Catalog) -> None:
    cited = {law.law for item in sample.items for law in item.legal_basis}
    assert cited <= REAL_LAWS, cited - REAL_LAWS
    assert all(item.legal_basis for item in sample.items)


def test_services_tell_villagers_what_to_bring_and_whom_to_ask(sample: Catalog) -> None:
    for item in sample.in_category("convenience_service"):
        assert item.materials, item.id
    for item in sample.items:
        assert item.contact.roster_role in ROSTER_ROLES, item.id
        assert item.time_limit and item.disclosure and item.accountability, item.id
        assert item.tags, item.id


def test_texts_are_short_enough_for_a_small_screen(sample: Catalog) -> None:
    for item in sample.items:
        assert len(item.name) <= 20, item.name
        for chart in item.flowcharts:
            for node in chart.nodes:
                assert len(node.action) <= 40, node.action


def test_the_sample_round_trips_through_json(sample: Catalog) -> None:
    body = powerlist.catalog_to_dict(sample)
    wire = json.loads(json.dumps(body, ensure_ascii=False))
    assert wire == body
    assert powerlist.catalog_from_dict(wire, "feed") == sample


def test_describe_gives_one_line_with_counts(sample: Catalog) -> None:
    line = powerlist.describe(sample)
    assert "\n" not in line
    for part in ("村级小微权力清单（示范样本）", "v1", "sample", "36 items", "重大决策 10",
                 "日常管理 9", "便民服务 17", "45 flowcharts"):
        assert part in line

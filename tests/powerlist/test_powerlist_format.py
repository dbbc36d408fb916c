"""Bad catalog files: every problem names the file, the item and the field,
and all problems are reported at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import powerlist
from powerlist import CatalogError
from tests.conftest import REPO
from tests.powerlist.helpers import MINIMAL, mutate

FLOWCHART_HEAD = '''  id = "main"
  title = "证明流程"
'''


def problems_of(text: str, source: str = "catalog.toml") -> list[str]:
    with pytest.raises(CatalogError) as caught:
        powerlist.parse_catalog(text, source)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def one_problem(text: str, *fragments: str) -> str:
    """The single problem in *text*; it must contain every fragment."""
    problems = problems_of(text)
    assert len(problems) == 1, problems
    for fragment in fragments:
        assert fragment in problems[0], (fragment, problems[0])
    return problems[0]


def with_edges(edges: str, nodes: str) -> str:
    """MINIMAL with its flowchart's nodes and edges replaced."""
    head, _, _ = MINIMAL.partition("    [[items.flowcharts.nodes]]")
    return mutate(head, FLOWCHART_HEAD, FLOWCHART_HEAD + f"  edges = [{edges}]\n") + nodes


def node(node_id: str, kind: str, action: str = "办理") -> str:
    return (f'\n    [[items.flowcharts.nodes]]\n    id = "{node_id}"\n    kind = "{kind}"\n'
            f'    actor = "村务工作者"\n    action = "{action}"\n')


def test_the_minimal_catalog_is_valid() -> None:
    catalog = powerlist.parse_catalog(MINIMAL, "catalog.toml")
    assert catalog.version == 3 and catalog.sample is False
    chart = catalog.item("BM-05").flowcharts[0]
    assert [(e.source, e.target) for e in chart.edges] == [("n1", "n2"), ("n2", "n3")]


def test_an_unknown_key_is_named_with_a_suggestion() -> None:
    text = mutate(MINIMAL, 'name = "村级证明出具"', 'name = "村级证明出具"\nnmae = "x"')
    one_problem(text, "catalog.toml: item BM-05 nmae:", "unknown key", 'did you mean "name"')


def test_an_unknown_key_in_a_node_is_named() -> None:
    text = mutate(MINIMAL, 'action = "领取证明"', 'action = "领取证明"\n    colour = "red"')
    one_problem(text, "catalog.toml: item BM-05 flowchart 1 node n3 colour:", "unknown key")


def test_a_wrong_type_is_named() -> None:
    text = mutate(MINIMAL, 'materials = ["身份证"]', 'materials = "身份证"')
    one_problem(text, "item BM-05 materials:", "must be a list")
    text = mutate(MINIMAL, "version = 3", 'version = "3"')
    one_problem(text, "catalog.toml: version:", "whole number")


def test_a_time_limit_that_is_not_text_is_refused() -> None:
    text = mutate(MINIMAL, 'time_limit = "3个工作日"', "time_limit = 3")
    one_problem(text, "catalog.toml: item BM-05 time_limit:", 'must be text such as "15个工作日"')
    text = mutate(MINIMAL, 'time_limit = "当场"', "time_limit = 1")
    one_problem(text, "item BM-05 flowchart 1 node n2 time_limit:", "must be text")


def test_duplicate_item_ids_are_refused() -> None:
    second = MINIMAL.partition("[[items]]")[2]
    problems = problems_of(MINIMAL + "\n[[items]]" + second)
    assert len(problems) == 1
    assert "catalog.toml: item BM-05 id:" in problems[0]
    assert "already used by item 1" in problems[0]


def test_duplicate_node_ids_are_refused() -> None:
    text = mutate(MINIMAL, 'id = "n2"', 'id = "n1"')
    problems = problems_of(text)
    assert any(
        "item BM-05 flowchart 1 node n1 id:" in p and "already used by node 1" in p
        for p in problems
    ), problems


def test_an_empty_name_is_refused() -> None:
    text = mutate(MINIMAL, 'name = "村级证明出具"', 'name = "  "')
    one_problem(text, "catalog.toml: item BM-05 name:", "is empty")


def test_an_unknown_category_is_refused() -> None:
    text = mutate(MINIMAL, 'category = "convenience_service"', 'category = "便民服务"')
    one_problem(text, "item BM-05 category:", "not a category", "convenience_service")


def test_a_missing_field_says_what_to_add() -> None:
    text = mutate(MINIMAL, 'accountability = "按规定追究责任。"\n', "")
    one_problem(text, "item BM-05 accountability:", "is missing; add accountability =")


def test_a_service_must_list_materials_but_public_power_need_not() -> None:
    text = mutate(MINIMAL, 'materials = ["身份证"]', "materials = []")
    one_problem(text, "item BM-05 materials:", "what to bring")
    public = mutate(text, 'category = "convenience_service"', 'category = "daily_management"')
    assert powerlist.parse_catalog(public, "catalog.toml").item("BM-05").materials == ()


def test_a_bad_item_id_is_refused_and_the_item_named_by_position() -> None:
    text = mutate(MINIMAL, 'id = "BM-05"', 'id = "bm 5"')
    one_problem(text, "catalog.toml: item 1 id:", "GP-01")


def test_every_problem_is_reported_not_just_the_first() -> None:
    text = mutate(MINIMAL, 'name = "村级证明出具"', 'name = ""')
    text = mutate(text, 'time_limit = "3个工作日"', "time_limit = 15")
    text = mutate(text, 'category = "convenience_service"', 'category = "other"')
    text = mutate(text, 'kind = "step"', 'kind = "box"')
    problems = problems_of(text)
    for fragment in ("item BM-05 name:", "item BM-05 time_limit:", "item BM-05 category:",
                     "item BM-05 flowchart 1 node n2 kind:"):
        assert any(fragment in problem for problem in problems), (fragment, problems)


def test_a_decision_with_one_branch_is_refused() -> None:
    text = with_edges(
        '{ from = "n1", to = "n2" }, { from = "n2", to = "n3", condition = "是" }',
        node("n1", "start") + node("n2", "decision", "价值是否1万元以上") + node("n3", "end"),
    )
    one_problem(
        text,
        'catalog.toml: item BM-05 flowchart 1 node n2: decision "价值是否1万元以上" '
        "has only one outgoing edge; label each branch",
    )


def test_a_decision_branch_without_a_label_is_refused() -> None:
    text = with_edges(
        '{ from = "n1", to = "n2" }, { from = "n2", to = "n3", condition = "是" },'
        ' { from = "n2", to = "n4" }',
        node("n1", "start") + node("n2", "decision", "是否同意") + node("n3", "end")
        + node("n4", "end"),
    )
    one_problem(text, "item BM-05 flowchart 1 node n2:", "the edge to n4 has no condition")


def test_an_edge_to_a_missing_node_is_refused() -> None:
    text = with_edges(
        '{ from = "n1", to = "n2" }, { from = "n2", to = "n9" }',
        node("n1", "start") + node("n2", "step") + node("n3", "end"),
    )
    problems = problems_of(text)
    assert any("item BM-05 flowchart 1 edge 2 to:" in p and "'n9'" in p for p in problems)


def test_unreachable_nodes_and_dead_ends_are_refused() -> None:
    text = with_edges(
        '{ from = "n1", to = "n2" }, { from = "n3", to = "n4" }',
        node("n1", "start") + node("n2", "step") + node("n3", "step") + node("n4", "end"),
    )
    problems = problems_of(text)
    assert any("flowchart 1 node n2:" in p and "leads nowhere" in p for p in problems)
    assert any("flowchart 1 node n3:" in p and "cannot be reached" in p for p in problems)
    assert any("flowchart 1 node n4:" in p and "cannot be reached" in p for p in problems)


def test_start_and_end_are_required() -> None:
    text = mutate(MINIMAL, 'kind = "start"', 'kind = "step"')
    one_problem(text, "item BM-05 flowchart 1:", "has no start node")
    text = mutate(MINIMAL, 'kind = "end"', 'kind = "step"')
    problems = problems_of(text)
    assert any("flowchart 1:" in p and "has no end node" in p for p in problems)
    text = mutate(MINIMAL, 'kind = "step"', 'kind = "start"')
    problems = problems_of(text)
    assert any("2 start nodes (n1, n2)" in p for p in problems)


def test_a_loop_with_no_way_out_is_refused() -> None:
    text = with_edges(
        '{ from = "n1", to = "n2" }, { from = "n2", to = "n3" }, { from = "n3", to = "n2" }',
        node("n1", "start") + node("n2", "step") + node("n3", "step") + node("n4", "end"),
    )
    problems = problems_of(text)
    assert any("node n2:" in p and "no path from here reaches an end" in p for p in problems)


def test_an_item_needs_a_flowchart() -> None:
    head = MINIMAL.partition("  [[items.flowcharts]]")[0]
    one_problem(head, "item BM-05 flowcharts:", "add at least one")


def test_invalid_toml_is_reported_with_the_file_name() -> None:
    problems = problems_of(mutate(MINIMAL, 'title = "测试县村级小微权力清单"', "title = 测试"))
    assert len(problems) == 1
    assert problems[0].startswith("catalog.toml: not valid TOML")


def test_a_utf8_file_with_a_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "catalog.toml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode("utf-8"))
    assert powerlist.validate_file(path) == []
    assert powerlist.load_catalog(path).item("BM-05").name == "村级证明出具"
    assert powerlist.parse_catalog("\ufeff" + MINIMAL, "x").id == "test-county"


def test_a_gbk_file_is_refused_with_save_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "gbk.toml"
    path.write_bytes(MINIMAL.encode("gbk"))
    problems = powerlist.validate_file(path)
    assert len(problems) == 1
    assert problems[0].startswith(str(path))
    assert "GBK" in problems[0] and "save as UTF-8" in problems[0]


def test_validate_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "town.toml"
    path.write_text(mutate(MINIMAL, "version = 3", "version = 0"), encoding="utf-8")
    problems = powerlist.validate_file(path)
    assert problems == [f"{path}: version: must be 1 or more, found 0"]
    missing = tmp_path / "missing.toml"
    assert powerlist.validate_file(missing) == [
        f"{missing}: no such file; check the name and folder"
    ]


def test_catalog_from_dict_checks_a_feed_body() -> None:
    body = powerlist.catalog_to_dict(powerlist.parse_catalog(MINIMAL, "catalog.toml"))
    body["items"][0]["flowcharts"][0]["nodes"][1]["kind"] = "decision"
    with pytest.raises(CatalogError) as caught:
        powerlist.catalog_from_dict(body, "feed catalog/test-county v3")
    assert caught.value.problems[0].startswith(
        "feed catalog/test-county v3: item BM-05 flowchart 1 node n2:"
    )
    body["updated"] = "1 June 2024"
    with pytest.raises(CatalogError) as caught:
        powerlist.catalog_from_dict(body, "feed")
    assert any("feed: updated:" in p for p in caught.value.problems)


def test_the_annotated_example_in_the_docs_is_a_valid_catalog() -> None:
    text = (REPO / "docs" / "catalog-format.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", text, re.S)
    assert example, "docs/catalog-format.md has no ```toml example"
    catalog = powerlist.parse_catalog(example.group(1), "catalog-format.md")
    assert powerlist.describe(catalog).endswith("1 item — 重大决策 0, 日常管理 0, 便民服务 1 — "
                                                "1 flowchart")


def test_a_number_too_long_to_read_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "catalog.toml"
    path.write_text('id = "x"\n\nversion = ' + "9" * 5000 + "\n", encoding="utf-8")
    [problem] = powerlist.validate_file(path)
    assert problem == (f"{path}: line 3: a number of 5000 digits cannot be read; a catalog's "
                       "numbers have a few digits: check that line")

"""A town's own items on top of the county's common list; finding items by
what a villager types."""

from __future__ import annotations

import pytest

import powerlist
from powerlist import Catalog, CatalogError, CatalogRef
from tests.powerlist.helpers import MINIMAL, mutate


@pytest.fixture(scope="module")
def common() -> Catalog:
    return powerlist.load_sample()


def town_list(based_on: str = "sample-common") -> Catalog:
    text = mutate(MINIMAL, 'id = "test-county"', f'id = "town-7"\nbased_on = "{based_on}"')
    text = mutate(text, 'id = "BM-05"', 'id = "BM-10"')
    text = mutate(text, 'name = "村级证明出具"', 'name = "村级证明出具（本镇）"')
    extra = text.partition("[[items]]")[2]
    extra = mutate(extra, 'id = "BM-10"', 'id = "TS-01"')
    extra = mutate(extra, 'name = "村级证明出具（本镇）"', 'name = "渔船停泊登记"')
    return powerlist.parse_catalog(text + "\n[[items]]" + extra, "town.toml")


def test_merge_replaces_common_items_and_adds_local_ones(common: Catalog) -> None:
    town = town_list()
    merged = powerlist.merge(common, town)
    assert len(merged.items) == len(common.items) + 1
    assert [item.id for item in merged.items[:-1]] == [item.id for item in common.items]
    assert merged.item("BM-10").name == "村级证明出具（本镇）"
    assert merged.item("BM-10").origin == "town-7"
    assert merged.items[-1].id == "TS-01" and merged.items[-1].origin == "town-7"
    assert merged.item("GP-01").origin == "sample-common"
    assert merged.item("GP-01").flowcharts == common.item("GP-01").flowcharts
    assert merged.replaced == ("BM-10",)
    assert merged.merged_from == (CatalogRef("sample-common", 1), CatalogRef("town-7", 3))
    assert (merged.id, merged.version, merged.based_on) == ("town-7", 3, "sample-common")
    assert "merged from sample-common v1 + town-7 v3" in powerlist.describe(merged)


def test_a_merged_catalog_round_trips_through_its_dict_form(common: Catalog) -> None:
    merged = powerlist.merge(common, town_list())
    assert powerlist.catalog_from_dict(powerlist.catalog_to_dict(merged), "feed") == merged


def test_merge_refuses_a_town_list_built_on_another_common_list(common: Catalog) -> None:
    with pytest.raises(CatalogError, match='set based_on = "sample-common"'):
        powerlist.merge(common, town_list(based_on="other-county"))


def test_search_finds_the_minimum_living_allowance(common: Catalog) -> None:
    found = powerlist.search(common, "低保")
    assert found and found[0].name == "最低生活保障申请（低保）"
    assert powerlist.search(common, " 低 保 ")[0] == found[0]


def test_search_finds_homestead_applications(common: Catalog) -> None:
    found = powerlist.search(common, "宅基地")
    assert found[0].id == "BM-01"
    assert "宅基地" in found[0].name


def test_search_ranks_name_matches_before_other_fields(common: Catalog) -> None:
    found = powerlist.search(common, "证明")
    names = ["证明" in item.name for item in found]
    assert names[0] is True and len(found) > 1
    assert names == sorted(names, reverse=True)  # all name matches come first


def test_search_looks_in_tags_materials_and_responsible_body(common: Catalog) -> None:
    assert common.item("BM-02") in powerlist.search(common, "困难户")  # a tag
    assert common.item("BM-01") in powerlist.search(common, "通用图集")  # a material
    assert common.item("BM-16") in powerlist.search(common, "人民调解委员会")  # the body
    assert powerlist.search(common, "养老 保险")[0].id == "BM-08"  # words apart
    assert powerlist.search(common, "   ") == []
    assert powerlist.search(common, "火星移民") == []

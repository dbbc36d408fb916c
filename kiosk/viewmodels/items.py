"""The item list: the items of one group (公共权力事项 or 便民服务事项),
under a heading for each category."""

from __future__ import annotations

from dataclasses import dataclass

from powerlist import CATEGORIES, PUBLIC_POWER, Catalog, PowerItem

#: Group key -> (title on screen, the categories in it).
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "public_power": ("公共权力事项", PUBLIC_POWER),
    "convenience_service": ("便民服务事项", ("convenience_service",)),
}


@dataclass(frozen=True)
class ListRow:
    """A row of the list: a heading, or an item to tap."""

    kind: str  # "heading" or "item"
    text: str
    item_id: str | None = None
    note: str = ""  # the overall time limit, under the name


def item_row(item: PowerItem) -> ListRow:
    return ListRow("item", item.name, item.id, f"办理时限：{item.time_limit}")


def group_rows(catalog: Catalog, group: str) -> list[ListRow]:
    """Rows for *group*: for each category, a heading with its count, then its items."""
    _, categories = GROUPS[group]
    rows: list[ListRow] = []
    for category in categories:
        items = catalog.in_category(category)
        if not items:
            continue
        rows.append(ListRow("heading", f"{CATEGORIES[category]}（{len(items)}项）"))
        rows.extend(item_row(item) for item in items)
    return rows


def group_title(group: str) -> str:
    return GROUPS[group][0]

"""The power-list catalog as values: a :class:`Catalog` of :class:`PowerItem`,
each run by one or more :class:`Flowchart` graphs of :class:`Node` and
:class:`Edge`.

Everything is frozen; lists are tuples. Build catalogs with
:func:`powerlist.codec.catalog_from_dict` or :func:`powerlist.files.load_catalog`,
which check what they build.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

#: Category key -> the Chinese name villagers and clerks know.
CATEGORIES: dict[str, str] = {
    "major_decision": "重大决策",
    "daily_management": "日常管理",
    "convenience_service": "便民服务",
}
#: The categories that together make up "public power" (公共权力).
PUBLIC_POWER = ("major_decision", "daily_management")

#: Node kind -> what it means on a flowchart.
NODE_KINDS: dict[str, str] = {
    "start": "开始",
    "step": "步骤",
    "decision": "判断",
    "end": "结束",
}


@dataclass(frozen=True)
class LegalBasis:
    """One law or regulation an item rests on (事项来源依据).

    *law* is the full name; *article* is given only where it has been checked.
    """

    law: str
    article: str | None = None


@dataclass(frozen=True)
class Contact:
    """Whom a villager asks: a role key in the roster the county publishes
    (the names and phone numbers live there, not in the catalog)."""

    roster_role: str


@dataclass(frozen=True)
class Node:
    """One box on a flowchart."""

    id: str
    kind: str  # a key of NODE_KINDS
    actor: str
    action: str
    time_limit: str | None = None
    publishes: str | None = None
    risk: str | None = None


@dataclass(frozen=True)
class Edge:
    """An arrow from one node to another; ``from``/``to`` in files."""

    source: str
    target: str
    condition: str | None = None


@dataclass(frozen=True)
class Flowchart:
    """The procedure of an item, as a graph with one start."""

    id: str
    title: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def node(self, node_id: str) -> Node:
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(f"flowchart {self.id} has no node {node_id!r}")

    def outgoing(self, node_id: str) -> tuple[Edge, ...]:
        return tuple(edge for edge in self.edges if edge.source == node_id)

    @property
    def start(self) -> Node:
        return next(node for node in self.nodes if node.kind == "start")


@dataclass(frozen=True)
class PowerItem:
    """One power or service on the list, with everything a villager or a
    supervisor needs to know about it."""

    id: str
    name: str
    category: str  # a key of CATEGORIES
    responsible_body: str
    handler: str
    legal_basis: tuple[LegalBasis, ...]
    materials: tuple[str, ...]
    flowcharts: tuple[Flowchart, ...]
    time_limit: str
    disclosure: tuple[str, ...]
    accountability: str
    contact: Contact
    integrity_risks: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    origin: str | None = None  # the catalog id it came from, set by merge

    @property
    def is_public_power(self) -> bool:
        return self.category in PUBLIC_POWER

    @property
    def category_name(self) -> str:
        return CATEGORIES[self.category]


@dataclass(frozen=True)
class CatalogRef:
    """A catalog named by id and version, as recorded in a merged catalog."""

    id: str
    version: int


@dataclass(frozen=True)
class Catalog:
    """A whole power list: a county's common list, a town's own list, or the
    two merged."""

    id: str
    title: str
    version: int
    issued_by: str
    updated: date
    items: tuple[PowerItem, ...]
    sample: bool = False
    based_on: str | None = None
    merged_from: tuple[CatalogRef, ...] = ()
    replaced: tuple[str, ...] = ()  # common item ids that a town's items replaced

    def item(self, item_id: str) -> PowerItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"catalog {self.id} has no item {item_id!r}")

    def in_category(self, category: str) -> tuple[PowerItem, ...]:
        return tuple(item for item in self.items if item.category == category)

    @property
    def flowchart_count(self) -> int:
        return sum(len(item.flowcharts) for item in self.items)

"""The dict form of a catalog, as written in a TOML file or carried in the
body of a signed ``catalog`` feed document (JSON-safe: dates as
``YYYY-MM-DD`` text).

:func:`catalog_from_dict` checks every key and collects every problem before
it raises :class:`~powerlist.errors.CatalogError`; :func:`catalog_to_dict`
writes the canonical form, which reads back to an equal catalog.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from powerlist.errors import Problems
from powerlist.graph import check_flowchart
from powerlist.model import (
    CATEGORIES,
    NODE_KINDS,
    Catalog,
    CatalogRef,
    Contact,
    Edge,
    Flowchart,
    LegalBasis,
    Node,
    PowerItem,
)

#: The largest whole number a signed document carries (JSON's safe integer,
#: ``protocol.canonical.MAX_SAFE_INTEGER``; powerlist is a leaf, so it is
#: said here again): a bigger version could be validated but never published.
MAX_WHOLE = 2**53 - 1

CATALOG_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")  # as a feed document name
ITEM_ID = re.compile(r"[A-Z][A-Z0-9]{0,7}(?:-[A-Z0-9]{1,8}){0,2}")
LOCAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
ROSTER_ROLE = re.compile(r"[a-z][a-z0-9_]{0,39}")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

CATALOG_KEYS = ("id", "title", "version", "issued_by", "based_on", "updated", "sample",
                "merged_from", "replaced", "items")
ITEM_KEYS = ("id", "name", "category", "responsible_body", "handler", "contact", "time_limit",
             "materials", "legal_basis", "disclosure", "accountability", "integrity_risks",
             "tags", "origin", "flowcharts")
FLOWCHART_KEYS = ("id", "title", "nodes", "edges")
NODE_KEYS = ("id", "kind", "actor", "action", "time_limit", "publishes", "risk")
EDGE_KEYS = ("from", "to", "condition")

#: What to write, shown when a text field is missing or of the wrong type.
EXAMPLES = {
    "time_limit": '"15个工作日"',
    "title": '"村级小微权力清单"',
    "name": '"最低生活保障申请"',
    "issued_by": '"某某县"',
    "law": '"中华人民共和国村民委员会组织法"',
    "condition": '"是"',
}

_TYPE_NAMES = {bool: "true/false", int: "integer", float: "number", str: "text",
               list: "list", dict: "table"}


def _found(value: Any) -> str:
    kind = "date" if isinstance(value, date) else _TYPE_NAMES.get(type(value), "value")
    shown = repr(value) if not isinstance(value, date) else value.isoformat()
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return f"{shown} ({kind})"


class _Table:
    """One table of the input, read key by key; problems go under *where*."""

    def __init__(self, data: Any, where: str, problems: Problems, known: Iterable[str]) -> None:
        self.where = where
        self.problems = problems
        self.data: dict[str, Any] = {}
        if not isinstance(data, dict):
            problems.add(where, f"must be a table of keys, found {_found(data)}")
            return
        self.data = data
        known = tuple(known)
        for key in data:
            if key not in known:
                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                problems.add(
                    self._at(str(key)),
                    f"unknown key{hint}; the keys here are: {', '.join(known)}",
                )

    def _at(self, key: str) -> str:
        return f"{self.where} {key}".strip()

    def add(self, key: str, message: str) -> None:
        self.problems.add(self._at(key), message)

    def has(self, key: str) -> bool:
        return key in self.data

    def text(self, key: str, *, required: bool = True) -> str | None:
        if key not in self.data:
            if required:
                example = EXAMPLES.get(key, '"..."')
                self.add(key, f"is missing; add {key} = {example}")
            return None
        value: object = self.data[key]
        if not isinstance(value, str):
            known = EXAMPLES.get(key)
            such = f" such as {known}" if known else ""
            self.add(key, f"must be text{such} in quotes, found {_found(value)}")
            return None
        if not value.strip():
            self.add(key, "is empty; write something or remove the key")
            return None
        return value.strip()

    def pattern(self, key: str, pattern: re.Pattern[str], hint: str, *,
                required: bool = True) -> str | None:
        value = self.text(key, required=required)
        if value is not None and not pattern.fullmatch(value):
            self.add(key, f"{value!r} is not a valid code; {hint}")
            return None
        return value

    def texts(self, key: str, *, at_least_one: str | None = None) -> tuple[str, ...]:
        """A list of text; *at_least_one* is the advice when an empty list is wrong."""
        value = self.data.get(key, [])
        if not isinstance(value, list):
            self.add(key, f'must be a list of text like ["...", "..."], found {_found(value)}')
            return ()
        result = []
        for number, entry in enumerate(value, start=1):
            if not isinstance(entry, str):
                self.add(f"{key} {number}", f"must be text in quotes, found {_found(entry)}")
            elif not entry.strip():
                self.add(f"{key} {number}", "is empty; write something or remove it")
            else:
                result.append(entry.strip())
        if at_least_one and not value:
            self.add(key, f"is empty or missing; {at_least_one}")
        return tuple(result)

    def tables(self, key: str, *, at_least_one: str | None = None) -> list[Any]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            self.add(key, f"must be a list of tables, found {_found(value)}; in a file, start "
                          f"each one with a [[...{key}]] heading (two brackets)")
            return []
        if at_least_one and not value:
            self.add(key, f"is empty or missing; {at_least_one}")
        return value

    def integer(self, key: str, *, minimum: int, maximum: int = MAX_WHOLE) -> int | None:
        if key not in self.data:
            self.add(key, f"is missing; add {key} = {minimum}")
            return None
        value = self.data[key]
        if not isinstance(value, int) or isinstance(value, bool):
            self.add(key, f"must be a whole number without quotes, found {_found(value)}")
            return None
        if value < minimum:
            self.add(key, f"must be {minimum} or more, found {value}")
            return None
        if value > maximum:
            self.add(key, f"must be {maximum} or less (the largest whole number a signed "
                          f"list can carry), found {value}")
            return None
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.add(key, f"must be true or false without quotes, found {_found(value)}")
            return default
        return value

    def day(self, key: str) -> date | None:
        if key not in self.data:
            self.add(key, f"is missing; add {key} = {date(2024, 1, 31).isoformat()}")
            return None
        value = self.data[key]
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str) and ISO_DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.add(key, f"must be a date like 2024-01-31 (no time), found {_found(value)}")
        return None


class _Reader:
    """Builds a catalog from its dict form, collecting problems as it goes.
    Fields with problems get placeholder values; the caller raises before
    such a catalog escapes."""

    def __init__(self, source: str) -> None:
        self.problems = Problems(source)

    def catalog(self, data: Any) -> Catalog:
        table = _Table(data, "", self.problems, CATALOG_KEYS)
        catalog_id = table.pattern(
            "id", CATALOG_ID, "use letters, digits, '.', '_' and '-', e.g. ninghai-2024"
        )
        title = table.text("title")
        version = table.integer("version", minimum=1)
        issued_by = table.text("issued_by")
        based_on = table.pattern(
            "based_on", CATALOG_ID, "give the id of the county's common list", required=False
        )
        updated = table.day("updated")
        sample = table.boolean("sample", False)
        merged_from = tuple(
            self.reference(entry, f"merged_from {number}")
            for number, entry in enumerate(table.tables("merged_from"), start=1)
        )
        replaced = table.texts("replaced")
        items = [
            self.item(entry, number)
            for number, entry in enumerate(
                table.tables("items", at_least_one="add at least one [[items]] table"), start=1
            )
        ]
        self.check_unique(
            [(item.id, f"item {number}") for number, item in enumerate(items, start=1)],
            lambda first, number: (f"item {items[number - 1].id} id",
                                   f"{items[number - 1].id} is already used by {first}; "
                                   "give each item its own code"),
        )
        return Catalog(
            id=catalog_id or "", title=title or "", version=version or 1,
            issued_by=issued_by or "", updated=updated or date.min, items=tuple(items),
            sample=sample, based_on=based_on, merged_from=merged_from, replaced=replaced,
        )

    def check_unique(self, named: list[tuple[str, str]], report: Any) -> None:
        """*named* holds (id, label) in order; *report(first_label, number)*
        gives (where, message) for each repeat."""
        first: dict[str, str] = {}
        for number, (name, label) in enumerate(named, start=1):
            if not name:
                continue
            if name in first:
                self.problems.add(*report(first[name], number))
            else:
                first[name] = label

    def reference(self, data: Any, where: str) -> CatalogRef:
        table = _Table(data, where, self.problems, ("id", "version"))
        catalog_id = table.pattern("id", CATALOG_ID, "give a catalog id")
        version = table.integer("version", minimum=1)
        return CatalogRef(catalog_id or "", version or 1)

    def item(self, data: Any, number: int) -> PowerItem:
        item_id = None
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            candidate = data["id"].strip()
            item_id = candidate if ITEM_ID.fullmatch(candidate) else None
        where = f"item {item_id}" if item_id else f"item {number}"
        table = _Table(data, where, self.problems, ITEM_KEYS)
        table.pattern("id", ITEM_ID, "use capital letters, digits and '-', e.g. GP-01 or BM-05")
        name = table.text("name")
        category = table.text("category")
        if category is not None and category not in CATEGORIES:
            known = ", ".join(f"{key} ({label})" for key, label in CATEGORIES.items())
            table.add("category", f"{category!r} is not a category; use one of {known}")
            category = None
        contact = self.contact(table.data.get("contact"), f"{where} contact", table)
        materials = table.texts(
            "materials",
            at_least_one=(
                "a service item must tell villagers what to bring"
                if category == "convenience_service" else None
            ),
        )
        laws = tuple(
            self.law(entry, f"{where} legal_basis {count}")
            for count, entry in enumerate(
                table.tables("legal_basis", at_least_one="name at least one law or regulation"),
                start=1,
            )
        )
        flowcharts = tuple(
            self.flowchart(entry, f"{where} flowchart {count}")
            for count, entry in enumerate(
                table.tables("flowcharts", at_least_one="add at least one [[items.flowcharts]]"),
                start=1,
            )
        )
        self.check_unique(
            [(chart.id, f"flowchart {count}") for count, chart in enumerate(flowcharts, start=1)],
            lambda first, count: (f"{where} flowchart {count} id",
                                  f"{flowcharts[count - 1].id!r} is already used by {first}"),
        )
        return PowerItem(
            id=item_id or "",
            name=name or "",
            category=category or "",
            responsible_body=table.text("responsible_body") or "",
            handler=table.text("handler") or "",
            legal_basis=laws,
            materials=materials,
            flowcharts=flowcharts,
            time_limit=table.text("time_limit") or "",
            disclosure=table.texts(
                "disclosure", at_least_one="say what is made public, when and where"
            ),
            accountability=table.text("accountability") or "",
            contact=contact,
            integrity_risks=table.texts("integrity_risks"),
            tags=table.texts("tags"),
            origin=table.pattern("origin", CATALOG_ID, "give a catalog id", required=False),
        )

    def contact(self, data: Any, where: str, item: _Table) -> Contact:
        if data is None:
            item.add("contact", 'is missing; add contact = { roster_role = "village_clerk" }')
            return Contact("")
        table = _Table(data, where, self.problems, ("roster_role",))
        role = table.pattern(
            "roster_role", ROSTER_ROLE,
            "use lower-case letters, digits and '_' as in the county roster, "
            "e.g. village_accountant",
        )
        return Contact(role or "")

    def law(self, data: Any, where: str) -> LegalBasis:
        table = _Table(data, where, self.problems, ("law", "article"))
        return LegalBasis(table.text("law") or "", table.text("article", required=False))

    def flowchart(self, data: Any, where: str) -> Flowchart:
        before = len(self.problems.items)
        table = _Table(data, where, self.problems, FLOWCHART_KEYS)
        chart_id = table.pattern("id", LOCAL_ID, "use letters, digits, '_' and '-'")
        title = table.text("title")
        nodes = [
            self.node(entry, where, count)
            for count, entry in enumerate(
                table.tables("nodes", at_least_one="add the steps as [[items.flowcharts.nodes]]"),
                start=1,
            )
        ]
        self.check_unique(
            [(node.id, f"node {count}") for count, node in enumerate(nodes, start=1)],
            lambda first, count: (f"{where} node {nodes[count - 1].id} id",
                                  f"{nodes[count - 1].id!r} is already used by {first}; "
                                  "give each node its own id"),
        )
        if table.has("edges"):
            edges = [
                self.edge(entry, f"{where} edge {count}")
                for count, entry in enumerate(table.tables("edges"), start=1)
            ]
        else:  # no edges written: the steps follow one another in the order written
            edges = [
                Edge(node.id, after.id)
                for node, after in pairwise(nodes)
                if node.kind != "end"
            ]
        chart = Flowchart(chart_id or "", title or "", tuple(nodes), tuple(edges))
        if len(self.problems.items) == before:  # the shape is only worth checking when sound
            check_flowchart(chart, where, self.problems)
        return chart

    def node(self, data: Any, chart_where: str, count: int) -> Node:
        node_id = data.get("id") if isinstance(data, dict) else None
        label = node_id if isinstance(node_id, str) and LOCAL_ID.fullmatch(node_id) else count
        table = _Table(data, f"{chart_where} node {label}", self.problems, NODE_KEYS)
        node_id = table.pattern("id", LOCAL_ID, "use letters, digits, '_' and '-', e.g. n3")
        kind = table.text("kind")
        if kind is not None and kind not in NODE_KINDS:
            table.add("kind", f"{kind!r} is not a node kind; use one of {', '.join(NODE_KINDS)}")
            kind = None
        return Node(
            id=node_id or "",
            kind=kind or "",
            actor=table.text("actor") or "",
            action=table.text("action") or "",
            time_limit=table.text("time_limit", required=False),
            publishes=table.text("publishes", required=False),
            risk=table.text("risk", required=False),
        )

    def edge(self, data: Any, where: str) -> Edge:
        table = _Table(data, where, self.problems, EDGE_KEYS)
        return Edge(
            source=table.text("from") or "",
            target=table.text("to") or "",
            condition=table.text("condition", required=False),
        )


def catalog_from_dict(data: Any, source: str) -> Catalog:
    """Check *data* (a parsed TOML file or a feed document body) and build the
    catalog; *source* names it in problems. Raises
    :class:`~powerlist.errors.CatalogError` listing every problem."""
    reader = _Reader(source)
    catalog = reader.catalog(data)
    reader.problems.raise_if_any()
    return catalog


def _drop_none(pairs: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in pairs.items() if value is not None}


def _flowchart_to_dict(chart: Flowchart) -> dict[str, Any]:
    return {
        "id": chart.id,
        "title": chart.title,
        "nodes": [
            _drop_none({"id": node.id, "kind": node.kind, "actor": node.actor,
                        "action": node.action, "time_limit": node.time_limit,
                        "publishes": node.publishes, "risk": node.risk})
            for node in chart.nodes
        ],
        "edges": [
            _drop_none({"from": edge.source, "to": edge.target, "condition": edge.condition})
            for edge in chart.edges
        ],
    }


def _item_to_dict(item: PowerItem) -> dict[str, Any]:
    return _drop_none({
        "id": item.id,
        "name": item.name,
        "category": item.category,
        "responsible_body": item.responsible_body,
        "handler": item.handler,
        "contact": {"roster_role": item.contact.roster_role},
        "time_limit": item.time_limit,
        "materials": list(item.materials),
        "legal_basis": [_drop_none({"law": law.law, "article": law.article})
                        for law in item.legal_basis],
        "disclosure": list(item.disclosure),
        "accountability": item.accountability,
        "integrity_risks": list(item.integrity_risks),
        "tags": list(item.tags),
        "origin": item.origin,
        "flowcharts": [_flowchart_to_dict(chart) for chart in item.flowcharts],
    })


def catalog_to_dict(catalog: Catalog) -> dict[str, Any]:
    """The canonical, JSON-safe dict form; edges are always written out."""
    return _drop_none({
        "id": catalog.id,
        "title": catalog.title,
        "version": catalog.version,
        "issued_by": catalog.issued_by,
        "based_on": catalog.based_on,
        "updated": catalog.updated.isoformat(),
        "sample": catalog.sample,
        "merged_from": [{"id": ref.id, "version": ref.version} for ref in catalog.merged_from],
        "replaced": list(catalog.replaced),
        "items": [_item_to_dict(item) for item in catalog.items],
    })

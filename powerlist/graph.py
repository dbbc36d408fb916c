"""Checks that a flowchart is a procedure a villager can follow: one start,
at least one end, arrows between nodes that exist, every node reachable,
every decision with labelled branches, and no step that leads nowhere."""

from __future__ import annotations

from collections.abc import Iterable

from powerlist.errors import Problems
from powerlist.model import Edge, Flowchart, Node


def _label(node: Node) -> str:
    return f"{node.kind} \"{node.action}\""


def _reachable(start: str, edges: Iterable[tuple[str, str]]) -> set[str]:
    following: dict[str, list[str]] = {}
    for source, target in edges:
        following.setdefault(source, []).append(target)
    seen = {start}
    waiting = [start]
    while waiting:
        for target in following.get(waiting.pop(), []):
            if target not in seen:
                seen.add(target)
                waiting.append(target)
    return seen


def check_flowchart(flowchart: Flowchart, where: str, problems: Problems) -> None:
    """Add to *problems* everything wrong with the shape of *flowchart*;
    *where* names it, e.g. ``item BM-05 flowchart 1``."""
    nodes = {node.id: node for node in flowchart.nodes}
    starts = [node.id for node in flowchart.nodes if node.kind == "start"]
    ends = [node.id for node in flowchart.nodes if node.kind == "end"]
    if not starts:
        problems.add(where, 'has no start node; give the first node kind = "start"')
    elif len(starts) > 1:
        problems.add(
            where, f"has {len(starts)} start nodes ({', '.join(starts)}); keep exactly one"
        )
    if not ends:
        problems.add(where, 'has no end node; give the last node kind = "end"')

    good: list[Edge] = []
    for number, edge in enumerate(flowchart.edges, start=1):
        fine = True
        for field, node_id in (("from", edge.source), ("to", edge.target)):
            if node_id not in nodes:
                problems.add(
                    f"{where} edge {number} {field}",
                    f"names node {node_id!r}, which this flowchart does not have",
                )
                fine = False
        if fine:
            good.append(edge)

    dead: set[str] = set()
    for node in flowchart.nodes:
        place = f"{where} node {node.id}"
        leaving = [edge for edge in good if edge.source == node.id]
        if node.kind == "end":
            if leaving:
                problems.add(place, "is an end node but has an edge going out; remove it")
            continue
        if not leaving:
            dead.add(node.id)
            problems.add(
                place,
                f'{_label(node)} leads nowhere; add an edge from it or make it kind = "end"',
            )
        elif node.kind == "decision":
            if len(leaving) < 2:
                problems.add(
                    place,
                    f"{_label(node)} has only one outgoing edge; label each branch",
                )
            unlabelled = [edge.target for edge in leaving if not edge.condition]
            if unlabelled:
                problems.add(
                    place,
                    f"{_label(node)}: the edge to {', '.join(unlabelled)} has no condition; "
                    'label each branch, e.g. condition = "是" / "否"',
                )

    if len(starts) != 1:
        return
    pairs = [(edge.source, edge.target) for edge in good]
    reached = _reachable(starts[0], pairs)
    for node in flowchart.nodes:
        if node.id not in reached:
            problems.add(
                f"{where} node {node.id}",
                "cannot be reached from the start; connect it with an edge or remove it",
            )
    backwards = [(target, source) for source, target in pairs]
    finishing: set[str] = set()
    for end in ends:
        finishing |= _reachable(end, backwards)
    for node in flowchart.nodes:
        if ends and node.id in reached and node.id not in finishing | dead:
            problems.add(
                f"{where} node {node.id}",
                f"{_label(node)}: no path from here reaches an end; add a way out",
            )
